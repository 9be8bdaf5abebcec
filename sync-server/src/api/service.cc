#include "api/service.h"

#include <algorithm>
#include <fstream>
#include <string>

#include "api/badge_hosting.h"
#include "api/blob_file_response.h"
#include "api/issuer_api.h"
#include "api/paths.h"
#include "api/public_verify.h"
#include "cairn/change_codec.h"
#include "cairn/media_type.h"
#include "cairn/v1/blob.pb.h"
#include "cairn/v1/sync.pb.h"

namespace cairn::server {
namespace {

// Bounds on one pull answer: what a device on a slow link can take in one request.
constexpr uint32_t kDefaultPullChanges = 2000;
constexpr uint32_t kMaxPullChanges = 10000;
constexpr uint64_t kMaxPullBytes = uint64_t{8} << 20;

constexpr std::string_view kProtobuf = "application/x-protobuf";

template <typename Message>
Status ParseBody(const Request& request, Message& message, std::string_view name,
                 std::string_view schema = "sync.proto") {
  // No Content-Type at all is read as protobuf (docs/protocol.md "Bodies").
  if (!request.content_type.empty() && MediaTypeOf(request.content_type) != kProtobuf) {
    return InvalidArgument("the body must be " + std::string(kProtobuf) + ", not '" +
                           request.content_type + "'");
  }
  if (!message.ParseFromString(request.body)) {
    return InvalidArgument("the body is not a valid " + std::string(name) + " (schemas/cairn/v1/" +
                           std::string(schema) + ")");
  }
  return {};
}

Result<std::string_view> BearerToken(const Request& request) {
  constexpr std::string_view kBearer = "Bearer ";
  if (!request.authorization.starts_with(kBearer)) {
    return Unauthenticated(
        "this request needs a device token: send 'Authorization: Bearer <token>' (enrol the "
        "device first)");
  }
  return std::string_view(request.authorization).substr(kBearer.size());
}

Response Protobuf(const google::protobuf::MessageLite& message) {
  Response response;
  response.body = message.SerializeAsString();
  return response;
}

constexpr std::string_view kBlobsPrefix = "/v1/blobs/";
constexpr std::string_view kSubmissionsPrefix = "/v1/submissions/";

void ToProto(const BlobInfo& info, v1::BlobStatus& out) {
  out.set_sha256(info.sha256);
  out.set_state(static_cast<v1::BlobState>(info.state));
  out.set_size(info.size);
  out.set_chunk_size(info.chunk_size);
  out.set_verified_chunks(info.verified_chunks);
  out.set_verified_bytes(info.verified_bytes);
  out.set_media_type(info.media_type);
}

Response BlobStatusResponse(const BlobInfo& info) {
  v1::BlobStatus out;
  ToProto(info, out);
  return Protobuf(out);
}

}  // namespace

Status LoadFileBody(Response& response) {
  if (!response.file) return {};
  std::ifstream in(response.file->path, std::ios::binary);
  if (!in) return NotFound("cannot open '" + response.file->path + "'");
  in.seekg(static_cast<std::streamoff>(response.file->offset));
  response.body.resize(response.file->length);
  in.read(response.body.data(), static_cast<std::streamsize>(response.file->length));
  if (static_cast<uint64_t>(in.gcount()) != response.file->length) {
    return DataLoss("'" + response.file->path + "' is shorter than its blob");
  }
  response.file.reset();
  return {};
}

Response ErrorResponse(std::string_view accept, const Status& status, HttpRefinement refinement) {
  Response response;
  response.status = HttpStatusOf(status.code(), refinement);
  const bool json = accept.find("application/json") != std::string_view::npos;
  if (json) response.content_type = "application/json";
  response.body = ErrorBody(status, json);
  if (const int seconds = InfoOf(status.code()).retry_after_seconds; seconds > 0) {
    response.headers.emplace_back("Retry-After", std::to_string(seconds));
  }
  return response;
}

Response MethodNotAllowed(std::string_view accept, std::string_view what, std::string_view allowed,
                          std::string_view method) {
  Response response =
      ErrorResponse(accept,
                    InvalidArgument(std::string(what) + " takes " + std::string(allowed) +
                                    ", not " + std::string(method)),
                    HttpRefinement::kMethodNotAllowed);
  response.headers.emplace_back("Allow", std::string(allowed));
  return response;
}

Response Service::Error(const Request& request, const Status& status) {
  return ErrorResponse(request.accept, status);
}

Response Service::Handle(const Request& request) {
  const std::string_view path = PathOf(request.target);
  const auto only = [&](std::string_view method) -> std::optional<Response> {
    if (request.method == method) return std::nullopt;
    return MethodNotAllowed(request.accept, path, method, request.method);
  };
  if (path == "/v1/push") {
    if (auto r = only("POST")) return *r;
    return Push(request);
  }
  if (path == "/v1/pull") {
    if (auto r = only("POST")) return *r;
    return Pull(request);
  }
  if (path == "/v1/enrol") {
    if (auto r = only("POST")) return *r;
    return Enrol(request);
  }
  if (path == "/healthz") {
    if (auto r = only("GET")) return *r;
    Status s = store_.Check();
    if (!s.ok()) return Error(request, Unavailable("the store is not usable: " + s.message()));
    return Response{200, "text/plain; charset=utf-8", "ok\n", {}};
  }
  if (path == "/metrics") {
    if (auto r = only("GET")) return *r;
    return Response{
        200, "text/plain; version=0.0.4; charset=utf-8", metrics_.RenderPrometheus(), {}};
  }
  if (path.starts_with(kBlobsPrefix)) return Blobs(request, path.substr(kBlobsPrefix.size()));
  if (path.starts_with(kSubmissionsPrefix)) {
    return Submissions(request, path.substr(kSubmissionsPrefix.size()));
  }
  // The issuer API (issuer_api.h): its own token, JSON in and out.
  if (path.starts_with(kIssuerApiPrefix)) return IssuerApi(store_, badges_).Handle(request);
  if (badges_ != nullptr && path == kPublicVerifyPath) {
    if (auto r = only("POST")) return *r;
    return PublicVerify(request, *badges_);
  }
  if (badges_ != nullptr && BadgeHosting::Serves(path)) {
    return BadgeHosting(store_, *badges_).Handle(request);
  }
  return Error(request, NotFound("no such endpoint; the sync API is POST /v1/enrol, "
                                 "/v1/push and /v1/pull, the blob API /v1/blobs/{sha256} "
                                 "(docs/protocol.md)"));
}

Result<Principal> Service::Authenticated(const Request& request) {
  CAIRN_ASSIGN_OR_RETURN(const std::string_view token, BearerToken(request));
  return store_.Authenticate(token);
}

bool Service::IsChunkUpload(std::string_view method, std::string_view target) {
  const std::string_view path = PathOf(target);
  if (method != "POST" || !path.starts_with(kBlobsPrefix)) return false;
  const std::vector<std::string_view> parts = Segments(path.substr(kBlobsPrefix.size()));
  return parts.size() == 3 && parts[1] == "chunks";
}

Response Service::Blobs(const Request& request, std::string_view rest) {
  const std::vector<std::string_view> parts = Segments(rest);
  // Route first (404/405), then the id (400), then the caller (401/403).
  const auto not_found = [&] {
    return Error(request, NotFound("no such endpoint under /v1/blobs/; the blob API is "
                                   "/v1/blobs/{sha256}, /status and /chunks/{first} "
                                   "(docs/protocol.md)"));
  };
  // `methods`: one method, or "GET, PUT".
  const auto allow = [&](std::string_view methods) -> std::optional<Response> {
    const bool allowed =
        methods == request.method ||
        (methods == "GET, PUT" && (request.method == "GET" || request.method == "PUT"));
    if (allowed) return std::nullopt;
    return MethodNotAllowed(request.accept, "this blob endpoint", methods, request.method);
  };
  enum class Route : uint8_t { kBlob, kStatus, kChunks } route{};
  if (parts.size() == 1) {
    route = Route::kBlob;
    if (auto r = allow("GET, PUT")) return *r;
  } else if (parts.size() == 2 && parts[1] == "status") {
    route = Route::kStatus;
    if (auto r = allow("GET")) return *r;
  } else if (parts.size() == 3 && parts[1] == "chunks") {
    route = Route::kChunks;
    if (auto r = allow("POST")) return *r;
  } else {
    return not_found();
  }
  Result<std::string> sha = ParseSha256(parts[0], "a blob id");
  if (!sha.ok()) return Error(request, sha.status());

  if (route == Route::kChunks) {
    // The whole body at once (in-process callers); the session layer streams it instead.
    ChunkUploadStart start = BeginChunks(request, request.body.size());
    if (!start.upload) return std::move(start.response);
    Status appended = start.upload->Append(request.body);
    return start.upload->Finish(appended);
  }

  Result<Principal> principal = Authenticated(request);
  if (!principal.ok()) return Error(request, principal.status());

  if (route == Route::kStatus) {
    Result<BlobInfo> info = store_.GetBlobStatus(*principal, *sha);
    if (!info.ok()) return Error(request, info.status());
    return BlobStatusResponse(*info);
  }
  if (request.method == "PUT") {
    v1::BlobOffer in;
    if (Status s = ParseBody(request, in, "BlobOffer", "blob.proto"); !s.ok()) {
      return Error(request, s);
    }
    BlobOfferSpec offer;
    offer.size = in.size();
    offer.media_type = in.media_type();
    offer.chunk_size = in.chunk_size();
    offer.chunk_sha256.assign(in.chunk_sha256().begin(), in.chunk_sha256().end());
    Result<BlobInfo> info = store_.OfferBlob(*principal, *sha, offer);
    if (!info.ok()) return Error(request, info.status());
    return BlobStatusResponse(*info);
  }
  Result<BlobLocation> location = store_.LocateBlob(*principal, *sha);
  if (!location.ok()) return Error(request, location.status());
  Result<Response> file = BlobFileResponse(*location, request.range, parts[0], "blob");
  if (!file.ok()) return UnsatisfiableRange(request.accept, file.status(), location->size);
  return *std::move(file);
}

ChunkUploadStart Service::BeginChunks(const Request& head, std::optional<uint64_t> content_length) {
  const auto refuse = [&](const Status& status) {
    return ChunkUploadStart{nullptr, Error(head, status)};
  };
  const std::string_view path = PathOf(head.target);
  const std::vector<std::string_view> parts = path.starts_with(kBlobsPrefix)
                                                  ? Segments(path.substr(kBlobsPrefix.size()))
                                                  : std::vector<std::string_view>();
  if (parts.size() != 3 || parts[1] != "chunks") {
    return refuse(
        NotFound("no such endpoint; chunks go to POST /v1/blobs/{sha256}/chunks/{first}"));
  }
  Result<std::string> sha = ParseSha256(parts[0], "a blob id");
  if (!sha.ok()) return refuse(sha.status());
  const std::optional<uint64_t> first = ParseDecimal(parts[2]);
  if (!first) {
    return refuse(InvalidArgument("the first chunk's index must be a whole number, not '" +
                                  std::string(parts[2]) + "'"));
  }
  if (!head.content_type.empty() && MediaTypeOf(head.content_type) != "application/octet-stream") {
    return refuse(InvalidArgument("chunk bytes are sent as application/octet-stream, not '" +
                                  head.content_type + "'"));
  }
  Result<Principal> principal = Authenticated(head);
  if (!principal.ok()) return refuse(principal.status());
  Result<std::unique_ptr<BlobWriter>> writer = store_.BeginBlobChunks(*principal, *sha, *first);
  if (!writer.ok()) return refuse(writer.status());
  if (content_length && *content_length > (*writer)->bytes_remaining()) {
    return refuse(
        InvalidArgument("the body has " + std::to_string(*content_length) + " bytes, but only " +
                        std::to_string((*writer)->bytes_remaining()) +
                        " bytes of the blob are left from chunk " + std::to_string(*first)));
  }
  return ChunkUploadStart{
      std::make_unique<ChunkUpload>(*this, head.accept, std::move(writer).value()), Response{}};
}

ChunkUpload::ChunkUpload(Service& service, std::string accept, std::unique_ptr<BlobWriter> writer)
    : service_(service), accept_(std::move(accept)), writer_(std::move(writer)) {}

ChunkUpload::~ChunkUpload() {
  if (!finished_) (void)Finish(Unavailable("the request ended"));
}

Status ChunkUpload::Append(std::string_view bytes) { return writer_->Append(bytes); }
Status ChunkUpload::AppendLent(std::string_view bytes) { return writer_->AppendLent(bytes); }

Response ChunkUpload::Finish(const Status& ended) {
  finished_ = true;
  Result<BlobInfo> info = writer_->Finish();
  service_.metrics_.CountBlobUpload(writer_->bytes_received(), writer_->bytes_verified(),
                                    writer_->chunks_refused(), writer_->completed());
  Request request;
  request.accept = accept_;
  // Why the request ended comes first: a refusal, or the cut (which nobody may read).
  if (!ended.ok()) return service_.Error(request, ended);
  if (!info.ok()) return service_.Error(request, info.status());
  return BlobStatusResponse(*info);
}

Response Service::Submissions(const Request& request, std::string_view rest) {
  const std::vector<std::string_view> parts = Segments(rest);
  if (parts.size() != 2 || parts[1] != "status") {
    return Error(request, NotFound("no such endpoint; a submission's state is at "
                                   "GET /v1/submissions/{id}/status"));
  }
  if (request.method != "GET") {
    return MethodNotAllowed(request.accept, "/v1/submissions/{id}/status", "GET", request.method);
  }
  Result<EntityId> id = EntityId::Parse(parts[0]);
  if (!id.ok()) {
    return Error(request, InvalidArgument("a submission id is its entity id, a UUID such as "
                                          "0190f5c2-7b1e-7c3a-9d4e-2f6a8b0c1d2e"));
  }
  Result<Principal> principal = Authenticated(request);
  if (!principal.ok()) return Error(request, principal.status());
  Result<SubmissionInfo> info = store_.GetSubmissionStatus(*principal, *id);
  if (!info.ok()) return Error(request, info.status());
  v1::SubmissionStatus out;
  out.set_submission(std::string(id->AsBytes()));
  out.set_complete(info->complete);
  out.set_snapshot_received(info->snapshot_received);
  for (const BlobInfo& blob : info->blobs) ToProto(blob, *out.add_blobs());
  return Protobuf(out);
}

Response Service::Enrol(const Request& request) {
  v1::EnrolRequest in;
  if (Status s = ParseBody(request, in, "EnrolRequest"); !s.ok()) return Error(request, s);
  if (in.actor().size() != 16) {
    return Error(request, InvalidArgument("actor must be 16 bytes, not " +
                                          std::to_string(in.actor().size())));
  }
  Result<Enrolment> enrolment =
      store_.Enrol(in.code(), ActorId::FromBytes(in.actor()), in.device_name());
  if (!enrolment.ok()) return Error(request, enrolment.status());
  v1::EnrolResponse out;
  out.set_token(enrolment->token);
  out.set_user_id(enrolment->principal.user_id);
  out.set_role(std::string(RoleName(enrolment->principal.role)));
  for (const std::string& scope : enrolment->principal.read_scope_names) out.add_scopes(scope);
  return Protobuf(out);
}

Response Service::Push(const Request& request) {
  Result<std::string_view> token = BearerToken(request);
  if (!token.ok()) return Error(request, token.status());
  Result<Principal> principal = store_.Authenticate(*token);
  if (!principal.ok()) return Error(request, principal.status());
  v1::PushRequest in;
  if (Status s = ParseBody(request, in, "PushRequest"); !s.ok()) return Error(request, s);
  Result<std::vector<Change>> changes = DecodeChanges(in.batch());
  if (!changes.ok()) return Error(request, changes.status().Annotate("the pushed batch"));
  Result<PushResult> result = store_.Push(*principal, *changes);
  if (!result.ok()) return Error(request, result.status());
  metrics_.CountChanges(result->accepted, result->duplicates, result->refused.size());

  v1::PushResponse out;
  out.set_accepted(result->accepted);
  out.set_duplicates(result->duplicates);
  out.set_acknowledged_seq(result->acknowledged_seq);
  for (const RefusedChange& refused : result->refused) {
    v1::RefusedChange* r = out.add_refused();
    r->set_actor(std::string(principal->actor.AsBytes()));
    r->set_seq(refused.seq);
    r->set_blocked(refused.blocked);
    ToErrorProto(refused.error, *r->mutable_error());
  }
  return Protobuf(out);
}

Response Service::Pull(const Request& request) {
  Result<std::string_view> token = BearerToken(request);
  if (!token.ok()) return Error(request, token.status());
  Result<Principal> principal = store_.Authenticate(*token);
  if (!principal.ok()) return Error(request, principal.status());
  v1::PullRequest in;
  if (Status s = ParseBody(request, in, "PullRequest"); !s.ok()) return Error(request, s);
  const uint32_t max_changes =
      in.max_changes() == 0 ? kDefaultPullChanges : std::min(in.max_changes(), kMaxPullChanges);
  Result<PullResult> result = store_.Pull(*principal, in.cursor(), max_changes, kMaxPullBytes);
  if (!result.ok()) return Error(request, result.status());
  metrics_.CountPulled(result->changes.size());
  v1::PullResponse out;
  out.set_batch(EncodeChanges(result->changes));
  out.set_cursor(result->cursor);
  out.set_more(result->more);
  return Protobuf(out);
}

}  // namespace cairn::server
