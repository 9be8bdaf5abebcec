#include "sync/authorization.h"

#include <algorithm>
#include <array>
#include <string>

namespace cairn::server {
namespace {

constexpr std::array<std::string_view, 5> kSubmissionFields = {"type", "pursuit", "attempt",
                                                               "snapshot", "submitted_at_ms"};
// The pursuit states a device may set; the rest (received, forwarded, in review, awarded, not
// yet) are the server's and the issuer's to say.
constexpr std::array<std::string_view, 2> kEducatorPursuitStates = {"draft", "submitted"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Status EducatorOp(std::string_view type, const Op& op) {
  const std::string what = "an educator's device";
  if (type == "pursuit" || type == "evidence") {
    if (type == "pursuit" && op.kind == OpKind::kPut && op.field == "status") {
      const auto* state = std::get_if<std::string>(&op.value);
      if (state == nullptr || !Contains(kEducatorPursuitStates, *state)) {
        return PermissionDenied(what +
                                " may set a pursuit's status to draft or submitted "
                                "only; later states come from the server and the issuer");
      }
    }
    return {};
  }
  // The educator's own profile (the public name on their credentials' pages), in their scope.
  if (type == "profile") return {};
  if (type == "submission") {
    if (op.kind == OpKind::kPut && Contains(kSubmissionFields, op.field)) return {};
    return PermissionDenied(what + " may not write '" + (op.field.empty() ? "delete" : op.field) +
                            "' of a submission: a submission is a snapshot the device writes "
                            "once, and its status and decision come from the issuer");
  }
  if (type == "assessment") {
    return PermissionDenied(what +
                            " may not write an assessment; assessors score submissions "
                            "through the issuer's review");
  }
  if (type == "credential") {
    return PermissionDenied(what + " may not write a credential; credentials come from the issuer");
  }
  if (type == "micro_credential" || type == "stack" || type == "issuer") {
    return PermissionDenied(what + " may not change the catalog; issuers publish it");
  }
  return PermissionDenied(what + " may not write entities of type '" + std::string(type) + "'");
}

}  // namespace

Status AuthorizeOp(Role role, std::string_view entity_type, const Op& op) {
  if (role == Role::kEducator) return EducatorOp(entity_type, op);
  return PermissionDenied("a device of a user with role " + std::string(RoleName(role)) +
                          " writes nothing through sync");
}

}  // namespace cairn::server
