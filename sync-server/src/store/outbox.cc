// The forwarding outbox (decision 0013): one row per complete submission, written in the
// transaction that completes it, and the records of each delivery attempt. The delivery
// itself (HTTP, git) is forward/'s; the store only says what is due and remembers outcomes.
#include <optional>
#include <string>
#include <vector>

#include "cairn/catalog_publish.h"
#include "cairn/change_codec.h"
#include "cairn/hex.h"
#include "cairn/v1/catalog.pb.h"
#include "store/server_store.h"
#include "store/server_store_impl.h"

namespace cairn::server {
namespace {

constexpr std::string_view kStateNames[] = {"pending", "delivered", "dead"};

constexpr const char* kSelectEntry =
    "SELECT submission_id, issuer_id, state, attempts, next_attempt_ms, last_error, created_ms, "
    "delivered_ms FROM outbox ";

Result<OutboxEntry> ReadEntry(store::Statement& select) {
  OutboxEntry entry;
  entry.submission = EntityId::FromBytes(select.ColumnBlob(0));
  entry.issuer_id = std::string(select.ColumnText(1));
  const int64_t state = select.ColumnInt(2);
  if (state < 1 || state > 3) {
    return DataLoss("the outbox row of submission " + entry.submission.ToString() +
                    " has the unknown state " + std::to_string(state));
  }
  entry.state = static_cast<DeliveryState>(state);
  entry.attempts = static_cast<uint32_t>(select.ColumnInt(3));
  entry.next_attempt_ms = select.ColumnInt(4);
  entry.last_error = std::string(select.ColumnText(5));
  entry.created_ms = select.ColumnInt(6);
  if (!select.ColumnIsNull(7)) entry.delivered_ms = select.ColumnInt(7);
  return entry;
}

Result<std::vector<OutboxEntry>> ReadEntries(store::Statement& select) {
  std::vector<OutboxEntry> entries;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    CAIRN_ASSIGN_OR_RETURN(OutboxEntry entry, ReadEntry(select));
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::optional<OutboxEntry>> FindEntry(store::Database& db, const EntityId& submission) {
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         db.Prepare(std::string(kSelectEntry) + "WHERE submission_id = ?1"));
  select.BindBlob(1, submission.AsBytes());
  CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<OutboxEntry>();
  CAIRN_ASSIGN_OR_RETURN(OutboxEntry entry, ReadEntry(select));
  return std::optional<OutboxEntry>(std::move(entry));
}

Status NoEntry(const EntityId& submission) {
  return NotFound("no outbox entry for submission " + submission.ToString() +
                  ": it is not complete on this server yet, or the id is wrong; "
                  "`cairn-server outbox list` shows the entries");
}

// The definition (a serialised MicroCredential) of a micro-credential version, from the catalog
// scope of the log; nullopt if it was never published. The server does not materialise the
// catalog, so this reads the catalog scope's changes newest first: a few thousand small
// changes at most, once per completed submission and per delivery.
Result<std::optional<v1::MicroCredential>> FindMicroCredential(store::Database& db,
                                                               std::string_view id,
                                                               std::string_view version) {
  const EntityId entry = CatalogEntryId(kMicroCredentialType, id, version);
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      db.Prepare("SELECT c.payload FROM changes c JOIN scopes s ON s.id = c.scope_id "
                 "WHERE s.name = ?1 ORDER BY c.server_seq DESC"));
  select.BindText(1, kCatalogScope);
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    CAIRN_ASSIGN_OR_RETURN(const std::vector<Change> changes, DecodeChanges(select.ColumnBlob(0)));
    for (const Change& change : changes) {
      for (const Op& op : change.ops) {
        if (op.entity != entry || op.kind != OpKind::kPut || op.field != "definition") continue;
        const auto* blob = std::get_if<Blob>(&op.value);
        v1::MicroCredential definition;
        if (blob == nullptr || !definition.ParseFromString(blob->data)) {
          return DataLoss("catalog entry " + entry.ToString() + " (" + std::string(id) + "@" +
                          std::string(version) + ") has a definition that does not parse");
        }
        return std::optional<v1::MicroCredential>(std::move(definition));
      }
    }
  }
  return std::optional<v1::MicroCredential>();
}

}  // namespace

std::string_view DeliveryStateName(DeliveryState state) {
  return kStateNames[static_cast<size_t>(state) - 1];
}

Result<DeliveryState> ParseDeliveryState(std::string_view name) {
  for (size_t i = 0; i < std::size(kStateNames); ++i) {
    if (kStateNames[i] == name) return static_cast<DeliveryState>(i + 1);
  }
  return InvalidArgument("unknown outbox state '" + std::string(name) +
                         "'; use pending, delivered or dead");
}

