// tcp/observer_ref.hpp — a pointer to whoever hears of a connection's state
// changes and events, borrowed (the socket table: one observer for all its
// connections, each told apart by a tag) or owned (a std::function hook's
// adapter, deleted with it). Moves with the connection; never copied.
#pragma once

#include <cstdint>
#include <memory>

namespace wirestack::tcp {

template <class Observer, class State, class Event>
class ObserverRef {
 public:
  ObserverRef() = default;
  ObserverRef(const ObserverRef&) = delete;
  ObserverRef& operator=(const ObserverRef&) = delete;
  ObserverRef(ObserverRef&& o) noexcept : p_(o.p_), tag_(o.tag_), owned_(o.owned_) {
    o.p_ = nullptr;
    o.owned_ = false;
  }
  ObserverRef& operator=(ObserverRef&& o) noexcept {
    if (this != &o) {
      clear();
      p_ = o.p_;
      tag_ = o.tag_;
      owned_ = o.owned_;
      o.p_ = nullptr;
      o.owned_ = false;
    }
    return *this;
  }
  ~ObserverRef() { clear(); }
  void borrow(Observer* p, std::uint32_t tag) {
    clear();
    p_ = p;
    tag_ = tag;
  }
  void own(std::unique_ptr<Observer> p) {
    clear();
    p_ = p.release();
    owned_ = p_ != nullptr;
  }
  void notify(State from, State to) const {
    if (p_ != nullptr) p_->on_state(tag_, from, to);
  }
  void event(Event e) const {
    if (p_ != nullptr) p_->on_event(tag_, e);
  }

 private:
  void clear() {
    if (owned_) delete p_;  // NOLINT(cppcoreguidelines-owning-memory)
    p_ = nullptr;
    owned_ = false;
  }
  Observer* p_ = nullptr;
  std::uint32_t tag_ = 0;
  bool owned_ = false;
};

}  // namespace wirestack::tcp
