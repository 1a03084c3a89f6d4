// sim/tcp_apps.hpp — the TCP applications of runtime/tcp_apps.hpp under
// their simulator names: they run on any runtime::Host, a sim::Host included.
#pragma once

#include "runtime/tcp_apps.hpp"

namespace wirestack::sim {

using runtime::StreamHash;
using runtime::TcpBulkClient;
using runtime::TcpBulkConfig;
using runtime::TcpBulkResult;
using runtime::TcpEchoServer;
using runtime::TcpRequestClient;
using runtime::TcpSinkServer;
using runtime::TcpStream;

}  // namespace wirestack::sim
