// Users, enrolment codes, devices and token authentication.
//
// Secrets are never stored: an enrolment code and a device token are kept as their SHA-256.
// Codes are short enough to type, so they are also single-use and expire. A device token is
// HMAC-SHA256 under a server key (meta 'device_token_key', 256 random bits made at the first
// enrolment) of the code's text and the device's actor: unguessable without the code, which only
// the enrolling device ever held, and the same for the same (code, actor) — which is what makes
// a retried enrolment, whose first answer was lost, get the same device and token back. A hash
// without salt or stretching is enough for 256-bit tokens (nothing to guess from).
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "cairn/base64.h"
#include "cairn/email.h"
#include "store/server_store.h"
#include "store/server_store_impl.h"

namespace cairn::server {
namespace {

constexpr std::string_view kRoleNames[] = {"educator", "assessor", "issuer-admin", "recognizer",
                                           "admin"};

// Crockford's base32 alphabet: no I, L, O, U, so a code read aloud is not misheard.
constexpr std::string_view kCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr size_t kCodeChars = 16;  // 80 bits, typed in groups of four

// Upper case, dashes and spaces dropped, the letters people confuse mapped as Crockford does.
std::string NormaliseCode(std::string_view code) {
  std::string out;
  for (const char raw : code) {
    if (raw == '-' || raw == ' ') continue;
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(raw)));
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    out.push_back(c);
  }
  return out;
}

constexpr std::string_view kTokenKeyName = "device_token_key";

// The server's token key, made (in the caller's transaction) if missing.
Result<std::string> TokenKey(store::Database& db, Random& random) {
  CAIRN_ASSIGN_OR_RETURN(store::Statement find,
                         db.Prepare("SELECT value FROM meta WHERE key = ?1"));
  find.BindText(1, kTokenKeyName);
  CAIRN_ASSIGN_OR_RETURN(const bool found, find.Step());
  if (found) return std::string(find.ColumnBlob(0));
  std::array<uint8_t, 32> key{};
  random.Fill(key);
  const std::string bytes(reinterpret_cast<const char*>(key.data()), key.size());
  CAIRN_ASSIGN_OR_RETURN(store::Statement add,
                         db.Prepare("INSERT INTO meta(key, value) VALUES(?1, ?2)"));
  add.BindText(1, kTokenKeyName).BindBlob(2, bytes);
  CAIRN_RETURN_IF_ERROR(add.Run());
  return bytes;
}

// base64url(HMAC-SHA256(key, "cairn-device-token" 0x00 normalised-code 0x00 actor)).
Result<std::string> DeviceToken(std::string_view key, std::string_view code, const ActorId& actor) {
  std::string message = "cairn-device-token";
  message.push_back('\0');
  message += code;
  message.push_back('\0');
  message += actor.AsBytes();
  std::array<uint8_t, 32> mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
           &length) == nullptr ||
      length != mac.size()) {
    return Internal("HMAC-SHA256 of a device token failed");
  }
  return Base64UrlEncode(mac);
}

}  // namespace

