// tests/report/png_probe.cpp — what a screenshot shows in a rectangle, for
// the report's browser tests: how many pixels are not white, and how many
// are near each colour asked for. Reads the PNGs Chromium writes (8-bit RGB
// or RGBA, not interlaced) with zlib; nothing else is supported, and
// anything else is an error (exit 2), never a guess.
//
//   png_probe SHOT.png X Y W H [RRGGBB...]
//   -> size 1400 900
//      nonwhite 51234 of 630000
//      color dc2626 812
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "png_probe: %s\n", why.c_str());
  std::exit(2);
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct Image {
  std::uint32_t w = 0, h = 0;
  std::vector<std::uint8_t> rgb;  // 3 bytes a pixel
};

Image read_png(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("cannot open " + path);
  const std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  static constexpr std::uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (b.size() < 8 || !std::equal(kSig, kSig + 8, b.begin())) fail(path + " is not a PNG");
  Image img;
  int color = -1;
  std::vector<std::uint8_t> idat;
  for (std::size_t p = 8; p + 12 <= b.size();) {
    const std::uint32_t len = be32(&b[p]);
    if (p + 12 + len > b.size()) fail("truncated chunk");
    const std::string type(reinterpret_cast<const char*>(&b[p + 4]), 4);
    const std::uint8_t* d = &b[p + 8];
    if (type == "IHDR") {
      img.w = be32(d);
      img.h = be32(d + 4);
      if (d[8] != 8 || d[12] != 0) fail("only 8-bit, non-interlaced PNGs");
      color = d[9];
      if (color != 2 && color != 6) fail("only RGB or RGBA PNGs");
    } else if (type == "IDAT") {
      idat.insert(idat.end(), d, d + len);
    } else if (type == "IEND") {
      break;
    }
    p += 12 + len;
  }
  if (color < 0 || img.w == 0 || img.h == 0 || img.w > 20000 || img.h > 200000) fail("no usable IHDR");
  const std::size_t bpp = color == 6 ? 4 : 3;
  const std::size_t stride = img.w * bpp;
  std::vector<std::uint8_t> raw((stride + 1) * img.h);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, idat.data(), idat.size()) != Z_OK || raw_len != raw.size()) {
    fail("bad image data");
  }
  std::vector<std::uint8_t> prev(stride, 0), cur(stride);
  img.rgb.resize(std::size_t{img.w} * img.h * 3);
  for (std::uint32_t y = 0; y < img.h; ++y) {
    const std::uint8_t* line = &raw[y * (stride + 1)];
    const std::uint8_t filter = line[0];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= bpp ? cur[i - bpp] : 0, up = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      int v = line[1 + i];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += up; break;
        case 3: v += (a + up) / 2; break;
        case 4: {
          const int pa = std::abs(up - c), pb = std::abs(a - c), pc = std::abs(a + up - 2 * c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
          break;
        }
        default: fail("bad filter type");
      }
      cur[i] = static_cast<std::uint8_t>(v);
    }
    for (std::uint32_t x = 0; x < img.w; ++x) {
      for (int k = 0; k < 3; ++k) img.rgb[(std::size_t{y} * img.w + x) * 3 + k] = cur[x * bpp + k];
    }
    std::swap(prev, cur);
  }
  return img;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: png_probe SHOT.png X Y W H [RRGGBB...]\n");
    return 2;
  }
  const Image img = read_png(argv[1]);
  const long x0 = std::atol(argv[2]), y0 = std::atol(argv[3]);
  const long x1 = std::min<long>(x0 + std::atol(argv[4]), img.w), y1 = std::min<long>(y0 + std::atol(argv[5]), img.h);
  std::vector<std::array<int, 3>> colors;
  for (int i = 6; i < argc; ++i) {
    const long v = std::strtol(argv[i], nullptr, 16);
    colors.push_back({static_cast<int>((v >> 16) & 255), static_cast<int>((v >> 8) & 255), static_cast<int>(v & 255)});
  }
  std::vector<long> hits(colors.size(), 0);
  long nonwhite = 0, total = 0;
  for (long y = std::max(0L, y0); y < y1; ++y) {
    for (long x = std::max(0L, x0); x < x1; ++x) {
      const std::uint8_t* p = &img.rgb[(static_cast<std::size_t>(y) * img.w + static_cast<std::size_t>(x)) * 3];
      ++total;
      if (p[0] < 245 || p[1] < 245 || p[2] < 245) ++nonwhite;
      for (std::size_t c = 0; c < colors.size(); ++c) {
        // Near: anti-aliased edges blend with white; a line's core does not.
        if (std::abs(p[0] - colors[c][0]) <= 24 && std::abs(p[1] - colors[c][1]) <= 24 &&
            std::abs(p[2] - colors[c][2]) <= 24) {
          ++hits[c];
        }
      }
    }
  }
  std::printf("size %u %u\nnonwhite %ld of %ld\n", img.w, img.h, nonwhite, total);
  for (std::size_t c = 0; c < colors.size(); ++c) std::printf("color %s %ld\n", argv[6 + c], hits[c]);
  return 0;
}
