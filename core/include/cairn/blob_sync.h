// Blob sync: the device side of the evidence endpoints in schemas/cairn/v1/blob.proto (decision
// 0009). Like SyncEngine, the engines here are sans-I/O: NextRequest() says what to send,
// HandleResponse() / HandleFailure() take what came back; RunBlobUploads and FetchBlob drive them
// over a Transport.
//
// Upload. Every blob named by a live evidence item or a submission snapshot of the replica, held
// in the BlobStore and not yet known to be on the server, is offered (PUT, with every chunk's
// hash); the server answers what it holds and the uploader streams the missing chunks in order,
// several per request (16 at first, doubling to 64 = 4 MiB while requests succeed, back to 1
// after a failure). Over a transport that streams bodies (Transport::StreamsBodies) the chunks
// of a request are not gathered: the body is made while it is sent (decrypting 1 MiB at a time)
// and requests grow 4x per answer up to the whole blob, so the sender never waits for the
// server's durability work between requests; the server makes what it verified durable as it
// goes and reports only durable counts. After any failed request it asks the server where to
// resume (GET status) and never guesses, so an interruption costs at most the chunk that was
// cut. Blobs go smallest first, those a submission names before the others; the caller syncs
// changes before blobs (text before media).
//
// "Known uploaded" is a replica setting "blob.up.<first 56 hex digits>" holding the full hex
// name, written once the server says the blob is present. It lives with the account's data (a
// store belongs to one account), so a store made again for another account uploads everything
// again; and it only saves a request: without it the offer is answered "present" at zero bytes.
//
// Download. FetchBlob asks for ranges (HttpRequest::range, "bytes=a-b"), checks each answer's
// Content-Range, appends the bytes to a BlobWriter made durable after every answer, which a
// later run resumes after the whole chunks kept, and counts the blob as held only once its
// SHA-256 matches its name. An interrupted fetch therefore asks again for at most the range
// that was in flight.
//
// Thread-safety: the engines borrow their Replica and BlobStore and share their thread rule (one
// thread). UploadControl's flags may be set from any thread or a signal handler.
#ifndef CAIRN_BLOB_SYNC_H_
#define CAIRN_BLOB_SYNC_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/blob_store.h"
#include "cairn/replica.h"
#include "cairn/status.h"
#include "cairn/sync.h"

namespace cairn {

// Which blobs may go now.
struct UploadPolicy {
  // The network is metered (mobile data): large blobs wait unless allowed.
  bool metered_network = false;
  uint64_t large_blob_bytes = uint64_t{20} << 20;
  bool allow_large_on_metered = false;

  bool Waits(uint64_t size) const {
    return metered_network && !allow_large_on_metered && size > large_blob_bytes;
  }
};

enum class BlobUploadPhase : uint8_t {
  kQueued,     // not started
  kWaiting,    // held back by the policy (not an error)
  kOffering,   // PUT offer in flight
  kUploading,  // streaming chunks
  kResuming,   // asking the server where to resume after a failure
  kDone,       // present on the server
  kFailed,     // refused; the reason is in UploadReport::failed
};

// "queued", "waiting", ...
std::string_view BlobUploadPhaseName(BlobUploadPhase phase);

struct BlobUploadProgress {
  Sha256 sha256{};
  uint64_t size = 0;
  std::string media_type;
  // The caption of an evidence item that names the blob, else empty.
  std::string caption;
  BlobUploadPhase phase = BlobUploadPhase::kQueued;
  // Bytes the server holds verified, from its own answer.
  uint64_t done_bytes = 0;
  // Chunk bytes of the streamed request in flight handed to the transport so far (not yet
  // acknowledged: they count only once the server's answer moves done_bytes).
  uint64_t sending_bytes = 0;
};

struct UploadProgress {
  // The blobs of this run in upload order; waiting ones are in UploadReport::waiting instead.
  std::vector<BlobUploadProgress> blobs;
  // The one being worked on; blobs.size() when none.
  size_t current = 0;
  // Over `blobs`.
  uint64_t done_bytes = 0;
  uint64_t total_bytes = 0;
};

struct UploadReport {
  uint64_t uploaded = 0;                    // blobs that became present through chunks sent now
  uint64_t already_present = 0;             // blobs the server had: zero chunk bytes sent
  uint64_t known_uploaded = 0;              // recorded as uploaded before; not asked again
  uint64_t missing = 0;                     // named by evidence but not in this device's blob store
  std::vector<BlobUploadProgress> waiting;  // held back by the policy
  std::vector<std::pair<Sha256, Status>> failed;
  uint64_t chunk_bytes_sent = 0;  // chunk bytes handed to the transport, resent ones included
  uint64_t requests = 0;
  uint64_t failed_requests = 0;  // requests with no answer, or a retryable error answer
  bool paused = false;
  bool cancelled = false;
};

class BlobUploader {
 public:
  static constexpr uint64_t kInitialBatchChunks = 16;
  static constexpr uint64_t kMaxBatchChunks = 64;
  // With streamed bodies: up to 1 GiB per request, made 1 MiB at a time.
  static constexpr uint64_t kMaxStreamedBatchChunks = 16384;
  static constexpr uint64_t kStreamPieceChunks = 16;

