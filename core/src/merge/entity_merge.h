// Join of ops into an entity's merged state, and the entity's deterministic storage form.
//
// ApplyOp is the only way state changes. With causal delivery it is commutative, associative and
// idempotent at the level of changes: any replicas that applied the same set of changes hold the
// same EntityData, and SerializeEntity makes it the same bytes.
#ifndef CAIRN_MERGE_ENTITY_MERGE_H_
#define CAIRN_MERGE_ENTITY_MERGE_H_

#include <string>
#include <string_view>

#include "cairn/entity.h"
#include "cairn/status.h"
#include "merge/causality.h"

namespace cairn::merge {

// Applies one op written by change `stamp`, whose author had seen `knowledge`. REQUIRES: every
// change the author had seen was applied before (causal delivery).
void ApplyOp(EntityData& entity, const Op& op, const Stamp& stamp, const Knowledge& knowledge);

// The deterministic serialisation of cairn.v1.EntityState (state.proto); entity_writer.cc.
std::string SerializeEntity(const EntityData& entity);
Status ParseEntity(std::string_view bytes, EntityData* entity);

// A canonical byte form of a value, used to order set elements.
std::string CanonicalValueBytes(const Value& value);

}  // namespace cairn::merge

#endif  // CAIRN_MERGE_ENTITY_MERGE_H_
