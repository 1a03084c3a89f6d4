// DHCP messages and options: parse refuses or accepts without reading past
// the input; parse(emit(m)) == m; a server and a client fed any message
// stay consistent (the server never offers outside its pool, the client's
// lease, if any, is one the input could have given).
#include "dhcp/client.hpp"
#include "dhcp/server.hpp"
#include "fuzz_check.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto m = dhcp::Message::parse(in);
  if (!m) {
    FUZZ_CHECK(!dhcp::to_string(m.error()).empty());
    return 0;
  }
  const ByteVec out = m->emit();
  FUZZ_CHECK(out.size() >= dhcp::kBootpMinimum);
  auto back = dhcp::Message::parse(out);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(*back == *m);

  const dhcp::ServerConfig config{.server = Ipv4Prefix(Ipv4Address(10, 0, 1, 1), 24),
                                  .pool_first = Ipv4Address(10, 0, 1, 100),
                                  .pool_last = Ipv4Address(10, 0, 1, 103)};
  dhcp::Server server(config);
  const Instant t0{};
  for (int i = 0; i < 3; ++i) {  // the same message again: a retransmission
    if (auto r = server.on_message(*m, t0)) {
      const auto& y = r->message.yiaddr;
      FUZZ_CHECK(y.is_unspecified() || (y >= config.pool_first && y <= config.pool_last));
      FUZZ_CHECK(dhcp::Message::parse(r->message.emit()).has_value());
    }
  }

  Rng rng(1);
  dhcp::Client client({.mac = m->chaddr}, rng, t0);
  auto first = client.poll_transmit(*client.poll_at());
  FUZZ_CHECK(first.has_value());
  dhcp::Message reply = *m;
  reply.xid = first->message.xid;  // let it reach the state machine
  client.on_message(reply, t0);
  if (client.state() == dhcp::ClientState::requesting) {
    auto req = client.poll_transmit(t0);
    FUZZ_CHECK(req && req->message.requested_ip == reply.yiaddr);
    reply.type = dhcp::MessageType::ack;
    client.on_message(reply, t0);
    if (client.lease()) FUZZ_CHECK(client.lease()->address.address() == reply.yiaddr);
    FUZZ_CHECK(client.poll_at().has_value());
  }
  return 0;
}
