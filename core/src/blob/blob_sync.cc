#include "cairn/blob_sync.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>

#include "cairn/device.h"
#include "cairn/v1/blob.pb.h"
#include "cairn/v1/model.pb.h"

namespace cairn {
namespace {

constexpr std::string_view kUploadedPrefix = "blob.up.";

// Settings keys are at most 64 bytes: the prefix and 56 hex digits; the value is the full name.
std::string UploadedKey(const std::string& hex) {
  return std::string(kUploadedPrefix) + hex.substr(0, 64 - kUploadedPrefix.size());
}

std::string BlobTarget(const Sha256& sha) { return "/v1/blobs/" + Sha256Hex(sha); }

HttpRequest Request(std::string method, std::string target, const std::string& token,
                    std::string body = {}) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.authorization = "Bearer " + token;
  request.body = std::move(body);
  return request;
}

// Whether an error answer is retried now, with backoff, like a lost connection (after asking
// where to resume): the answer says it is retryable, and it is not a quota, rate or full disk,
// which no quick retry fixes; such a blob is set aside with the reason until the next sync.
bool RetryNow(const Status& answer) {
  return answer.retryable() && answer.code() != Code::kResourceExhausted;
}

Result<std::string> TokenOf(Replica& replica) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<SyncSettings> settings, LoadSyncSettings(replica));
  if (!settings) {
    return FailedPrecondition(
        "this device is not enrolled with a server; run cairn init --server URL --enrol CODE");
  }
  return settings->token;
}

Status MarkUploaded(Replica& replica, const Sha256& sha) {
  const std::string hex = Sha256Hex(sha);
  const std::pair<std::string, std::string> setting{UploadedKey(hex), hex};
  return replica.WriteSettings({&setting, 1});
}

Result<bool> KnownUploaded(Replica& replica, const Sha256& sha) {
  const std::string hex = Sha256Hex(sha);
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> value, replica.ReadSetting(UploadedKey(hex)));
  return value.has_value() && *value == hex;
}

void Sleep(const BlobTransferOptions& options, int failures) {
  if (options.sleep) {
    options.sleep(RetryBackoff(failures));
  } else {
    std::this_thread::sleep_for(RetryBackoff(failures));
  }
}

struct Candidate {
  BlobUploadProgress blob;
  bool submitted = false;
};

// The uploader's streamed body, checked between pieces for pause and cancel (the request is
// then cut: the server keeps every whole chunk it verified) and reported as progress.
class StoppableBody final : public Transport::BodySource {
 public:
  StoppableBody(BlobUploader& uploader, const UploadControl* control,
                const UploadProgressCallback& progress)
      : uploader_(uploader), control_(control), progress_(progress) {}

  Status Next(std::string* piece) override {
    if (control_ != nullptr && (control_->cancel.load() || control_->pause.load())) {
      stopped_ = true;
      piece->clear();
      return Status(Code::kAborted, "the upload was stopped");
    }
    stopped_ = false;
    Status s = uploader_.body().Next(piece);
    if (s.ok() && progress_) progress_(uploader_.progress());
    return s;
  }

  // The last request was cut because of the control; cleared by the next piece.
  bool stopped() const { return stopped_; }

 private:
  BlobUploader& uploader_;
  const UploadControl* control_;
  const UploadProgressCallback& progress_;
  bool stopped_ = false;
};

}  // namespace

std::chrono::milliseconds RetryBackoff(int failures) {
  const int shift = std::min(failures - 1, 5);
  return std::chrono::milliseconds(250 << std::max(shift, 0));
}

