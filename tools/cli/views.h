// What `cairn` prints: the change log, status, conflicts, evidence, validation issues and the
// catalog, as text for people or as JSON (--json) for scripts. The demo prints through these
// too, so that it shows exactly what the commands show.
#ifndef CAIRN_TOOLS_CLI_VIEWS_H_
#define CAIRN_TOOLS_CLI_VIEWS_H_

#include <optional>
#include <ostream>
#include <vector>

#include "cairn/badge/verify.h"
#include "cairn/catalog_search.h"
#include "cairn/credentials.h"
#include "cairn/device.h"
#include "cairn/replica.h"
#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"
#include "cairn/v1/model.pb.h"
#include "json_writer.h"

namespace cairn::cli {

// log_view.cc

struct LogOptions {
  bool json = false;
  // Only the last `limit` changes.
  std::optional<size_t> limit;
};

// Every change the replica holds, oldest first in causal order: one line per change with the
// actor's short id, seq, HLC and its ops (text), or {"total":N,"changes":[...]} (JSON).
Status PrintLog(Replica& replica, const LogOptions& options, std::ostream& out);

// A value as JSON, one member named after value.proto's oneof: {"text":"..."},
// {"integer":3}, {"blob":"<base64>"}, {"evidence":{...}}, {"entity":"<uuid>"}, ...
void WriteValueJson(const Value& value, JsonWriter& json);

// status_view.cc

// Each pursuit (id, micro-credential, version, status, attempt, evidence count) and the number
// of unresolved conflicts.
Status PrintStatus(Device& device, bool json, std::ostream& out);
// Each unresolved conflict with every concurrent value and how to resolve it.
Status PrintConflicts(Device& device, bool json, std::ostream& out);
void PrintEvidenceList(const std::vector<v1::EvidenceItem>& items, bool json, std::ostream& out);
// "- <message>" per issue, or "ready to submit".
void PrintIssues(const std::vector<ValidationIssue>& issues, std::ostream& out);

// catalog_view.cc

// Every micro-credential (with the stacks it is in), then every stack.
void PrintCatalogList(const std::vector<v1::MicroCredential>& all,
                      const std::vector<v1::Stack>& stacks, bool json, std::ostream& out);
// Search results, best first (SearchCatalog).
void PrintCatalogSearch(std::string_view query, const std::vector<CatalogMatch>& matches,
                        const std::vector<v1::Stack>& stacks, bool json, std::ostream& out);
// One micro-credential in full, with the stacks that list it.
Status PrintMicroCredential(const v1::MicroCredential& mc, const std::vector<v1::Stack>& stacks,
                            bool json, std::ostream& out);

// badge_view.cc

// "expires in 23 days — renew" within kExpiryReminderDays of validUntil, "expired on
// 2026-03-01 — renew" after it; empty for revoked credentials and the rest.
std::string ExpiryNote(const CredentialRecord& record, int64_t now_ms);
// Every credential: id, title, kind, issued, status, expiry; then the renewal reminders.
void PrintCredentialList(const std::vector<CredentialRecord>& records, int64_t now_ms, bool json,
                         std::ostream& out);
// One credential in full: what the record and the credential JSON say.
void PrintCredential(const CredentialRecord& record, int64_t now_ms, bool json, std::ostream& out);
// One line per credential to renew (for `cairn status`).
void PrintExpiryReminders(const std::vector<ExpiryReminder>& due, std::ostream& out);
// Each check of a verification ("ok", "FAIL", "skip"), then the verdict. `keys_from` says
// whose word the issuer's keys are: "this device" or "the pack".
void PrintVerdict(const badge::Verdict& verdict, std::string_view keys_from, int64_t now_ms,
                  bool json, std::ostream& out);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_VIEWS_H_
