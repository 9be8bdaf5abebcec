// Sync: the device side of the protocol in schemas/cairn/v1/sync.proto (DESIGN.md §4).
//
// The engine is sans-I/O. It turns the replica's unsent changes into HTTP requests and the
// server's answers into applied changes; a Transport carries the bytes. The CLI and tests use the
// Beast + OpenSSL transport (transport/); phones plug in their platform's HTTP stack through
// the bridge.
//
// Everything the engine must remember between syncs — the server URL, the device token, the pull
// cursor, the highest seq the server acknowledged — lives in the replica's own store, so a sync
// cut at any point (network, killed process, reboot) resumes without loss or duplicate: a push
// whose answer never arrived is pushed again (the server skips what it holds, by (actor, seq)),
// and a pulled batch whose cursor was not saved is pulled again (the replica skips duplicates).
//
// Thread-safety: a SyncEngine borrows its Replica and shares its thread rule (one thread).
#ifndef CAIRN_SYNC_H_
#define CAIRN_SYNC_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/change.h"
#include "cairn/replica.h"
#include "cairn/status.h"

namespace cairn {

// One HTTP request as the engine wants it sent. The transport adds Host, Content-Length, and
// compresses the body (Content-Encoding: zstd) when that pays.
struct HttpRequest {
  std::string method;  // "POST", "GET"
  std::string target;  // "/v1/push"
  // "Bearer <token>", or empty before enrolment.
  std::string authorization;
  std::string content_type = "application/x-protobuf";
  std::string body;
  // A Range header ("bytes=0-1048575") for a ranged GET of a blob, or empty for none.
  std::string range = {};
  // An Accept header ("text/html" for a hosted credential's page), or empty for none.
  std::string accept = {};
};

// The answer, body already decompressed by the transport.
struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  // The Content-Range header of a 206 ("bytes 0-1048575/52428800"), or empty.
  std::string content_range = {};
};

// Carries one request to the server and brings back its answer. A transport reports failures to
// reach the server (DNS, TCP, TLS, timeouts, a cut connection) as an Unavailable status; any
// HTTP answer, even 4xx/5xx, is a response.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> RoundTrip(const HttpRequest& request) = 0;

  // A request body made piece by piece while it is sent, so that a body of many MiB (evidence
  // chunks) never sits in memory whole and the next piece is made while the last one travels.
  class BodySource {
   public:
    virtual ~BodySource() = default;
    // Replaces `*piece` with the next bytes of the body; leaves it empty once the body is done.
    virtual Status Next(std::string* piece) = 0;
  };

  // True when RoundTripStreamed sends pieces as they are made; false when it gathers the whole
  // body first (then callers should keep bodies small).
  virtual bool StreamsBodies() const { return false; }

  // Sends `head` (its body ignored) with a body of exactly `body_size` bytes from `body`, sent
  // as is (never compressed). An error of `body` is returned as it is and the request is not
  // completed. This default gathers the body and calls RoundTrip.
  virtual Result<HttpResponse> RoundTripStreamed(const HttpRequest& head, uint64_t body_size,
                                                 BodySource& body) {
    HttpRequest whole = head;
    whole.body.clear();
    whole.body.reserve(body_size);
    std::string piece;
    while (true) {
      if (Status s = body.Next(&piece); !s.ok()) return s;
      if (piece.empty()) break;
      whole.body += piece;
    }
    return RoundTrip(whole);
  }
};

// What the device knows of its server, kept in the store.
struct SyncSettings {
  std::string server_url;  // "https://127.0.0.1:8443"
  std::string pin_sha256;  // hex SHA-256 of the server certificate (DER), or empty
  std::string ca_file;     // a CA bundle to verify against instead, or empty
  std::string token;       // the device token
  std::string user_id;
  std::string role;
  std::vector<std::string> scopes;
  uint64_t cursor = 0;            // server sequence pulled up to
  uint64_t acknowledged_seq = 0;  // highest own seq the server holds
};

Result<std::optional<SyncSettings>> LoadSyncSettings(Replica& replica);
Status SaveSyncSettings(Replica& replica, const SyncSettings& settings);

// A change the server refused, as the device shows it.
struct RefusedChangeReport {
  uint64_t seq = 0;
  Code code = Code::kOk;
  std::string message;
  bool blocked = false;  // refused only because an earlier change was
};

struct SyncReport {
  uint64_t pushed = 0;      // changes the server applied
  uint64_t duplicates = 0;  // changes it already held (a retried push)
  uint64_t pulled = 0;      // changes applied here
  uint64_t pull_requests = 0;
  uint64_t push_requests = 0;
  uint64_t bytes_sent = 0;      // request bodies, before transport compression
  uint64_t bytes_received = 0;  // response bodies, after decompression
  std::vector<RefusedChangeReport> refused;
};

// Exchanges `code` for a device token and saves the server's details in the store. The replica
// must not be enrolled already (a device store belongs to one account).
Status Enrol(Replica& replica, Transport& transport, const SyncSettings& server,
             std::string_view code, std::string_view device_name);

// Enrol in two sans-I/O steps, for a caller that carries the request itself: the request
// (FailedPrecondition when the replica is enrolled already), then its answer, which saves
// `server` with the token in the store. The request is safe to send again when its answer is
// lost: the server answers a retry with the same device (docs/protocol.md, "Enrolment").
Result<HttpRequest> EnrolRequest(Replica& replica, std::string_view code,
                                 std::string_view device_name);
Status FinishEnrolment(Replica& replica, const SyncSettings& server, const HttpResponse& response);

// The sans-I/O engine: NextRequest() says what to send, HandleResponse() takes the answer. A
// sync pushes every unsent change (in bounded batches), then pulls until the server says no
// more is waiting. Refused changes are reported, not retried in a loop: the next push starts
// after what the server acknowledged and the refusal comes back until the teacher fixes it.
class SyncEngine {
 public:
  // REQUIRES: the replica is enrolled (LoadSyncSettings returns settings).
  static Result<SyncEngine> Start(Replica& replica);

  // The next request, or nullopt when the sync is done.
  Result<std::optional<HttpRequest>> NextRequest();
  // Consumes the answer to the last NextRequest(). Errors from the server come back as a Status
  // with its code and message; the sync can be started again later.
  Status HandleResponse(const HttpResponse& response);

  const SyncReport& report() const { return report_; }

  // Bounds on one request, so that a sync after a long offline spell moves in steps.
  static constexpr size_t kMaxChangesPerPush = 2000;
  static constexpr uint32_t kMaxChangesPerPull = 2000;

 private:
  enum class Phase : uint8_t { kPush, kPull, kDone };
  SyncEngine(Replica& replica, SyncSettings settings);

  Replica* replica_;
  SyncSettings settings_;
  Phase phase_ = Phase::kPush;
  // The seqs carried by the push in flight, (0, 0) when none.
  uint64_t in_flight_first_ = 0;
  uint64_t in_flight_last_ = 0;
  SyncReport report_;
};

// Runs a whole sync over `transport`: push then pull until quiet.
Result<SyncReport> RunSync(Replica& replica, Transport& transport);

// Reads an HTTP error answer (an Error body, or none) into a Status: StatusFromErrorAnswer
// (error_answer.h).
Status StatusFromHttp(const HttpResponse& response);

}  // namespace cairn

#endif  // CAIRN_SYNC_H_
