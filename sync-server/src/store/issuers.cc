// Issuers: who complete submissions are forwarded to, and who may call the issuer API.
//
// An issuer is named by the catalog's Issuer.id, so a submission finds its issuer through the
// micro-credential it answers. The API token is kept as its SHA-256 (256 random bits: nothing
// to guess from); the webhook secret is kept as is, because the server signs with it.
#include <string>

#include "cairn/base64.h"
#include "store/server_store.h"
#include "store/server_store_impl.h"

namespace cairn::server {
namespace {

constexpr std::string_view kTargetKindNames[] = {"none", "webhook", "git"};

Result<TargetKind> ParseTargetKind(std::string_view name) {
  for (size_t i = 0; i < std::size(kTargetKindNames); ++i) {
    if (kTargetKindNames[i] == name) return static_cast<TargetKind>(i);
  }
  return DataLoss("an issuer row has the unknown target kind '" + std::string(name) + "'");
}

bool IsSlug(std::string_view id) {
  if (id.empty() || id.size() > 100 || id.front() == '-' || id.back() == '-') return false;
  char previous = 0;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return true;
}

// Webhooks go to https:// URLs; plain http:// only to loopback, where tests and a local
// receiver live (nothing crosses a network in the clear).
Status CheckWebhookUrl(std::string_view url) {
  if (url.starts_with("https://") && url.size() > 8) return {};
  if (url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:") ||
      url.starts_with("http://[::1]:")) {
    return {};
  }
  return InvalidArgument("the webhook URL '" + std::string(url) +
                         "' must start with https:// (http:// is allowed only for 127.0.0.1, "
                         "localhost or [::1] with a port)");
}

Status CheckSpec(const IssuerSpec& spec) {
  if (!IsSlug(spec.id)) {
    return InvalidArgument("the issuer id '" + spec.id +
                           "' is not a slug (lower-case letters, digits and single hyphens, 1 to "
                           "100 characters); use the catalog's Issuer.id");
  }
  if (spec.name.empty() || spec.name.size() > 200) {
    return InvalidArgument("an issuer's name must be 1 to 200 bytes");
  }
  if (spec.max_attempts == 0 || spec.max_attempts > 1000) {
    return InvalidArgument("max attempts must be 1 to 1000, not " +
                           std::to_string(spec.max_attempts));
  }
  switch (spec.target_kind) {
    case TargetKind::kNone:
      if (!spec.target.empty()) return InvalidArgument("a target was given without its kind");
      return {};
    case TargetKind::kWebhook:
      return CheckWebhookUrl(spec.target);
    case TargetKind::kGit:
      if (spec.target.empty()) return InvalidArgument("the git target needs a remote");
      return {};
  }
  return InvalidArgument("unknown target kind");
}

constexpr const char* kSelectIssuer =
    "SELECT id, name, target_kind, target, webhook_secret, max_attempts, created_ms FROM issuers ";

Result<IssuerInfo> ReadIssuer(store::Statement& select) {
  IssuerInfo info;
  info.id = std::string(select.ColumnText(0));
  info.name = std::string(select.ColumnText(1));
  CAIRN_ASSIGN_OR_RETURN(info.target_kind, ParseTargetKind(select.ColumnText(2)));
  info.target = std::string(select.ColumnText(3));
  info.webhook_secret = std::string(select.ColumnBlob(4));
  info.max_attempts = static_cast<uint32_t>(select.ColumnInt(5));
  info.created_ms = select.ColumnInt(6);
  return info;
}

}  // namespace

std::string_view TargetKindName(TargetKind kind) {
  return kTargetKindNames[static_cast<size_t>(kind)];
}

Result<IssuerCredentials> ServerStore::AddIssuer(const IssuerSpec& spec) {
  CAIRN_RETURN_IF_ERROR(CheckSpec(spec));
  IssuerCredentials out;
  std::array<uint8_t, 32> random{};
  impl_->options.env.random->Fill(random);
  out.api_token = "cairn-issuer-" + Base64UrlEncode(random);
  IssuerInfo& info = out.issuer;
  info.id = spec.id;
  info.name = spec.name;
  info.target_kind = spec.target_kind;
  info.target = spec.target;
  info.webhook_secret = spec.webhook_secret;
  if (info.webhook_secret.empty()) {
    impl_->options.env.random->Fill(random);
    info.webhook_secret = Base64UrlEncode(random);
  }
  info.max_attempts = spec.max_attempts;
  info.created_ms = impl_->options.env.clock->NowMillis();

  std::lock_guard lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  const Status written = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(store::Statement taken,
                           db.Prepare("SELECT 1 FROM issuers WHERE id = ?1"));
    taken.BindText(1, info.id);
    CAIRN_ASSIGN_OR_RETURN(const bool exists, taken.Step());
    if (exists) {
      return AlreadyExists("an issuer with the id '" + info.id +
                           "' exists already; `cairn-server issuer list` shows them");
    }
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement insert,
        db.Prepare("INSERT INTO issuers(id, name, token_hash, target_kind, target, "
                   "webhook_secret, max_attempts, created_ms) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    // Bound values must outlive the statement's run (SQLite does not copy them).
    const std::string token_hash = HashBlob(out.api_token);
    insert.BindText(1, info.id).BindText(2, info.name).BindBlob(3, token_hash);
    insert.BindText(4, TargetKindName(info.target_kind)).BindText(5, info.target);
    insert.BindBlob(6, info.webhook_secret).Bind(7, int64_t{info.max_attempts});
    insert.Bind(8, info.created_ms);
    return insert.Run();
  });
  if (!written.ok()) return written;
  return out;
}

