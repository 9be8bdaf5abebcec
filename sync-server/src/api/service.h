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
// Errors are an HTTP status and an Error body (sync.proto), in protobuf, or in JSON when the
// client asked for it (Accept: application/json), so a curl user can read them.
//
// Thread-safety: Handle() may be called from any number of threads at once.
#ifndef CAIRN_SERVER_API_SERVICE_H_
#define CAIRN_SERVER_API_SERVICE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/metrics.h"
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
};

struct Response {
  int status = 200;
  std::string content_type = "application/x-protobuf";
  std::string body;
  // Extra headers, e.g. Retry-After.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The HTTP status for a Cairn code (STYLE.md: 400, 401, 403, 404, 409, 413, 429, 503, 500).
int HttpStatusFor(Code code);

// An error answer: `http_status` with an Error body (sync.proto), as JSON when `accept` asks for
// application/json. The session layer uses it for errors it finds before the Service runs.
Response ErrorResponse(std::string_view accept, int http_status, const Status& status);

class Service {
 public:
  // Both borrowed; they outlive the service.
  Service(ServerStore& store, Metrics& metrics) : store_(store), metrics_(metrics) {}

  Response Handle(const Request& request);

  // Largest request body the session layer should accept (before decompression and after).
  static constexpr uint64_t kMaxRequestBodyBytes = uint64_t{16} << 20;

 private:
  Response Enrol(const Request& request);
  Response Push(const Request& request);
  Response Pull(const Request& request);
  Response Error(const Request& request, const Status& status);

  ServerStore& store_;
  Metrics& metrics_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_SERVICE_H_
