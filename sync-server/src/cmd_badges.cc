// `cairn-server badge list|show|revoke` and `cairn-server issuer rotate-key`: issued Open Badges
// credentials and issuers' signing keys, for the operator (docs/badges.md). These open the store
// beside a running server, like the other administration commands; a revocation reaches the
// hosted status list at once and the educator's devices on their next sync.
#include <iostream>

#include "badge/issuance.h"
#include "badge/key_vault.h"
#include "commands.h"

namespace cairn::server::cli {
namespace {

// The issuance machinery over the store, with the public URL the running server recorded.
struct Badges {
  std::unique_ptr<ServerStore> store;
  std::optional<KeyVault> vault;
  std::unique_ptr<BadgeIssuance> issuance;
};

Result<Badges> OpenBadges(const Invocation& inv) {
  Badges out;
  CAIRN_ASSIGN_OR_RETURN(out.store, inv.OpenStore());
  CAIRN_ASSIGN_OR_RETURN(KeyVault vault, KeyVault::OpenOrCreate(inv.DataDir() + "/badge-keys.key"));
  out.vault.emplace(vault);
  CredentialStore credentials(*out.store);
  IssuanceOptions options;
  CAIRN_ASSIGN_OR_RETURN(options.public_url, credentials.PublicUrl());
  out.issuance = std::make_unique<BadgeIssuance>(*out.store, *out.vault, options);
  return out;
}

std::string StatusText(const IssuedCredential& credential) {
  if (credential.revoked_ms) return "revoked " + IsoTime(*credential.revoked_ms);
  return "active";
}

}  // namespace

int RunBadgeList(Invocation& inv) {
  Result<Badges> badges = OpenBadges(inv);
  if (!badges.ok()) return inv.Fail(badges.status());
  std::optional<std::string> user = inv.Option("user");
  if (user) {
    Result<User> found = badges->store->FindUser(*user);
    if (!found.ok()) return inv.Fail(found.status());
    user = found->id;
  }
  const std::optional<std::string> issuer = inv.Option("issuer");
  Result<std::vector<IssuedCredential>> list = badges->issuance->credentials().List(
      user ? std::optional<std::string_view>(*user) : std::nullopt,
      issuer ? std::optional<std::string_view>(*issuer) : std::nullopt);
  if (!list.ok()) return inv.Fail(list.status());
  std::vector<std::vector<std::string>> rows = {
      {"CREDENTIAL", "KIND", "TITLE", "ISSUER", "USER", "ISSUED", "STATUS"}};
  for (const IssuedCredential& credential : *list) {
    rows.push_back({credential.id, std::string(CredentialKindName(credential.kind)),
                    credential.title, credential.issuer_id, credential.user_id,
                    IsoTime(credential.issued_ms), StatusText(credential)});
  }
  PrintTable(inv.out(), rows);
  return kExitOk;
}

int RunBadgeShow(Invocation& inv) {
  Result<Badges> badges = OpenBadges(inv);
  if (!badges.ok()) return inv.Fail(badges.status());
  Result<std::optional<IssuedCredential>> found =
      badges->issuance->credentials().Get(inv.args()[0]);
  if (!found.ok()) return inv.Fail(found.status());
  if (!*found) {
    return inv.Fail(NotFound("no credential has id " + std::string(inv.args()[0]) +
                             "; `cairn-server badge list` shows them"));
  }
  const IssuedCredential& credential = **found;
  inv.out() << "credential: " << credential.id << "\n"
            << "url: " << badges->issuance->UrlsOf(credential.issuer_id).Credential(credential.id)
            << "\n"
            << "title: " << credential.title << "\n"
            << "status: " << StatusText(credential)
            << (credential.revocation_reason.empty() ? ""
                                                     : " (" + credential.revocation_reason + ")")
            << "\n"
            << "json:\n"
            << credential.json << "\n"
            << "jws:\n"
            << credential.jws << "\n";
  return kExitOk;
}

int RunBadgeRevoke(Invocation& inv) {
  const std::optional<std::string> reason = inv.Option("reason");
  if (!reason || reason->empty()) {
    return inv.UsageError("--reason is required: say why the credential is revoked");
  }
  Result<Badges> badges = OpenBadges(inv);
  if (!badges.ok()) return inv.Fail(badges.status());
  Result<IssuedCredential> revoked = badges->issuance->Revoke(inv.args()[0], *reason);
  if (!revoked.ok()) return inv.Fail(revoked.status());
  inv.err() << "credential " << revoked->id << " (" << revoked->title
            << ") is revoked; its status list says so now, and the educator's devices learn it "
               "on their next sync\n";
  return kExitOk;
}

int RunIssuerRotateKey(Invocation& inv) {
  Result<Badges> badges = OpenBadges(inv);
  if (!badges.ok()) return inv.Fail(badges.status());
  Result<std::vector<std::string>> kids = badges->issuance->RotateKeys(inv.args()[0]);
  if (!kids.ok()) return inv.Fail(kids.status());
  for (const std::string& kid : *kids) inv.out() << kid << "\n";
  inv.err() << "new signing keys made; the earlier ones are retired and still verify the "
               "credentials they signed\n";
  return kExitOk;
}

}  // namespace cairn::server::cli
