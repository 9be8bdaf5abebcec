// cairn_store_open / _close / _free: the device store and its sealed evidence, with the key
// from the platform's key provider.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "abi.h"
#include "store_handle.h"

namespace cairn::bridge {
namespace {

// The app's key provider as the core's KeyProvider.
class CallbackKeys final : public KeyProvider {
 public:
  CallbackKeys(cairn_key_provider provider, void* user_data)
      : provider_(provider), user_data_(user_data) {}

  Result<BlobKeyBytes> BlobKey() override {
    BlobKeyBytes key{};
    const cairn_code code = provider_(user_data_, key.data(), key.size());
    if (code == CAIRN_OK) return key;
    const Code known = InfoOf(static_cast<Code>(code)).code;
    return Status(known == Code::kOk ? Code::kInternal : known,
                  "the app's key provider failed with code " + std::to_string(code) + " (" +
                      std::string(InfoOf(known).name) +
                      "): the evidence key must come from the platform's key store");
  }

 private:
  cairn_key_provider provider_;
  void* user_data_;
};

Status MakePrivateDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return {};
  return FailedPrecondition("cannot make the store directory " + dir + ": " + std::strerror(errno));
}

Status Open(const char* dir_data, size_t dir_len, cairn_key_provider keys, void* user_data,
            cairn_store** out) {
  if (out == nullptr) return InvalidArgument("the store output is NULL; pass a cairn_store**");
  *out = nullptr;
  CAIRN_ASSIGN_OR_RETURN(const std::string_view dir, RequiredText(dir_data, dir_len, "dir"));
  if (keys == nullptr) {
    return InvalidArgument("the key provider is NULL; evidence is sealed with the platform's key");
  }
  const std::string path(dir);
  CAIRN_RETURN_IF_ERROR(MakePrivateDir(path));
  auto store = std::make_unique<cairn_store>();
  store->state->dir = path;
  CAIRN_ASSIGN_OR_RETURN(store->state->device, Device::Open(path + "/device.db"));
  CallbackKeys provider(keys, user_data);
  CAIRN_ASSIGN_OR_RETURN(store->state->blobs, BlobStore::Open(path + "/blobs", provider));
  *out = store.release();
  return {};
}

}  // namespace

void Close(StoreState& state) {
  const std::lock_guard<std::mutex> lock(state.mu);
  state.blobs.reset();
  state.device.reset();
}

}  // namespace cairn::bridge

extern "C" {

cairn_code cairn_store_open(const char* dir, size_t dir_len, cairn_key_provider keys,
                            void* key_user_data, cairn_store** store,
                            cairn_error** error) noexcept {
  return cairn::bridge::Call(
      error, [&] { return cairn::bridge::Open(dir, dir_len, keys, key_user_data, store); });
}

cairn_code cairn_store_close(cairn_store* store, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&]() -> cairn::Status {
    if (store == nullptr) return cairn::InvalidArgument("the store handle is NULL");
    cairn::bridge::Close(*store->state);
    return {};
  });
}

void cairn_store_free(cairn_store* store) noexcept {
  if (store == nullptr) return;
  // Closed now, whatever captures still share the state: they find the store closed.
  cairn::bridge::Close(*store->state);
  delete store;
}

}  // extern "C"
