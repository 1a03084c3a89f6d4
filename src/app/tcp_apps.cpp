// app/tcp_apps.cpp — see tcp_apps.hpp.
#include "app/tcp_apps.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace wirestack::app {

namespace {
constexpr std::size_t kChunk = 16 * 1024;

// Little-endian, whatever the host's order: one store (g++ 12 kept a loop
// of eight byte stores for the shifts it replaces).
void store_word(MutBytes out, std::size_t at, std::uint64_t w) {
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  std::memcpy(out.data() + at, &w, sizeof w);
}
}  // namespace

void TcpStream::next(MutBytes out) {
  // The stream is the Rng's words, least significant byte first: the bytes
  // left of the current word, then whole words, then part of the next one.
  std::size_t i = 0;
  while (i < out.size() && left_ > 0) {
    out[i++] = static_cast<std::byte>(word_ & 0xff);
    word_ >>= 8;
    --left_;
  }
  // The generator works on a copy held in registers: written through
  // std::byte, which may alias anything, the member would be loaded and
  // stored again for every word (that was 14 % of a gigabit transfer).
  Rng rng = rng_;
  for (; out.size() - i >= 8; i += 8) store_word(out, i, rng.next_u64());
  rng_ = rng;
  if (i < out.size()) {
    word_ = rng_.next_u64();
    left_ = 8;
    while (i < out.size()) {
      out[i++] = static_cast<std::byte>(word_ & 0xff);
      word_ >>= 8;
      --left_;
    }
  }
}

Listener listen_on(runtime::Host& host, std::uint16_t port, std::uint32_t backlog) {
  runtime::TcpSockets& tcp = host.tcp();
  Listener l{.handle = tcp.open(), .bound = tcp.bind(l.handle, {IpAddress::any(IpFamily::v4), port})};
  if (l.bound) {
    if (auto r = tcp.listen(l.handle, backlog); !r) l.bound = Unexpected{r.error()};
  }
  if (l.bound) l.handle6 = listen_v6(host, l.bound->port, backlog);
  return l;
}

std::optional<tcp::SocketHandle> listen_v6(runtime::Host& host, std::uint16_t port, std::uint32_t backlog) {
  runtime::TcpSockets& tcp = host.tcp();
  const tcp::SocketHandle h = tcp.open();
  if (tcp.bind(h, {IpAddress::any(IpFamily::v6), port}) && tcp.listen(h, backlog)) return h;
  (void)tcp.close(h);
  return std::nullopt;
}

std::optional<tcp::SocketHandle> accept_next(runtime::TcpSockets& tcp, const Listener& l) {
  if (auto c = tcp.accept(l.handle)) return *c;
  if (l.handle6) {
    if (auto c = tcp.accept(*l.handle6)) return *c;
  }
  return std::nullopt;
}

void close_listener(runtime::TcpSockets& tcp, const Listener& l) {
  (void)tcp.close(l.handle);
  if (l.handle6) (void)tcp.close(*l.handle6);
}

// ---- Echo server ------------------------------------------------------------------

TcpEchoServer::TcpEchoServer(runtime::Host& host, std::uint16_t port, std::uint32_t backlog)
    : host_(host), listen_(listen_on(host, port, backlog)) {
  hook_ = host_.on_activity([this] { on_activity(); });
}

TcpEchoServer::~TcpEchoServer() {
  host_.remove_activity(hook_);
  auto& tcp = host_.tcp();
  for (auto& c : conns_) (void)tcp.close(c.h);
  close_listener(tcp, listen_);
}

void TcpEchoServer::on_activity() {
  auto& tcp = host_.tcp();
  while (auto c = accept_next(tcp, listen_)) {
    conns_.push_back(Conn{.h = *c});
    ++accepted_;
  }
  std::array<std::byte, kChunk> buf;  // filled by recv()
  for (auto& c : conns_) {
    // Read only what can be echoed: a reader that stops reading makes the
    // window close, so a client that never reads cannot make us buffer.
    for (;;) {
      if (!c.pending.empty()) {
        auto n = tcp.send(c.h, c.pending);
        if (!n) break;
        echoed_ += *n;
        c.pending.erase(c.pending.begin(), c.pending.begin() + static_cast<std::ptrdiff_t>(*n));
        if (!c.pending.empty()) break;
      }
      auto r = tcp.recv(c.h, buf);
      if (!r) {
        if (r.error().code != tcp::Errc::would_block) c.eof = true;  // reset: give up
        break;
      }
      if (*r == 0) {
        c.eof = true;
        break;
      }
      c.pending.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
    }
    if (c.eof && c.pending.empty()) {
      (void)tcp.close(c.h);  // our FIN; the connection finishes as an orphan
      c.h = tcp::SocketHandle{};
    }
  }
  std::erase_if(conns_, [](const Conn& c) { return c.h == tcp::SocketHandle{}; });
}

// ---- Sink ---------------------------------------------------------------------------

TcpSinkServer::TcpSinkServer(runtime::Host& host, std::uint16_t port, std::uint32_t backlog, std::size_t keep_records)
    : host_(host), listen_(listen_on(host, port, backlog)), keep_records_(std::max<std::size_t>(keep_records, 1)) {
  hook_ = host_.on_activity([this] { on_activity(); });
}

