#include "merge/causality.h"

#include <algorithm>

namespace cairn::merge {

void Causality::Record(const ActorId& actor, uint64_t seq, const std::vector<Dep>& deps) {
  if (deps.empty()) return;
  auto& by_other = steps_[actor];
  for (const Dep& dep : deps) {
    Steps& steps = by_other[dep.actor];
    // Knowledge never shrinks: a dep below what was already known adds nothing.
    if (!steps.empty() && steps.back().second >= dep.seq) continue;
    steps.emplace_back(seq, dep.seq);
  }
}

bool Causality::Saw(const ActorId& b, uint64_t t, const ActorId& a, uint64_t s) const {
  if (a == b) return t > s;
  const auto by_other = steps_.find(b);
  if (by_other == steps_.end()) return false;
  const auto it = by_other->second.find(a);
  if (it == by_other->second.end()) return false;
  const Steps& steps = it->second;
  // The last step at or before change t.
  auto step = std::upper_bound(steps.begin(), steps.end(), t,
                               [](uint64_t seq, const auto& entry) { return seq < entry.first; });
  if (step == steps.begin()) return false;
  return std::prev(step)->second >= s;
}

uint64_t Causality::Latest(const ActorId& actor, const ActorId& other) const {
  const auto by_other = steps_.find(actor);
  if (by_other == steps_.end()) return 0;
  const auto it = by_other->second.find(other);
  return it == by_other->second.end() || it->second.empty() ? 0 : it->second.back().second;
}

}  // namespace cairn::merge
