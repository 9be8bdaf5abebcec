// Blob sync: the device side of the evidence endpoints in schemas/cairn/v1/blob.proto (decision
// 0009). Like SyncEngine, the engines here are sans-I/O: NextRequest() says what to send,
// HandleResponse() / HandleFailure() take what came back; RunBlobUploads and FetchBlob drive them
// over a Transport.
//
// Upload. Every blob named by a live evidence item or a submission snapshot of the replica, held
// in the BlobStore and not yet known to be on the server, is offered (PUT, with every chunk's
// hash); the server answers what it holds and the uploader streams the missing chunks in order,
// several per request (16 at first, doubling to 64 = 4 MiB while requests succeed, back to 1
// after a failure). After any failed request it asks the server where to resume (GET status)
// and never guesses, so an interruption costs at most the chunk that was cut. Blobs go smallest
// first, those a submission names before the others; the caller syncs changes before blobs
// (text before media).
//
// "Known uploaded" is a replica setting "blob.up.<first 56 hex digits>" holding the full hex
// name, written once the server says the blob is present. It lives with the account's data (a
// store belongs to one account), so a store made again for another account uploads everything
// again; and it only saves a request: without it the offer is answered "present" at zero bytes.
//
// Download. FetchBlob asks for ranges (Range: bytes=a-b), appends them to a BlobWriter that
// resumes after the whole chunks a previous attempt kept, and counts the blob as held only once
// its SHA-256 matches its name.
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

  const UploadProgress& progress() const { return progress_; }
  const UploadReport& report() const { return report_; }
  UploadReport& mutable_report() { return report_; }
  // Failed requests since the last answer; the driver backs off and gives up on this.
  int consecutive_failures() const { return consecutive_failures_; }

 private:
  enum class Step : uint8_t { kPrepare, kOffer, kStatus, kChunks };
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
};

// Set from anywhere (another thread, a signal handler); checked between requests, so a request
// in flight (at most 4 MiB) completes first.
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

using UploadProgressCallback = std::function<void(const UploadProgress&)>;

// Uploads every blob the replica's evidence needs. Fills `*report` whatever happens. Returns OK
// when every blob is done, waiting or refused (see report->failed); Aborted "paused" or
// "cancelled" when the control said so; Unavailable when the server stayed unreachable (nothing
// is lost: the next run resumes from what the server holds); any fatal error of the engine.
Status RunBlobUploads(Replica& replica, BlobStore& store, Transport& transport,
                      const BlobTransferOptions& options, const UploadProgressCallback& progress,
                      UploadReport* report);

// One ranged GET of the downloader: `request` must be sent with the header
// "Range: <range_header()>".
struct RangedRequest {
  HttpRequest request;
  uint64_t first = 0;  // inclusive
  uint64_t last = 0;   // inclusive
  std::string range_header() const {
    return "bytes=" + std::to_string(first) + "-" + std::to_string(last);
  }
};

// Fetches a blob of another device (or an assessor's view) into the store.
class BlobDownloader {
 public:
  static constexpr uint64_t kMaxRangeBytes = BlobUploader::kMaxBatchChunks * kBlobChunkBytes;

  // REQUIRES: the replica is enrolled.
  static Result<BlobDownloader> Start(Replica& replica, BlobStore& store, const EvidenceRef& ref);

  // nullopt once the blob is held (verified and in place).
  Result<std::optional<RangedRequest>> NextRequest();
  Status HandleResponse(const HttpResponse& response);
  void HandleFailure(const Status& status);

  uint64_t received() const;
  uint64_t size() const { return ref_.size; }
  int consecutive_failures() const { return consecutive_failures_; }

 private:
  BlobDownloader(Replica& replica, BlobStore& store, EvidenceRef ref, std::string token,
                 std::unique_ptr<BlobWriter> writer);

  Replica* replica_;
  BlobStore* store_;
  EvidenceRef ref_;
  std::string token_;
  std::unique_ptr<BlobWriter> writer_;  // null once done
  uint64_t range_bytes_ = BlobUploader::kInitialBatchChunks * kBlobChunkBytes;
  uint64_t in_flight_first_ = 0;
  uint64_t in_flight_last_ = 0;
  int consecutive_failures_ = 0;
};

// Sends a GET with a Range header. HttpRequest carries no extra headers yet, so the downloader
// is driven through this seam (the CLI has no fetch command until the transport can send it).
using RangeTransport =
    std::function<Result<HttpResponse>(const HttpRequest& request, std::string_view range)>;

// Fetches `ref` into the store, resuming a partial download; progress is (received, size).
Status FetchBlob(Replica& replica, BlobStore& store, const EvidenceRef& ref,
                 const RangeTransport& transport, const BlobTransferOptions& options,
                 const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace cairn

#endif  // CAIRN_BLOB_SYNC_H_