Status EnqueueDelivery(store::Database& db, const EntityId& submission, int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement pinned,
      db.Prepare("SELECT micro_credential_id, micro_credential_version FROM submissions "
                 "WHERE id = ?1"));
  pinned.BindBlob(1, submission.AsBytes());
  CAIRN_ASSIGN_OR_RETURN(const bool found, pinned.Step());
  if (!found) return Internal("completed submission " + submission.ToString() + " has no row");
  const std::string mc_id(pinned.ColumnText(0));
  const std::string mc_version(pinned.ColumnText(1));
  // A version the catalog lacks must not refuse the push or upload that completed the
  // submission: the row is written without issuer and its delivery says what is wrong.
  CAIRN_ASSIGN_OR_RETURN(const std::optional<v1::MicroCredential> definition,
                         FindMicroCredential(db, mc_id, mc_version));
  const std::string issuer = definition ? definition->issuer_id() : std::string();
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement insert,
      db.Prepare("INSERT OR IGNORE INTO outbox(submission_id, issuer_id, state, attempts, "
                 "next_attempt_ms, created_ms) VALUES(?1, ?2, 1, 0, ?3, ?3)"));
  insert.BindBlob(1, submission.AsBytes()).BindText(2, issuer).Bind(3, now_ms);
  return insert.Run();
}

Result<std::vector<OutboxEntry>> ServerStore::ListOutbox(std::optional<DeliveryState> state,
                                                         size_t limit) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare(std::string(kSelectEntry) +
                      "WHERE ?1 = 0 OR state = ?1 ORDER BY created_ms, submission_id LIMIT ?2"));
  select.Bind(1, state ? static_cast<int64_t>(*state) : 0);
  select.Bind(2, static_cast<int64_t>(limit));
  return ReadEntries(select);
}

Result<OutboxEntry> ServerStore::GetOutboxEntry(const EntityId& submission) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(std::optional<OutboxEntry> entry, FindEntry(*reader, submission));
  if (!entry) return NoEntry(submission);
  return *std::move(entry);
}

Result<std::vector<OutboxEntry>> ServerStore::DueDeliveries(int64_t now_ms, size_t limit) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare(std::string(kSelectEntry) +
                      "WHERE state = 1 AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms "
                      "LIMIT ?2"));
  select.Bind(1, now_ms).Bind(2, static_cast<int64_t>(limit));
  return ReadEntries(select);
}

Result<Forwarding> ServerStore::LoadForwarding(const EntityId& submission) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  store::Database& db = *reader;
  // One read transaction: the entry, the submission and the blobs as of one moment.
  CAIRN_RETURN_IF_ERROR(db.Exec("BEGIN"));
  Forwarding out;
  const Status read = [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::optional<OutboxEntry> entry, FindEntry(db, submission));
    if (!entry) return NoEntry(submission);
    out.entry = *std::move(entry);
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement sub,
        db.Prepare("SELECT s.snapshot, s.micro_credential_id, s.micro_credential_version, "
                   "sc.name FROM submissions s JOIN scopes sc ON sc.id = s.scope_id "
                   "WHERE s.id = ?1"));
    sub.BindBlob(1, submission.AsBytes());
    CAIRN_ASSIGN_OR_RETURN(const bool found, sub.Step());
    if (!found) return DataLoss("outbox entry " + submission.ToString() + " has no submission");
    out.snapshot = std::string(sub.ColumnBlob(0));
    const std::string mc_id(sub.ColumnText(1));
    const std::string mc_version(sub.ColumnText(2));
    const std::string scope_name(sub.ColumnText(3));
    constexpr std::string_view kEducatorPrefix = "educator:";
    if (scope_name.starts_with(kEducatorPrefix)) {
      out.educator_id = scope_name.substr(kEducatorPrefix.size());
    }
    CAIRN_ASSIGN_OR_RETURN(store::Statement user,
                           db.Prepare("SELECT name FROM users WHERE id = ?1"));
    user.BindText(1, out.educator_id);
    CAIRN_ASSIGN_OR_RETURN(const bool has_user, user.Step());
    if (has_user) out.educator_name = std::string(user.ColumnText(0));

    CAIRN_ASSIGN_OR_RETURN(const std::optional<v1::MicroCredential> definition,
                           FindMicroCredential(db, mc_id, mc_version));
    if (definition) out.micro_credential_title = definition->title();

    CAIRN_ASSIGN_OR_RETURN(
        store::Statement issuer,
        db.Prepare("SELECT name, target_kind, target, webhook_secret, max_attempts, created_ms "
                   "FROM issuers WHERE id = ?1"));
    issuer.BindText(1, out.entry.issuer_id);
    CAIRN_ASSIGN_OR_RETURN(const bool has_issuer, issuer.Step());
    if (has_issuer) {
      IssuerInfo info;
      info.id = out.entry.issuer_id;
      info.name = std::string(issuer.ColumnText(0));
      const std::string_view kind = issuer.ColumnText(1);
      info.target_kind = kind == "webhook" ? TargetKind::kWebhook
                         : kind == "git"   ? TargetKind::kGit
                                           : TargetKind::kNone;
      info.target = std::string(issuer.ColumnText(2));
      info.webhook_secret = std::string(issuer.ColumnBlob(3));
      info.max_attempts = static_cast<uint32_t>(issuer.ColumnInt(4));
      info.created_ms = issuer.ColumnInt(5);
      out.issuer = std::move(info);
    }

    CAIRN_ASSIGN_OR_RETURN(
        store::Statement blobs,
        db.Prepare("SELECT n.sha256, n.size, n.media_type FROM submission_blobs n "
                   "WHERE n.submission_id = ?1 ORDER BY n.position"));
    blobs.BindBlob(1, submission.AsBytes());
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(const bool row, blobs.Step());
      if (!row) break;
      Forwarding::Evidence evidence;
      evidence.sha256 = std::string(blobs.ColumnBlob(0));
      evidence.size = static_cast<uint64_t>(blobs.ColumnInt(1));
      evidence.media_type = std::string(blobs.ColumnText(2));
      // Present blobs are content-addressed, shared by scopes (blobs.cc PresentPath).
      const std::string hex = LowerHex(evidence.sha256);
      evidence.path = impl_->blob_dir + "/" + hex.substr(0, 2) + "/" + hex;
      out.evidence.push_back(std::move(evidence));
    }
    return {};
  }();
  (void)db.Exec("COMMIT");
  if (!read.ok()) return read;
  return out;
}