std::string_view BlobUploadPhaseName(BlobUploadPhase phase) {
  switch (phase) {
    case BlobUploadPhase::kQueued:
      return "queued";
    case BlobUploadPhase::kWaiting:
      return "waiting";
    case BlobUploadPhase::kOffering:
      return "offering";
    case BlobUploadPhase::kUploading:
      return "uploading";
    case BlobUploadPhase::kResuming:
      return "resuming";
    case BlobUploadPhase::kDone:
      return "done";
    case BlobUploadPhase::kFailed:
      return "failed";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// BlobUploader

BlobUploader::BlobUploader(Replica& replica, BlobStore& store, std::string token)
    : replica_(&replica), store_(&store), token_(std::move(token)) {}

Result<BlobUploader> BlobUploader::Start(Replica& replica, BlobStore& store, UploadPolicy policy) {
  CAIRN_ASSIGN_OR_RETURN(std::string token, TokenOf(replica));
  BlobUploader uploader(replica, store, std::move(token));

  // Every blob named by live evidence, and by submission snapshots (evidence removed after a
  // submission is still part of it and the server waits for it).
  std::map<Sha256, Candidate> found;
  const auto note = [&](const EvidenceRef& ref, std::string_view caption, bool submitted) {
    Candidate& c = found[ref.sha256];
    c.blob.sha256 = ref.sha256;
    c.blob.size = ref.size;
    if (c.blob.media_type.empty()) c.blob.media_type = ref.media_type;
    if (c.blob.caption.empty()) c.blob.caption = std::string(caption);
    c.submitted = c.submitted || submitted;
  };
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> evidence, replica.ListByType(kEvidenceType));
  for (const EntityData& item : evidence) {
    const Value* value = item.Get("blob");
    const auto* ref = value != nullptr ? std::get_if<EvidenceRef>(value) : nullptr;
    if (ref == nullptr) continue;
    const std::string* caption = item.GetText("caption");
    note(*ref, caption != nullptr ? *caption : "", false);
  }
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> submissions,
                         replica.ListByType(kSubmissionType));
  for (const EntityData& submission : submissions) {
    const Value* value = submission.Get("snapshot");
    const auto* bytes = value != nullptr ? std::get_if<Blob>(value) : nullptr;
    v1::SubmissionSnapshot snapshot;
    if (bytes == nullptr || !snapshot.ParseFromString(bytes->data)) continue;
    for (const v1::SubmissionSnapshot::SubmittedEvidence& item : snapshot.evidence()) {
      if (item.blob().sha256().size() != 32) continue;
      EvidenceRef ref;
      std::copy(item.blob().sha256().begin(), item.blob().sha256().end(), ref.sha256.begin());
      ref.size = item.blob().size();
      ref.media_type = item.blob().media_type();
      note(ref, item.caption(), true);
    }
  }

  std::vector<Candidate> queue;
  for (auto& [sha, candidate] : found) {
    CAIRN_ASSIGN_OR_RETURN(const bool known, KnownUploaded(replica, sha));
    if (known) {
      ++uploader.report_.known_uploaded;
      continue;
    }
    CAIRN_ASSIGN_OR_RETURN(const bool held, store.Has(sha));
    if (!held) {
      ++uploader.report_.missing;
      continue;
    }
    if (policy.Waits(candidate.blob.size)) {
      candidate.blob.phase = BlobUploadPhase::kWaiting;
      uploader.report_.waiting.push_back(candidate.blob);
      continue;
    }
    queue.push_back(std::move(candidate));
  }
  // What a submission waits for first, then the smallest: a photo is not stuck behind a video.
  std::stable_sort(queue.begin(), queue.end(), [](const Candidate& a, const Candidate& b) {
    return std::make_pair(!a.submitted, a.blob.size) < std::make_pair(!b.submitted, b.blob.size);
  });
  for (Candidate& c : queue) uploader.progress_.blobs.push_back(std::move(c.blob));
  uploader.UpdateTotals();
  return uploader;
}

void BlobUploader::UpdateTotals() {
  progress_.done_bytes = 0;
  progress_.total_bytes = 0;
  for (const BlobUploadProgress& blob : progress_.blobs) {
    progress_.total_bytes += blob.size;
    progress_.done_bytes += blob.done_bytes;
  }
}

