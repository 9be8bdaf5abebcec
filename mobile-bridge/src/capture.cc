// cairn_capture_*: evidence captured from a stream of bytes while it is recorded.
#include <memory>
#include <string>

#include "abi.h"
#include "store_handle.h"

struct cairn_capture {
  // Shared with the store's handle: the capture may outlive it, and then finds it closed.
  std::shared_ptr<cairn::bridge::StoreState> store;
  cairn::EntityId pursuit;
  std::string requirement;
  std::string caption;
  std::unique_ptr<cairn::BlobCapture> blob;
  bool finished = false;
};

namespace cairn::bridge {
namespace {

Status Begin(cairn_store* store, const char* pursuit_data, size_t pursuit_len,
             const char* requirement_data, size_t requirement_len, const char* caption_data,
             size_t caption_len, cairn_capture** out) {
  if (out == nullptr) return InvalidArgument("the capture output is NULL; pass a cairn_capture**");
  *out = nullptr;
  CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, IdArgument(pursuit_data, pursuit_len, "pursuit"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view requirement,
                         RequiredText(requirement_data, requirement_len, "requirement"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view caption,
                         Text(caption_data, caption_len, "caption"));
  return WithStore(store, [&](Device& device, BlobStore& blobs) -> Status {
    CAIRN_RETURN_IF_ERROR(device.CheckArtifact(pursuit, requirement));
    auto capture = std::make_unique<cairn_capture>();
    capture->store = store->state;
    capture->pursuit = pursuit;
    capture->requirement = std::string(requirement);
    capture->caption = std::string(caption);
    CAIRN_ASSIGN_OR_RETURN(capture->blob, blobs.BeginCapture());
    *out = capture.release();
    return {};
  });
}

// Runs `body(BlobCapture&, Device&)` for an unfinished capture under its store's lock.
template <typename Body>
Status WithCapture(cairn_capture* capture, Body&& body) {
  if (capture == nullptr) return InvalidArgument("the capture handle is NULL; begin one first");
  return WithState(*capture->store, [&](Device& device, BlobStore&) -> Status {
    if (capture->finished) {
      return FailedPrecondition("the capture is finished; begin another for more evidence");
    }
    return body(*capture->blob, device);
  });
}

Status Write(cairn_capture* capture, const uint8_t* bytes, size_t len) {
  if (bytes == nullptr && len > 0) {
    return InvalidArgument("the bytes are NULL with a length of " + std::to_string(len));
  }
  return WithCapture(capture, [&](BlobCapture& blob, Device&) {
    if (len == 0) return Status();
    return blob.Append(std::string_view(reinterpret_cast<const char*>(bytes), len));
  });
}

Status Finish(cairn_capture* capture, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  return WithCapture(capture, [&](BlobCapture& blob, Device& device) -> Status {
    capture->finished = true;
    CAIRN_ASSIGN_OR_RETURN(const EvidenceRef ref, blob.Finish());
    CAIRN_ASSIGN_OR_RETURN(
        const EntityId evidence,
        device.AddEvidence(capture->pursuit, capture->requirement, ref, capture->caption));
    return Output(evidence.ToString(), out);
  });
}

}  // namespace
}  // namespace cairn::bridge

extern "C" {

cairn_code cairn_capture_begin(cairn_store* store, const char* pursuit, size_t pursuit_len,
                               const char* requirement, size_t requirement_len, const char* caption,
                               size_t caption_len, cairn_capture** capture,
                               cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] {
    return cairn::bridge::Begin(store, pursuit, pursuit_len, requirement, requirement_len, caption,
                                caption_len, capture);
  });
}

cairn_code cairn_capture_write(cairn_capture* capture, const uint8_t* bytes, size_t len,
                               cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::Write(capture, bytes, len); });
}

cairn_code cairn_capture_finish(cairn_capture* capture, cairn_buffer* out,
                                cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::Finish(capture, out); });
}

void cairn_capture_free(cairn_capture* capture) noexcept {
  // An unfinished blob capture deletes its temporary file as it is destroyed.
  delete capture;
}

}  // extern "C"