Status ServerStore::RecordDelivered(const EntityId& submission) {
  const int64_t now = impl_->options.env.clock->NowMillis();
  std::lock_guard lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  return InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement update,
        db.Prepare("UPDATE outbox SET state = 2, delivered_ms = ?2, last_error = '' "
                   "WHERE submission_id = ?1 AND state != 2"));
    update.BindBlob(1, submission.AsBytes()).Bind(2, now);
    CAIRN_RETURN_IF_ERROR(update.Run());
    if (sqlite3_changes(db.handle()) == 0) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<OutboxEntry> entry, FindEntry(db, submission));
      if (!entry) return NoEntry(submission);
      return {};  // delivered before (a retried delivery): the status was published then
    }
    return PublishWorkflowStatus(*impl_, db, submission, kStatusForwarded);
  });
}

Result<OutboxEntry> ServerStore::RecordDeliveryFailure(const EntityId& submission,
                                                       std::string_view error, bool counts,
                                                       uint32_t max_attempts,
                                                       int64_t next_attempt_ms) {
  std::lock_guard lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  OutboxEntry out;
  const Status written = InTransaction(db, [&]() -> Status {
    // Only a pending entry records a failure: an operator may have retried or the entry been
    // delivered meanwhile (by another process sharing the file).
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement update,
        db.Prepare("UPDATE outbox SET attempts = attempts + ?2, last_error = ?3, "
                   "next_attempt_ms = ?4, "
                   "state = CASE WHEN attempts + ?2 >= ?5 THEN 3 ELSE 1 END "
                   "WHERE submission_id = ?1 AND state = 1"));
    update.BindBlob(1, submission.AsBytes()).Bind(2, counts ? 1 : 0);
    update.BindText(3, error).Bind(4, next_attempt_ms);
    update.Bind(5, counts ? static_cast<int64_t>(max_attempts) : INT64_MAX);
    CAIRN_RETURN_IF_ERROR(update.Run());
    CAIRN_ASSIGN_OR_RETURN(std::optional<OutboxEntry> entry, FindEntry(db, submission));
    if (!entry) return NoEntry(submission);
    out = *std::move(entry);
    return {};
  });
  if (!written.ok()) return written;
  return out;
}

Result<OutboxEntry> ServerStore::RetryDelivery(const EntityId& submission) {
  const int64_t now = impl_->options.env.clock->NowMillis();
  std::lock_guard lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  OutboxEntry out;
  const Status written = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement update,
        db.Prepare("UPDATE outbox SET state = 1, attempts = 0, next_attempt_ms = ?2 "
                   "WHERE submission_id = ?1"));
    update.BindBlob(1, submission.AsBytes()).Bind(2, now);
    CAIRN_RETURN_IF_ERROR(update.Run());
    CAIRN_ASSIGN_OR_RETURN(std::optional<OutboxEntry> entry, FindEntry(db, submission));
    if (!entry) return NoEntry(submission);
    out = *std::move(entry);
    return {};
  });
  if (!written.ok()) return written;
  return out;
}

}  // namespace cairn::server