void BlobUploader::FailBlob(Status status) {
  BlobUploadProgress& blob = progress_.blobs[progress_.current];
  blob.phase = BlobUploadPhase::kFailed;
  report_.failed.emplace_back(blob.sha256, std::move(status));
  reader_.reset();
  ++progress_.current;
  step_ = Step::kPrepare;
}

void BlobUploader::FinishBlob(bool sent_chunks) {
  BlobUploadProgress& blob = progress_.blobs[progress_.current];
  blob.phase = BlobUploadPhase::kDone;
  blob.done_bytes = blob.size;
  if (sent_chunks) {
    ++report_.uploaded;
  } else {
    ++report_.already_present;
  }
  reader_.reset();
  ++progress_.current;
  step_ = Step::kPrepare;
  UpdateTotals();
}

void BlobUploader::StreamChunkBodies(uint64_t max_batch_chunks) {
  stream_ = true;
  max_batch_ = std::max<uint64_t>(max_batch_chunks, 1);
}

Transport::BodySource& BlobUploader::body() {
  body_.owner = this;  // the uploader may have moved since the last request
  return body_;
}

Status BlobUploader::ChunkBody::Next(std::string* piece) {
  BlobUploader& up = *owner;
  piece->clear();
  const uint64_t end = up.next_chunk_ + up.in_flight_chunks_;
  if (up.reader_ == nullptr || up.streamed_next_ >= end) return {};
  const uint64_t n = std::min(kStreamPieceChunks, end - up.streamed_next_);
  piece->reserve(n * kBlobChunkBytes);
  for (uint64_t i = 0; i < n; ++i) {
    // Decrypted straight into the piece.
    Status s = up.reader_->AppendChunk(up.streamed_next_, piece);
    if (!s.ok()) {
      up.body_status_ = s;
      piece->clear();
      return s;
    }
    ++up.streamed_next_;
  }
  up.report_.chunk_bytes_sent += piece->size();
  up.progress_.blobs[up.progress_.current].sending_bytes += piece->size();
  return {};
}

void BlobUploader::HandleBodyFailure() {
  if (body_status_.ok() || progress_.current >= progress_.blobs.size()) return;
  Status s = std::move(body_status_);
  body_status_ = Status();
  progress_.blobs[progress_.current].sending_bytes = 0;
  FailBlob(std::move(s));
}

