#include "util/utf8.h"

#include <google/protobuf/stubs/common.h>

namespace cairn {

bool IsValidUtf8(std::string_view text) {
  // protobuf ships a fast, strict validator (the one that guards its own `string` fields).
  return google::protobuf::internal::IsStructurallyValidUTF8(text.data(),
                                                             static_cast<int>(text.size()));
}

}  // namespace cairn
