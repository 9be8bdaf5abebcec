// Service: the server's request handling as a pure function of (request, stored state), with
// no sockets in it (the Beast session layer in http/ feeds it). Every route, its authentication
// and its errors live here, so that tests and the fuzzer drive it without a network.
//
// Routes (docs/protocol.md):
//   POST /v1/enrol   EnrolRequest  -> EnrolResponse   (no token: the enrolment code is the secret)
//   POST /v1/push    PushRequest   -> PushResponse    (Bearer device token)
//   POST /v1/pull    PullRequest   -> PullResponse    (Bearer device token)
//   GET  /healthz    "ok"
//   GET  /metrics    Prometheus text
// Evidence blobs (blob.proto, decision 0009), Bearer device token, the caller's scope only:
//   PUT  /v1/blobs/{sha256}                 BlobOffer -> BlobStatus
//   GET  /v1/blobs/{sha256}/status          -> BlobStatus
//   POST /v1/blobs/{sha256}/chunks/{first}  raw chunk bytes -> BlobStatus (streamed: see
//                                           BeginChunks; Handle() takes a whole body too)
//   GET  /v1/blobs/{sha256}                 the bytes (Range: bytes=a-b -> 206), as a file range
//   GET  /v1/submissions/{id}/status        -> SubmissionStatus
// Badges, public (api/badge_hosting.h): /credentials/, /issuers/, /achievements/,
// /badge-images/, /assets/; and the issuer API (api/issuer_api.h) under /v1/issuer/.
// Ids from the URL are validated (64 hex digits, a UUID) before anything uses them.
// Errors are an HTTP status and an Error body (sync.proto), in protobuf, or in JSON when the
// client asked for it (Accept: application/json), so a curl user can read them.
//
// Thread-safety: Handle() may be called from any number of threads at once.
#ifndef CAIRN_SERVER_API_SERVICE_H_
#define CAIRN_SERVER_API_SERVICE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/metrics.h"
#include "cairn/error_answer.h"
#include "cairn/status.h"
#include "store/server_store.h"

namespace cairn::server {

// A request as the session layer received it, body already decompressed.
struct Request {
  std::string method;
  std::string target;
  std::string authorization;  // the Authorization header, verbatim
  std::string content_type;
  std::string accept;
  std::string body;
  std::string range{};  // the Range header, verbatim
};

struct Response {
  int status = 200;
  std::string content_type = "application/x-protobuf";
  std::string body;
  // Extra headers, e.g. Retry-After.
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this range of a file (a blob), sent from the file in pieces by the
  // session layer; `body` is then empty.
  struct FileRange {
    std::string path;
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  std::optional<FileRange> file{};
};

// Reads response.file into response.body (for in-process transports and tests; the session
// layer streams it instead).
Status LoadFileBody(Response& response);

class Service;
class BadgeIssuance;

// One POST /v1/blobs/{sha}/chunks/{first} in progress: the session layer feeds its body as it
// arrives, in pieces of any size, and sends what Finish() answers. Memory: one chunk.
//
// Thread-safety: one thread at a time.
class ChunkUpload {
 public:
  ChunkUpload(Service& service, std::string accept, std::unique_ptr<BlobWriter> writer);
  ~ChunkUpload();
  ChunkUpload(const ChunkUpload&) = delete;
  ChunkUpload& operator=(const ChunkUpload&) = delete;

  // Takes the next body bytes. A non-OK status means: stop reading, answer Finish(status).
  Status Append(std::string_view bytes);
  // Append, with `bytes` kept unchanged by the caller until its next call returns
  // (BlobWriter::AppendLent).
  Status AppendLent(std::string_view bytes);
  // Ends the request. `ended` is OK when the body was read to its end, else why it was not (a
  // refusal from Append, or the connection's error). Every verified chunk is durable when this
  // returns; the answer is BlobStatus or the error.
  Response Finish(const Status& ended);

 private:
  Service& service_;
  std::string accept_;
  std::unique_ptr<BlobWriter> writer_;
  bool finished_ = false;
};

// What BeginChunks gives: an upload to feed, or (when `upload` is null) an answer to send at
// once without reading the body.
struct ChunkUploadStart {
  std::unique_ptr<ChunkUpload> upload;
  Response response;
};

// Every error answer of the server, from the Service, the issuer API, the public routes and the
// session layer alike: the status and body of cairn/error_answer.h (as JSON when `accept` asks
// for application/json), with the code's Retry-After.
Response ErrorResponse(std::string_view accept, const Status& status,
                       HttpRefinement refinement = HttpRefinement::kNone);

// 405 for `what` (a path or a route's description), which takes `allowed` ("GET, HEAD"), not
// `method`; the answer says Allow.
Response MethodNotAllowed(std::string_view accept, std::string_view what, std::string_view allowed,
                          std::string_view method);

class Service {
 public:
  // All borrowed; they outlive the service. Without `badges`, awards wait in their outbox
  // and the badge routes (badge_hosting.h) are not served.
  Service(ServerStore& store, Metrics& metrics, BadgeIssuance* badges = nullptr)
      : store_(store), metrics_(metrics), badges_(badges) {}

  Response Handle(const Request& request);

  // Whether the session layer should stream this request's body into BeginChunks() instead of
  // reading it whole: POST /v1/blobs/.../chunks/... .
  static bool IsChunkUpload(std::string_view method, std::string_view target);
  // Starts a streamed chunk upload from the request's head (its body empty): authenticates,
  // checks the blob and the first chunk's index, and that `content_length` (if known) fits in
  // what is left of the blob.
  ChunkUploadStart BeginChunks(const Request& head, std::optional<uint64_t> content_length);

  // Largest request body the session layer should accept (before decompression and after).
  static constexpr uint64_t kMaxRequestBodyBytes = uint64_t{16} << 20;

 private:
  Response Enrol(const Request& request);
  Response Push(const Request& request);
  Response Pull(const Request& request);
  Response Error(const Request& request, const Status& status);
  Response Blobs(const Request& request, std::string_view rest);
  Response Submissions(const Request& request, std::string_view rest);
  Result<Principal> Authenticated(const Request& request);

  friend class ChunkUpload;
  ServerStore& store_;
  Metrics& metrics_;
  BadgeIssuance* badges_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_SERVICE_H_