Result<std::optional<HttpRequest>> BlobUploader::NextRequest() {
  streamed_body_bytes_ = 0;
  while (progress_.current < progress_.blobs.size()) {
    BlobUploadProgress& blob = progress_.blobs[progress_.current];
    if (step_ == Step::kPrepare) {
      Result<std::unique_ptr<BlobReader>> reader = store_->Open(blob.sha256);
      Result<std::vector<Sha256>> hashes = reader.ok()
                                               ? store_->ChunkHashes(blob.sha256)
                                               : Result<std::vector<Sha256>>(reader.status());
      if (!hashes.ok()) {
        FailBlob(hashes.status());
        continue;
      }
      if ((*reader)->size() != blob.size) {
        FailBlob(DataLoss("blob " + Sha256Hex(blob.sha256) + " holds " +
                          std::to_string((*reader)->size()) + " bytes where its evidence says " +
                          std::to_string(blob.size)));
        continue;
      }
      reader_ = std::move(reader).value();
      hashes_ = std::move(hashes).value();
      next_chunk_ = 0;
      batch_ = kInitialBatchChunks;
      sent_chunks_ = false;
      stalls_ = 0;
      step_ = Step::kOffer;
    }
    in_flight_ = step_;
    ++report_.requests;
    if (step_ == Step::kOffer) {
      blob.phase = BlobUploadPhase::kOffering;
      v1::BlobOffer offer;
      offer.set_size(blob.size);
      offer.set_media_type(blob.media_type);
      offer.set_chunk_size(kBlobChunkBytes);
      for (const Sha256& h : hashes_) {
        offer.add_chunk_sha256(std::string(reinterpret_cast<const char*>(h.data()), h.size()));
      }
      return std::optional<HttpRequest>(
          Request("PUT", BlobTarget(blob.sha256), token_, offer.SerializeAsString()));
    }
    if (step_ == Step::kStatus) {
      blob.phase = BlobUploadPhase::kResuming;
      return std::optional<HttpRequest>(
          Request("GET", BlobTarget(blob.sha256) + "/status", token_));
    }
    // kChunks: decrypt the next chunks straight into the body.
    blob.phase = BlobUploadPhase::kUploading;
    const uint64_t count = reader_->chunk_count();
    in_flight_chunks_ = std::min(batch_, count - next_chunk_);
    if (stream_) {
      // The body is read from body() as it is sent.
      const uint64_t first_byte = next_chunk_ * kBlobChunkBytes;
      streamed_body_bytes_ =
          std::min<uint64_t>(blob.size, (next_chunk_ + in_flight_chunks_) * kBlobChunkBytes) -
          std::min<uint64_t>(blob.size, first_byte);
      streamed_next_ = next_chunk_;
      body_status_ = Status();
      blob.sending_bytes = 0;
      sent_chunks_ = true;
      HttpRequest post = Request(
          "POST", BlobTarget(blob.sha256) + "/chunks/" + std::to_string(next_chunk_), token_);
      post.content_type = "application/octet-stream";
      return std::optional<HttpRequest>(std::move(post));
    }
    std::string body;
    body.reserve(in_flight_chunks_ * kBlobChunkBytes);
    for (uint64_t i = 0; i < in_flight_chunks_; ++i) {
      Status s = reader_->ReadChunk(next_chunk_ + i, &chunk_);
      if (!s.ok()) {
        --report_.requests;
        FailBlob(std::move(s));
        break;
      }
      body += chunk_;
    }
    if (step_ == Step::kPrepare) continue;  // failed above
    report_.chunk_bytes_sent += body.size();
    sent_chunks_ = true;
    HttpRequest post =
        Request("POST", BlobTarget(blob.sha256) + "/chunks/" + std::to_string(next_chunk_), token_,
                std::move(body));
    // Raw chunk bytes, verified against the offer as they arrive.
    post.content_type = "application/octet-stream";
    return std::optional<HttpRequest>(std::move(post));
  }
  return std::optional<HttpRequest>();
}

