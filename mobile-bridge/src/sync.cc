// cairn_sync_*, cairn_enrol_begin and cairn_evidence_fetch_begin: a SyncSession
// (cairn/sync_session.h) driven step by step by the app's HTTP stack, or run whole over the
// built-in Beast transport.
//
// Locks: the sync's own `mu`, then the store's. A step holds the store's lock only while the
// session reads or writes the store (making the next request, taking an answer); the request
// travels with neither held by a stepping app, and with only the sync's held by cairn_sync_run.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "abi.h"
#include "beast_transport.h"
#include "cairn/compression.h"
#include "cairn/error_answer.h"
#include "cairn/hex.h"
#include "cairn/media_type.h"
#include "cairn/sync_session.h"
#include "cairn/v1/bridge.pb.h"
#include "store_handle.h"

namespace cairn::bridge {
namespace {

// With body files: up to 64 MiB per evidence request.
constexpr uint64_t kBodyFileBatchChunks = 1024;
// Answers an app hands back are bounded like the built-in transport's.
constexpr size_t kMaxAnswerBytes = BeastTransport::kMaxResponseBytes;

enum class Driver : uint8_t { kNone, kSteps, kRun };

}  // namespace
}  // namespace cairn::bridge

struct cairn_sync {
  std::shared_ptr<cairn::bridge::StoreState> store;
  cairn::UploadControl* control = nullptr;  // the session's; its flags need no lock
  std::mutex mu;                            // guards everything below
  std::optional<cairn::SyncSession> session;
  cairn::TransportOptions server;  // the URL and the trust of the server
  bool body_files = false;
  std::string body_path;  // the body file, in the store's directory
  cairn::bridge::Driver driver = cairn::bridge::Driver::kNone;
  std::unique_ptr<cairn::BeastTransport> transport;  // cairn_sync_run's, made by its first call
  cairn_sync_observer observer = nullptr;
  void* observer_data = nullptr;
};

