// The educator's profile (kProfileType): the public name on their credentials' hosted pages.
//
// Two devices may each make a profile entity before they sync; neither is wrong. The public name
// is the latest `public_name` written to any of them (by stamp, as a register's merge orders
// writes), which is also how the server reads it (docs/badges.md "The earner").
#include <algorithm>

#include "cairn/device.h"
#include "util/utf8.h"

namespace cairn {
namespace {

constexpr std::string_view kPublicName = "public_name";

std::string_view Trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

Status CheckPublicName(std::string_view name) {
  if (!IsValidUtf8(name)) return InvalidArgument("the public name is not valid UTF-8");
  if (name.size() > kMaxPublicNameBytes) {
    return InvalidArgument("the public name has " + std::to_string(name.size()) +
                           " bytes; at most " + std::to_string(kMaxPublicNameBytes) + " fit");
  }
  if (std::any_of(name.begin(), name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return InvalidArgument(
        "the public name holds a control character (a tab or line break?); "
        "write it on one line");
  }
  return {};
}

}  // namespace

Status Device::SetPublicName(std::string_view name) {
  name = Trimmed(name);
  CAIRN_RETURN_IF_ERROR(CheckPublicName(name));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> profiles,
                         replica_->ListByType(kProfileType));
  const auto live = std::find_if(profiles.begin(), profiles.end(),
                                 [](const EntityData& p) { return !p.deleted(); });
  std::vector<Op> ops;
  EntityId id;
  if (live != profiles.end()) {
    id = live->id;
  } else {
    id = replica_->NewEntityId();
    ops.push_back(Op::Put(id, std::string(kTypeField), std::string(kProfileType)));
  }
  ops.push_back(Op::Put(id, std::string(kPublicName), std::string(name)));
  return replica_->Commit(std::move(ops)).status();
}

Result<std::string> Device::PublicName() {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> profiles,
                         replica_->ListByType(kProfileType));
  const RegisterEntry* latest = nullptr;
  for (const EntityData& profile : profiles) {
    if (profile.deleted()) continue;
    const auto field = profile.fields.find(kPublicName);
    if (field == profile.fields.end() || field->second.empty()) continue;
    const RegisterEntry& entry = field->second.back();
    if (latest == nullptr || latest->stamp < entry.stamp) latest = &entry;
  }
  if (latest == nullptr) return std::string();
  const auto* text = std::get_if<std::string>(&latest->value);
  return text ? *text : std::string();
}

}  // namespace cairn
