// A key provider that throws, for bridge_test.c: an app's callback written in C++ (or a bug
// inside the core) raising an exception during an ABI call. The call must come back as
// CAIRN_INTERNAL with what the exception said, never as a crash.
#include <stdexcept>

#include "cairn.h"

extern "C" cairn_code ThrowingKeys(void* /*user_data*/, uint8_t* /*key*/, size_t /*key_len*/) {
  throw std::runtime_error("the keystore exploded");
}