namespace cairn::bridge {
namespace {

v1::SyncReport::State StateProto(SyncState state) {
  switch (state) {
    case SyncState::kEnrolling:
      return v1::SyncReport::ENROLLING;
    case SyncState::kChanges:
      return v1::SyncReport::CHANGES;
    case SyncState::kEvidence:
      return v1::SyncReport::EVIDENCE;
    case SyncState::kFetching:
      return v1::SyncReport::FETCHING;
    case SyncState::kWaiting:
      return v1::SyncReport::WAITING;
    case SyncState::kDone:
      return v1::SyncReport::DONE;
  }
  return v1::SyncReport::STATE_UNSPECIFIED;
}

void FillReport(const SyncSession& session, v1::SyncReport& out) {
  out.set_state(StateProto(session.state()));
  const SyncReport& changes = session.changes();
  out.set_pushed(changes.pushed);
  out.set_duplicates(changes.duplicates);
  out.set_pulled(changes.pulled);
  for (const RefusedChangeReport& refused : changes.refused) {
    v1::SyncReport::Refused& r = *out.add_refused();
    r.set_seq(refused.seq);
    ToErrorProto(Status(refused.code, refused.message), *r.mutable_error());
    r.set_blocked(refused.blocked);
  }
  const UploadProgress& progress = session.evidence_progress();
  const UploadReport& evidence = session.evidence();
  out.set_evidence_done_bytes(progress.done_bytes);
  out.set_evidence_total_bytes(progress.total_bytes);
  out.set_evidence_uploaded(evidence.uploaded);
  out.set_evidence_already_on_server(evidence.already_present + evidence.known_uploaded);
  out.set_evidence_waiting(evidence.waiting.size());
  for (const auto& [sha, why] : evidence.failed) {
    v1::SyncReport::FailedBlob& failed = *out.add_evidence_failed();
    failed.set_sha256(Sha256Hex(sha));
    ToErrorProto(why, *failed.mutable_error());
  }
  if (progress.current < progress.blobs.size()) {
    const BlobUploadProgress& blob = progress.blobs[progress.current];
    out.set_current_caption(blob.caption);
    out.set_current_done_bytes(blob.done_bytes + blob.sending_bytes);
    out.set_current_size(blob.size);
  }
  out.set_fetched_bytes(session.fetched_bytes());
  out.set_fetch_size(session.fetch_size());
  if (session.state() == SyncState::kDone) ToErrorProto(session.outcome(), *out.mutable_outcome());
}

SyncSessionOptions SessionOptions(const cairn_sync_options* options) {
  SyncSessionOptions out;
  if (options == nullptr) return out;
  out.policy.metered_network = options->metered != 0;
  out.policy.allow_large_on_metered = options->allow_large_on_metered != 0;
  if (options->body_files != 0) out.max_streamed_batch_chunks = kBodyFileBatchChunks;
  return out;
}

// Makes the handle around a started session; `made` starts it under the store's lock.
template <typename Make>
Status NewSync(cairn_store* store, const cairn_sync_options* options, TransportOptions server,
               cairn_sync** out, Make&& made) {
  if (out == nullptr) return InvalidArgument("the sync output is NULL; pass a cairn_sync**");
  *out = nullptr;
  auto sync = std::make_unique<cairn_sync>();
  CAIRN_RETURN_IF_ERROR(WithStore(store, [&](Device& device, BlobStore& blobs) -> Status {
    CAIRN_ASSIGN_OR_RETURN(SyncSession session,
                           made(device.replica(), blobs, SessionOptions(options)));
    sync->session.emplace(std::move(session));
    sync->body_path = store->state->dir + "/outgoing.body";
    return {};
  }));
  sync->store = store->state;
  sync->control = &sync->session->control();
  sync->server = std::move(server);
  sync->body_files = options != nullptr && options->body_files != 0;
  if (options != nullptr && options->observer != nullptr) {
    sync->observer = options->observer;
    sync->observer_data = options->observer_data;
    cairn_sync* handle = sync.get();
    sync->session->set_observer([handle](const SyncSession& session) {
      v1::SyncReport report;
      FillReport(session, report);
      const std::string bytes = report.SerializeAsString();
      handle->observer(handle->observer_data, reinterpret_cast<const uint8_t*>(bytes.data()),
                       bytes.size());
    });
  }
  *out = sync.release();
  return {};
}

Status Begin(cairn_store* store, const cairn_sync_options* options, cairn_sync** out) {
  TransportOptions server;
  CAIRN_RETURN_IF_ERROR(WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::optional<SyncSettings> settings,
                           LoadSyncSettings(device.replica()));
    if (!settings) {
      return FailedPrecondition(
          "this store is not enrolled with a server; enrol it first (cairn_enrol_begin)");
    }
    server.server_url = settings->server_url;
    server.pin_sha256 = settings->pin_sha256;
    server.ca_file = settings->ca_file;
    return {};
  }));
  return NewSync(store, options, server, out,
                 [](Replica& replica, BlobStore& blobs, SyncSessionOptions session_options) {
                   return SyncSession::Start(replica, &blobs, session_options);
                 });
}

Status EnrolBegin(cairn_store* store, const char* url_data, size_t url_len, const char* pin_data,
                  size_t pin_len, const char* code_data, size_t code_len, const char* name_data,
                  size_t name_len, const cairn_sync_options* options, cairn_sync** out) {
  CAIRN_ASSIGN_OR_RETURN(const std::string_view url, RequiredText(url_data, url_len, "server_url"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view pin, Text(pin_data, pin_len, "pin_sha256"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view code, RequiredText(code_data, code_len, "code"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view name,
                         RequiredText(name_data, name_len, "device_name"));
  TransportOptions server;
  server.server_url = std::string(url);
  server.pin_sha256 = std::string(pin);
  // The URL and the pin are checked as the built-in transport reads them (it does not connect).
  CAIRN_RETURN_IF_ERROR(BeastTransport::Create(server).status());
  SyncSettings settings;
  settings.server_url = server.server_url;
  settings.pin_sha256 = server.pin_sha256;
  return NewSync(store, options, server, out,
                 [&](Replica& replica, BlobStore& blobs, SyncSessionOptions session_options) {
                   return SyncSession::Enrol(replica, &blobs, settings, code, name,
                                             session_options);
                 });
}

Status FetchBegin(cairn_store* store, const char* evidence_data, size_t evidence_len,
                  const cairn_sync_options* options, cairn_sync** out) {
  CAIRN_ASSIGN_OR_RETURN(const EntityId evidence,
                         IdArgument(evidence_data, evidence_len, "evidence"));
  TransportOptions server;
  EvidenceRef ref;
  CAIRN_RETURN_IF_ERROR(WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::optional<SyncSettings> settings,
                           LoadSyncSettings(device.replica()));
    if (!settings) {
      return FailedPrecondition(
          "this store is not enrolled with a server, so it cannot fetch evidence; enrol it "
          "first (cairn_enrol_begin)");
    }
    server.server_url = settings->server_url;
    server.pin_sha256 = settings->pin_sha256;
    server.ca_file = settings->ca_file;
    CAIRN_ASSIGN_OR_RETURN(ref, device.EvidenceBlob(evidence));
    return {};
  }));
  return NewSync(store, options, server, out,
                 [&](Replica& replica, BlobStore& blobs, SyncSessionOptions session_options) {
                   return SyncSession::Fetch(replica, blobs, ref, session_options);
                 });
}

