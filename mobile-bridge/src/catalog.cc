// cairn_catalog_*: the catalog on the device, as protobuf bytes.
#include <vector>

#include "abi.h"
#include "cairn/catalog_search.h"
#include "cairn/v1/bridge.pb.h"
#include "store_handle.h"

namespace cairn::bridge {
namespace {

Status List(cairn_store* store, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::vector<v1::MicroCredential> all, device.ListMicroCredentials());
    v1::MicroCredentialList list;
    for (v1::MicroCredential& mc : all) *list.add_micro_credentials() = std::move(mc);
    return Output(list.SerializeAsString(), out);
  });
}

Status Show(cairn_store* store, const char* id_data, size_t id_len, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view id, RequiredText(id_data, id_len, "id"));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const v1::MicroCredential mc, device.GetMicroCredential(id));
    return Output(mc.SerializeAsString(), out);
  });
}

Status Search(cairn_store* store, const char* query_data, size_t query_len, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view query,
                         RequiredText(query_data, query_len, "query"));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const std::vector<v1::MicroCredential> all,
                           device.ListMicroCredentials());
    CAIRN_ASSIGN_OR_RETURN(const std::vector<v1::Stack> stacks, device.ListStacks());
    v1::MicroCredentialList list;
    for (const CatalogMatch& match : SearchCatalog(all, stacks, query)) {
      *list.add_micro_credentials() = *match.micro_credential;
    }
    return Output(list.SerializeAsString(), out);
  });
}

}  // namespace
}  // namespace cairn::bridge

extern "C" {

cairn_code cairn_catalog_list(cairn_store* store, cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::List(store, out); });
}

cairn_code cairn_catalog_show(cairn_store* store, const char* id, size_t id_len, cairn_buffer* out,
                              cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::Show(store, id, id_len, out); });
}

cairn_code cairn_catalog_search(cairn_store* store, const char* query, size_t query_len,
                                cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(error,
                             [&] { return cairn::bridge::Search(store, query, query_len, out); });
}

}  // extern "C"