std::string HashBlob(std::string_view secret) {
  const auto digest = Sha256(secret);
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string_view RoleName(Role role) { return kRoleNames[static_cast<size_t>(role)]; }

Result<Role> ParseRole(std::string_view name) {
  for (size_t i = 0; i < std::size(kRoleNames); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return InvalidArgument("unknown role '" + std::string(name) +
                         "'; use educator, assessor, issuer-admin, recognizer or admin");
}

namespace {

Result<std::optional<std::string>> CheckedEmail(std::optional<std::string_view> email) {
  if (!email) return std::optional<std::string>();
  std::string normalised = NormaliseEmail(*email);
  if (!IsEmailAddress(normalised) || normalised.size() > 254) {
    return InvalidArgument("'" + std::string(*email) +
                           "' is not an e-mail address; write it as name@example.org");
  }
  return std::optional<std::string>(std::move(normalised));
}

}  // namespace

Result<User> ServerStore::AddUser(std::string_view name, Role role,
                                  std::optional<std::string_view> email) {
  if (name.empty() || name.size() > 200) {
    return InvalidArgument("a user's name must be 1 to 200 bytes");
  }
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> address, CheckedEmail(email));
  std::lock_guard lock(impl_->write_mutex);
  User user{impl_->ids.Next().ToString(), std::string(name), role,
            impl_->options.env.clock->NowMillis(), std::move(address)};
  const Status written = InTransaction(*impl_->writer, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement insert,
        impl_->writer->Prepare("INSERT INTO users(id, name, role, created_ms, email) "
                               "VALUES(?1, ?2, ?3, ?4, ?5)"));
    insert.BindText(1, user.id).BindText(2, user.name).BindText(3, RoleName(role));
    insert.Bind(4, user.created_ms);
    if (user.email) insert.BindText(5, *user.email);
    CAIRN_RETURN_IF_ERROR(insert.Run());
    if (role != Role::kEducator) return {};
    return impl_->ScopeId(EducatorScopeName(user.id), /*create=*/true).status();
  });
  if (!written.ok()) return written;
  return user;
}

namespace {

Result<std::vector<User>> SelectUsers(store::Database& db, std::string_view where,
                                      std::string_view arg) {
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         db.Prepare("SELECT id, name, role, created_ms, email FROM users " +
                                    std::string(where) + " ORDER BY created_ms, id"));
  if (!arg.empty()) select.BindText(1, arg);
  std::vector<User> users;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    CAIRN_ASSIGN_OR_RETURN(const Role role, ParseRole(select.ColumnText(2)));
    users.push_back(User{
        std::string(select.ColumnText(0)), std::string(select.ColumnText(1)), role,
        select.ColumnInt(3),
        select.ColumnIsNull(4) ? std::nullopt : std::optional<std::string>(select.ColumnText(4))});
  }
  return users;
}

}  // namespace

Result<User> ServerStore::FindUser(std::string_view id_or_name) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(std::vector<User> by_id,
                         SelectUsers(*reader, "WHERE id = ?1", id_or_name));
  if (!by_id.empty()) return by_id.front();
  CAIRN_ASSIGN_OR_RETURN(std::vector<User> by_name,
                         SelectUsers(*reader, "WHERE name = ?1", id_or_name));
  if (by_name.size() == 1) return by_name.front();
  if (by_name.empty()) {
    return NotFound("no user has the id or name '" + std::string(id_or_name) +
                    "'; `cairn-server user list` shows them");
  }
  return FailedPrecondition(std::to_string(by_name.size()) + " users are named '" +
                            std::string(id_or_name) + "'; name the user by id instead");
}

Status ServerStore::SetUserEmail(std::string_view user_id, std::optional<std::string_view> email) {
  CAIRN_ASSIGN_OR_RETURN(const std::optional<std::string> address, CheckedEmail(email));
  CAIRN_ASSIGN_OR_RETURN(const User user, FindUser(user_id));
  std::lock_guard lock(impl_->write_mutex);
  CAIRN_ASSIGN_OR_RETURN(store::Statement update,
                         impl_->writer->Prepare("UPDATE users SET email = ?2 WHERE id = ?1"));
  update.BindText(1, user.id);
  if (address) update.BindText(2, *address);
  return update.Run();
}

Result<std::optional<std::string>> ServerStore::PublicNameOf(std::string_view user_id) {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare("SELECT public_name FROM earner_names WHERE user_id = ?1"));
  select.BindText(1, user_id);
  CAIRN_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (!found || select.ColumnText(0).empty()) return std::optional<std::string>();
  return std::optional<std::string>(select.ColumnText(0));
}

Result<std::vector<User>> ServerStore::ListUsers() {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  return SelectUsers(*reader, "", "");
}