Result<std::vector<IssuerInfo>> ServerStore::ListIssuers() {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         reader->Prepare(std::string(kSelectIssuer) + "ORDER BY id"));
  std::vector<IssuerInfo> issuers;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    CAIRN_ASSIGN_OR_RETURN(IssuerInfo info, ReadIssuer(select));
    issuers.push_back(std::move(info));
  }
  return issuers;
}

Result<IssuerInfo> ServerStore::GetIssuer(std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         reader->Prepare(std::string(kSelectIssuer) + "WHERE id = ?1"));
  select.BindText(1, id);
  CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) {
    return NotFound("no issuer has the id '" + std::string(id) +
                    "'; `cairn-server issuer list` shows them, `issuer add` adds one");
  }
  return ReadIssuer(select);
}

Result<IssuerInfo> ServerStore::AuthenticateIssuer(std::string_view token) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         reader->Prepare(std::string(kSelectIssuer) + "WHERE token_hash = ?1"));
  const std::string token_hash = HashBlob(token);
  select.BindBlob(1, token_hash);
  CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) {
    return Unauthenticated(
        "the issuer API token is unknown or was replaced; ask the server's operator for the "
        "current one (cairn-server issuer token ID)");
  }
  return ReadIssuer(select);
}

Result<std::string> ServerStore::RotateIssuerToken(std::string_view id) {
  std::array<uint8_t, 32> random{};
  impl_->options.env.random->Fill(random);
  std::string token = "cairn-issuer-" + Base64UrlEncode(random);
  const std::string token_hash = HashBlob(token);
  std::lock_guard lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  const Status written = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(store::Statement update,
                           db.Prepare("UPDATE issuers SET token_hash = ?2 WHERE id = ?1"));
    update.BindText(1, id).BindBlob(2, token_hash);
    CAIRN_RETURN_IF_ERROR(update.Run());
    if (sqlite3_changes(db.handle()) == 0) {
      return NotFound("no issuer has the id '" + std::string(id) +
                      "'; `cairn-server issuer list` shows them");
    }
    return {};
  });
  if (!written.ok()) return written;
  return token;
}

}  // namespace cairn::server
