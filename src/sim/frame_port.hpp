// sim/frame_port.hpp — where a simulated link delivers frames.
//
// A host's network card, a switch port and a router interface are FramePorts.
// A Link calls on_frame() (inside an event of the EventQueue, at the virtual
// time the last bit arrives) with the frame as it left the sender, without
// the FCS, after the FCS check passed; frames of one direction arriving at
// the same instant come in one event, followed by end_of_batch(). The bytes are valid during the call
// only: a receiver that keeps them copies them.
#pragma once

#include "base/bytes.hpp"

namespace wirestack::sim {

class FramePort {
 public:
  virtual ~FramePort() = default;
  virtual void on_frame(Bytes frame) = 0;
  // on_frame() of a frame whose TCP or UDP checksum is known to be right:
  // the sending host's own stack filled it in and the link flipped no bit
  // (Linux's CHECKSUM_UNNECESSARY across a veth pair). A host's card need
  // not sum the payload again; other ports take it as any frame.
  virtual void on_frame_checksummed(Bytes frame) { on_frame(frame); }
  // After the on_frame() calls for every frame that arrived at this instant
  // on one link direction (one or more, delivered in the order they were
  // sent): a host runs its applications and its stack's output once for the
  // batch, as a NIC's interrupt coalescing and GRO let Linux do.
  virtual void end_of_batch() {}
  // The link's transmit queue on this port's side, which was full when the
  // port asked (Link::has_room), has room again.
  virtual void on_room() {}
  // The link went down or came up (carrier lost or back; Link::set_up). A
  // spanning tree bridge disables or enables the port at once.
  virtual void on_link_state(bool /*up*/) {}
};

}  // namespace wirestack::sim
