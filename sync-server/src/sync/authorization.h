// Authorisation of incoming changes: which entity types and fields each role may write through
// sync (DESIGN.md §3, §8). Ownership — that an entity belongs to the author's scope — is checked
// by the store, which knows every entity's scope; this is the per-role policy on top.
//
//   educator   pursuits (status only "draft" or "submitted"), evidence, and submissions (their
//              snapshot fields, never a status or a decision); nothing else
//   others     nothing through sync: assessments and decisions come through the issuer API,
//              the catalog from the server's own import
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_SYNC_AUTHORIZATION_H_
#define CAIRN_SERVER_SYNC_AUTHORIZATION_H_

#include <string_view>

#include "cairn/change.h"
#include "cairn/status.h"
#include "store/server_store.h"

namespace cairn::server {

// OK, or PermissionDenied saying what the role may not do and what to do instead.
Status AuthorizeOp(Role role, std::string_view entity_type, const Op& op);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_SYNC_AUTHORIZATION_H_
