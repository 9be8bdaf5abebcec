// Causality: what each actor had seen when it made each of its changes, from the changes' deps.
//
// An actor's knowledge only grows, so for actor B the deps form, per other actor A, a step
// function seq_of_B -> highest seq of A seen. KnowledgeOf(B, t) gives what B had applied when it
// made change t. Replicas apply changes in causal order, so "had seen" is transitive and the
// same everywhere.
//
// Thread-safety: not thread-safe.
#ifndef CAIRN_MERGE_CAUSALITY_H_
#define CAIRN_MERGE_CAUSALITY_H_

#include <unordered_map>
#include <utility>
#include <vector>

#include "cairn/change.h"

namespace cairn::merge {

// What the author of one change had applied when it made the change.
class Knowledge {
 public:
  Knowledge(const ActorId& author, uint64_t seq, std::vector<std::pair<ActorId, uint64_t>> seen)
      : author_(author), seq_(seq), seen_(std::move(seen)) {}

  // Whether the author had applied change (actor, seq): an earlier change of its own, or one it
  // had received.
  bool Saw(const ActorId& actor, uint64_t seq) const;

 private:
  ActorId author_;
  uint64_t seq_;
  // (other actor, highest seq applied), sorted by actor.
  std::vector<std::pair<ActorId, uint64_t>> seen_;
};

class Causality {
 public:
  // Records the deps of change (actor, seq). REQUIRES: seqs of one actor arrive ascending.
  void Record(const ActorId& actor, uint64_t seq, const std::vector<Dep>& deps);

  // What `actor` had applied when it made change `seq`.
  Knowledge KnowledgeOf(const ActorId& actor, uint64_t seq) const;

  // The highest seq of `other` that `actor` had applied as of its latest recorded change.
  uint64_t Latest(const ActorId& actor, const ActorId& other) const;

 private:
  // (seq of the author, highest seq of the other actor seen), ascending in both.
  using Steps = std::vector<std::pair<uint64_t, uint64_t>>;
  std::unordered_map<ActorId, std::unordered_map<ActorId, Steps, Id128Hash>, Id128Hash> steps_;
};

}  // namespace cairn::merge

#endif  // CAIRN_MERGE_CAUSALITY_H_
