#include "merge/causality.h"

#include <algorithm>

namespace cairn::merge {

bool Knowledge::Saw(const ActorId& actor, uint64_t seq) const {
  if (actor == author_) return seq < seq_;
  const auto it =
      std::lower_bound(seen_.begin(), seen_.end(), actor,
                       [](const auto& entry, const ActorId& a) { return entry.first < a; });
  return it != seen_.end() && it->first == actor && seq <= it->second;
}

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

Knowledge Causality::KnowledgeOf(const ActorId& actor, uint64_t seq) const {
  std::vector<std::pair<ActorId, uint64_t>> seen;
  if (const auto by_other = steps_.find(actor); by_other != steps_.end()) {
    seen.reserve(by_other->second.size());
    for (const auto& [other, steps] : by_other->second) {
      // The last step at or before change `seq`.
      const auto step =
          std::upper_bound(steps.begin(), steps.end(), seq,
                           [](uint64_t s, const auto& entry) { return s < entry.first; });
      if (step != steps.begin()) seen.emplace_back(other, std::prev(step)->second);
    }
    std::sort(seen.begin(), seen.end());
  }
  return Knowledge(actor, seq, std::move(seen));
}

uint64_t Causality::Latest(const ActorId& actor, const ActorId& other) const {
  const auto by_other = steps_.find(actor);
  if (by_other == steps_.end()) return 0;
  const auto it = by_other->second.find(other);
  return it == by_other->second.end() || it->second.empty() ? 0 : it->second.back().second;
}

}  // namespace cairn::merge