  // Finds the blobs to upload. REQUIRES: the replica is enrolled.
  static Result<BlobUploader> Start(Replica& replica, BlobStore& store, UploadPolicy policy);

  // The next request, or nullopt when every blob is done or has failed.
  Result<std::optional<HttpRequest>> NextRequest();
  // Consumes the answer to the last request. A non-OK Status ends the whole run (the token was
  // refused, the server broke the protocol); a blob the server refuses is recorded in
  // report().failed and the uploader goes on with the next.
  Status HandleResponse(const HttpResponse& response);
  // The last request got no answer (Unavailable from the transport). The next request asks the
  // server where to resume.
  void HandleFailure(const Status& status);

  // From now on a chunk request comes with an empty body: it is streamed_body_bytes() long and
  // is read from body() while it is sent. Batches then grow per answer up to
  // `max_batch_chunks` (4x when that is above kMaxBatchChunks, else 2x).
  void StreamChunkBodies(uint64_t max_batch_chunks);
  // The body of the chunk request just returned by NextRequest; 0 for other requests.
  uint64_t streamed_body_bytes() const { return streamed_body_bytes_; }
  // Reads the chunks of that request, kStreamPieceChunks at a time. Valid until the next call
  // of NextRequest; the uploader must not move meanwhile.
  Transport::BodySource& body();
  // The device's copy of the blob could not be read for the streamed body (body() failed): the
  // blob fails with that reason, and the others go on.
  bool body_failed() const { return !body_status_.ok(); }
  void HandleBodyFailure();

  const UploadProgress& progress() const { return progress_; }
  const UploadReport& report() const { return report_; }
  UploadReport& mutable_report() { return report_; }
  // Failed requests since the last answer; the driver backs off and gives up on this.
  int consecutive_failures() const { return consecutive_failures_; }

 private:
  enum class Step : uint8_t { kPrepare, kOffer, kStatus, kChunks };

  // body(): the chunks [next_chunk_, next_chunk_ + in_flight_chunks_) of the current blob.
  class ChunkBody final : public Transport::BodySource {
   public:
    Status Next(std::string* piece) override;
    BlobUploader* owner = nullptr;
  };

  BlobUploader(Replica& replica, BlobStore& store, std::string token);
  Status ApplyStatus(const std::string& body);
  void FailBlob(Status status);
  void FinishBlob(bool sent_chunks);
  void UpdateTotals();

