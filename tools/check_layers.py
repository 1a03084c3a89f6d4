#!/usr/bin/env python3
"""tools/check_layers.py — guards the layer rules of docs/ARCHITECTURE.md.

1. Include rule: a file in src/<layer>/ may include (with #include "x/...")
   only its own folder and the folders its row allows below.
2. Sans-IO rule: protocol layers never read a clock, a socket, a file, the
   environment or an unseeded random source; time and I/O are passed in.

Usage: check_layers.py [SRC_DIR]   (default: src/ next to this script's parent)
Exit status 0 when clean, 1 with one line per violation otherwise.
"""
import pathlib
import re
import sys

# Which folders each folder may include (besides itself). Keep in step with the
# table in docs/ARCHITECTURE.md and the DEPS in CMakeLists.txt.
ALLOWED = {
    "base": set(),
    "wire": {"base"},
    "storage": {"base"},
    "dev": {"base", "wire"},
    "transport": {"base", "wire"},
    "link": {"base", "wire", "storage"},
    "ip": {"base", "wire", "storage"},
    "udp": {"base", "wire", "storage", "transport"},
    "tcp": {"base", "wire", "storage", "transport"},
    "iface": {"base", "wire", "storage", "dev", "link", "ip", "transport", "udp", "tcp"},
    "runtime": {"base", "wire", "storage", "link", "ip", "transport", "udp", "tcp", "iface"},
    "sim": {"base", "wire", "storage", "dev", "link", "ip", "transport", "udp", "tcp", "iface", "runtime"},
    "loop": {"base", "wire", "storage", "dev", "link", "ip", "transport", "udp", "tcp", "iface", "runtime"},
    "msg": {"base", "wire"},
    "http": {"base"},
    "dns": {"base", "wire"},
    "ftp": {"base", "wire"},
    "dhcp": {"base", "wire"},
    "report": {"base", "wire", "dev", "storage", "link", "ip", "transport", "udp", "tcp", "iface", "runtime", "sim"},
    "app": {"base", "wire", "storage", "link", "ip", "transport", "udp", "tcp", "iface", "msg", "http", "dns", "ftp", "dhcp",
            "runtime"},
    "scenario": {"base", "wire", "storage", "dev", "link", "ip", "transport", "udp", "tcp", "iface", "runtime", "sim", "msg", "http",
                 "dns", "ftp", "dhcp", "app"},
}

# Layers that must stay sans-IO: given time and bytes, never fetching them.
SANS_IO = {"base", "wire", "storage", "transport", "link", "ip", "udp", "tcp", "iface", "msg", "http", "dns", "ftp", "dhcp",
           "runtime"}
FORBIDDEN_INCLUDES = re.compile(
    r'#\s*include\s*<(sys/[^>]+|unistd\.h|fcntl\.h|netinet/[^>]+|arpa/[^>]+|net/[^>]+|linux/[^>]+|'
    r'pcap[^>]*|thread|fstream|iostream|ctime|time\.h)>')
FORBIDDEN_CALLS = re.compile(
    r'\b(steady_clock::now|system_clock::now|high_resolution_clock|random_device|clock_gettime|'
    r'gettimeofday|getenv|fopen|std::cout|std::cerr|rand\s*\(\s*\)|time\s*\(\s*(nullptr|NULL|0)\s*\))')
# Layers above IP speak family-neutral addresses (wire/ip_address.hpp): an
# IPv4 type there is how "IPv4 built into every type" crept in before.
FAMILY_NEUTRAL = {"transport", "udp", "tcp", "runtime", "app", "http", "msg"}
IPV4_TYPES = re.compile(r'\b(Ipv4Address|Ipv4Prefix|Ipv4Pair|Endpoint4)\b')
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"/]+)/[^"]*"')


def strip_comments(line: str) -> str:
    return line.split("//", 1)[0]


def check(src: pathlib.Path) -> list[str]:
    problems = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in {".hpp", ".cpp", ".h", ".cc"}:
            continue
        layer = path.relative_to(src).parts[0]
        if layer not in ALLOWED:
            problems.append(f"{path}: folder '{layer}' is not in the layer table (tools/check_layers.py)")
            continue
        is_test = path.stem.endswith("_test") or path.stem.endswith("_harness")
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(raw)
            if m:
                target = m.group(1)
                if target != layer and target not in ALLOWED[layer] and not (is_test and target in ALLOWED):
                    problems.append(
                        f"{path}:{n}: '{layer}' may not include '{target}' "
                        f"(allowed: {', '.join(sorted(ALLOWED[layer])) or 'none'})")
            if layer in FAMILY_NEUTRAL and not is_test:
                ipv4 = IPV4_TYPES.search(strip_comments(raw))
                if ipv4:
                    problems.append(
                        f"{path}:{n}: '{layer}' names the IPv4 type '{ipv4.group(0)}': above IP, use "
                        "IpAddress / IpEndpoint / IpPair (wire/ip_address.hpp)")
            if layer in SANS_IO and not is_test:
                line = strip_comments(raw)
                bad = FORBIDDEN_INCLUDES.search(line) or FORBIDDEN_CALLS.search(line)
                if bad:
                    problems.append(
                        f"{path}:{n}: sans-IO layer '{layer}' uses '{bad.group(0).strip()}': "
                        "time, I/O and randomness must be passed in")
    return problems


def main() -> int:
    src = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent / "src"
    if not src.is_dir():
        print(f"check_layers: no such directory: {src}")
        return 2
    problems = check(src)
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} violation(s)")
        return 1
    print(f"check_layers: {src} follows the layer rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
