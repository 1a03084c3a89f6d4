// scenario/loader_test.cpp — topology files: what loads, and the exact
// message (file:line:column: what) for each kind of mistake.
#include <gtest/gtest.h>

#include <string>

#include "scenario/topology.hpp"

namespace wirestack::scenario {
namespace {

using namespace std::chrono_literals;

// Two hosts on a switch: the start of most tests.
constexpr std::string_view kBase = R"(
[[host]]
name = "a"

[[host]]
name = "b"

[[switch]]
name = "sw"
ports = 2

[[link]]
from = "a"
from_address = "10.0.0.1/24"
to = "sw"

[[link]]
from = "b"
from_address = "10.0.0.2/24"
to = "sw"
)";

std::string error_of(std::string_view text) {
  auto t = load_topology(text, "t.toml");
  if (t) return "(loaded)";
  return t.error();
}

TEST(Loader, LoadsEveryPart) {
  const std::string text = R"(
[scenario]
name = "demo"
summary = "everything once"
until = "30s"
seed = 9

[[host]]
name = "a"
gateway = "10.0.1.1"
syn_cookies = false
syn_backlog = 16
congestion = "cubic"

[[host]]
name = "b"
gateway = "10.0.2.1"
routes = [{ to = "10.9.0.0/16", via = "10.0.2.1" }]

[[router]]
name = "r"

[[switch]]
name = "sw"
ports = 3

[[link]]
from = "a"
from_address = "10.0.1.10/24"
to = "sw"
to_port = 2
bandwidth = "10Mbit/s"
delay = "2ms"
loss = 0.01
bit_error_rate = 1e-7
duplicate = 0.001
jitter = "100us"
queue_bytes = 32768

[[link]]
from = "r"
from_address = "10.0.1.1/24"
to = "sw"

[[link]]
name = "wan"
from = "r"
from_address = "10.0.2.1/24"
from_mtu = 576
to = "b"
to_address = "10.0.2.20/24"
to_mtu = 576
bandwidth = 1000000

[[app]]
type = "http_server"
host = "b"
files = { "/" = "<h1>hi</h1>", "/a.txt" = "text" }

[[app]]
type = "http_client"
host = "a"
url = "http://10.0.2.20:8080/a.txt"
at = 1.5
count = 3
interval = "10ms"

[[app]]
type = "rpc_client"
host = "a"
to = "10.0.2.20:7000"
method = "echo"
params = '[1, 2]'
expect = "failure"
label = "an echo"

[[fault]]
at = "3s"
link = "wan"
action = "down"

[[fault]]
at = "4s"
host = "b"
action = "crash"
)";
  auto t = load_topology(text, "demo.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->name, "demo");
  EXPECT_EQ(t->summary, "everything once");
  EXPECT_EQ(t->until, 30.0);
  EXPECT_EQ(t->seed, 9u);
  ASSERT_EQ(t->nodes.size(), 4u);
  EXPECT_EQ(t->nodes[0].name, "a");
  EXPECT_FALSE(t->nodes[0].syn_cookies);
  EXPECT_EQ(t->nodes[0].syn_backlog, 16u);
  EXPECT_EQ(t->nodes[0].congestion, tcp::Algorithm::cubic);
  EXPECT_FALSE(t->nodes[1].congestion);  // unset: the stack's default
  EXPECT_EQ(t->nodes[0].gateway, "10.0.1.1");
  ASSERT_EQ(t->nodes[1].routes.size(), 1u);
  EXPECT_EQ(t->nodes[1].routes[0].to, "10.9.0.0/16");
  EXPECT_EQ(t->nodes[2].kind, NodeKind::router);
  EXPECT_EQ(t->nodes[3].kind, NodeKind::switch_);
  EXPECT_EQ(t->nodes[3].ports, 3u);

  ASSERT_EQ(t->links.size(), 3u);
  const LinkSpec& l0 = t->links[0];
  EXPECT_EQ(l0.name, "a-sw");
  EXPECT_EQ(l0.from.address, "10.0.1.10/24");
  EXPECT_EQ(l0.to.port, 2u);
  EXPECT_EQ(l0.cable.bits_per_second, 10'000'000u);
  EXPECT_EQ(l0.cable.delay, 2ms);
  EXPECT_EQ(l0.cable.loss, 0.01);
  EXPECT_EQ(l0.cable.bit_error_rate, 1e-7);
  EXPECT_EQ(l0.cable.duplicate, 0.001);
  EXPECT_EQ(l0.cable.jitter, 100us);
  EXPECT_EQ(l0.cable.queue_limit_bytes, 32768u);
  EXPECT_EQ(t->links[1].to.port, 0u);  // the next free port
  EXPECT_EQ(t->links[2].name, "wan");
  EXPECT_EQ(t->links[2].from.mtu, 576);
  EXPECT_EQ(t->links[2].to.address, "10.0.2.20/24");
  EXPECT_EQ(t->links[2].cable.bits_per_second, 1'000'000u);
  EXPECT_EQ(t->links[2].pos.line, 45u);  // the [[link]] header

  ASSERT_EQ(t->apps.size(), 3u);
  // The keys every application has; each type's own settings are its
  // registry entry's (scenario/apps.cpp), checked by running them
  // (scenario_test.cpp) and by the errors below.
  EXPECT_EQ(t->apps[0].type_name(), "http_server");
  EXPECT_EQ(t->apps[0].type, find_app_type("http_server"));
  EXPECT_TRUE(t->apps[0].settings.has_value());
  EXPECT_EQ(t->apps[1].type_name(), "http_client");
  EXPECT_EQ(t->apps[1].start, 1500ms);
  EXPECT_EQ(t->apps[2].type_name(), "rpc_client");
  EXPECT_EQ(t->apps[2].expect, Expect::failure);
  EXPECT_EQ(t->apps[2].label, "an echo");

  ASSERT_EQ(t->faults.size(), 2u);
  EXPECT_EQ(t->faults[0].kind, FaultKind::link_down);
  EXPECT_EQ(t->faults[0].target, "wan");
  EXPECT_EQ(t->faults[0].at, 3s);
  EXPECT_EQ(t->faults[1].kind, FaultKind::crash);
}

TEST(Loader, TomlSyntaxErrorNamesFileLineColumn) {
  EXPECT_EQ(error_of("[[host]]\nname = \"a\nport = 3\n"),
            "t.toml:2:10: TOML syntax: Error while parsing string: unescaped control characters other than TAB (U+0009) "
            "are explicitly prohibited");
}

// toml++ 3.3.0 bugs the loader works around (found by fuzz/fuzz_topology):
// a table header that does not start with a key failed an assertion, and
// some non-ASCII code points where it looks for whitespace reached
// __builtin_unreachable(). Both are TOML syntax errors, or valid TOML.
TEST(Loader, TableHeaderWithoutAKeyIsASyntaxError) {
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\n\n[=]\n"),
            "t.toml:4:2: TOML syntax: Error while parsing key: expected bare key starting character or string "
            "delimiter, saw '='");
  EXPECT_EQ(error_of("[[[1]]]"),
            "t.toml:1:3: TOML syntax: Error while parsing key: expected bare key starting character or string "
            "delimiter, saw '['");
  EXPECT_EQ(error_of("[&"),
            "t.toml:1:2: TOML syntax: Error while parsing key: expected bare key starting character or string "
            "delimiter, saw '&'");
}

