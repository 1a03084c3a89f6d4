// A deliberate violation: wire (row 1) reaching up into tcp (row 3).
#pragma once
#include "tcp/socket.hpp"
