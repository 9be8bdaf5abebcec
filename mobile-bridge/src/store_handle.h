// The cairn_store handle: one teacher's device store behind one lock. Internal to the bridge.
//
// The handle shares its state with the captures made from it, so that freeing the store before
// a capture is safe: the capture then finds the store closed.
//
// Thread-safety: `mu` guards everything else; WithStore takes it for the length of a call.
#ifndef CAIRN_BRIDGE_STORE_HANDLE_H_
#define CAIRN_BRIDGE_STORE_HANDLE_H_

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "cairn.h"
#include "cairn/blob_store.h"
#include "cairn/device.h"
#include "cairn/status.h"

namespace cairn::bridge {

struct StoreState {
  std::mutex mu;
  std::string dir;  // the store's directory
  // Both null once the store is closed.
  std::unique_ptr<Device> device;
  std::unique_ptr<BlobStore> blobs;
};

// Runs `body(Device&, BlobStore&)` under the store's lock; FailedPrecondition once it is closed.
template <typename Body>
Status WithState(StoreState& state, Body&& body) {
  const std::lock_guard<std::mutex> lock(state.mu);
  if (state.device == nullptr) {
    return FailedPrecondition("the store is closed; open it again with cairn_store_open");
  }
  return body(*state.device, *state.blobs);
}

}  // namespace cairn::bridge

struct cairn_store {
  std::shared_ptr<cairn::bridge::StoreState> state = std::make_shared<cairn::bridge::StoreState>();
};

namespace cairn::bridge {

// Closes the store's files (a closed store stays closed). Destroying them does not throw.
void Close(StoreState& state);

// WithState for a handle: InvalidArgument for a null one.
template <typename Body>
Status WithStore(cairn_store* store, Body&& body) {
  if (store == nullptr) return InvalidArgument("the store handle is NULL; open one first");
  return WithState(*store->state, std::forward<Body>(body));
}

}  // namespace cairn::bridge

#endif  // CAIRN_BRIDGE_STORE_HANDLE_H_