TEST(Loader, NonAsciiWhereWhitespaceMayBe) {
  EXPECT_EQ(error_of("[[host\xcb\x8b]]\n"),  // U+02CB after a key
            "t.toml:1:7: TOML syntax: Error while parsing table header: expected ']', saw '\xcb\x8b'");
  // The next line of a """string""" after a line-ending backslash starts with U+00A7.
  auto t = load_topology("[scenario]\nsummary = \"\"\"\\\n  \xc2\xa7 and \xe2\xb4\x80\"\"\"\n[[host]]\nname = \"a\"\n",
                         "t.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->summary, "\xc2\xa7 and \xe2\xb4\x80");
}

TEST(Loader, UnknownKeyListsTheExpectedOnes) {
  std::string text(kBase);
  text += "bandwith = \"10Mbit/s\"\n";
  EXPECT_EQ(error_of(text),
            "t.toml:21:1: link: unknown key 'bandwith' (expected one of: name, from, from_address, from_ipv6, "
            "from_advertise, from_mtu, from_port, to, to_address, to_ipv6, to_advertise, to_mtu, to_port, bandwidth, "
            "delay, loss, bit_error_rate, duplicate, jitter, queue_bytes, queue, stp_cost)");
}

TEST(Loader, UnknownNode) {
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\n[[link]]\nfrom = \"a\"\nfrom_address = \"10.0.0.1/24\"\nto = \"x\"\n"),
            "t.toml:6:6: link: unknown node 'x' (declared: a)");
}

