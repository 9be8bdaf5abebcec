// libFuzzer target for the change batch decoder and the replica's validation of what it decodes:
// bytes from the network must never crash, hang or corrupt a store. A batch that decodes must
// survive an encode/decode round trip unchanged, and applying it must either succeed or leave
// the store exactly as it was.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "cairn/change_codec.h"
#include "cairn/replica.h"

namespace {

cairn::Replica& Store() {
  static std::unique_ptr<cairn::Replica> replica = [] {
    auto opened = cairn::Replica::Open(":memory:", cairn::ReplicaOptions{});
    if (!opened.ok()) std::abort();
    return std::move(opened).value();
  }();
  return *replica;
}

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "change_batch_fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = cairn::DecodeChanges(bytes);
  if (!decoded.ok()) {
    Check(!decoded.status().message().empty(), "a refusal without a message");
    return 0;
  }
  bool well_formed = true;
  for (const cairn::Change& change : *decoded) {
    well_formed = well_formed && cairn::ValidateChangeShape(change).ok();
  }
  if (well_formed) {
    auto again = cairn::DecodeChanges(cairn::EncodeChanges(*decoded));
    Check(again.ok() && again->size() == decoded->size(), "re-encoded batch does not decode");
    for (size_t i = 0; i < decoded->size(); ++i) {
      const cairn::Change& a = (*decoded)[i];
      const cairn::Change& b = (*again)[i];
      Check(a.actor == b.actor && a.seq == b.seq && a.hlc == b.hlc && a.ops.size() == b.ops.size(),
            "round trip changed a change");
      for (size_t k = 0; k < a.ops.size(); ++k) {
        Check(a.ops[k].kind == b.ops[k].kind && a.ops[k].entity == b.ops[k].entity &&
                  a.ops[k].field == b.ops[k].field,
              "round trip changed an op");
        if (a.ops[k].kind != cairn::OpKind::kDelete) {
          // Compare encodings: NaN values are equal to themselves only bit for bit.
          Check(cairn::EncodeChanges({&a, 1}) == cairn::EncodeChanges({&b, 1}),
                "round trip changed a value");
        }
      }
    }
  }
  cairn::Replica& store = Store();
  const cairn::VersionVector before = store.Version();
  auto applied = store.Apply(*decoded);
  if (!applied.ok()) Check(store.Version() == before, "a refused batch changed the store");
  return 0;
}
