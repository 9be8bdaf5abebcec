// Causality: what each actor had seen when it made each of its changes, from the changes' deps.
//
// An actor's knowledge only grows, so for actor B the deps form, per other actor A, a step
// function seq_of_B -> highest seq of A seen. Saw(B, t, A, s) answers "had B, when it made change
// t, applied A's change s?" in O(log n). Replicas apply changes in causal order, so this relation
// is transitive and identical everywhere.
//
// Thread-safety: not thread-safe.
#ifndef CAIRN_MERGE_CAUSALITY_H_
#define CAIRN_MERGE_CAUSALITY_H_

#include <unordered_map>
#include <utility>
#include <vector>

#include "cairn/change.h"

namespace cairn::merge {

class Causality {
 public:
  // Records the deps of change (actor, seq). REQUIRES: seqs of one actor arrive ascending.
  void Record(const ActorId& actor, uint64_t seq, const std::vector<Dep>& deps);

  // Whether change (b, t) causally follows change (a, s): the same actor with t > s, or b had
  // applied a's seq s when it made t.
  bool Saw(const ActorId& b, uint64_t t, const ActorId& a, uint64_t s) const;

  // The highest seq of `other` that `actor` had applied as of its latest recorded change.
  uint64_t Latest(const ActorId& actor, const ActorId& other) const;

 private:
  // (seq of the author, highest seq of the other actor seen), ascending in both.
  using Steps = std::vector<std::pair<uint64_t, uint64_t>>;
  std::unordered_map<ActorId, std::unordered_map<ActorId, Steps, Id128Hash>, Id128Hash> steps_;
};

}  // namespace cairn::merge

#endif  // CAIRN_MERGE_CAUSALITY_H_
