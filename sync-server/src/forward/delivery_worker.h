// DeliveryWorker: the thread that empties the forwarding outbox (decision 0013). It takes due
// pending entries oldest-due first, delivers each to its issuer's target (webhook.h,
// git_target.h) and records the outcome in the store: delivered (with the "forwarded" workflow
// status, one transaction), or failed with the next attempt after an exponential, jittered
// delay (backoff.h) and dead once the issuer's max attempts are used up.
//
// Nothing is kept in memory between passes: the outbox table is the queue, so a restart resumes
// every pending delivery (a delivery cut by a crash is made again; issuers deduplicate by the
// idempotency key, git by the submission's tree path).
//
// Thread-safety: Start/Stop/Wake from any thread; RunOnce from one thread at a time (tests call
// it without Start). The worker's own thread does all delivery I/O, never an HTTP io thread.
#ifndef CAIRN_SERVER_FORWARD_DELIVERY_WORKER_H_
#define CAIRN_SERVER_FORWARD_DELIVERY_WORKER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "cairn/env.h"
#include "forward/backoff.h"
#include "forward/webhook.h"
#include "store/server_store.h"

namespace cairn::server {

struct ForwardOptions {
  // https://HOST[:PORT] issuers reach this server at (evidence links in envelopes).
  std::string public_url;
  // DATA: git mirrors live in DATA/forward/git/<issuer id>.git.
  std::string data_dir;
  std::string git_branch = "main";
  BackoffPolicy backoff;
  WebhookOptions webhook;
  // How often the outbox is looked at when nothing wakes the worker.
  std::chrono::milliseconds poll_interval{1000};
  Env env = SystemEnv();
};

// One delivery attempt's outcome, for logs and tests.
struct DeliveryOutcome {
  EntityId submission;
  std::string issuer_id;
  bool delivered = false;
  bool new_commit = false;  // git: a commit was pushed (false: the branch had it)
  OutboxEntry entry;        // after the attempt was recorded
  Status error;             // why it failed
};

class DeliveryWorker {
 public:
  using Observer = std::function<void(const DeliveryOutcome&)>;

  // `store` outlives the worker. `observer` (may be empty) is called on the worker's thread
  // after each attempt is recorded.
  DeliveryWorker(ServerStore& store, ForwardOptions options, Observer observer = {});
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Starts the thread; its first pass runs at once (resuming what a restart left pending).
  void Start();
  // Asks the thread to stop after the delivery in flight, and joins it.
  void Stop();
  // Makes the thread look at the outbox now.
  void Wake();

  // Attempts every entry due now, one by one; how many were attempted. A store error ends the
  // pass (the entries stay pending).
  Result<size_t> RunOnce();

  // Attempts one entry, whatever its due time, and records the outcome.
  Result<DeliveryOutcome> Attempt(const OutboxEntry& entry);

 private:
  void Loop();

  ServerStore& store_;
  const ForwardOptions options_;
  const Observer observer_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool woken_ = false;     // guarded by mutex_
  std::thread thread_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FORWARD_DELIVERY_WORKER_H_
