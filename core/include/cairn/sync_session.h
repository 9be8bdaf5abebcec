// SyncSession: one whole sync of a device as a single sans-I/O engine — enrolment when asked,
// then the changes (push, then pull until quiet, SyncEngine), then the evidence blobs they name
// (BlobUploader): text before media. Or, as a session of its own, the fetch of one evidence blob
// another device captured (BlobDownloader). It is what an app drives through the mobile bridge with
// its platform's HTTP stack (iOS URLSession, Android WorkManager), and what RunSyncSession
// drives over a Transport.
//
// The loop is the same for every driver:
//
//   while ((step = session.Next()).kind != kDone) {
//     if (step.kind == kWait) { sleep(step.wait); continue; }
//     send step.request (its body, or step.streamed_body_bytes read from session.body());
//     an answer → session.Answer(response); no answer → session.Fail(why);
//   }
//   session.outcome();   // OK, or why the sync stopped
//
// Failures. A request that got no answer, or an answer the code table calls retryable (503,
// 429 for a rate), is retried after a wait that doubles from 250 ms to 8 s, and at least the
// code's Retry-After (docs/protocol.md "Errors"); after `max_consecutive_failures` in a row the
// sync ends Unavailable. Nothing is lost by stopping anywhere: every request is safe to repeat,
// and the next session resumes from what the store and the server hold (sync.h, blob_sync.h).
//
// Pause and cancel are flags set from any thread (control()). They take effect at the next
// Next() and, inside a streamed body, at the next 1 MiB piece (the request is cut; the server
// keeps every whole chunk it verified). The sync then ends Aborted, saying which.
//
// Thread-safety: a session borrows its Replica and BlobStore and shares their thread rule (one
// thread at a time; other work on the store may run between steps). control() is thread-safe.
#ifndef CAIRN_SYNC_SESSION_H_
#define CAIRN_SYNC_SESSION_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/blob_store.h"
#include "cairn/blob_sync.h"
#include "cairn/replica.h"
#include "cairn/status.h"
#include "cairn/sync.h"

namespace cairn {

enum class SyncState : uint8_t {
  kEnrolling,  // exchanging the enrolment code for a device token
  kChanges,    // pushing and pulling changes
  kEvidence,   // uploading evidence blobs
  kFetching,   // fetching an evidence blob
  kWaiting,    // waiting to retry after a failure
  kDone,       // ended: outcome() says how
};

// "enrolling", "changes", ...
std::string_view SyncStateName(SyncState state);

struct SyncSessionOptions {
  UploadPolicy policy;
  // Upload evidence after the changes (the sync of a store with no blob store does not).
  bool upload_evidence = true;
  // Failed requests in a row before the sync ends Unavailable.
  int max_consecutive_failures = 8;
  // 0: evidence chunk requests carry their body (at most BlobUploader::kMaxBatchChunks chunks).
  // Otherwise their body is streamed from body(), up to this many chunks per request.
  uint64_t max_streamed_batch_chunks = 0;
};

// What to do next.
struct SyncStep {
  enum class Kind : uint8_t { kSend, kWait, kDone };
  Kind kind = Kind::kDone;
  // kSend: the request. With a streamed body, `request.body` is empty and the body is the
  // `streamed_body_bytes` bytes read from SyncSession::body().
  HttpRequest request;
  uint64_t streamed_body_bytes = 0;
  // kWait: call Next() again after this long.
  std::chrono::milliseconds wait{0};
};

class SyncSession {
 public:
  // A sync of an enrolled replica. `blobs` may be null (no evidence was ever captured).
  static Result<SyncSession> Start(Replica& replica, BlobStore* blobs, SyncSessionOptions options);
  // Fetches the blob `ref` into `blobs` in ranged GETs, resuming after what an earlier fetch
  // kept; done at once when the store holds it. REQUIRES: the replica is enrolled.
  static Result<SyncSession> Fetch(Replica& replica, BlobStore& blobs, const EvidenceRef& ref,
                                   SyncSessionOptions options);
  // Enrols the replica with `server` using `code`, then syncs. FailedPrecondition when the
  // replica is enrolled already.
  static Result<SyncSession> Enrol(Replica& replica, BlobStore* blobs, const SyncSettings& server,
                                   std::string_view code, std::string_view device_name,
                                   SyncSessionOptions options);

  SyncSession(SyncSession&&) noexcept;
  SyncSession& operator=(SyncSession&&) noexcept;
  ~SyncSession();