TEST(Loader, BadAddress) {
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\n[[switch]]\nname = \"s\"\n[[link]]\nfrom = \"a\"\n"
                     "from_address = \"10.0.1.300/24\"\nto = \"s\"\n"),
            "t.toml:7:16: link: IPv4 address '10.0.1.300': part '300' is greater than 255");
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\ngateway = \"10.0.1\"\n"),
            "t.toml:3:11: host: IPv4 address '10.0.1': expected 4 parts, got 3");
}

TEST(Loader, HostCardNeedsAnAddress) {
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\n[[switch]]\nname = \"s\"\n[[link]]\nfrom = \"a\"\nto = \"s\"\n"),
            "t.toml:6:8: link: 'a' is a host: its card needs 'from_address' (such as \"10.0.1.10/24\" or "
            "[\"10.0.1.10/24\", \"2001:db8:1::10/64\"]) or 'from_ipv6' = \"slaac\"");
}

// A host and a router with IPv6: the keys that give a card its IPv6.
std::string dual(std::string_view host_card, std::string_view router_card) {
  return "[[host]]\nname = \"a\"\n[[router]]\nname = \"r\"\n[[link]]\nfrom = \"a\"\n" + std::string(host_card) +
         "\nto = \"r\"\n" + std::string(router_card) + "\n";
}

