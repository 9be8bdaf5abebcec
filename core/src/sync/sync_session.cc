#include "cairn/sync_session.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "cairn/error_answer.h"

namespace cairn {

// body(): the uploader's chunk body, cut at the next piece when pause or cancel is set, and
// telling the observer after every piece.
class SyncSession::ControlledBody final : public Transport::BodySource {
 public:
  explicit ControlledBody(SyncSession* owner) : owner_(owner) {}

  Status Next(std::string* piece) override {
    const UploadControl& control = *owner_->control_;
    if (control.cancel.load() || control.pause.load()) {
      stopped_ = true;
      piece->clear();
      return Status(Code::kAborted, "the upload was stopped");
    }
    Status s = owner_->uploader_->body().Next(piece);
    if (s.ok()) owner_->Notify();
    return s;
  }

  // The session may have moved since the last request.
  void Rebind(SyncSession* owner) { owner_ = owner; }
  // The request in flight was cut by pause or cancel; cleared when a request is sent.
  bool stopped() const { return stopped_; }
  void Reset() { stopped_ = false; }

 private:
  SyncSession* owner_;
  bool stopped_ = false;
};

std::string_view SyncStateName(SyncState state) {
  switch (state) {
    case SyncState::kEnrolling:
      return "enrolling";
    case SyncState::kChanges:
      return "changes";
    case SyncState::kEvidence:
      return "evidence";
    case SyncState::kFetching:
      return "fetching";
    case SyncState::kWaiting:
      return "waiting";
    case SyncState::kDone:
      return "done";
  }
  return "done";
}

SyncSession::SyncSession(Replica& replica, BlobStore* blobs, SyncSessionOptions options)
    : replica_(&replica),
      blobs_(blobs),
      options_(options),
      body_(std::make_unique<ControlledBody>(this)) {}

SyncSession::SyncSession(SyncSession&&) noexcept = default;
SyncSession& SyncSession::operator=(SyncSession&&) noexcept = default;
SyncSession::~SyncSession() = default;

Result<SyncSession> SyncSession::Start(Replica& replica, BlobStore* blobs,
                                       SyncSessionOptions options) {
  SyncSession session(replica, blobs, options);
  CAIRN_RETURN_IF_ERROR(session.BeginChanges());
  return session;
}

Result<SyncSession> SyncSession::Fetch(Replica& replica, BlobStore& blobs, const EvidenceRef& ref,
                                       SyncSessionOptions options) {
  SyncSession session(replica, &blobs, options);
  CAIRN_ASSIGN_OR_RETURN(BlobDownloader downloader, BlobDownloader::Start(replica, blobs, ref));
  CAIRN_ASSIGN_OR_RETURN(std::optional<SyncSettings> settings, LoadSyncSettings(replica));
  if (settings) session.server_url_ = settings->server_url;
  session.downloader_.emplace(std::move(downloader));
  session.stage_ = Stage::kFetch;
  session.state_ = StateOf(session.stage_);
  return session;
}

Result<SyncSession> SyncSession::Enrol(Replica& replica, BlobStore* blobs,
                                       const SyncSettings& server, std::string_view code,
                                       std::string_view device_name, SyncSessionOptions options) {
  SyncSession session(replica, blobs, options);
  CAIRN_ASSIGN_OR_RETURN(session.enrol_request_, EnrolRequest(replica, code, device_name));
  session.server_ = server;
  session.server_url_ = server.server_url;
  session.stage_ = Stage::kEnrol;
  session.state_ = StateOf(session.stage_);
  return session;
}

Status SyncSession::BeginChanges() {
  CAIRN_ASSIGN_OR_RETURN(SyncEngine engine, SyncEngine::Start(*replica_));
  CAIRN_ASSIGN_OR_RETURN(std::optional<SyncSettings> settings, LoadSyncSettings(*replica_));
  if (settings) server_url_ = settings->server_url;
  engine_.emplace(std::move(engine));
  stage_ = Stage::kChanges;
  state_ = StateOf(stage_);
  return {};
}

Status SyncSession::BeginEvidence() {
  if (blobs_ == nullptr || !options_.upload_evidence) {
    Finish({});
    return {};
  }
  CAIRN_ASSIGN_OR_RETURN(BlobUploader uploader,
                         BlobUploader::Start(*replica_, *blobs_, options_.policy));
  uploader_.emplace(std::move(uploader));
  if (options_.max_streamed_batch_chunks > 0) {
    uploader_->StreamChunkBodies(options_.max_streamed_batch_chunks);
  }
  stage_ = Stage::kEvidence;
  state_ = StateOf(stage_);
  failures_ = 0;
  return {};
}

void SyncSession::StreamBodies(uint64_t max_batch_chunks) {
  options_.max_streamed_batch_chunks = max_batch_chunks;
  if (uploader_) uploader_->StreamChunkBodies(max_batch_chunks);
}

const UploadReport& SyncSession::evidence() const {
  static const UploadReport kNone;
  return uploader_ ? uploader_->report() : kNone;
}

const UploadProgress& SyncSession::evidence_progress() const {
  static const UploadProgress kNone;
  return uploader_ ? uploader_->progress() : kNone;
}

void SyncSession::Notify() {
  told_ = state_;
  if (observer_) observer_(*this);
}

void SyncSession::Finish(Status outcome) {
  if (stage_ == Stage::kDone) return;
  if (uploader_) {
    UploadReport& report = uploader_->mutable_report();
    report.paused = control_->pause.load() && outcome.code() == Code::kAborted;
    report.cancelled = control_->cancel.load() && outcome.code() == Code::kAborted;
  }
  outcome_ = std::move(outcome);
  stage_ = Stage::kDone;
  state_ = SyncState::kDone;
  in_flight_ = false;
  wait_.reset();
  Notify();
}

void SyncSession::RecordFailure(const Status& why, bool answered) {
  const int failures = stage_ == Stage::kEvidence ? uploader_->consecutive_failures()
                       : stage_ == Stage::kFetch  ? downloader_->consecutive_failures()
                                                  : ++failures_;
  if (failures >= options_.max_consecutive_failures) {
    Finish(Unavailable("the server stayed unreachable after " + std::to_string(failures) +
                       " tries (" + why.message() +
                       "); nothing is lost, and the next sync resumes from what it holds"));
    return;
  }
  // An error answer came with the Retry-After of its code; wait at least that long.
  const auto floor = std::chrono::seconds(answered ? InfoOf(why.code()).retry_after_seconds : 0);
  wait_ = std::max<std::chrono::milliseconds>(RetryBackoff(failures), floor);
  state_ = SyncState::kWaiting;
  Notify();
}

SyncState SyncSession::StateOf(Stage stage) {
  switch (stage) {
    case Stage::kEnrol:
      return SyncState::kEnrolling;
    case Stage::kChanges:
      return SyncState::kChanges;
    case Stage::kEvidence:
      return SyncState::kEvidence;
    case Stage::kFetch:
      return SyncState::kFetching;
    case Stage::kDone:
      break;
  }
  return SyncState::kDone;
}

bool SyncSession::TakeRequest(Result<std::optional<HttpRequest>> request, SyncStep& step) {
  if (!request.ok()) {
    Finish(request.status());
    return false;
  }
  if (!request->has_value()) return false;
  step.kind = SyncStep::Kind::kSend;
  step.request = std::move(**request);
  return true;
}

void SyncSession::TakeAnswer(const Status& s, const std::string& where) {
  if (s.ok()) {
    failures_ = 0;
    Notify();
  } else if (s.retryable()) {
    RecordFailure(s, /*answered=*/true);
  } else {
    Finish(where.empty() ? s : s.Annotate(where));
  }
}

void SyncSession::TakeBlobAnswer(const Status& s, int failures, const HttpResponse& response) {
  if (!s.ok()) {
    Finish(s);
  } else if (failures > 0) {
    RecordFailure(StatusFromHttp(response), /*answered=*/true);
  } else {
    Notify();
  }
}

std::string SyncSession::PausedMessage() const {
  if (downloader_) {
    return "the fetch was paused at " + std::to_string(fetched_bytes()) + " of " +
           std::to_string(fetch_size()) + " bytes, which are kept; fetch again to resume";
  }
  if (uploader_) {
    const UploadProgress& p = evidence_progress();
    return "the sync was paused with " + std::to_string(p.done_bytes) + " of " +
           std::to_string(p.total_bytes) + " evidence bytes on the server; sync again to resume";
  }
  return "the sync was paused; sync again to resume";
}

SyncStep SyncSession::Next() {
  SyncStep step;
  // A driver that asks again before answering lost the answer (its process restarted, say).
  if (in_flight_) (void)Fail(Unavailable("the answer to the last request never came back"));
  if (stage_ != Stage::kDone && control_->cancel.load()) {
    Finish(Status(Code::kAborted,
                  "the sync was cancelled; what the server holds is kept, and the next sync "
                  "resumes from there"));
  } else if (stage_ != Stage::kDone && control_->pause.load()) {
    Finish(Status(Code::kAborted, PausedMessage()));
  }
  if (stage_ == Stage::kDone) return step;
  if (wait_) {
    step.kind = SyncStep::Kind::kWait;
    step.wait = *wait_;
    wait_.reset();
    return step;
  }
  state_ = StateOf(stage_);
  if (stage_ == Stage::kEnrol) {
    step.kind = SyncStep::Kind::kSend;
    step.request = enrol_request_;
  }
  if (stage_ == Stage::kChanges && !TakeRequest(engine_->NextRequest(), step) &&
      stage_ != Stage::kDone) {
    if (Status s = BeginEvidence(); !s.ok()) Finish(s);
  }
  if (stage_ == Stage::kFetch && !TakeRequest(downloader_->NextRequest(), step) &&
      stage_ != Stage::kDone) {
    Finish({});
  }
  if (stage_ == Stage::kEvidence && step.kind != SyncStep::Kind::kSend) {
    if (TakeRequest(uploader_->NextRequest(), step)) {
      step.streamed_body_bytes = uploader_->streamed_body_bytes();
    } else if (stage_ != Stage::kDone) {
      Finish({});
    }
  }
  if (stage_ == Stage::kDone) return step;
  in_flight_ = true;
  body_->Reset();
  if (told_ != state_) Notify();
  return step;
}

Status SyncSession::Answer(const HttpResponse& response) {
  if (!in_flight_) {
    return FailedPrecondition(
        "an answer came with no request in flight; ask for the next step first");
  }
  in_flight_ = false;
  switch (stage_) {
    case Stage::kEnrol: {
      Status s = FinishEnrolment(*replica_, server_, response);
      if (s.ok()) s = BeginChanges();
      TakeAnswer(s, "");
      break;
    }
    case Stage::kChanges:
      TakeAnswer(engine_->HandleResponse(response), "syncing with " + server_url_);
      break;
    case Stage::kFetch: {
      const Status s = downloader_->HandleResponse(response);
      TakeBlobAnswer(s, downloader_->consecutive_failures(), response);
      break;
    }
    case Stage::kEvidence: {
      const Status s = uploader_->HandleResponse(response);
      TakeBlobAnswer(s, uploader_->consecutive_failures(), response);
      break;
    }
    case Stage::kDone:
      break;
  }
  return {};
}

Status SyncSession::Fail(const Status& why) {
  if (!in_flight_) {
    return FailedPrecondition(
        "a failure came with no request in flight; ask for the next step first");
  }
  in_flight_ = false;
  if (stage_ == Stage::kEvidence) {
    if (uploader_->body_failed()) {
      // The device's copy could not be read: that blob fails, the others go on.
      uploader_->HandleBodyFailure();
      Notify();
      return {};
    }
    // Cut by pause or cancel: the next Next() says which.
    if (body_->stopped()) return {};
  }
  if (why.code() != Code::kUnavailable) {
    Finish(why.Annotate("syncing with " + server_url_));
    return {};
  }
  if (stage_ == Stage::kEvidence) uploader_->HandleFailure(why);
  if (stage_ == Stage::kFetch) downloader_->HandleFailure(why);
  RecordFailure(why, /*answered=*/false);
  return {};
}

Transport::BodySource& SyncSession::body() {
  body_->Rebind(this);
  return *body_;
}

Status RunSyncSession(SyncSession& session, Transport& transport,
                      const std::function<void(std::chrono::milliseconds)>& sleep) {
  while (true) {
    SyncStep step = session.Next();
    if (step.kind == SyncStep::Kind::kDone) return session.outcome();
    if (step.kind == SyncStep::Kind::kWait) {
      if (sleep) {
        sleep(step.wait);
      } else {
        std::this_thread::sleep_for(step.wait);
      }
      continue;
    }
    Result<HttpResponse> response =
        step.streamed_body_bytes > 0
            ? transport.RoundTripStreamed(step.request, step.streamed_body_bytes, session.body())
            : transport.RoundTrip(step.request);
    step = {};  // the body can be 4 MiB; do not hold it while the answer is taken in
    CAIRN_RETURN_IF_ERROR(response.ok() ? session.Answer(*response)
                                        : session.Fail(response.status()));
  }
}

}  // namespace cairn
