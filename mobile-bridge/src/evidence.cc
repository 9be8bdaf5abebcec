// cairn_evidence_*: capture into the sealed store, and list a pursuit's evidence.
#include <string>
#include <vector>

#include "abi.h"
#include "cairn/v1/bridge.pb.h"
#include "store_handle.h"

namespace cairn::bridge {
namespace {

Status CaptureFile(cairn_store* store, const char* pursuit_data, size_t pursuit_len,
                   const char* requirement_data, size_t requirement_len, const char* path_data,
                   size_t path_len, const char* caption_data, size_t caption_len,
                   cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, IdArgument(pursuit_data, pursuit_len, "pursuit"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view requirement,
                         RequiredText(requirement_data, requirement_len, "requirement"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view path, RequiredText(path_data, path_len, "path"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view caption,
                         Text(caption_data, caption_len, "caption"));
  return WithStore(store, [&](Device& device, BlobStore& blobs) -> Status {
    // Before reading a file that may be a long video.
    CAIRN_RETURN_IF_ERROR(device.CheckArtifact(pursuit, requirement));
    const std::string file(path);
    Result<EvidenceRef> ref = blobs.Capture(file);
    if (!ref.ok()) return ref.status().Annotate("capturing " + file);
    CAIRN_ASSIGN_OR_RETURN(const EntityId evidence,
                           device.AddEvidence(pursuit, requirement, *ref, caption));
    return Output(evidence.ToString(), out);
  });
}

Status List(cairn_store* store, const char* pursuit_data, size_t pursuit_len, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, IdArgument(pursuit_data, pursuit_len, "pursuit"));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::vector<v1::EvidenceItem> all, device.ListEvidence(pursuit));
    v1::EvidenceList list;
    for (v1::EvidenceItem& item : all) *list.add_evidence() = std::move(item);
    return Output(list.SerializeAsString(), out);
  });
}

}  // namespace
}  // namespace cairn::bridge

extern "C" {

cairn_code cairn_evidence_capture_file(cairn_store* store, const char* pursuit, size_t pursuit_len,
                                       const char* requirement, size_t requirement_len,
                                       const char* path, size_t path_len, const char* caption,
                                       size_t caption_len, cairn_buffer* out,
                                       cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] {
    return cairn::bridge::CaptureFile(store, pursuit, pursuit_len, requirement, requirement_len,
                                      path, path_len, caption, caption_len, out);
  });
}

cairn_code cairn_evidence_list(cairn_store* store, const char* pursuit, size_t pursuit_len,
                               cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(error,
                             [&] { return cairn::bridge::List(store, pursuit, pursuit_len, out); });
}

}  // extern "C"
