#include "loop/impairment.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace wirestack::loop {

namespace {

std::optional<double> parse_number(std::string_view text) {
  double v = 0;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

Result<double, std::string> parse_percent(std::string_view key, std::string_view value) {
  const std::string item = std::string(key) + "=" + std::string(value);
  if (value.empty() || value.back() != '%') return Unexpected{item + ": expected a percentage such as 5%"};
  auto v = parse_number(value.substr(0, value.size() - 1));
  if (!v || *v < 0 || *v > 100) return Unexpected{item + ": expected a percentage from 0% to 100%"};
  return *v / 100.0;
}

Result<Duration, std::string> parse_duration(std::string_view key, std::string_view value) {
  const std::string item = std::string(key) + "=" + std::string(value);
  struct Unit {
    std::string_view suffix;
    double nanos;
  };
  // Longest suffixes first: "ms" before "s".
  static constexpr Unit kUnits[] = {{"us", 1e3}, {"ms", 1e6}, {"ns", 1}, {"s", 1e9}};
  for (const auto& u : kUnits) {
    if (value.size() > u.suffix.size() && value.ends_with(u.suffix)) {
      auto v = parse_number(value.substr(0, value.size() - u.suffix.size()));
      if (!v || *v < 0 || *v * u.nanos > 60e9) break;
      return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds{std::llround(*v * u.nanos)});
    }
  }
  return Unexpected{item + ": expected a duration from 0 to 60s with a unit (ns, us, ms, s), such as 10ms"};
}

std::string percent_text(double p) {
  std::ostringstream os;
  os << p * 100 << '%';
  return os.str();
}

std::string duration_text(Duration d) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  std::ostringstream os;
  if (ns % 1'000'000 == 0) {
    os << ns / 1'000'000 << "ms";
  } else if (ns % 1000 == 0) {
    os << ns / 1000 << "us";
  } else {
    os << ns << "ns";
  }
  return os.str();
}

}  // namespace

bool ImpairmentSpec::active() const {
  return loss > 0 || duplicate > 0 || delay > Duration::zero() || jitter > Duration::zero();
}

std::string ImpairmentSpec::to_string() const {
  std::string out;
  auto add = [&out](const std::string& item) { out += (out.empty() ? "" : ",") + item; };
  if (loss > 0) add("loss=" + percent_text(loss));
  if (delay > Duration::zero()) add("delay=" + duration_text(delay));
  if (jitter > Duration::zero()) add("jitter=" + duration_text(jitter));
  if (reorder > 0) add("reorder=" + percent_text(reorder));
  if (duplicate > 0) add("duplicate=" + percent_text(duplicate));
  if (limit != ImpairmentSpec{}.limit) add("limit=" + std::to_string(limit));
  return out.empty() ? "none" : out;
}

Result<ImpairmentSpec, std::string> ImpairmentSpec::parse(std::string_view text) {
  ImpairmentSpec spec;
  if (text.empty()) return Unexpected{std::string("empty; expected items such as loss=5%,delay=10ms")};
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Unexpected{"\"" + std::string(item) + "\": expected KEY=VALUE (loss, delay, jitter, reorder, duplicate, limit)"};
    }
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "loss" || key == "duplicate" || key == "reorder") {
      auto p = parse_percent(key, value);
      if (!p) return Unexpected{p.error()};
      (key == "loss" ? spec.loss : key == "duplicate" ? spec.duplicate : spec.reorder) = *p;
    } else if (key == "delay" || key == "jitter") {
      auto d = parse_duration(key, value);
      if (!d) return Unexpected{d.error()};
      (key == "delay" ? spec.delay : spec.jitter) = *d;
    } else if (key == "limit") {
      std::size_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || p != value.data() + value.size() || n == 0 || n > 1'000'000) {
        return Unexpected{"limit=" + std::string(value) + ": expected a frame count from 1 to 1000000"};
      }
      spec.limit = n;
    } else {
      return Unexpected{"unknown item \"" + std::string(key) +
                        "\": expected loss, delay, jitter, reorder, duplicate or limit"};
    }
  }
  if (spec.reorder > 0 && spec.delay == Duration::zero()) {
    return Unexpected{std::string("reorder needs a delay to reorder against (as netem's): add delay=...")};
  }
  return spec;
}

void Impairment::push(Bytes frame, Instant now) {
  ++counters_.frames;
  // As netem_enqueue(): the duplicate draw comes first, and loss then only
  // cancels the extra copy (the frame itself still goes); the copy is
  // enqueued again on its own and meets loss once more.
  const bool duplicate = rng_.chance(spec_.duplicate);
  const bool lost = rng_.chance(spec_.loss);
  if (lost && !duplicate) {
    ++counters_.dropped_loss;
    return;
  }
  enqueue(frame, now);
  if (duplicate) {
    ++counters_.duplicated;
    if (rng_.chance(spec_.loss)) {
      ++counters_.dropped_loss;
    } else {
      enqueue(frame, now);
    }
  }
}

void Impairment::enqueue(Bytes frame, Instant now) {
  if (queue_.size() >= spec_.limit) {
    ++counters_.dropped_limit;
    return;
  }
  Duration wait{};
  if (spec_.reorder > 0 && rng_.chance(spec_.reorder)) {
    ++counters_.reordered;
  } else {
    wait = spec_.delay;
    if (spec_.jitter > Duration::zero()) {
      const auto span = static_cast<double>(spec_.jitter.count());
      const auto offset = static_cast<Duration::rep>((rng_.uniform() * 2 - 1) * span);
      wait = std::max(Duration::zero(), wait + Duration{offset});
    }
  }
  queue_.push_back(Waiting{.due = now + wait, .order = next_order_++, .frame = {frame.begin(), frame.end()}});
  std::push_heap(queue_.begin(), queue_.end(), Later{});
}

void Impairment::release(Instant now, const std::function<void(Bytes)>& deliver) {
  while (!queue_.empty() && queue_.front().due <= now) {
    std::pop_heap(queue_.begin(), queue_.end(), Later{});  // the earliest to the back
    std::vector<std::byte> frame = std::move(queue_.back().frame);
    queue_.pop_back();
    ++counters_.released;
    deliver(frame);
  }
}

std::optional<Instant> Impairment::next_release() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.front().due;
}

}  // namespace wirestack::loop