TEST(Loader, CardAddressesOfBothFamilies) {
  auto t = load_topology(dual(R"(from_address = ["10.0.1.10/24", "2001:db8:1::10/64"])",
                              R"(to_address = ["10.0.1.1/24", "2001:db8:1::1/64"])"),
                         "t.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->links[0].from.address, "10.0.1.10/24");
  EXPECT_EQ(t->links[0].from.addresses6, std::vector<std::string>{"2001:db8:1::10/64"});
  EXPECT_TRUE(t->links[0].from.has_ipv6());
  // IPv6 only, as a single string.
  auto six = load_topology(dual(R"(from_address = "2001:db8:1::10/64")", R"(to_address = "2001:db8:1::1/64")"), "t.toml");
  ASSERT_TRUE(six) << six.error();
  EXPECT_FALSE(six->links[0].from.address);
  // The plain IPv4 form is as it was, without IPv6.
  auto four = load_topology(kBase, "t.toml");
  ASSERT_TRUE(four);
  EXPECT_FALSE(four->links[0].from.has_ipv6());
  EXPECT_EQ(error_of(dual(R"(from_address = ["10.0.1.10/24", "2001:db8:1::zz/64"])", R"(to_address = "10.0.1.1/24")")),
            "t.toml:7:33: link: IPv6 address '2001:db8:1::zz': bad character 'z' at offset 12");
  EXPECT_EQ(error_of(dual(R"(from_address = ["10.0.1.10/24", "10.0.2.10/24"])", R"(to_address = "10.0.1.1/24")")),
            "t.toml:7:33: link: '10.0.2.10/24': the card has an IPv4 address already (10.0.1.10/24); one per card");
  EXPECT_EQ(error_of(dual(R"(from_address = ["fe80::1/64"])", R"(to_address = "10.0.1.1/24")")),
            "t.toml:7:17: link: 'fe80::1/64': not a global IPv6 unicast address (the card has its link-local "
            "address already)");
  EXPECT_EQ(error_of(dual(R"(from_address = [])", R"(to_address = "10.0.1.1/24")")),
            "t.toml:7:16: link: 'from_address' is an empty list: give at least one address");
  EXPECT_EQ(error_of(dual(R"(from_address = [10])", R"(to_address = "10.0.1.1/24")")),
            "t.toml:7:17: link: 'from_address': each address must be a string, not an integer");
  EXPECT_EQ(error_of(dual("from_address = \"2001:db8:1::10/64\"\nfrom_mtu = 1000", R"(to_address = "10.0.1.1/24")")),
            "t.toml:8:12: link: 'from_mtu' = 1000: a card with IPv6 needs an MTU of at least 1280 (RFC 8200 5)");
}

TEST(Loader, SlaacOnHostCards) {
  auto t = load_topology(dual(R"(from_ipv6 = "slaac")", "to_address = [\"10.0.1.1/24\", \"2001:db8:1::1/64\"]\n"
                                                        "to_advertise = [\"2001:db8:1::/64\"]"),
                         "t.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_TRUE(t->links[0].from.slaac);
  EXPECT_FALSE(t->links[0].from.address);
  EXPECT_EQ(t->links[0].to.advertise, std::vector<std::string>{"2001:db8:1::/64"});
  EXPECT_EQ(error_of(dual(R"(from_ipv6 = "dhcp")", R"(to_address = "10.0.1.1/24")")),
            "t.toml:7:13: link: 'from_ipv6' = \"dhcp\": expected \"slaac\" (addresses from a router's advertisements)");
  EXPECT_EQ(error_of(dual(R"(from_address = "10.0.1.10/24")", "to_address = \"10.0.1.1/24\"\nto_ipv6 = \"slaac\"")),
            "t.toml:10:11: link: 'r' is a router: routers do not take addresses by SLAAC; give its card an IPv6 "
            "'to_address' and 'to_advertise' its prefix");
}

TEST(Loader, AdvertiseOnRouterCards) {
  const auto with = [](std::string_view adv) {
    return dual(R"(from_ipv6 = "slaac")", "to_address = \"2001:db8:1::1/64\"\nto_advertise = " + std::string(adv));
  };
  EXPECT_EQ(error_of(with(R"(["2001:db8:1::/48"])")), "t.toml:10:17: link: '2001:db8:1::/48': SLAAC needs a /64 prefix");
  EXPECT_EQ(error_of(with(R"(["fe80::/64"])")), "t.toml:10:17: link: 'fe80::/64': not a global unicast prefix");
  EXPECT_EQ(error_of(with(R"("2001:db8:1::/64")")),
            "t.toml:10:16: link: 'to_advertise' must be a list of /64 prefixes, such as [\"2001:db8:1::/64\"]");
  EXPECT_EQ(error_of(with(R"(["2001:db8:1::/6x"])")).substr(0, 25), "t.toml:10:17: link: IPv6 ");
  EXPECT_EQ(error_of(dual("from_address = \"2001:db8:1::10/64\"\nfrom_advertise = [\"2001:db8:1::/64\"]",
                          R"(to_address = "2001:db8:1::1/64")")),
            "t.toml:8:18: link: 'a' is a host: only routers advertise prefixes (declare it with [[router]])");
  EXPECT_EQ(error_of("[[switch]]\nname = \"s\"\n[[host]]\nname = \"a\"\n[[link]]\nfrom = \"a\"\nfrom_ipv6 = \"slaac\"\n"
                     "to = \"s\"\nto_advertise = [\"2001:db8:1::/64\"]\n"),
            "t.toml:9:16: link: 's' is a switch: its ports have no address");
}

// An unknown congestion control names the known ones, at the value.
TEST(Loader, UnknownCongestionControlListsTheKnownOnes) {
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\ncongestion = \"vegas\"\n"),
            "t.toml:3:14: host: 'congestion' = \"vegas\": unknown congestion control 'vegas' (known: newreno, cubic, bbr)");
  EXPECT_EQ(error_of("[[router]]\nname = \"r\"\n  congestion = \"Cubic\"\n"),
            "t.toml:3:16: router: 'congestion' = \"Cubic\": unknown congestion control 'Cubic' (known: newreno, cubic, bbr)");
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\ncongestion = 1\n"),
            "t.toml:3:14: host: 'congestion' must be a string, not an integer");
  EXPECT_EQ(error_of("[[switch]]\nname = \"s\"\ncongestion = \"cubic\"\n"),
            "t.toml:3:1: switch: unknown key 'congestion' (expected one of: name, ports, stp, priority, hello_time, "
            "max_age, forward_delay)");
  auto t = load_topology("[[router]]\nname = \"r\"\ncongestion = \"newreno\"\n", "t.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->nodes[0].congestion, tcp::Algorithm::newreno);
}

