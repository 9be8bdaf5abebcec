// The cairn_store handle: one teacher's device store behind one lock. Internal to the bridge.
//
// Thread-safety: `mu` guards everything else; WithStore takes it for the length of a call.
#ifndef CAIRN_BRIDGE_STORE_HANDLE_H_
#define CAIRN_BRIDGE_STORE_HANDLE_H_

#include <memory>
#include <mutex>

#include "cairn.h"
#include "cairn/blob_store.h"
#include "cairn/device.h"
#include "cairn/status.h"

struct cairn_store {
  std::mutex mu;
  // Both null once the store is closed.
  std::unique_ptr<cairn::Device> device;
  std::unique_ptr<cairn::BlobStore> blobs;
};

namespace cairn::bridge {

// Runs `body(Device&, BlobStore&)` under the store's lock: InvalidArgument for a null handle,
// FailedPrecondition for a closed store.
template <typename Body>
Status WithStore(cairn_store* store, Body&& body) {
  if (store == nullptr) return InvalidArgument("the store handle is NULL; open one first");
  const std::lock_guard<std::mutex> lock(store->mu);
  if (store->device == nullptr) {
    return FailedPrecondition("the store is closed; open it again with cairn_store_open");
  }
  return body(*store->device, *store->blobs);
}

}  // namespace cairn::bridge

#endif  // CAIRN_BRIDGE_STORE_HANDLE_H_