// Runs `body(SyncSession&)` under the sync's lock and then the store's, for `driver`.
template <typename Body>
Status WithSync(cairn_sync* sync, Driver driver, Body&& body) {
  if (sync == nullptr) return InvalidArgument("the sync handle is NULL; begin one first");
  const std::lock_guard<std::mutex> lock(sync->mu);
  if (driver != Driver::kNone) {
    if (sync->driver != Driver::kNone && sync->driver != driver) {
      return FailedPrecondition(
          "this sync is driven by " +
          std::string(sync->driver == Driver::kRun ? "cairn_sync_run" : "cairn_sync_next") +
          "; a sync is driven one way only");
    }
    sync->driver = driver;
  }
  return WithState(*sync->store, [&](Device&, BlobStore&) { return body(*sync->session); });
}

void AddHeader(v1::HttpExchange& exchange, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  v1::HttpHeader& header = *exchange.add_headers();
  header.set_name(std::string(name));
  header.set_value(std::string(value));
}

// The step's request as the app sends it: the absolute URL, every header, the body compressed
// as the built-in transport would.
void FillExchange(const cairn_sync& sync, HttpRequest request, v1::HttpExchange& out) {
  std::string_view base = sync.server.server_url;
  while (base.ends_with('/')) base.remove_suffix(1);
  out.set_method(request.method);
  out.set_url(std::string(base) + request.target);
  out.set_pin_sha256(sync.server.pin_sha256);
  AddHeader(out, "Authorization", request.authorization);
  AddHeader(out, "Accept", request.accept);
  AddHeader(out, "Accept-Encoding", "zstd");
  AddHeader(out, "Range", request.range);
  if (request.method == "GET") return;
  AddHeader(out, "Content-Type", request.content_type);
  if (std::optional<std::string> compressed =
          CompressRequestBody(request.body, request.content_type)) {
    AddHeader(out, "Content-Encoding", "zstd");
    out.set_body(std::move(*compressed));
  } else {
    out.set_body(std::move(request.body));
  }
}

// Writes the streamed body of the request in flight to the body file.
Status WriteBodyFile(cairn_sync& sync, uint64_t size) {
  std::ofstream file(sync.body_path, std::ios::binary | std::ios::trunc);
  if (!file) return FailedPrecondition("cannot write the request body file " + sync.body_path);
  std::string piece;
  uint64_t written = 0;
  while (true) {
    CAIRN_RETURN_IF_ERROR(sync.session->body().Next(&piece));
    if (piece.empty()) break;
    file.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    written += piece.size();
  }
  file.close();
  if (!file || written != size) {
    return ResourceExhausted("writing the request body file " + sync.body_path +
                             " failed (is the disk full?)");
  }
  return {};
}