// TCP buffers per host: a number is fixed (as SO_RCVBUF), [start, max] is
// autotuned between them (as Linux's tcp_rmem), "auto" is the stack's.
TEST(Loader, BufferSizesAreFixedAutotunedOrTheStacks) {
  auto t = load_topology(
      "[[host]]\nname = \"a\"\nrcvbuf = 131072\nsndbuf = [65536, 8388608]\n[[host]]\nname = \"b\"\nrcvbuf = \"auto\"\n",
      "t.toml");
  ASSERT_TRUE(t) << t.error();
  ASSERT_TRUE(t->nodes[0].rcvbuf);
  EXPECT_EQ(t->nodes[0].rcvbuf->start, 131072u);
  EXPECT_EQ(t->nodes[0].rcvbuf->max, 131072u);
  ASSERT_TRUE(t->nodes[0].sndbuf);
  EXPECT_EQ(t->nodes[0].sndbuf->start, 65536u);
  EXPECT_EQ(t->nodes[0].sndbuf->max, 8388608u);
  EXPECT_FALSE(t->nodes[1].rcvbuf);
  EXPECT_FALSE(t->nodes[1].sndbuf);
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\nrcvbuf = 100\n"),
            "t.toml:3:10: host: 'rcvbuf' = 100 is out of range (2048..1073741824 bytes)");
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\nsndbuf = [9000, 4000]\n"),
            "t.toml:3:10: host: 'sndbuf': the maximum is below the start");
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\nrcvbuf = \"big\"\n"),
            "t.toml:3:10: host: 'rcvbuf' must be a number of bytes (fixed), [start, max] (autotuned) or \"auto\", not \"big\"");
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\nrcvbuf = [1]\n"),
            "t.toml:3:10: host: 'rcvbuf' must be a number of bytes (fixed), [start, max] (autotuned) or \"auto\": the array needs two numbers");
}

// Times and rates have the same bounds as numbers and as text, and so has
// a schedule of clients: `interval` x `count` once overflowed a Duration
// (found by fuzz/fuzz_topology).
TEST(Loader, TimesRatesAndSchedulesAreBounded) {
  const std::string app = "\n[[app]]\ntype = \"tcp_bulk\"\nhost = \"a\"\nto = \"10.0.0.2:5001\"\n";
  EXPECT_EQ(error_of(std::string(kBase) + app + "count = 20\ninterval = 1e9\n"),
            "t.toml:27:12: app tcp_bulk: 'count' = 20 every 'interval' = 1e+09 s lasts more than 1e9 s (31 years)");
  EXPECT_EQ(error_of(std::string(kBase) + app + "interval = \"2000s\"\ncount = 1000000\n"),
            "t.toml:26:12: app tcp_bulk: 'count' = 1000000 every 'interval' = 2000 s lasts more than 1e9 s (31 years)");
  EXPECT_EQ(error_of(std::string(kBase) + app + "at = \"9223372036.8s\"\n"),
            "t.toml:26:6: app tcp_bulk: 'at' = \"9223372036.8s\": more than 1e9 s (31 years)");
  EXPECT_EQ(error_of(std::string(kBase) + app + "at = 1e10\n"),
            "t.toml:26:6: app tcp_bulk: 'at' = 1e+10 is out of range (0..1e+09)");
  EXPECT_EQ(error_of(std::string(kBase) + "bandwidth = \"99999999999999999999 Gbit/s\"\n"),
            "t.toml:21:13: link: 'bandwidth' = \"99999999999999999999 Gbit/s\": more than 2^50 bit/s");
  auto t = load_topology(std::string(kBase) + app + "count = 3\ninterval = 5e8\nat = \"1000000000s\"\n", "t.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->apps[0].start, std::chrono::seconds{1'000'000'000});
}

TEST(Loader, RpcParamsAreJsonStructures) {
  const std::string app = "\n[[app]]\ntype = \"rpc_client\"\nhost = \"a\"\nto = \"10.0.0.2:7000\"\n";
  EXPECT_EQ(error_of(std::string(kBase) + app + "params = '[1, 2'\n"),
            "t.toml:26:10: app rpc_client: 'params' = '[1, 2': expected JSON text of an array or an object, such as "
            "'[1, 2]'");
  EXPECT_EQ(error_of(std::string(kBase) + app + "params = '5'\n"),
            "t.toml:26:10: app rpc_client: 'params' = '5': expected JSON text of an array or an object, such as '[1, 2]'");
  auto t = load_topology(std::string(kBase) + app + "params = '{\"a\": [1]}'\n", "t.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->apps[0].type_name(), "rpc_client");
}

TEST(Loader, WrongType) {
  EXPECT_EQ(error_of("[[switch]]\nname = \"s\"\nports = \"four\"\n"),
            "t.toml:3:9: switch: 'ports' must be an integer, not a string");
}

TEST(Loader, OutOfRange) {
  std::string text(kBase);
  text += "loss = 1.5\n";
  EXPECT_EQ(error_of(text), "t.toml:21:8: link: 'loss' = 1.5 is out of range (0..1)");
}

TEST(Loader, BadUnits) {
  std::string text(kBase);
  EXPECT_EQ(error_of(text + "bandwidth = \"10 furlongs\"\n"),
            "t.toml:21:13: link: 'bandwidth' = \"10 furlongs\": unknown rate unit 'furlongs' (units: bit/s, kbit/s, "
            "Mbit/s, Gbit/s, or bps, kbps, Mbps, Gbps)");
  EXPECT_EQ(error_of(text + "delay = \"fast\"\n"),
            "t.toml:21:9: link: 'delay' = \"fast\": expected a time such as \"2ms\" (units: ns, us, ms, s)");
}

TEST(Loader, DuplicateName) {
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\n[[switch]]\nname = \"a\"\n"),
            "t.toml:4:8: switch: the name 'a' is already used (line 2)");
}

