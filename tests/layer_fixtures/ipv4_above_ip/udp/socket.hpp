// A fixture for tools/check_layers.py: a transport type that names an IPv4
// address type, which the checker must refuse.
#pragma once

struct Endpoint {
  Ipv4Address addr;
};
