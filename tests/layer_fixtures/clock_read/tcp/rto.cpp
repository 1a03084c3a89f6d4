// A deliberate violation: protocol code reading the clock itself.
#include <chrono>
long now_ms() { return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
