// scenario/app_registry.hpp — the applications a topology file may start
// (`[[app]] type = "..."`). Each is one entry of the registry in
// scenario/apps.cpp: its name, the keys it takes, a parser that reads them
// into its own settings (errors name FILE:LINE:COLUMN), and a factory that
// builds it on a simulated host. Adding an application touches that one file.
//
//   const AppType* t = find_app_type("ping");      // nullptr: unknown
//   std::any settings = t->parse(fields);          // throws through fields.fail()
//   std::unique_ptr<Network::App> a = t->make(net, spec, host);
#pragma once

#include <any>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.hpp"

namespace wirestack::sim {
class Host;
}

namespace wirestack::scenario {

struct AppSpec;
class Network;

// The keys of one `[[app]]` table, read with types and ranges; every
// failure names the key's position in the file (the loader implements it).
class AppFields {
 public:
  virtual ~AppFields() = default;
  virtual bool has(std::string_view key) const = 0;
  virtual std::string str(std::string_view key) const = 0;
  virtual std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max) const = 0;
  virtual double number(std::string_view key, double min, double max) const = 0;
  // Seconds as a number, or a string with a unit ("2ms").
  virtual Duration time(std::string_view key) const = 0;
  virtual std::string address(std::string_view key) const = 0;  // "10.0.0.1"
  virtual std::string prefix(std::string_view key) const = 0;   // "10.0.0.0/24"
  // "10.0.2.20:9000" as its address and port (0 when absent and allowed).
  virtual std::pair<std::string, std::uint16_t> endpoint(std::string_view key, bool port_required) const = 0;
  // A target: "10.0.2.20:9000" or "time.campus:7000" (a DNS name, which
  // the application resolves through its host's `dns` server at its start).
  virtual std::pair<std::string, std::uint16_t> target(std::string_view key, bool port_required) const = 0;
  // `host` (taken from `key`, such as a URL's host) as an address or a DNS
  // name, checked as target() checks its host part.
  virtual std::string host_or_name(std::string_view key, const std::string& host) const = 0;
  // A table of strings keyed by "/path": `files = { "/" = "<h1>hi</h1>" }`.
  virtual std::vector<std::pair<std::string, std::string>> path_table(std::string_view key) const = 0;
  [[noreturn]] virtual void fail(std::string_view key, const std::string& message) const = 0;
};

struct ListenPort {
  bool tcp = true;  // else UDP
  std::uint16_t port = 0;
  friend bool operator==(const ListenPort&, const ListenPort&) = default;
};

// Builds one application of a file on its host (scenario/network.hpp).
class NetworkApp;

struct AppType {
  std::string_view name;
  // The keys it takes besides the common ones (type, host, at, label, expect).
  std::vector<std::string> keys;
  // Whether `expect = "refused"` means something for it.
  bool can_be_refused = false;
  // Reads its keys into its settings (an AppSpec's `settings`).
  std::any (*parse)(const AppFields& fields) = nullptr;
  std::unique_ptr<NetworkApp> (*make)(Network& net, const AppSpec& spec, sim::Host& host) = nullptr;
  // How many clients (or probes) its settings start; nullptr: one. Lets a
  // caller bound a file's cost before building it (the topology fuzzer).
  std::uint64_t (*instances)(const std::any& settings) = nullptr;
  // The ports a server listens on (nullptr: none, a client), so the loader
  // can refuse two servers on one port of a host.
  std::vector<ListenPort> (*listens)(const std::any& settings) = nullptr;
};

// Every application, in the order a user reads them in messages.
const std::vector<AppType>& app_types();
const AppType* find_app_type(std::string_view name);
// What AppType::instances says of an application of a loaded file.
std::uint64_t instances(const AppSpec& spec);

}  // namespace wirestack::scenario
