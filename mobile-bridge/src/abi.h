// The machinery every exported function of cairn.h shares: the one wrapper that keeps
// exceptions and failures inside the library (Call), the checks of borrowed arguments, and the
// library-owned outputs. Internal to the bridge.
//
// Thread-safety: free functions; the store's lock is taken by the functions that use a store.
#ifndef CAIRN_BRIDGE_ABI_H_
#define CAIRN_BRIDGE_ABI_H_

#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "cairn.h"
#include "cairn/ids.h"
#include "cairn/status.h"

namespace cairn::bridge {

// A new cairn_error for `status` (not OK). Returns nullptr only when even that allocation fails.
cairn_error* NewError(const Status& status) noexcept;

// Hands `status` to the caller: fills `*error` when `error` is not null and the status is not
// OK, and returns the code.
cairn_code Report(const Status& status, cairn_error** error) noexcept;

// Runs `body` (returning a Status) as one ABI call: `*error` starts null, and an exception
// becomes CAIRN_INTERNAL with what it said (std::bad_alloc: "out of memory").
template <typename Body>
cairn_code Call(cairn_error** error, Body&& body) noexcept {
  if (error != nullptr) *error = nullptr;
  try {
    return Report(body(), error);
  } catch (const std::bad_alloc&) {
    return Report(Internal("the core ran out of memory"), error);
  } catch (const std::exception& e) {
    return Report(Internal(std::string("the core failed: ") + e.what()), error);
  } catch (...) {
    return Report(Internal("the core failed with an unknown exception"), error);
  }
}

// A borrowed text argument, checked: NULL with a length, or bytes that are not UTF-8, are
// InvalidArgument naming `name`.
Result<std::string_view> Text(const char* data, size_t len, std::string_view name);
// A text argument that may not be empty.
Result<std::string_view> RequiredText(const char* data, size_t len, std::string_view name);

// An entity id argument ("0190f3c2-7a1b-7c3d-8e4f-0123456789ab"), checked as text first.
Result<EntityId> IdArgument(const char* data, size_t len, std::string_view name);

// Fills `*out` with a copy of `bytes`; InvalidArgument when `out` is null.
Status Output(std::string_view bytes, cairn_buffer* out);
// Checks an output pointer before the work that fills it begins (and empties the buffer).
Status CheckOutput(cairn_buffer* out);

}  // namespace cairn::bridge

#endif  // CAIRN_BRIDGE_ABI_H_