Result<std::string> ServerStore::NewEnrolCode(std::string_view user_id) {
  CAIRN_ASSIGN_OR_RETURN(const User user, FindUser(user_id));
  std::array<uint8_t, kCodeChars> random{};
  impl_->options.env.random->Fill(random);
  std::string code;
  for (size_t i = 0; i < kCodeChars; ++i) {
    if (i > 0 && i % 4 == 0) code.push_back('-');
    code.push_back(kCodeAlphabet[random[i] % kCodeAlphabet.size()]);
  }
  std::lock_guard lock(impl_->write_mutex);
  const Status written = InTransaction(*impl_->writer, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement insert,
        impl_->writer->Prepare(
            "INSERT INTO enrol_codes(code_hash, user_id, expires_ms) VALUES(?1, ?2, ?3)"));
    const std::string hash = HashBlob(NormaliseCode(code));
    insert.BindBlob(1, hash).BindText(2, user.id);
    insert.Bind(3, impl_->options.env.clock->NowMillis() + impl_->options.enrol_code_ttl_ms);
    return insert.Run();
  });
  if (!written.ok()) return written;
  return code;
}

Result<Enrolment> ServerStore::Enrol(std::string_view code, const ActorId& actor,
                                     std::string_view device_name) {
  if (actor.IsZero()) return InvalidArgument("the actor id is missing or all zero");
  if (device_name.size() > 200) return InvalidArgument("a device name is at most 200 bytes");
  Enrolment enrolment;
  const int64_t now = impl_->options.env.clock->NowMillis();
  const std::string normalised = NormaliseCode(code);
  // One message for unknown, used and expired codes: which of them it was would help a guesser
  // more than it helps a teacher, who needs a new code in every case.
  const auto refused = [] {
    return Unauthenticated(
        "this enrolment code is unknown, used or expired; ask for a new one "
        "(cairn-server enrol-code USER)");
  };

  std::lock_guard lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  const Status written = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement find,
        db.Prepare("SELECT e.user_id, e.expires_ms, e.used_ms, u.role, e.device_id, d.actor, "
                   "d.revoked_ms FROM enrol_codes e JOIN users u ON u.id = e.user_id "
                   "LEFT JOIN devices d ON d.id = e.device_id WHERE e.code_hash = ?1"));
    const std::string code_hash = HashBlob(normalised);
    find.BindBlob(1, code_hash);
    CAIRN_ASSIGN_OR_RETURN(const bool found, find.Step());
    if (!found || find.ColumnInt(1) < now) return refused();
    CAIRN_ASSIGN_OR_RETURN(const std::string key, TokenKey(db, *impl_->options.env.random));
    CAIRN_ASSIGN_OR_RETURN(enrolment.token, DeviceToken(key, normalised, actor));
    Principal& p = enrolment.principal;
    p.user_id = std::string(find.ColumnText(0));
    CAIRN_ASSIGN_OR_RETURN(p.role, ParseRole(find.ColumnText(3)));
    p.actor = actor;

    if (!find.ColumnIsNull(2)) {
      // Used: a retry of that same enrolment (its answer was lost) gets the device back, with
      // the same token; anyone else is refused as for an unknown code.
      const bool same_device = !find.ColumnIsNull(4) && !find.ColumnIsNull(5) &&
                               find.ColumnIsNull(6) &&
                               ActorId::FromBytes(find.ColumnBlob(5)) == actor;
      if (!same_device) return refused();
      p.device_id = std::string(find.ColumnText(4));
      return impl_->FillScopes(p, db);
    }
    p.device_id = impl_->ids.Next().ToString();

    CAIRN_ASSIGN_OR_RETURN(store::Statement taken,
                           db.Prepare("SELECT 1 FROM actors WHERE id = ?1"));
    taken.BindBlob(1, actor.AsBytes());
    CAIRN_ASSIGN_OR_RETURN(const bool exists, taken.Step());
    if (exists) {
      return AlreadyExists("actor " + actor.ToString() +
                           " is enrolled already; each install enrols once with a new actor id");
    }
    CAIRN_RETURN_IF_ERROR(impl_->FillScopes(p, db));

    CAIRN_ASSIGN_OR_RETURN(
        store::Statement use,
        db.Prepare("UPDATE enrol_codes SET used_ms = ?2, device_id = ?3 WHERE code_hash = ?1"));
    use.BindBlob(1, code_hash).Bind(2, now).BindText(3, p.device_id);
    CAIRN_RETURN_IF_ERROR(use.Run());

    CAIRN_ASSIGN_OR_RETURN(store::Statement add_actor,
                           db.Prepare("INSERT INTO actors(id, scope_id) VALUES(?1, ?2)"));
    add_actor.BindBlob(1, actor.AsBytes());
    if (p.write_scope != 0) {
      add_actor.Bind(2, p.write_scope);
    } else {
      add_actor.BindNull(2);
    }
    CAIRN_RETURN_IF_ERROR(add_actor.Run());

    CAIRN_ASSIGN_OR_RETURN(
        store::Statement add_device,
        db.Prepare("INSERT INTO devices(id, user_id, actor, name, token_hash, created_ms) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    const std::string token_hash = HashBlob(enrolment.token);
    add_device.BindText(1, p.device_id).BindText(2, p.user_id).BindBlob(3, actor.AsBytes());
    add_device.BindText(4, device_name).BindBlob(5, token_hash).Bind(6, now);
    return add_device.Run();
  });
  if (!written.ok()) return written;
  return enrolment;
}