Status BlobUploader::ApplyStatus(const std::string& body) {
  BlobUploadProgress& blob = progress_.blobs[progress_.current];
  v1::BlobStatus status;
  if (!status.ParseFromString(body)) {
    return Internal("the server's answer about blob " + Sha256Hex(blob.sha256) +
                    " is not a BlobStatus");
  }
  if (!status.sha256().empty() &&
      status.sha256() != std::string_view(reinterpret_cast<const char*>(blob.sha256.data()), 32)) {
    return Internal("the server answered about another blob than " + Sha256Hex(blob.sha256));
  }
  if (status.state() == v1::BLOB_STATE_PRESENT) {
    CAIRN_RETURN_IF_ERROR(MarkUploaded(*replica_, blob.sha256));
    FinishBlob(sent_chunks_);
    return {};
  }
  if (status.state() == v1::BLOB_STATE_ABSENT || status.state() == v1::BLOB_STATE_UNSPECIFIED) {
    // Never offered, or the partial upload expired: offer it (again).
    if (in_flight_ == Step::kOffer) {
      FailBlob(Internal("the server answered an offer of blob " + Sha256Hex(blob.sha256) +
                        " with 'absent'"));
      return {};
    }
    blob.done_bytes = 0;
    step_ = Step::kOffer;
    UpdateTotals();
    return {};
  }
  const uint64_t count = reader_->chunk_count();
  const uint64_t verified = status.verified_chunks();
  if (verified >= count) {
    // Every chunk verified but not present: the server threw the whole away (its hash did not
    // match), or it is confused. Offering again restarts it; give up if that keeps happening.
    if (++stalls_ > 2) {
      FailBlob(Internal("the server holds every chunk of blob " + Sha256Hex(blob.sha256) +
                        " but does not count it as present"));
      return {};
    }
    step_ = Step::kOffer;
    return {};
  }
  const uint64_t before = next_chunk_;
  if (in_flight_ == Step::kStatus && verified > before) stalls_ = 0;  // the server moved on
  next_chunk_ = verified;
  blob.done_bytes = std::min<uint64_t>(status.verified_bytes(), blob.size);
  if (in_flight_ == Step::kChunks) {
    if (verified <= before) {
      // The server took none of the chunks it acknowledged: do not loop forever.
      if (++stalls_ > kMaxStalls) {
        FailBlob(Internal("the server keeps accepting chunks of blob " + Sha256Hex(blob.sha256) +
                          " without holding them (stuck at chunk " + std::to_string(verified) +
                          ")"));
        return {};
      }
    } else {
      stalls_ = 0;
      // Up to the whole blob (a streaming transport), 4x so that a long blob gets there in a
      // few requests; up to kMaxBatchChunks, 2x.
      batch_ = std::min(batch_ * (max_batch_ > kMaxBatchChunks ? 4 : 2), max_batch_);
    }
  }
  step_ = Step::kChunks;
  UpdateTotals();
  return {};
}

Status BlobUploader::HandleResponse(const HttpResponse& response) {
  if (progress_.current >= progress_.blobs.size()) {
    return FailedPrecondition("an answer arrived after the upload was done");
  }
  BlobUploadProgress& blob = progress_.blobs[progress_.current];
  blob.sending_bytes = 0;
  if (response.status == 200) {
    consecutive_failures_ = 0;
    return ApplyStatus(response.body);
  }
  const Status status = StatusFromHttp(response);
  if (RetryNow(status)) {
    HandleFailure(status);
    return {};
  }
  consecutive_failures_ = 0;
  if (status.code() == Code::kUnauthenticated || status.code() == Code::kPermissionDenied) {
    return status.Annotate("uploading blob " + Sha256Hex(blob.sha256));
  }
  if (in_flight_ == Step::kChunks && (response.status == 409 || response.status == 404)) {
    // Not where the server is (409: wrong first chunk, or the whole did not hash to its name
    // and was discarded; 404: the partial upload expired). Ask rather than parse the message.
    // After a cut connection the server may still be taking in the cut request's chunks, so
    // its status can lag: back off before asking, and count it as a stall only while the
    // server's count does not move (ApplyStatus resets the count when it does).
    ++report_.failed_requests;
    if (++stalls_ > kMaxStalls) {
      FailBlob(status.Annotate("uploading blob " + Sha256Hex(blob.sha256)));
      return {};
    }
    ++consecutive_failures_;
    step_ = Step::kStatus;
    return {};
  }
  if (in_flight_ == Step::kStatus && response.status == 404) {
    step_ = Step::kOffer;
    return {};
  }
  // The server refuses this blob (too large, over quota, a chunk that does not match the offer):
  // say why and go on with the others.
  FailBlob(status.Annotate("the server refused blob " + Sha256Hex(blob.sha256)));
  return {};
}

void BlobUploader::HandleFailure(const Status& /*status*/) {
  ++report_.failed_requests;
  ++consecutive_failures_;
  batch_ = 1;
  if (progress_.current < progress_.blobs.size())
    progress_.blobs[progress_.current].sending_bytes = 0;
  if (progress_.current < progress_.blobs.size() && step_ != Step::kPrepare) {
    // An offer that got no answer may or may not have arrived; the status says (absent → offer).
    step_ = step_ == Step::kOffer ? Step::kOffer : Step::kStatus;
  }
}