TcpSinkServer::~TcpSinkServer() {
  host_.remove_activity(hook_);
  auto& tcp = host_.tcp();
  for (auto& c : conns_) (void)tcp.close(c.h);
  close_listener(tcp, listen_);
}

void TcpSinkServer::on_activity() {
  auto& tcp = host_.tcp();
  const Instant now = host_.now();
  ready_.clear();
  while (auto c = accept_next(tcp, listen_)) {
    records_.push_back(Record{.peer = tcp.remote_endpoint(*c).value_or(IpEndpoint{}), .accepted_at = now});
    index_.emplace(key(*c), conns_.size());
    ready_.push_back(conns_.size());  // data may have come before accept()
    conns_.push_back(Conn{.h = *c, .record = records_.size() - 1});
    ++accepted_;
  }
  // A connection whose socket did not change has nothing new: recv() would
  // say "no data". Those that did are read in the order they were accepted,
  // as when every round read them all.
  for (const tcp::SocketHandle h : host_.tcp_changed()) {
    if (const auto it = index_.find(key(h)); it != index_.end()) ready_.push_back(it->second);
  }
  std::sort(ready_.begin(), ready_.end());
  ready_.erase(std::unique(ready_.begin(), ready_.end()), ready_.end());
  bool finished = false;
  for (const std::size_t i : ready_) {
    read(conns_[i], now);
    finished |= conns_[i].done;
  }
  if (finished) {
    for (const Conn& c : conns_) {
      if (c.done) index_.erase(key(c.h));
    }
    std::erase_if(conns_, [](const Conn& c) { return c.done; });
    for (std::size_t i = 0; i < conns_.size(); ++i) index_[key(conns_[i].h)] = i;
  }
  // Beyond keep_records_, the oldest finished records go, wherever they are:
  // a live connection's record stays until it ends, and one long-lived
  // connection cannot hold back the trimming of those after it.
  for (std::size_t i = 0; records_.size() > keep_records_ && i < records_.size();) {
    if (!records_[i].eof && !records_[i].error) {
      ++i;  // live (its connection is in conns_)
      continue;
    }
    records_.erase(records_.begin() + static_cast<std::ptrdiff_t>(i));
    for (auto& c : conns_) {
      if (c.record > i) --c.record;
    }
  }
}

void TcpSinkServer::read(Conn& c, Instant now) {
  auto& tcp = host_.tcp();
  Record& rec = records_[c.record];
  std::array<std::byte, kChunk> buf;  // filled by recv()
  for (;;) {
    auto r = tcp.recv(c.h, buf);
    if (!r) {
      if (r.error().code != tcp::Errc::would_block) {
        rec.error = r.error().code;
        c.done = true;
      }
      break;
    }
    if (*r == 0) {
      rec.eof = true;
      c.done = true;
      break;
    }
    if (!rec.first_byte_at) rec.first_byte_at = now;
    rec.last_byte_at = now;
    rec.bytes += *r;
    total_bytes_ += *r;
    c.hash.update(Bytes(buf.data(), *r));
    rec.hash = c.hash.value();
  }
  if (c.done) (void)tcp.close(c.h);
}

// ---- Bulk client ----------------------------------------------------------------------

double TcpBulkResult::goodput_bps() const {
  if (!finished_at || !connected_at) return 0;
  const double s = to_seconds(*finished_at - *connected_at);
  return s > 0 ? static_cast<double>(bytes_sent) * 8 / s : 0;
}

TcpBulkClient::TcpBulkClient(runtime::Host& host, IpEndpoint dst, TcpBulkConfig config)
    : host_(host),
      dst_(dst),
      config_(config),
      stream_(config.seed),
      hash_stream_(config.seed),
      socket_(host.tcp().open()) {
  start_at_ = host_.now() + config_.start;
  hook_ = host_.on_activity([this] { on_activity(); });
  if (config_.start <= Duration::zero()) {
    start();
  } else {
    host_.wake_at(start_at_);
  }
}

TcpBulkClient::~TcpBulkClient() {
  host_.remove_activity(hook_);
  (void)host_.tcp().close(socket_);
}

const TcpBulkResult& TcpBulkClient::result() const {
  if (hashed_ < result_.bytes_sent) {
    std::array<std::byte, kChunk> buf;
    while (hashed_ < result_.bytes_sent) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, result_.bytes_sent - hashed_));
      hash_stream_.next(MutBytes(buf).first(n));
      hash_.update(Bytes(buf).first(n));
      hashed_ += n;
    }
    result_.hash = hash_.value();
  }
  return result_;
}

const tcp::Connection* TcpBulkClient::connection() const { return host_.tcp().connection(socket_); }

void TcpBulkClient::start() {
  auto& tcp = host_.tcp();
  result_.started_at = host_.now();
  started_ = true;
  if (config_.local_port != 0) {
    if (auto b = tcp.bind(socket_, {IpAddress::any(dst_.addr.family()), config_.local_port}); !b) {
      result_.error = b.error().code;
      return;
    }
  }
  if (auto r = tcp.connect(socket_, dst_, host_.now()); !r) {
    result_.error = r.error().code;
    return;
  }
  host_.kick();
}