  // The next step; kDone once the sync has ended (then again on every call). Called while a
  // request is in flight, it counts that request as failed (Fail) first.
  SyncStep Next();
  // The answer to the request of the last kSend step. FailedPrecondition when no request is in
  // flight; every other problem ends the sync (outcome()) or schedules a retry.
  Status Answer(const HttpResponse& response);
  // The request of the last kSend step got no answer (the transport's error, Unavailable when
  // the server could not be reached). Other codes end the sync with that error, except an error
  // of body() (the device's copy of a blob could not be read: that blob fails, the sync goes on)
  // and a request cut by pause or cancel.
  Status Fail(const Status& why);

  // The streamed body of the request in flight (SyncStep::streamed_body_bytes).
  Transport::BodySource& body();

  SyncState state() const { return state_; }
  // Set once the state is kDone: OK when everything that could go went.
  const Status& outcome() const { return outcome_; }
  // The server the session talks to (after enrolment, with its token).
  const std::string& server_url() const { return server_url_; }
  const SyncReport& changes() const { return engine_ ? engine_->report() : no_changes_; }
  // Empty until the evidence stage starts.
  const UploadReport& evidence() const;
  const UploadProgress& evidence_progress() const;
  // A fetch's bytes received (kept from an earlier fetch included) and the blob's size; 0 and 0
  // for a sync.
  uint64_t fetched_bytes() const { return downloader_ ? downloader_->received() : 0; }
  uint64_t fetch_size() const { return downloader_ ? downloader_->size() : 0; }

  // Called on the driver's thread whenever the state changes or progress moves (after each
  // answer, and after each piece of a streamed body). May read the session; must not drive it.
  void set_observer(std::function<void(const SyncSession&)> observer) {
    observer_ = std::move(observer);
  }

  UploadControl& control() { return *control_; }

  // From now on evidence chunk bodies are streamed, up to `max_batch_chunks` per request (as
  // SyncSessionOptions::max_streamed_batch_chunks): for a driver that learns only after Start
  // that its transport streams.
  void StreamBodies(uint64_t max_batch_chunks);

 private:
  enum class Stage : uint8_t { kEnrol, kChanges, kEvidence, kFetch, kDone };
  class ControlledBody;

  SyncSession(Replica& replica, BlobStore* blobs, SyncSessionOptions options);
  Status BeginChanges();
  Status BeginEvidence();
  // `answered`: `why` came in an error answer (not from a request that got none).
  void RecordFailure(const Status& why, bool answered);
  static SyncState StateOf(Stage stage);
  // Puts an engine's next request into `step`. False when it has none (its stage is over) or
  // failed (the session is then done).
  bool TakeRequest(Result<std::optional<HttpRequest>> request, SyncStep& step);
  // Settles an answer as the change engine read it: on, a wait, or the end (annotated `where`).
  void TakeAnswer(const Status& s, const std::string& where);
  // The same for a blob engine, which keeps its own count of failures in a row.
  void TakeBlobAnswer(const Status& s, int failures, const HttpResponse& response);
  void Finish(Status outcome);
  std::string PausedMessage() const;
  void Notify();

  Replica* replica_;
  BlobStore* blobs_;
  SyncSessionOptions options_;
  Stage stage_ = Stage::kChanges;
  SyncState state_ = SyncState::kChanges;
  std::optional<SyncState> told_;  // the state the observer last saw
  bool in_flight_ = false;
  // Failures in a row, and the wait the next Next() returns (nullopt: none).
  int failures_ = 0;
  std::optional<std::chrono::milliseconds> wait_;
  Status outcome_;
  std::string server_url_;
  // Enrolment: the server and the request, kept to send it again after a failure.
  SyncSettings server_;
  HttpRequest enrol_request_;
  std::optional<SyncEngine> engine_;
  std::optional<BlobUploader> uploader_;
  std::optional<BlobDownloader> downloader_;
  SyncReport no_changes_;
  std::unique_ptr<UploadControl> control_ = std::make_unique<UploadControl>();
  std::unique_ptr<ControlledBody> body_;
  std::function<void(const SyncSession&)> observer_;
};

// Drives `session` over `transport` to its end and returns its outcome. `sleep` waits between
// retries (tests pass a no-op; null sleeps). Streamed bodies (SyncSessionOptions) go through
// Transport::RoundTripStreamed.
Status RunSyncSession(SyncSession& session, Transport& transport,
                      const std::function<void(std::chrono::milliseconds)>& sleep);

}  // namespace cairn

#endif  // CAIRN_SYNC_SESSION_H_