Result<Principal> ServerStore::Authenticate(std::string_view token) {
  const Status refused = Unauthenticated(
      "the device token is unknown or revoked; enrol the device again with a new code");
  if (token.empty() || token.size() > 256) return refused;
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement find,
      reader->Prepare("SELECT d.id, d.user_id, d.actor, d.revoked_ms, u.role FROM devices d "
                      "JOIN users u ON u.id = d.user_id WHERE d.token_hash = ?1"));
  const std::string token_hash = HashBlob(token);
  find.BindBlob(1, token_hash);
  CAIRN_ASSIGN_OR_RETURN(const bool found, find.Step());
  if (!found || !find.ColumnIsNull(3)) return refused;
  Principal p;
  p.device_id = std::string(find.ColumnText(0));
  p.user_id = std::string(find.ColumnText(1));
  p.actor = ActorId::FromBytes(find.ColumnBlob(2));
  CAIRN_ASSIGN_OR_RETURN(p.role, ParseRole(find.ColumnText(4)));
  CAIRN_RETURN_IF_ERROR(impl_->FillScopes(p, *reader));
  return p;
}

Result<std::vector<DeviceInfo>> ServerStore::ListDevices() {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare("SELECT id, user_id, actor, name, created_ms, revoked_ms, last_seen_ms "
                      "FROM devices ORDER BY created_ms, id"));
  std::vector<DeviceInfo> devices;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    DeviceInfo d;
    d.id = std::string(select.ColumnText(0));
    d.user_id = std::string(select.ColumnText(1));
    d.actor = ActorId::FromBytes(select.ColumnBlob(2));
    d.name = std::string(select.ColumnText(3));
    d.created_ms = select.ColumnInt(4);
    if (!select.ColumnIsNull(5)) d.revoked_ms = select.ColumnInt(5);
    if (!select.ColumnIsNull(6)) d.last_seen_ms = select.ColumnInt(6);
    devices.push_back(std::move(d));
  }
  return devices;
}

Status ServerStore::RevokeDevice(std::string_view device_id) {
  std::lock_guard lock(impl_->write_mutex);
  return InTransaction(*impl_->writer, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement revoke,
        impl_->writer->Prepare(
            "UPDATE devices SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1"));
    revoke.BindText(1, device_id).Bind(2, impl_->options.env.clock->NowMillis());
    CAIRN_RETURN_IF_ERROR(revoke.Run());
    if (sqlite3_changes(impl_->writer->handle()) == 0) {
      return NotFound("no device has the id '" + std::string(device_id) +
                      "'; `cairn-server device list` shows them");
    }
    return {};
  });
}

}  // namespace cairn::server