void TcpBulkClient::on_activity() {
  if (!started_) {
    if (host_.now() < start_at_) {
      host_.wake_at(start_at_);
      return;
    }
    start();
  }
  if (done()) return;
  auto& tcp = host_.tcp();
  const Instant now = host_.now();
  const auto state = tcp.state(socket_);
  if (!state) return;
  if (auto e = tcp.take_error(socket_)) {
    result_.error = e;
    if (const auto* c = tcp.connection(socket_)) result_.retransmits = c->retransmits();
    return;
  }
  if (!tcp::is_synchronized(*state)) return;
  if (!result_.connected) {
    result_.connected = true;
    result_.connected_at = now;
  }
  while (result_.bytes_sent < config_.bytes) {
    if (chunk_off_ == chunk_.size()) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, config_.bytes - result_.bytes_sent));
      chunk_.resize(n);
      stream_.next(chunk_);
      chunk_off_ = 0;
    }
    auto r = tcp.send(socket_, Bytes(chunk_).subspan(chunk_off_));
    if (!r) break;
    chunk_off_ += *r;
    result_.bytes_sent += *r;
  }
  if (result_.bytes_sent == config_.bytes && config_.close_when_done && !shut_) {
    (void)tcp.shutdown_send(socket_);
    shut_ = true;
  }
  // Finished when the peer acknowledged everything, our FIN included.
  if (const tcp::Connection* c = tcp.connection(socket_)) result_.retransmits = c->retransmits();
  if (result_.bytes_sent == config_.bytes && shut_ == config_.close_when_done && tcp.all_acknowledged(socket_)) {
    result_.finished = true;
    result_.finished_at = now;
  }
}

// ---- Request client -----------------------------------------------------------------

// A watcher of its own socket, not a hook: a host making ten thousand
// requests runs the ones whose socket changed, not all of them every round.
TcpRequestClient::TcpRequestClient(runtime::Host& host, IpEndpoint dst, Config config)
    : host_(host), dst_(dst), config_(std::move(config)), socket_(host.tcp().open()) {
  start_at_ = host_.now() + config_.start;
  host_.watch(socket_, [this] { on_activity(); });
  if (config_.start <= Duration::zero()) {
    start();
  } else {
    start_timer_ = host_.schedule_at(start_at_, [this] {
      start_timer_ = {};
      start();
    });
  }
}

TcpRequestClient::~TcpRequestClient() {
  host_.cancel(timeout_);
  host_.cancel(start_timer_);
  host_.unwatch(socket_);
  (void)host_.tcp().close(socket_);
}

void TcpRequestClient::start() {
  started_ = true;
  started_at_ = host_.now();
  if (config_.timeout > Duration::zero()) {
    timeout_ = host_.schedule_in(config_.timeout, [this] {
      timeout_ = {};
      if (done_) return;
      (void)host_.tcp().abort(socket_);
      finish(tcp::Errc::timed_out);
    });
  }
  if (auto r = host_.tcp().connect(socket_, dst_, started_at_); !r) {
    finish(r.error().code);
    return;
  }
  host_.kick();
}

void TcpRequestClient::finish(std::optional<tcp::Errc> error) {
  error_ = error;
  done_ = true;
  host_.cancel(timeout_);
  if (config_.on_done) config_.on_done();
}

void TcpRequestClient::on_activity() {
  if (!started_ || done_) return;
  auto& tcp = host_.tcp();
  if (auto e = tcp.take_error(socket_)) return finish(e);
  const auto state = tcp.state(socket_);
  if (!state || !tcp::is_synchronized(*state)) return;
  while (sent_ < config_.request.size()) {
    auto r = tcp.send(socket_, as_bytes(std::string_view(config_.request).substr(sent_)));
    if (!r) break;
    sent_ += *r;
  }
  if (sent_ == config_.request.size() && !shut_ && config_.expect == 0 && !config_.complete) {
    (void)tcp.shutdown_send(socket_);
    shut_ = true;
  }
  bool complete = false;
  std::array<std::byte, kChunk> buf;  // filled by recv(): no need to clear it first
  for (;;) {
    auto r = tcp.recv(socket_, buf);
    if (!r) {
      if (r.error().code != tcp::Errc::would_block) return finish(r.error().code);
      return;
    }
    if (*r == 0) break;
    response_.append(reinterpret_cast<const char*>(buf.data()), *r);
    if (config_.expect > 0 && response_.size() >= config_.expect) {
      complete = true;
      break;
    }
    if (config_.complete &&
        config_.complete(std::string_view(response_).substr(response_.size() - *r))) {
      complete = true;
      break;
    }
  }
  const bool eof = tcp.readiness(socket_) & tcp::ready::kHangup;
  if (complete || eof) {
    latency_ = host_.now() - started_at_;
    (void)tcp.close(socket_);
    host_.kick();
    finish(std::nullopt);
  }
}

}  // namespace wirestack::app