Status RunBlobUploads(Replica& replica, BlobStore& store, Transport& transport,
                      const BlobTransferOptions& options, const UploadProgressCallback& progress,
                      UploadReport* report) {
  *report = {};
  Result<BlobUploader> started = BlobUploader::Start(replica, store, options.policy);
  if (!started.ok()) return started.status();
  BlobUploader& uploader = *started;
  const auto finish = [&](Status s) {
    *report = uploader.report();
    return s;
  };
  // Stream chunk bodies: over a transport that sends pieces as they are made, requests grow to
  // the whole blob; otherwise they stay at kMaxBatchChunks (the transport gathers the body).
  uploader.StreamChunkBodies(transport.StreamsBodies() ? BlobUploader::kMaxStreamedBatchChunks
                                                       : BlobUploader::kMaxBatchChunks);
  StoppableBody body(uploader, options.control, progress);
  if (progress) progress(uploader.progress());
  while (true) {
    if (options.control != nullptr && options.control->cancel.load()) {
      uploader.mutable_report().cancelled = true;
      return finish(Status(Code::kAborted,
                           "the upload was cancelled; what the server holds is "
                           "kept, and the next sync resumes from there"));
    }
    if (options.control != nullptr && options.control->pause.load()) {
      uploader.mutable_report().paused = true;
      const UploadProgress& p = uploader.progress();
      return finish(Status(Code::kAborted, "the upload was paused with " +
                                               std::to_string(p.done_bytes) + " of " +
                                               std::to_string(p.total_bytes) +
                                               " bytes on the server; sync again to resume"));
    }
    Result<std::optional<HttpRequest>> request = uploader.NextRequest();
    if (!request.ok()) return finish(request.status());
    if (!request->has_value()) break;
    Result<HttpResponse> response =
        uploader.streamed_body_bytes() > 0
            ? transport.RoundTripStreamed(**request, uploader.streamed_body_bytes(), body)
            : transport.RoundTrip(**request);
    request->reset();  // the body can be 4 MiB; do not hold it while waiting below
    if (uploader.body_failed()) {
      // The device's copy could not be read: that blob fails, the others go on.
      uploader.HandleBodyFailure();
      if (progress) progress(uploader.progress());
      continue;
    }
    if (body.stopped()) continue;  // paused or cancelled mid-body: said at the top of the loop
    if (response.ok()) {
      Status s = uploader.HandleResponse(*response);
      if (!s.ok()) return finish(s);
    } else if (response.status().code() == Code::kUnavailable) {
      uploader.HandleFailure(response.status());
    } else {
      return finish(response.status());
    }
    if (uploader.consecutive_failures() > 0) {
      if (uploader.consecutive_failures() >= options.max_consecutive_failures) {
        const std::string why =
            response.ok() ? StatusFromHttp(*response).message() : response.status().message();
        return finish(Unavailable("the server stayed unreachable after " +
                                  std::to_string(uploader.consecutive_failures()) + " tries (" +
                                  why +
                                  "); what it holds is kept, and the next sync resumes there"));
      }
      Sleep(options, uploader.consecutive_failures());
    }
    if (progress) progress(uploader.progress());
  }
  if (progress) progress(uploader.progress());
  return finish({});
}

// ---------------------------------------------------------------------------------------------
// BlobDownloader

namespace {

// "bytes FIRST-LAST/SIZE" (RFC 9110 14.4); nullopt if it is not that.
struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t size = 0;
};

