#include <algorithm>
#include <string>
#include <utility>

#include "cairn/change_codec.h"
#include "cairn/error_answer.h"
#include "cairn/sync.h"
#include "cairn/v1/sync.pb.h"

namespace cairn {
namespace {

std::string Bearer(const SyncSettings& settings) { return "Bearer " + settings.token; }

HttpRequest Post(std::string target, std::string authorization, std::string body) {
  HttpRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.authorization = std::move(authorization);
  request.body = std::move(body);
  return request;
}

}  // namespace

Status StatusFromHttp(const HttpResponse& response) {
  return StatusFromErrorAnswer(response.status, response.content_type, response.body);
}

Result<HttpRequest> EnrolRequest(Replica& replica, std::string_view code,
                                 std::string_view device_name) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<SyncSettings> existing, LoadSyncSettings(replica));
  if (existing) {
    return FailedPrecondition("this device is enrolled already with " + existing->server_url +
                              " as user " + existing->user_id +
                              "; a device store belongs to one "
                              "account, so make a new one (cairn --home DIR init) for another");
  }
  v1::EnrolRequest request;
  request.set_code(std::string(code));
  request.set_actor(std::string(replica.actor().AsBytes()));
  request.set_device_name(std::string(device_name));
  return Post("/v1/enrol", "", request.SerializeAsString());
}

Status FinishEnrolment(Replica& replica, const SyncSettings& server, const HttpResponse& response) {
  if (response.status != 200) return StatusFromHttp(response).Annotate("enrolling");
  v1::EnrolResponse answer;
  if (!answer.ParseFromString(response.body) || answer.token().empty()) {
    return Internal("enrolling: the server's answer is not an EnrolResponse");
  }
  SyncSettings settings = server;
  settings.token = answer.token();
  settings.user_id = answer.user_id();
  settings.role = answer.role();
  settings.scopes.assign(answer.scopes().begin(), answer.scopes().end());
  settings.cursor = 0;
  settings.acknowledged_seq = 0;
  return SaveSyncSettings(replica, settings);
}

Status Enrol(Replica& replica, Transport& transport, const SyncSettings& server,
             std::string_view code, std::string_view device_name) {
  CAIRN_ASSIGN_OR_RETURN(HttpRequest request, EnrolRequest(replica, code, device_name));
  CAIRN_ASSIGN_OR_RETURN(HttpResponse response, transport.RoundTrip(request));
  return FinishEnrolment(replica, server, response);
}

SyncEngine::SyncEngine(Replica& replica, SyncSettings settings)
    : replica_(&replica), settings_(std::move(settings)) {}

Result<SyncEngine> SyncEngine::Start(Replica& replica) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<SyncSettings> settings, LoadSyncSettings(replica));
  if (!settings) {
    return FailedPrecondition(
        "this device is not enrolled with a server; run cairn init --server URL --enrol CODE");
  }
  return SyncEngine(replica, std::move(*settings));
}

Result<std::optional<HttpRequest>> SyncEngine::NextRequest() {
  if (phase_ == Phase::kPush) {
    VersionVector since = replica_->Version();
    const auto own = since.find(replica_->actor());
    const uint64_t local = own == since.end() ? 0 : own->second;
    if (settings_.acknowledged_seq >= local) {
      phase_ = Phase::kPull;
    } else {
      since[replica_->actor()] = settings_.acknowledged_seq;
      CAIRN_ASSIGN_OR_RETURN(std::vector<Change> unsent, replica_->ChangesSince(since));
      if (unsent.size() > kMaxChangesPerPush) unsent.resize(kMaxChangesPerPush);
      if (unsent.empty()) {
        return Internal("the store reports unsent changes but returned none");
      }
      // What leaves the device must survive a power cut (decision 0007, equivocation).
      CAIRN_RETURN_IF_ERROR(replica_->MakeDurable());
      in_flight_first_ = unsent.front().seq;
      in_flight_last_ = unsent.back().seq;
      v1::PushRequest push;
      push.set_batch(EncodeChanges(unsent));
      HttpRequest request = Post("/v1/push", Bearer(settings_), push.SerializeAsString());
      report_.bytes_sent += request.body.size();
      ++report_.push_requests;
      return std::optional<HttpRequest>(std::move(request));
    }
  }
  if (phase_ == Phase::kPull) {
    v1::PullRequest pull;
    pull.set_cursor(settings_.cursor);
    pull.set_max_changes(kMaxChangesPerPull);
    HttpRequest request = Post("/v1/pull", Bearer(settings_), pull.SerializeAsString());
    report_.bytes_sent += request.body.size();
    ++report_.pull_requests;
    return std::optional<HttpRequest>(std::move(request));
  }
  return std::optional<HttpRequest>();
}

Status SyncEngine::HandleResponse(const HttpResponse& response) {
  report_.bytes_received += response.body.size();
  if (response.status != 200) return StatusFromHttp(response);
  if (phase_ == Phase::kPush) {
    v1::PushResponse answer;
    if (!answer.ParseFromString(response.body)) {
      return Internal("the server's answer to a push is not a PushResponse");
    }
    report_.pushed += answer.accepted();
    report_.duplicates += answer.duplicates();
    for (const v1::RefusedChange& refused : answer.refused()) {
      const Status why = StatusFromError(refused.error());
      report_.refused.push_back({refused.seq(), why.code(), why.message(), refused.blocked()});
    }
    const uint64_t before = settings_.acknowledged_seq;
    // Never beyond what was sent: a server that claims more is wrong, and believing it would
    // skip changes it does not have.
    settings_.acknowledged_seq =
        std::max(before, std::min<uint64_t>(answer.acknowledged_seq(), in_flight_last_));
    in_flight_first_ = in_flight_last_ = 0;
    CAIRN_RETURN_IF_ERROR(SaveSyncSettings(*replica_, settings_));
    // Refused changes stay unsent; pushing them again now would be refused again. The sync
    // goes on to pull, and the next sync offers them once more.
    if (!answer.refused().empty() || settings_.acknowledged_seq == before) phase_ = Phase::kPull;
    return {};
  }
  if (phase_ == Phase::kPull) {
    v1::PullResponse answer;
    if (!answer.ParseFromString(response.body)) {
      return Internal("the server's answer to a pull is not a PullResponse");
    }
    if (!answer.batch().empty()) {
      Result<ApplyStats> applied = replica_->ApplyEncoded(answer.batch());
      if (!applied.ok()) return applied.status().Annotate("applying changes from the server");
      report_.pulled += applied->applied;
    }
    if (answer.cursor() < settings_.cursor) {
      return Internal("the server moved the pull cursor backwards");
    }
    if (answer.more() && answer.cursor() == settings_.cursor) {
      // Pulling again would ask the same question forever.
      return Internal("the server says more changes wait but did not move the pull cursor");
    }
    settings_.cursor = answer.cursor();
    CAIRN_RETURN_IF_ERROR(SaveSyncSettings(*replica_, settings_));
    if (!answer.more()) phase_ = Phase::kDone;
    return {};
  }
  return FailedPrecondition("a response arrived after the sync was done");
}

Result<SyncReport> RunSync(Replica& replica, Transport& transport) {
  CAIRN_ASSIGN_OR_RETURN(SyncEngine engine, SyncEngine::Start(replica));
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(std::optional<HttpRequest> request, engine.NextRequest());
    if (!request) break;
    CAIRN_ASSIGN_OR_RETURN(HttpResponse response, transport.RoundTrip(*request));
    CAIRN_RETURN_IF_ERROR(engine.HandleResponse(response));
  }
  return engine.report();
}

}  // namespace cairn