TEST(Loader, SwitchPortTwiceAndNoneLeft) {
  std::string text(kBase);
  text += "[[host]]\nname = \"c\"\n[[link]]\nfrom = \"c\"\nfrom_address = \"10.0.0.3/24\"\nto = \"sw\"\n";
  EXPECT_EQ(error_of(text), "t.toml:26:6: link: switch 'sw' has no free port left (it has 2; raise its 'ports')");
  std::string twice(kBase);
  twice.replace(twice.rfind("to = \"sw\""), 9, "to = \"sw\"\nto_port = 0");
  EXPECT_EQ(error_of(twice), "t.toml:20:6: link: port 0 of switch 'sw' is already cabled (line 15)");
}

TEST(Loader, UnknownAppTypeAndHost) {
  std::string text(kBase);
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"telnet\"\nhost = \"a\"\n"),
            "t.toml:22:8: app: unknown type 'telnet' (expected one of: dhcp_server, dns_server, ftp_client, ftp_server, "
            "http_client, http_server, ping, rpc_client, rpc_server, syn_flood, tcp_bulk, tcp_echo_server, tcp_sink, traceroute, "
            "udp_client, udp_echo_server)");
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"ping\"\nhost = \"x\"\nto = \"10.0.0.2\"\n"),
            "t.toml:23:8: app ping: unknown host 'x'");
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"ping\"\nhost = \"sw\"\nto = \"10.0.0.2\"\n"),
            "t.toml:23:8: app ping: 'sw' is a switch: applications run on hosts and routers");
}

TEST(Loader, AppKeysDependOnTheType) {
  std::string text(kBase);
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"ping\"\nhost = \"a\"\nto = \"10.0.0.2\"\nurl = \"http://x/\"\n"),
            "t.toml:25:1: app ping: unknown key 'url' (expected one of: type, host, at, label, expect, to, count, "
            "interval, size)");
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"udp_client\"\nhost = \"a\"\nto = \"10.0.0.2\"\n"),
            "t.toml:24:6: app udp_client: '10.0.0.2': expected ADDRESS:PORT or NAME:PORT, such as \"10.0.2.20:9000\" or "
            "\"[2001:db8::1]:9000\"");
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"http_client\"\nhost = \"a\"\nurl = \"ftp://10.0.0.2/\"\n"),
            "t.toml:24:7: app http_client: 'ftp://10.0.0.2/': only http:// URLs are supported");
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"ping\"\nhost = \"a\"\n"), "t.toml:21:1: app ping: missing key 'to'");
}