std::optional<uint64_t> ParseDecimal(std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<ContentRange> ParseContentRange(std::string_view header) {
  constexpr std::string_view kBytes = "bytes ";
  if (!header.starts_with(kBytes)) return std::nullopt;
  header.remove_prefix(kBytes.size());
  const size_t dash = header.find('-');
  const size_t slash = header.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  const std::optional<uint64_t> first = ParseDecimal(header.substr(0, dash));
  const std::optional<uint64_t> last = ParseDecimal(header.substr(dash + 1, slash - dash - 1));
  const std::optional<uint64_t> size = ParseDecimal(header.substr(slash + 1));
  if (!first || !last || !size || *last < *first) return std::nullopt;
  return ContentRange{*first, *last, *size};
}

}  // namespace

BlobDownloader::BlobDownloader(Replica& replica, BlobStore& store, EvidenceRef ref,
                               std::string token, std::unique_ptr<BlobWriter> writer)
    : replica_(&replica),
      store_(&store),
      ref_(std::move(ref)),
      token_(std::move(token)),
      writer_(std::move(writer)) {
  report_.already_held = writer_ == nullptr;
  report_.resumed_from = writer_ != nullptr ? writer_->received() : 0;
}

Result<BlobDownloader> BlobDownloader::Start(Replica& replica, BlobStore& store,
                                             const EvidenceRef& ref) {
  CAIRN_ASSIGN_OR_RETURN(std::string token, TokenOf(replica));
  CAIRN_ASSIGN_OR_RETURN(const bool held, store.Has(ref.sha256));
  std::unique_ptr<BlobWriter> writer;
  if (!held) {
    CAIRN_ASSIGN_OR_RETURN(writer, store.NewWriter(ref));
  }
  return BlobDownloader(replica, store, ref, std::move(token), std::move(writer));
}

uint64_t BlobDownloader::received() const {
  return writer_ != nullptr ? writer_->received() : ref_.size;
}

Result<std::optional<HttpRequest>> BlobDownloader::NextRequest() {
  if (writer_ == nullptr) return std::optional<HttpRequest>();
  if (writer_->received() == ref_.size) {
    CAIRN_RETURN_IF_ERROR(writer_->Finish().status());
    writer_.reset();
    // The server holds it (it just served it): this device need never offer it.
    CAIRN_RETURN_IF_ERROR(MarkUploaded(*replica_, ref_.sha256));
    return std::optional<HttpRequest>();
  }
  in_flight_first_ = writer_->received();
  in_flight_last_ = std::min(ref_.size, in_flight_first_ + range_bytes_) - 1;
  HttpRequest request = Request("GET", BlobTarget(ref_.sha256), token_);
  request.content_type.clear();  // a GET has no body
  request.range =
      "bytes=" + std::to_string(in_flight_first_) + "-" + std::to_string(in_flight_last_);
  ++report_.requests;
  return std::optional<HttpRequest>(std::move(request));
}

Status BlobDownloader::CheckContentRange(const HttpResponse& response, uint64_t body_size) const {
  const std::string name = Sha256Hex(ref_.sha256);
  const std::optional<ContentRange> range = ParseContentRange(response.content_range);
  if (!range) {
    return Internal("the server answered a ranged GET of blob " + name +
                    " with 206 and Content-Range '" + response.content_range +
                    "', not 'bytes FIRST-LAST/SIZE'");
  }
  if (range->size != ref_.size) {
    return DataLoss("the server holds " + std::to_string(range->size) + " bytes for blob " + name +
                    ", but the evidence item says " + std::to_string(ref_.size) +
                    "; nothing more was kept");
  }
  if (range->first != in_flight_first_ || range->last > in_flight_last_ ||
      range->last - range->first + 1 != body_size) {
    return Internal("the server sent bytes " + std::to_string(range->first) + "-" +
                    std::to_string(range->last) + " (" + std::to_string(body_size) +
                    " in the body) of blob " + name + " where " + std::to_string(in_flight_first_) +
                    "-" + std::to_string(in_flight_last_) + " were asked for");
  }
  return {};
}

