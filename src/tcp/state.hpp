// tcp/state.hpp — the eleven states of a TCP connection (RFC 9293 3.3.2).
//
// LISTEN belongs to a listener (it never holds a Connection); a Connection is
// born in SYN_SENT (active open) or SYN_RECEIVED (created by a listener for a
// SYN) and ends in CLOSED. to_string() gives the RFC's names ("SYN-SENT").
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

namespace wirestack::tcp {

enum class State : std::uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};

constexpr std::string_view to_string(State s) {
  switch (s) {
    case State::closed: return "CLOSED";
    case State::listen: return "LISTEN";
    case State::syn_sent: return "SYN-SENT";
    case State::syn_received: return "SYN-RECEIVED";
    case State::established: return "ESTABLISHED";
    case State::fin_wait_1: return "FIN-WAIT-1";
    case State::fin_wait_2: return "FIN-WAIT-2";
    case State::close_wait: return "CLOSE-WAIT";
    case State::closing: return "CLOSING";
    case State::last_ack: return "LAST-ACK";
    case State::time_wait: return "TIME-WAIT";
    default: return "?";
  }
}

inline std::ostream& operator<<(std::ostream& os, State s) { return os << to_string(s); }

// RFC 9293 3.3.2: the states after the handshake has completed ("synchronized").
constexpr bool is_synchronized(State s) {
  return s != State::closed && s != State::listen && s != State::syn_sent && s != State::syn_received;
}

}  // namespace wirestack::tcp
