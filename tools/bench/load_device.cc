#include "load_device.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "cairn/change_codec.h"
#include "cairn/device.h"
#include "cairn/v1/sync.pb.h"

namespace cairn::bench {
namespace {

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SimulatedDevice::SimulatedDevice(uint64_t seed, std::string enrol_code)
    : rng_(seed), code_(std::move(enrol_code)) {
  actor_ = NewActorId(*SystemEnv().random);
  IdGenerator ids(SystemEnv());
  pursuit_ = ids.Next();
}

Hlc SimulatedDevice::Tick() {
  hlc_ = std::max(hlc_ + 1, MakeHlc(WallMillis(), 0));
  return hlc_;
}

std::string SimulatedDevice::RandomText(size_t length) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz     ";
  std::string text(length, ' ');
  for (char& c : text) c = kLetters[rng_() % (sizeof(kLetters) - 1)];
  return text;
}

std::string SimulatedDevice::EnrolBody() const {
  v1::EnrolRequest request;
  request.set_code(code_);
  request.set_actor(std::string(actor_.AsBytes()));
  request.set_device_name("load device");
  return request.SerializeAsString();
}

Status SimulatedDevice::HandleEnrol(std::string_view body) {
  v1::EnrolResponse answer;
  if (!answer.ParseFromArray(body.data(), static_cast<int>(body.size())) ||
      answer.token().empty()) {
    return Internal("the answer to enrol is not an EnrolResponse");
  }
  token_ = answer.token();
  return {};
}

void SimulatedDevice::Edit() {
  const int changes = 1 + static_cast<int>(rng_() % 5);
  for (int i = 0; i < changes; ++i) {
    Change change;
    change.actor = actor_;
    change.seq = ++seq_;
    change.hlc = Tick();
    if (seq_ == 1) {
      change.ops.push_back(Op::Put(pursuit_, std::string(kTypeField), std::string(kPursuitType)));
      change.ops.push_back(Op::Put(pursuit_, "micro_credential_id", std::string("mc-load")));
      change.ops.push_back(Op::Put(pursuit_, "started_at_ms", WallMillis()));
    } else if (rng_() % 2 == 0) {
      change.ops.push_back(Op::Put(pursuit_, "reflection", RandomText(40)));
    } else {
      change.ops.push_back(
          Op::Put(pursuit_, "answer:q" + std::to_string(rng_() % 4), RandomText(40)));
    }
    unsent_.push_back(std::move(change));
  }
}

std::string SimulatedDevice::PushBody() const {
  v1::PushRequest push;
  push.set_batch(EncodeChanges(unsent_));
  return push.SerializeAsString();
}

Status SimulatedDevice::HandlePush(std::string_view body) {
  v1::PushResponse answer;
  if (!answer.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Internal("the answer to a push is not a PushResponse");
  }
  pushed_ += answer.accepted();
  refused_ += static_cast<uint64_t>(answer.refused_size());
  const uint64_t acknowledged = answer.acknowledged_seq();
  std::erase_if(unsent_, [&](const Change& c) { return c.seq <= acknowledged; });
  if (answer.refused_size() > 0) unsent_.clear();
  return {};
}

std::string SimulatedDevice::PullBody() const {
  v1::PullRequest pull;
  pull.set_cursor(cursor_);
  pull.set_max_changes(2000);
  return pull.SerializeAsString();
}

Status SimulatedDevice::HandlePull(std::string_view body, bool* more) {
  v1::PullResponse answer;
  if (!answer.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Internal("the answer to a pull is not a PullResponse");
  }
  if (!answer.batch().empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<Change> changes, DecodeChanges(answer.batch()));
    pulled_ += changes.size();
  }
  if (answer.cursor() < cursor_) return Internal("the server moved the pull cursor backwards");
  cursor_ = answer.cursor();
  *more = answer.more();
  return {};
}

}  // namespace cairn::bench
