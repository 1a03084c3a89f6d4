// bench/checksum_bench.cpp — throughput of checksum::sum (RFC 1071) over
// typical packet sizes, against a byte-at-a-time loop as written in RFC 1071
// 4.1 as the baseline.
//
//   ./build/bench/wirestack_bench_checksum --benchmark_counters_tabular=true
//
// Sizes: a minimum frame (64), the IPv4 minimum reassembly size (576), an
// Ethernet MTU (1500), a jumbo frame (9000) and a maximum IPv4 datagram
// (65536). Each buffer starts 2 bytes past an 8-byte boundary, as an IP header
// does after a 14-byte Ethernet header in a frame buffer.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "base/bytes.hpp"
#include "wire/checksum.hpp"

namespace wirestack {
namespace {

constexpr std::size_t kAlignSkew = 2;

std::vector<std::byte> random_buffer(std::size_t n) {
  std::vector<std::byte> v(n + kAlignSkew);
  std::mt19937 rng(static_cast<std::uint32_t>(n));
  for (auto& b : v) b = static_cast<std::byte>(rng());
  return v;
}

// RFC 1071 4.1, one 16-bit word per iteration, 32-bit accumulator.
std::uint16_t reference_sum(Bytes data) {
  std::uint32_t s = 0;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) s += load_be16(data, i);
  if (i < data.size()) s += std::uint32_t{load_u8(data, i)} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

template <std::uint16_t (*Sum)(Bytes)>
void run(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto buf = random_buffer(n);
  Bytes data = Bytes(buf).subspan(kAlignSkew, n);
  for (auto _ : state) {
    // Hide the span from the optimiser so the sum is recomputed each time,
    // and keep the result so the work cannot be dropped.
    benchmark::DoNotOptimize(data);
    std::uint16_t s = Sum(data);
    benchmark::DoNotOptimize(s);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["checksum"] = static_cast<double>(Sum(data));  // same value for both: a visible cross-check
}

std::uint16_t wirestack_sum(Bytes data) { return checksum::sum(data); }

void BM_ChecksumSum(benchmark::State& state) { run<wirestack_sum>(state); }
void BM_ReferenceByteLoop(benchmark::State& state) { run<reference_sum>(state); }

// A segment's payload leaving the send ring: copied into the frame and
// summed, in two passes (memcpy, then sum) or in one (copy_and_sum).
template <bool kFolded>
void copy_then_sum(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto buf = random_buffer(n);
  std::vector<std::byte> out(n + 64);
  Bytes data = Bytes(buf).subspan(kAlignSkew, n);
  MutBytes dst = MutBytes(out).subspan(kAlignSkew + 4, n);  // after a 14+20+20+12-byte header: offset 66
  for (auto _ : state) {
    benchmark::DoNotOptimize(data);
    std::uint16_t s;
    if constexpr (kFolded) {
      s = checksum::copy_and_sum(dst, data);
    } else {
      std::copy(data.begin(), data.end(), dst.begin());
      s = checksum::sum(Bytes(dst));
    }
    benchmark::DoNotOptimize(s);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
void BM_CopyThenSum(benchmark::State& state) { copy_then_sum<false>(state); }
void BM_CopyAndSum(benchmark::State& state) { copy_then_sum<true>(state); }

BENCHMARK(BM_ChecksumSum)->Arg(64)->Arg(576)->Arg(1500)->Arg(9000)->Arg(65536);
BENCHMARK(BM_CopyThenSum)->Arg(1448)->Arg(65536);
BENCHMARK(BM_CopyAndSum)->Arg(1448)->Arg(65536);
BENCHMARK(BM_ReferenceByteLoop)->Arg(64)->Arg(576)->Arg(1500)->Arg(9000)->Arg(65536);

}  // namespace
}  // namespace wirestack
