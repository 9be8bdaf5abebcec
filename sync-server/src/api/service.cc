#include "api/service.h"

#include <string>

#include "cairn/change_codec.h"
#include "cairn/v1/sync.pb.h"

namespace cairn::server {
namespace {

// Bounds on one pull answer: what a device on a slow link can take in one request.
constexpr uint32_t kDefaultPullChanges = 2000;
constexpr uint32_t kMaxPullChanges = 10000;
constexpr uint64_t kMaxPullBytes = uint64_t{8} << 20;

constexpr std::string_view kProtobuf = "application/x-protobuf";

std::string JsonEscape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xF]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

// The path of a request target, without its query; empty if the target is not origin-form.
std::string_view PathOf(std::string_view target) {
  if (target.empty() || target.front() != '/') return {};
  return target.substr(0, target.find('?'));
}

void ToProto(const Status& status, v1::Error& error) {
  error.set_code(std::string(CodeName(status.code())));
  error.set_message(std::string(status.message()));
  error.set_retryable(status.retryable());
}

template <typename Message>
Status ParseBody(const Request& request, Message& message, std::string_view name) {
  if (!request.content_type.empty() && request.content_type != kProtobuf) {
    return InvalidArgument("the body must be " + std::string(kProtobuf) + ", not '" +
                           request.content_type + "'");
  }
  if (!message.ParseFromString(request.body)) {
    return InvalidArgument("the body is not a valid " + std::string(name) +
                           " (schemas/cairn/v1/sync.proto)");
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

}  // namespace

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
    case Code::kOutOfRange:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kFailedPrecondition:
    case Code::kAborted:
      return 409;
    case Code::kResourceExhausted:
      return 413;
    case Code::kUnavailable:
      return 503;
    case Code::kDataLoss:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Response ErrorResponse(std::string_view accept, int http_status, const Status& status) {
  Response response;
  response.status = http_status;
  if (accept.find("application/json") != std::string_view::npos) {
    response.content_type = "application/json";
    response.body = R"({"code":")" + std::string(CodeName(status.code())) + R"(","message":")" +
                    JsonEscape(status.message()) + R"(","retryable":)" +
                    (status.retryable() ? "true" : "false") + "}\n";
    return response;
  }
  v1::Error error;
  ToProto(status, error);
  response.body = error.SerializeAsString();
  return response;
}

Response Service::Error(const Request& request, const Status& status) {
  Response response = ErrorResponse(request.accept, HttpStatusFor(status.code()), status);
  if (status.code() == Code::kUnavailable) response.headers.emplace_back("Retry-After", "1");
  return response;
}

Response Service::Handle(const Request& request) {
  const std::string_view path = PathOf(request.target);
  const auto only = [&](std::string_view method) -> std::optional<Response> {
    if (request.method == method) return std::nullopt;
    Response r = Error(request, InvalidArgument(std::string(path) + " takes " +
                                                std::string(method) + ", not " + request.method));
    r.status = 405;
    r.headers.emplace_back("Allow", std::string(method));
    return r;
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
  return Error(request, NotFound("no such endpoint; the sync API is POST /v1/enrol, "
                                 "/v1/push and /v1/pull (docs/protocol.md)"));
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
    ToProto(refused.error, *r->mutable_error());
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