Status BlobDownloader::HandleResponse(const HttpResponse& response) {
  if (writer_ == nullptr) return FailedPrecondition("an answer arrived after the download");
  const std::string name = Sha256Hex(ref_.sha256);
  if (response.status >= 300) {
    if (Status answer = StatusFromHttp(response); RetryNow(answer)) {
      HandleFailure(answer);
      return {};
    }
  }
  std::string_view body = response.body;
  if (response.status == 200) {
    // The server ignored the range and sent the whole blob: keep the part asked for.
    if (body.size() != ref_.size) {
      return Internal("the server sent " + std::to_string(body.size()) + " bytes for blob " + name +
                      ", which has " + std::to_string(ref_.size));
    }
    body = body.substr(in_flight_first_, in_flight_last_ - in_flight_first_ + 1);
  } else if (response.status == 206) {
    CAIRN_RETURN_IF_ERROR(CheckContentRange(response, body.size()));
  } else if (response.status == 404) {
    return StatusFromHttp(response).Annotate(
        "fetching blob " + name +
        " (the server holds it only once the device that captured it has uploaded it all: "
        "sync that device, then fetch again)");
  } else {
    return StatusFromHttp(response).Annotate("fetching blob " + name);
  }
  consecutive_failures_ = 0;
  report_.bytes_received += response.body.size();
  CAIRN_RETURN_IF_ERROR(writer_->Append(body));
  // Durable before the next range is asked for: a killed process resumes after these bytes.
  CAIRN_RETURN_IF_ERROR(writer_->Sync());
  range_bytes_ = std::min(range_bytes_ * 2, kMaxRangeBytes);
  return {};
}

void BlobDownloader::HandleFailure(const Status& /*status*/) {
  ++consecutive_failures_;
  ++report_.failed_requests;
  range_bytes_ = kBlobChunkBytes;
}

Status FetchBlob(Replica& replica, BlobStore& store, const EvidenceRef& ref, Transport& transport,
                 const BlobTransferOptions& options, const FetchProgressCallback& progress,
                 FetchReport* report) {
  FetchReport ignored;
  if (report == nullptr) report = &ignored;
  *report = {};
  CAIRN_ASSIGN_OR_RETURN(BlobDownloader downloader, BlobDownloader::Start(replica, store, ref));
  const auto finish = [&](Status s) {
    *report = downloader.report();
    return s;
  };
  if (progress) progress(downloader.received(), ref.size);
  while (true) {
    if (options.control != nullptr &&
        (options.control->cancel.load() || options.control->pause.load())) {
      return finish(Status(
          Code::kAborted, "the download was stopped at " + std::to_string(downloader.received()) +
                              " of " + std::to_string(ref.size) + " bytes; fetch again to resume"));
    }
    Result<std::optional<HttpRequest>> request = downloader.NextRequest();
    if (!request.ok()) return finish(request.status());
    if (!request->has_value()) break;
    Result<HttpResponse> response = transport.RoundTrip(**request);
    if (response.ok()) {
      if (Status s = downloader.HandleResponse(*response); !s.ok()) return finish(s);
    } else if (response.status().code() == Code::kUnavailable) {
      downloader.HandleFailure(response.status());
    } else {
      return finish(response.status());
    }
    if (downloader.consecutive_failures() >= options.max_consecutive_failures) {
      const std::string why =
          response.ok() ? StatusFromHttp(*response).message() : response.status().message();
      return finish(Unavailable("the server stayed unreachable after " +
                                std::to_string(downloader.consecutive_failures()) + " tries (" +
                                why + "); " + std::to_string(downloader.received()) + " of " +
                                std::to_string(ref.size) +
                                " bytes are kept, fetch again to resume"));
    }
    if (downloader.consecutive_failures() > 0) Sleep(options, downloader.consecutive_failures());
    if (progress) progress(downloader.received(), ref.size);
  }
  if (progress) progress(ref.size, ref.size);
  return finish({});
}

}  // namespace cairn
