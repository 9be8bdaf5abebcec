// `cairn-server outbox list|show|retry`: the forwarding outbox, for the operator (decision
// 0013). These open the store beside a running server (SQLite WAL; the busy timeout covers
// the overlap); a retry is picked up by the server's delivery worker within a poll interval.
#include <iostream>

#include "commands.h"
#include "forward/envelope.h"
#include "http/http_server.h"
#include "http/server_config.h"

namespace cairn::server::cli {
namespace {

constexpr size_t kListLimit = 1000;

Result<EntityId> ParseSubmissionId(std::string_view text) {
  Result<EntityId> id = EntityId::Parse(text);
  if (!id.ok()) {
    return InvalidArgument("'" + std::string(text) +
                           "' is not a submission id (a UUID as `cairn-server outbox list` "
                           "prints it)");
  }
  return id;
}

std::string Describe(const OutboxEntry& entry, int64_t now_ms) {
  if (entry.state == DeliveryState::kDelivered && entry.delivered_ms) {
    return IsoTime(*entry.delivered_ms);
  }
  if (entry.state == DeliveryState::kPending) {
    return entry.next_attempt_ms <= now_ms ? "due now" : "next " + IsoTime(entry.next_attempt_ms);
  }
  return "-";
}

// The URL issuers reach the server at, as `serve` would use it: the config's public_url, else
// https:// + its listen address.
Result<std::string> PublicUrl(const Invocation& inv) {
  ServeConfig config;
  if (std::optional<std::string> path = inv.Option("config")) {
    CAIRN_ASSIGN_OR_RETURN(config, LoadServeConfig(*path));
  }
  if (config.public_url) return *config.public_url;
  CAIRN_ASSIGN_OR_RETURN(const ListenAddress listen,
                         ParseListenAddress(config.listen.value_or("127.0.0.1:8443")));
  return HttpsUrl(listen.host, listen.port);
}

}  // namespace

int RunOutboxList(Invocation& inv) {
  std::optional<DeliveryState> state;
  if (std::optional<std::string> name = inv.Option("state")) {
    Result<DeliveryState> parsed = ParseDeliveryState(*name);
    if (!parsed.ok()) return inv.UsageError(parsed.status().message());
    state = *parsed;
  }
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<std::vector<OutboxEntry>> entries = (*store)->ListOutbox(state, kListLimit);
  if (!entries.ok()) return inv.Fail(entries.status());
  const int64_t now = SystemEnv().clock->NowMillis();
  std::vector<std::vector<std::string>> rows = {
      {"SUBMISSION", "ISSUER", "STATE", "ATTEMPTS", "COMPLETED", "WHEN", "LAST ERROR"}};
  for (const OutboxEntry& entry : *entries) {
    rows.push_back({entry.submission.ToString(), entry.issuer_id.empty() ? "?" : entry.issuer_id,
                    std::string(DeliveryStateName(entry.state)), std::to_string(entry.attempts),
                    IsoTime(entry.created_ms), Describe(entry, now),
                    entry.last_error.empty() ? "-" : entry.last_error});
  }
  PrintTable(inv.out(), rows);
  if (entries->size() == kListLimit) {
    inv.err() << "(the first " << kListLimit << " entries; filter with --state)\n";
  }
  return kExitOk;
}

int RunOutboxShow(Invocation& inv) {
  Result<EntityId> id = ParseSubmissionId(inv.args()[0]);
  if (!id.ok()) return inv.UsageError(id.status().message());
  Result<std::string> public_url = PublicUrl(inv);
  if (!public_url.ok()) return inv.UsageError(public_url.status().message());
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<Forwarding> forwarding = (*store)->LoadForwarding(*id);
  if (!forwarding.ok()) return inv.Fail(forwarding.status());
  const OutboxEntry& entry = forwarding->entry;
  const int64_t now = SystemEnv().clock->NowMillis();
  std::ostream& out = inv.out();
  out << "submission: " << entry.submission.ToString() << "\n"
      << "issuer: " << (entry.issuer_id.empty() ? "? (not in the catalog)" : entry.issuer_id)
      << "\n";
  if (forwarding->issuer) {
    out << "target: " << TargetKindName(forwarding->issuer->target_kind) << " "
        << forwarding->issuer->target << "\n";
  } else {
    out << "target: none (no such issuer is configured)\n";
  }
  out << "state: " << DeliveryStateName(entry.state) << "\n"
      << "attempts: " << entry.attempts
      << (forwarding->issuer ? " of " + std::to_string(forwarding->issuer->max_attempts) : "")
      << "\n"
      << "completed: " << IsoTime(entry.created_ms) << "\n"
      << "when: " << Describe(entry, now) << "\n"
      << "last error: " << (entry.last_error.empty() ? "-" : entry.last_error) << "\n";
  Result<std::string> envelope = BuildEnvelope(*forwarding, *public_url);
  if (!envelope.ok()) return inv.Fail(envelope.status());
  out << "envelope:\n" << *envelope << "\n";
  return kExitOk;
}

int RunOutboxRetry(Invocation& inv) {
  Result<EntityId> id = ParseSubmissionId(inv.args()[0]);
  if (!id.ok()) return inv.UsageError(id.status().message());
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<OutboxEntry> entry = (*store)->RetryDelivery(*id);
  if (!entry.ok()) return inv.Fail(entry.status());
  inv.err() << "submission " << entry->submission.ToString()
            << " is pending again and due now; the running server delivers it shortly\n";
  return kExitOk;
}

}  // namespace cairn::server::cli
