// `cairn-server issuer add|list|token`: the issuers complete submissions are forwarded to, and
// their credentials for the issuer API.
#include <charconv>
#include <fstream>
#include <sstream>

#include "commands.h"

namespace cairn::server::cli {
namespace {

// The webhook secret from a file, without a trailing newline; at least 32 bytes, so that a
// weak key is refused rather than used.
Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read the secret file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < 32 || secret.size() > 1024) {
    return InvalidArgument("the secret in '" + path + "' has " + std::to_string(secret.size()) +
                           " bytes; use 32 to 1024 (e.g. openssl rand -hex 32 > " + path + ")");
  }
  return secret;
}

}  // namespace

int RunIssuerAdd(Invocation& inv) {
  IssuerSpec spec;
  spec.id = inv.args()[0];
  spec.name = inv.Option("name").value_or("");
  if (spec.name.empty()) return inv.UsageError("'issuer add' needs --name NAME");
  const std::optional<std::string> webhook = inv.Option("webhook");
  const std::optional<std::string> git = inv.Option("git");
  if (webhook && git) return inv.UsageError("give either --webhook URL or --git REMOTE, not both");
  if (webhook) {
    spec.target_kind = TargetKind::kWebhook;
    spec.target = *webhook;
  } else if (git) {
    spec.target_kind = TargetKind::kGit;
    spec.target = *git;
  }
  if (const std::optional<std::string> file = inv.Option("secret-file")) {
    if (!webhook) return inv.UsageError("--secret-file is the webhook's key; it needs --webhook");
    Result<std::string> secret = ReadSecretFile(*file);
    if (!secret.ok()) return inv.Fail(secret.status());
    spec.webhook_secret = *secret;
  }
  if (const std::optional<std::string> attempts = inv.Option("max-attempts")) {
    const char* end = attempts->data() + attempts->size();
    if (std::from_chars(attempts->data(), end, spec.max_attempts).ptr != end) {
      return inv.UsageError("--max-attempts takes a number, not '" + *attempts + "'");
    }
  }
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<IssuerCredentials> added = (*store)->AddIssuer(spec);
  if (!added.ok()) return inv.Fail(added.status());
  // Shown once: the store keeps only the token's hash.
  inv.out() << "issuer: " << added->issuer.id << "\n"
            << "api-token: " << added->api_token << "\n";
  if (spec.target_kind == TargetKind::kWebhook) {
    inv.out() << "webhook-secret: " << added->issuer.webhook_secret << "\n";
  }
  inv.err() << "Keep the API token: it is shown only now (`cairn-server issuer token "
            << added->issuer.id << "` makes a new one).\n";
  return kExitOk;
}

int RunIssuerList(Invocation& inv) {
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<std::vector<IssuerInfo>> issuers = (*store)->ListIssuers();
  if (!issuers.ok()) return inv.Fail(issuers.status());
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "TARGET", "MAX ATTEMPTS", "CREATED"}};
  for (const IssuerInfo& issuer : *issuers) {
    std::string target(TargetKindName(issuer.target_kind));
    if (!issuer.target.empty()) target += " " + issuer.target;
    rows.push_back({issuer.id, issuer.name, target, std::to_string(issuer.max_attempts),
                    IsoTime(issuer.created_ms)});
  }
  PrintTable(inv.out(), rows);
  return kExitOk;
}

int RunIssuerToken(Invocation& inv) {
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<std::string> token = (*store)->RotateIssuerToken(inv.args()[0]);
  if (!token.ok()) return inv.Fail(token.status());
  inv.out() << *token << "\n";
  return kExitOk;
}

}  // namespace cairn::server::cli