// Applications take addresses of either family: ping, "[addr]:port", http://[addr]/.
TEST(Loader, AppsAcceptIpv6Addresses) {
  std::string text(kBase);
  for (const char* app : {"type = \"ping\"\nto = \"2001:db8::2\"", "type = \"udp_client\"\nto = \"[2001:db8::2]:9000\"",
                          "type = \"tcp_bulk\"\nto = \"[2001:db8::2]:5001\"", "type = \"http_client\"\nurl = \"http://[2001:db8::2]:8080/x\"",
                          "type = \"rpc_client\"\nto = \"[2001:db8::2]:7000\""}) {
    auto t = load_topology(text + "[[app]]\nhost = \"a\"\n" + app + "\n", "t.toml");
    EXPECT_TRUE(t) << app << ": " << t.error();
  }
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"ping\"\nhost = \"a\"\nto = \"2001:db8::zz\"\n"),
            "t.toml:24:6: app ping: IPv6 address '2001:db8::zz': bad character 'z' at offset 10");
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"udp_client\"\nhost = \"a\"\nto = \"2001:db8::2:9000\"\n"),
            "t.toml:24:6: app udp_client: '2001:db8::2:9000': an IPv6 address goes in brackets, such as "
            "\"[2001:db8::1]:9000\"");
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"udp_client\"\nhost = \"a\"\nto = \"[2001:db8::2:9000\"\n"),
            "t.toml:24:6: app udp_client: '[2001:db8::2:9000': no ']' after the IPv6 address");
  EXPECT_EQ(error_of(text + "[[app]]\ntype = \"syn_flood\"\nhost = \"a\"\nto = \"[2001:db8::2]:80\"\n"),
            "t.toml:24:6: app syn_flood: '2001:db8::2': the SYN flood sends IPv4 only (its spoofed sources are IPv4)");
}

TEST(Loader, Faults) {
  std::string text(kBase);
  EXPECT_EQ(error_of(text + "[[fault]]\nat = 1\nlink = \"wan\"\naction = \"down\"\n"),
            "t.toml:23:8: fault: unknown link 'wan' (links: a-sw, b-sw)");
  EXPECT_EQ(error_of(text + "[[fault]]\nat = 1\nlink = \"a-sw\"\naction = \"explode\"\n"),
            "t.toml:24:10: fault: a link's 'action' is \"down\" or \"up\", not \"explode\"");
  EXPECT_EQ(error_of(text + "[[fault]]\nat = 1\nhost = \"sw\"\naction = \"crash\"\n"),
            "t.toml:23:8: fault: unknown host 'sw'");
}

TEST(Loader, EmptyFile) { EXPECT_EQ(error_of(""), "t.toml:1:1: file: no [[host]], [[router]] or [[switch]]"); }

TEST(Loader, MissingFile) {
  auto t = load_topology_file("/nonexistent/x.toml");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), "cannot open topology '/nonexistent/x.toml'");
}

TEST(Units, BandwidthAndTime) {
  EXPECT_EQ(*parse_bandwidth("100Mbit/s"), 100'000'000u);
  EXPECT_EQ(*parse_bandwidth("1.5 Gbps"), 1'500'000'000u);
  EXPECT_EQ(*parse_bandwidth("64kbit/s"), 64'000u);
  EXPECT_FALSE(parse_bandwidth("fast"));
  EXPECT_EQ(*parse_time_text("5us"), 5us);
  EXPECT_EQ(*parse_time_text("2.5 ms"), 2500us);
  EXPECT_EQ(*parse_time_text("3"), 3s);
  EXPECT_FALSE(parse_time_text("3 fortnights"));
  EXPECT_FALSE(parse_time_text("99999999999999999999s"));  // once past llround's range
  EXPECT_FALSE(parse_bandwidth("99999999999999999999 Gbit/s"));
}

}  // namespace
}  // namespace wirestack::scenario
