#include "forward/delivery_worker.h"

#include <utility>

#include "cairn/v1/model.pb.h"
#include "forward/envelope.h"
#include "forward/git_target.h"

namespace cairn::server {
namespace {

constexpr size_t kBatch = 16;

// Why an entry cannot be delivered yet, or nullopt if it can: an operator must act first, so
// such a failure does not use up attempts.
std::optional<std::string> NotDeliverable(const Forwarding& forwarding) {
  const std::string& issuer = forwarding.entry.issuer_id;
  if (issuer.empty()) {
    return "the catalog holds no version of the micro-credential this submission pins, so its "
           "issuer is unknown; import the catalog, then `cairn-server outbox retry`";
  }
  if (!forwarding.issuer) {
    return "no issuer '" + issuer + "' is configured; add it with `cairn-server issuer add " +
           issuer + " --name NAME --webhook URL` (or --git REMOTE)";
  }
  if (forwarding.issuer->target_kind == TargetKind::kNone) {
    return "issuer '" + issuer + "' has no delivery target; give it a webhook or a git remote";
  }
  return std::nullopt;
}

}  // namespace

DeliveryWorker::DeliveryWorker(ServerStore& store, ForwardOptions options, Observer observer)
    : store_(store), options_(std::move(options)), observer_(std::move(observer)) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryWorker::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void DeliveryWorker::Loop() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      woken_ = false;
    }
    Result<size_t> pass = RunOnce();
    if (!pass.ok() && observer_) {
      DeliveryOutcome outcome;
      outcome.error = pass.status().Annotate("reading the outbox");
      observer_(outcome);
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || woken_; });
  }
}

Result<size_t> DeliveryWorker::RunOnce() {
  size_t attempted = 0;
  // Entries are taken in batches until none is due; a failed one is due later, so a pass ends.
  while (true) {
    const int64_t now = options_.env.clock->NowMillis();
    CAIRN_ASSIGN_OR_RETURN(const std::vector<OutboxEntry> due, store_.DueDeliveries(now, kBatch));
    if (due.empty()) return attempted;
    for (const OutboxEntry& entry : due) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return attempted;
      }
      CAIRN_ASSIGN_OR_RETURN(const DeliveryOutcome outcome, Attempt(entry));
      ++attempted;
      if (observer_) observer_(outcome);
    }
  }
}

Result<DeliveryOutcome> DeliveryWorker::Attempt(const OutboxEntry& entry) {
  DeliveryOutcome outcome;
  outcome.submission = entry.submission;
  outcome.issuer_id = entry.issuer_id;
  const std::string id = entry.submission.ToString();

  CAIRN_ASSIGN_OR_RETURN(const Forwarding forwarding, store_.LoadForwarding(entry.submission));
  const std::optional<std::string> not_deliverable = NotDeliverable(forwarding);
  Status delivered = [&]() -> Status {
    if (not_deliverable) return FailedPrecondition(*not_deliverable);
    CAIRN_ASSIGN_OR_RETURN(const std::string envelope,
                           BuildEnvelope(forwarding, options_.public_url));
    const IssuerInfo& issuer = *forwarding.issuer;
    if (issuer.target_kind == TargetKind::kWebhook) {
      const int64_t seconds = options_.env.clock->NowMillis() / 1000;
      return PostWebhook(issuer.target, issuer.webhook_secret, id, seconds, envelope,
                         options_.webhook);
    }
    GitDelivery git;
    git.remote = issuer.target;
    git.mirror_dir = options_.data_dir + "/forward/git/" + issuer.id + ".git";
    git.branch = options_.git_branch;
    git.submission_id = id;
    git.envelope = envelope;
    git.completed_ms = forwarding.entry.created_ms;
    // The store lists the blobs in snapshot order: evidence i is the snapshot's evidence i.
    v1::SubmissionSnapshot snapshot;
    if (!snapshot.ParseFromString(forwarding.snapshot) ||
        snapshot.evidence_size() != static_cast<int>(forwarding.evidence.size())) {
      return DataLoss("the stored snapshot of submission " + id +
                      " does not match the blobs recorded for it");
    }
    for (size_t i = 0; i < forwarding.evidence.size(); ++i) {
      const Forwarding::Evidence& evidence = forwarding.evidence[i];
      git.evidence.push_back(
          {EvidenceTreePath(snapshot.evidence(static_cast<int>(i)).requirement_id(),
                            LowerHex(evidence.sha256), evidence.media_type),
           evidence.path});
    }
    CAIRN_ASSIGN_OR_RETURN(outcome.new_commit, DeliverToGit(git));
    return {};
  }();

  if (delivered.ok()) {
    CAIRN_RETURN_IF_ERROR(store_.RecordDelivered(entry.submission));
    outcome.delivered = true;
    CAIRN_ASSIGN_OR_RETURN(outcome.entry, store_.GetOutboxEntry(entry.submission));
    return outcome;
  }
  // Waiting for an operator uses up no attempt; its next look is one base delay away.
  const bool counts = !not_deliverable.has_value();
  const uint32_t failures = forwarding.entry.attempts + (counts ? 1 : 0);
  const int64_t delay =
      RetryDelayMs(options_.backoff, failures == 0 ? 1 : failures, *options_.env.random);
  const uint32_t max_attempts = forwarding.issuer ? forwarding.issuer->max_attempts : 0;
  CAIRN_ASSIGN_OR_RETURN(outcome.entry, store_.RecordDeliveryFailure(
                                            entry.submission, delivered.message(), counts,
                                            max_attempts, options_.env.clock->NowMillis() + delay));
  outcome.error = std::move(delivered);
  return outcome;
}

}  // namespace cairn::server