Status Next(cairn_sync* sync, cairn_buffer* out, Status* outcome) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  return WithSync(sync, Driver::kSteps, [&](SyncSession& session) -> Status {
    v1::SyncStep proto;
    while (true) {
      SyncStep step = session.Next();
      if (step.kind == SyncStep::Kind::kDone) {
        proto.set_kind(v1::SyncStep::DONE);
        *outcome = session.outcome();
        break;
      }
      if (step.kind == SyncStep::Kind::kWait) {
        proto.set_kind(v1::SyncStep::WAIT);
        proto.set_wait_ms(static_cast<uint64_t>(step.wait.count()));
        break;
      }
      if (step.streamed_body_bytes > 0) {
        if (Status written = WriteBodyFile(*sync, step.streamed_body_bytes); !written.ok()) {
          // The blob could not be read (it fails, the sync goes on), or the file not written.
          CAIRN_RETURN_IF_ERROR(session.Fail(written));
          continue;
        }
        v1::FileRange& range = *proto.mutable_request()->mutable_body_file();
        range.set_path(sync->body_path);
        range.set_length(step.streamed_body_bytes);
      }
      proto.set_kind(v1::SyncStep::SEND);
      FillExchange(*sync, std::move(step.request), *proto.mutable_request());
      break;
    }
    FillReport(session, *proto.mutable_report());
    return Output(proto.SerializeAsString(), out);
  });
}

// The answer as the session reads it: the headers it needs, the body decoded.
Result<HttpResponse> ResponseOf(const v1::HttpAnswer& answer) {
  HttpResponse response;
  response.status = answer.status();
  std::string encoding;
  for (const v1::HttpHeader& header : answer.headers()) {
    if (EqualsIgnoringCase(header.name(), "Content-Type")) response.content_type = header.value();
    if (EqualsIgnoringCase(header.name(), "Content-Range")) {
      response.content_range = header.value();
    }
    if (EqualsIgnoringCase(header.name(), "Content-Encoding")) encoding = header.value();
  }
  CAIRN_ASSIGN_OR_RETURN(response.body,
                         DecodeResponseBody(answer.body(), encoding, kMaxAnswerBytes));
  return response;
}

Status Answer(cairn_sync* sync, const uint8_t* bytes, size_t len) {
  if (bytes == nullptr && len > 0) {
    return InvalidArgument("the answer is NULL with a length of " + std::to_string(len));
  }
  v1::HttpAnswer answer;
  if (!answer.ParseFromArray(bytes, static_cast<int>(len)) || answer.status() < 100 ||
      answer.status() > 599) {
    return InvalidArgument(
        "the answer is not an HttpAnswer (bridge.proto) with an HTTP status of 100 to 599");
  }
  return WithSync(sync, Driver::kSteps, [&](SyncSession& session) -> Status {
    Result<HttpResponse> response = ResponseOf(answer);
    // An answer whose body cannot be decoded is as good as none: the request is tried again.
    if (!response.ok()) return session.Fail(Unavailable(response.status().message()));
    return session.Answer(*response);
  });
}

Status Fail(cairn_sync* sync, const char* message_data, size_t message_len) {
  CAIRN_ASSIGN_OR_RETURN(const std::string_view message,
                         Text(message_data, message_len, "message"));
  return WithSync(sync, Driver::kSteps, [&](SyncSession& session) {
    return session.Fail(
        Unavailable(message.empty() ? "the request got no answer" : std::string(message)));
  });
}