  Replica* replica_;
  BlobStore* store_;
  std::string token_;
  UploadProgress progress_;
  UploadReport report_;
  Step step_ = Step::kPrepare;
  Step in_flight_ = Step::kPrepare;
  std::unique_ptr<BlobReader> reader_;
  std::vector<Sha256> hashes_;
  uint64_t next_chunk_ = 0;
  uint64_t in_flight_chunks_ = 0;
  uint64_t batch_ = kInitialBatchChunks;
  bool sent_chunks_ = false;  // for the current blob, in this run
  int stalls_ = 0;            // answers that moved nothing, for the current blob
  // Answers that move nothing before a blob is given up for this sync (a later sync retries).
  static constexpr int kMaxStalls = 10;
  int consecutive_failures_ = 0;
  std::string chunk_;  // reused chunk buffer
  bool stream_ = false;
  uint64_t max_batch_ = kMaxBatchChunks;
  uint64_t streamed_body_bytes_ = 0;
  uint64_t streamed_next_ = 0;  // the next chunk body() reads
  Status body_status_;
  ChunkBody body_;
};

// Set from anywhere (another thread, a signal handler); checked between requests and, in a
// streamed request, between its 1 MiB pieces (the request is then cut; the server keeps every
// whole chunk it verified).
struct UploadControl {
  std::atomic<bool> pause{false};
  std::atomic<bool> cancel{false};
};

struct BlobTransferOptions {
  UploadPolicy policy;
  UploadControl* control = nullptr;  // not owned; may be null
  // Give up after this many failed requests in a row (each followed by a longer wait).
  int max_consecutive_failures = 8;
  // Waits between retries: 250 ms doubling to 8 s. Tests pass a no-op.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// The wait before retrying after `failures` failed requests in a row (>= 1): 250 ms doubling to
// 8 s.
std::chrono::milliseconds RetryBackoff(int failures);

using UploadProgressCallback = std::function<void(const UploadProgress&)>;

// Uploads every blob the replica's evidence needs. Fills `*report` whatever happens. Returns OK
// when every blob is done, waiting or refused (see report->failed); Aborted "paused" or
// "cancelled" when the control said so; Unavailable when the server stayed unreachable (nothing
// is lost: the next run resumes from what the server holds); any fatal error of the engine.
Status RunBlobUploads(Replica& replica, BlobStore& store, Transport& transport,
                      const BlobTransferOptions& options, const UploadProgressCallback& progress,
                      UploadReport* report);

// What one FetchBlob run did.
struct FetchReport {
  bool already_held = false;    // the store had the blob: nothing was asked
  uint64_t resumed_from = 0;    // plaintext bytes kept from an earlier, interrupted fetch
  uint64_t bytes_received = 0;  // body bytes of the answers taken in this run
  uint64_t requests = 0;
  uint64_t failed_requests = 0;  // requests with no answer, or a retryable error answer
};

// Fetches a blob of another device of the same account (later an assessor's view) into the
// store, in ranged GETs: 1 MiB at first, doubling to 4 MiB while answers come, back to one
// chunk after a failure. Every 206 must carry a Content-Range for exactly the bytes asked for
// (or a prefix of them) and the blob's size; anything else ends the fetch with an error and
// keeps what was verified before.
class BlobDownloader {
 public:
  static constexpr uint64_t kInitialRangeBytes = uint64_t{16} * kBlobChunkBytes;
  static constexpr uint64_t kMaxRangeBytes = uint64_t{64} * kBlobChunkBytes;

  // REQUIRES: the replica is enrolled.
  static Result<BlobDownloader> Start(Replica& replica, BlobStore& store, const EvidenceRef& ref);

  // The next ranged GET (its `range` is "bytes=a-b"), or nullopt once the blob is held
  // (verified against its name and in place).
  Result<std::optional<HttpRequest>> NextRequest();
  Status HandleResponse(const HttpResponse& response);
  void HandleFailure(const Status& status);

  uint64_t received() const;
  uint64_t size() const { return ref_.size; }
  const FetchReport& report() const { return report_; }
  int consecutive_failures() const { return consecutive_failures_; }

 private:
  BlobDownloader(Replica& replica, BlobStore& store, EvidenceRef ref, std::string token,
                 std::unique_ptr<BlobWriter> writer);
  Status CheckContentRange(const HttpResponse& response, uint64_t body_size) const;

  Replica* replica_;
  BlobStore* store_;
  EvidenceRef ref_;
  std::string token_;
  std::unique_ptr<BlobWriter> writer_;  // null once done
  uint64_t range_bytes_ = kInitialRangeBytes;
  uint64_t in_flight_first_ = 0;
  uint64_t in_flight_last_ = 0;
  int consecutive_failures_ = 0;
  FetchReport report_;
};

using FetchProgressCallback = std::function<void(uint64_t received, uint64_t size)>;

// Fetches `ref` into the store over `transport`, resuming a partial download. Fills `*report`
// (if not null) whatever happens. Unavailable when the server stayed unreachable and Aborted
// when the control said stop (what was received is kept either way: fetch again to resume);
// NotFound when the server does not hold the blob; DataLoss when the bytes do not hash to the
// name (the partial download is then deleted).
Status FetchBlob(Replica& replica, BlobStore& store, const EvidenceRef& ref, Transport& transport,
                 const BlobTransferOptions& options, const FetchProgressCallback& progress,
                 FetchReport* report = nullptr);

}  // namespace cairn

#endif  // CAIRN_BLOB_SYNC_H_