// Sleeps `wait` in short slices, ending early when the sync is paused or cancelled.
void SleepUnlessStopped(const UploadControl& control, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (!control.pause.load() && !control.cancel.load() &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status Run(cairn_sync* sync, Status* outcome) {
  while (true) {
    SyncStep step;
    CAIRN_RETURN_IF_ERROR(WithSync(sync, Driver::kRun, [&](SyncSession& session) -> Status {
      if (!sync->transport) {
        CAIRN_ASSIGN_OR_RETURN(sync->transport, BeastTransport::Create(sync->server));
        session.StreamBodies(BlobUploader::kMaxStreamedBatchChunks);
      }
      step = session.Next();
      return {};
    }));
    if (step.kind == SyncStep::Kind::kDone) {
      const std::lock_guard<std::mutex> lock(sync->mu);
      *outcome = sync->session->outcome();
      return {};
    }
    if (step.kind == SyncStep::Kind::kWait) {
      SleepUnlessStopped(*sync->control, step.wait);
      continue;
    }
    // The request travels under the sync's lock only: the store stays free for the app. The
    // streamed body reads the blob through the session's own reader, not the store.
    const std::lock_guard<std::mutex> lock(sync->mu);
    SyncSession& session = *sync->session;
    Result<HttpResponse> response =
        step.streamed_body_bytes > 0 ? sync->transport->RoundTripStreamed(
                                           step.request, step.streamed_body_bytes, session.body())
                                     : sync->transport->RoundTrip(step.request);
    step = {};
    CAIRN_RETURN_IF_ERROR(WithState(*sync->store, [&](Device&, BlobStore&) {
      return response.ok() ? session.Answer(*response) : session.Fail(response.status());
    }));
  }
}

Status CurrentReport(cairn_sync* sync, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  if (sync == nullptr) return InvalidArgument("the sync handle is NULL; begin one first");
  const std::lock_guard<std::mutex> lock(sync->mu);
  v1::SyncReport report;
  FillReport(*sync->session, report);
  return Output(report.SerializeAsString(), out);
}

// The call's result, and the sync's outcome when it ended in this call.
cairn_code Outcome(cairn_code call, const Status& outcome, cairn_error** error) {
  if (call != CAIRN_OK) return call;
  return bridge::Report(outcome, error);
}

}  // namespace
}  // namespace cairn::bridge

extern "C" {

cairn_code cairn_sync_begin(cairn_store* store, const cairn_sync_options* options,
                            cairn_sync** sync, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::Begin(store, options, sync); });
}

cairn_code cairn_enrol_begin(cairn_store* store, const char* server_url, size_t server_url_len,
                             const char* pin_sha256, size_t pin_sha256_len, const char* code,
                             size_t code_len, const char* device_name, size_t device_name_len,
                             const cairn_sync_options* options, cairn_sync** sync,
                             cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] {
    return cairn::bridge::EnrolBegin(store, server_url, server_url_len, pin_sha256, pin_sha256_len,
                                     code, code_len, device_name, device_name_len, options, sync);
  });
}

cairn_code cairn_evidence_fetch_begin(cairn_store* store, const char* evidence, size_t evidence_len,
                                      const cairn_sync_options* options, cairn_sync** sync,
                                      cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] {
    return cairn::bridge::FetchBegin(store, evidence, evidence_len, options, sync);
  });
}

cairn_code cairn_sync_next(cairn_sync* sync, cairn_buffer* out, cairn_error** error) noexcept {
  cairn::Status outcome;
  const cairn_code call =
      cairn::bridge::Call(error, [&] { return cairn::bridge::Next(sync, out, &outcome); });
  return cairn::bridge::Outcome(call, outcome, error);
}

cairn_code cairn_sync_answer(cairn_sync* sync, const uint8_t* answer, size_t answer_len,
                             cairn_error** error) noexcept {
  return cairn::bridge::Call(error,
                             [&] { return cairn::bridge::Answer(sync, answer, answer_len); });
}

cairn_code cairn_sync_fail(cairn_sync* sync, const char* message, size_t message_len,
                           cairn_error** error) noexcept {
  return cairn::bridge::Call(error,
                             [&] { return cairn::bridge::Fail(sync, message, message_len); });
}

cairn_code cairn_sync_run(cairn_sync* sync, cairn_error** error) noexcept {
  cairn::Status outcome;
  const cairn_code call =
      cairn::bridge::Call(error, [&] { return cairn::bridge::Run(sync, &outcome); });
  return cairn::bridge::Outcome(call, outcome, error);
}

cairn_code cairn_sync_report(cairn_sync* sync, cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::CurrentReport(sync, out); });
}

void cairn_sync_pause(cairn_sync* sync) noexcept {
  if (sync != nullptr) sync->control->pause.store(true);
}

void cairn_sync_cancel(cairn_sync* sync) noexcept {
  if (sync != nullptr) sync->control->cancel.store(true);
}

void cairn_sync_free(cairn_sync* sync) noexcept {
  if (sync == nullptr) return;
  std::error_code ignored;
  if (sync->body_files) std::filesystem::remove(sync->body_path, ignored);
  delete sync;
}

}  // extern "C"
