// Columnar encoding of changes; the layout is documented in schemas/cairn/v1/change.proto.
#include "cairn/change_codec.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "cairn/v1/change.pb.h"
#include "util/utf8.h"

namespace cairn {
namespace {

using v1::ActorChanges;
using v1::ChangeBatch;

constexpr int kOpCodeBits = 4;
constexpr uint64_t kOpCodeMask = (1U << kOpCodeBits) - 1;
constexpr uint32_t kMaxOpCode = v1::OP_CODE_REMOVE_ENTITY;

// The hlc_delta column's step encoding (change.proto): never 0 for a new change.
uint64_t EncodeHlcStep(Hlc previous, Hlc next) {
  const uint64_t previous_ms = previous >> kHlcCounterBits;
  const uint64_t next_ms = next >> kHlcCounterBits;
  if (next_ms > previous_ms && (next & 0xFFFF) == 0) return ((next_ms - previous_ms) << 1) | 1;
  return (next - previous) << 1;
}

// Returns false when the step does not move the clock forward or overflows.
bool DecodeHlcStep(Hlc previous, uint64_t step, Hlc* next) {
  const uint64_t amount = step >> 1;
  if (amount == 0) return false;
  if ((step & 1) != 0) {
    const uint64_t ms = (previous >> kHlcCounterBits) + amount;
    if (ms < amount || ms >= (uint64_t{1} << (64 - kHlcCounterBits))) return false;
    *next = ms << kHlcCounterBits;
  } else {
    if (previous + amount < previous) return false;
    *next = previous + amount;
  }
  return *next > previous;
}

uint32_t OpCodeOf(const Op& op) {
  switch (op.kind) {
    case OpKind::kPut:
      return static_cast<uint32_t>(op.value.index());  // OP_CODE_PUT_*
    case OpKind::kDelete:
      return v1::OP_CODE_DELETE;
    case OpKind::kAdd:
      return TypeOf(op.value) == ValueType::kText ? v1::OP_CODE_ADD_TEXT : v1::OP_CODE_ADD_ENTITY;
    case OpKind::kRemove:
      return TypeOf(op.value) == ValueType::kText ? v1::OP_CODE_REMOVE_TEXT
                                                  : v1::OP_CODE_REMOVE_ENTITY;
  }
  return 0;
}

void ToProto(const EvidenceRef& in, v1::EvidenceRef* out) {
  out->set_sha256(in.sha256.data(), in.sha256.size());
  out->set_size(in.size);
  out->set_media_type(in.media_type);
}

// Builds one ActorChanges from a contiguous run of one actor's changes.
class RunEncoder {
 public:
  RunEncoder(ActorChanges* run, std::span<const Change> changes,
             const std::function<uint32_t(const ActorId&)>& actor_index)
      : run_(run), changes_(changes), actor_index_(actor_index) {}

  void Encode() {
    BuildEntityTable();
    run_->set_first_seq(changes_.front().seq);
    Hlc previous_hlc = 0;
    for (size_t c = 0; c < changes_.size(); ++c) {
      const Change& change = changes_[c];
      for (const Dep& dep : change.deps) {
        run_->add_dep_change(static_cast<uint32_t>(c));
        run_->add_dep_actor(actor_index_(dep.actor));
        run_->add_dep_seq(dep.seq);
      }
      bool first_op = true;
      for (const Op& op : change.ops) {
        run_->add_hlc_delta(first_op ? EncodeHlcStep(previous_hlc, change.hlc) : 0);
        first_op = false;
        const uint64_t field = op.kind == OpKind::kDelete ? 0 : FieldIndex(op.field);
        run_->add_op_header(field << kOpCodeBits | OpCodeOf(op));
        run_->add_op_entity(entity_index_.at(op.entity));
        if (op.kind != OpKind::kDelete) EncodeValue(op.value);
      }
      previous_hlc = change.hlc;
    }
  }

 private:
  void BuildEntityTable() {
    std::vector<EntityId> ids;
    for (const Change& change : changes_) {
      for (const Op& op : change.ops) {
        ids.push_back(op.entity);
        if (op.kind != OpKind::kDelete && TypeOf(op.value) == ValueType::kEntity) {
          ids.push_back(std::get<EntityId>(op.value));
        }
      }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    uint64_t previous_hi = 0;
    uint64_t previous_lo = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      const uint64_t hi = ids[i].Hi();
      const uint64_t lo = ids[i].Lo();
      const bool same_hi = i > 0 && hi == previous_hi;
      run_->add_entity_hi_delta(hi - previous_hi);
      run_->add_entity_lo(same_hi ? lo - previous_lo : lo);
      previous_hi = hi;
      previous_lo = lo;
      entity_index_.emplace(ids[i], static_cast<uint32_t>(i));
    }
  }

  uint64_t FieldIndex(const std::string& name) {
    auto [it, inserted] = field_index_.try_emplace(name, run_->fields_size());
    if (inserted) run_->add_fields(name);
    return it->second;
  }

  void EncodeValue(const Value& value) {
    switch (TypeOf(value)) {
      case ValueType::kText: {
        const auto& text = std::get<std::string>(value);
        run_->add_text_len(static_cast<uint32_t>(text.size()));
        run_->mutable_text_data()->append(text);
        break;
      }
      case ValueType::kInteger:
        run_->add_integers(std::get<int64_t>(value));
        break;
      case ValueType::kReal:
        run_->add_reals(std::get<double>(value));
        break;
      case ValueType::kFlag:
        run_->add_flags(std::get<bool>(value));
        break;
      case ValueType::kBlob:
        run_->add_blobs(std::get<Blob>(value).data);
        break;
      case ValueType::kEvidence:
        ToProto(std::get<EvidenceRef>(value), run_->add_evidence());
        break;
      case ValueType::kEntity:
        run_->add_entity_refs(entity_index_.at(std::get<EntityId>(value)));
        break;
    }
  }

  ActorChanges* run_;
  std::span<const Change> changes_;
  const std::function<uint32_t(const ActorId&)>& actor_index_;
  std::unordered_map<EntityId, uint32_t, Id128Hash> entity_index_;
  std::unordered_map<std::string, uint64_t> field_index_;
};

// Reads the value columns of one run in op order, checking every bound.
class ColumnCursor {
 public:
  explicit ColumnCursor(const ActorChanges& run) : run_(run) {}

  Status Read(ValueType type, Value* out, const std::vector<EntityId>& entities) {
    switch (type) {
      case ValueType::kText: {
        if (text_ >= static_cast<size_t>(run_.text_len_size())) return Short("text_len");
        const size_t len = run_.text_len(static_cast<int>(text_++));
        if (len > run_.text_data().size() - text_offset_) return Short("text_data");
        std::string_view text(run_.text_data().data() + text_offset_, len);
        text_offset_ += len;
        if (!IsValidUtf8(text)) return InvalidArgument("text value is not valid UTF-8");
        *out = std::string(text);
        return {};
      }
      case ValueType::kInteger:
        if (integers_ >= static_cast<size_t>(run_.integers_size())) return Short("integers");
        *out = static_cast<int64_t>(run_.integers(static_cast<int>(integers_++)));
        return {};
      case ValueType::kReal:
        if (reals_ >= static_cast<size_t>(run_.reals_size())) return Short("reals");
        *out = run_.reals(static_cast<int>(reals_++));
        return {};
      case ValueType::kFlag:
        if (flags_ >= static_cast<size_t>(run_.flags_size())) return Short("flags");
        *out = run_.flags(static_cast<int>(flags_++));
        return {};
      case ValueType::kBlob:
        if (blobs_ >= static_cast<size_t>(run_.blobs_size())) return Short("blobs");
        *out = Blob{run_.blobs(static_cast<int>(blobs_++))};
        return {};
      case ValueType::kEvidence: {
        if (evidence_ >= static_cast<size_t>(run_.evidence_size())) return Short("evidence");
        const v1::EvidenceRef& in = run_.evidence(static_cast<int>(evidence_++));
        EvidenceRef ref;
        if (in.sha256().size() != ref.sha256.size()) {
          return InvalidArgument("evidence reference has a " + std::to_string(in.sha256().size()) +
                                 "-byte sha256; it must be 32 bytes");
        }
        std::copy(in.sha256().begin(), in.sha256().end(), ref.sha256.begin());
        ref.size = in.size();
        ref.media_type = in.media_type();
        *out = std::move(ref);
        return {};
      }
      case ValueType::kEntity: {
        if (refs_ >= static_cast<size_t>(run_.entity_refs_size())) return Short("entity_refs");
        const uint32_t index = run_.entity_refs(static_cast<int>(refs_++));
        if (index >= entities.size()) {
          return InvalidArgument("entity reference " + std::to_string(index) +
                                 " is outside the entity table of " +
                                 std::to_string(entities.size()) + " ids");
        }
        *out = entities[index];
        return {};
      }
    }
    return Internal("unreachable value type");
  }

  // Every column must be used up exactly: leftovers mean the sender and we disagree.
  Status CheckExhausted() const {
    if (text_ != static_cast<size_t>(run_.text_len_size()) ||
        text_offset_ != run_.text_data().size()) {
      return Extra("text");
    }
    if (integers_ != static_cast<size_t>(run_.integers_size())) return Extra("integers");
    if (reals_ != static_cast<size_t>(run_.reals_size())) return Extra("reals");
    if (flags_ != static_cast<size_t>(run_.flags_size())) return Extra("flags");
    if (blobs_ != static_cast<size_t>(run_.blobs_size())) return Extra("blobs");
    if (evidence_ != static_cast<size_t>(run_.evidence_size())) return Extra("evidence");
    if (refs_ != static_cast<size_t>(run_.entity_refs_size())) return Extra("entity_refs");
    return {};
  }

 private:
  static Status Short(const char* column) {
    return InvalidArgument(std::string("column ") + column + " has fewer values than the ops use");
  }
  static Status Extra(const char* column) {
    return InvalidArgument(std::string("column ") + column + " has values no op uses");
  }

  const ActorChanges& run_;
  size_t text_ = 0, text_offset_ = 0, integers_ = 0, reals_ = 0, flags_ = 0, blobs_ = 0,
         evidence_ = 0, refs_ = 0;
};

Status DecodeEntityTable(const ActorChanges& run, std::vector<EntityId>* out) {
  if (run.entity_hi_delta_size() != run.entity_lo_size()) {
    return InvalidArgument("entity_hi_delta and entity_lo have different lengths");
  }
  out->reserve(run.entity_hi_delta_size());
  uint64_t hi = 0;
  uint64_t lo = 0;
  for (int i = 0; i < run.entity_hi_delta_size(); ++i) {
    const uint64_t delta = run.entity_hi_delta(i);
    if (hi + delta < hi)
      return InvalidArgument("entity table overflows at entry " + std::to_string(i));
    hi += delta;
    if (i > 0 && delta == 0) {
      if (run.entity_lo(i) == 0 || lo + run.entity_lo(i) < lo) {
        return InvalidArgument("entity table is not strictly ascending at entry " +
                               std::to_string(i));
      }
      lo += run.entity_lo(i);
    } else {
      lo = run.entity_lo(i);
    }
    out->push_back(Id128::FromHalves(hi, lo));
  }
  return {};
}

Status DecodeRun(const std::vector<ActorId>& actors, const ActorChanges& run,
                 std::vector<Change>* out) {
  if (run.actor() >= actors.size()) {
    return InvalidArgument("actor index " + std::to_string(run.actor()) + " is outside the " +
                           std::to_string(actors.size()) + " actors of the batch");
  }
  const ActorId& actor = actors[run.actor()];
  if (run.first_seq() == 0) return InvalidArgument("first_seq is 0; seqs start at 1");
  const int num_ops = run.hlc_delta_size();
  if (num_ops == 0) return InvalidArgument("the run has no ops");
  if (run.op_header_size() != num_ops || run.op_entity_size() != num_ops) {
    return InvalidArgument("hlc_delta, op_header and op_entity have different lengths (" +
                           std::to_string(num_ops) + ", " + std::to_string(run.op_header_size()) +
                           ", " + std::to_string(run.op_entity_size()) + ")");
  }
  if (run.hlc_delta(0) == 0) return InvalidArgument("the first op does not start a change");
  for (const std::string& field : run.fields()) {
    if (field.empty() || field.size() > kMaxFieldNameBytes) {
      return InvalidArgument("field name of " + std::to_string(field.size()) +
                             " bytes; names have 1 to " + std::to_string(kMaxFieldNameBytes));
    }
  }
  std::vector<EntityId> entities;
  CAIRN_RETURN_IF_ERROR(DecodeEntityTable(run, &entities));

  ColumnCursor cursor(run);
  const size_t first_change = out->size();
  Hlc hlc = 0;
  for (int i = 0; i < num_ops; ++i) {
    const std::string where = "op " + std::to_string(i);
    if (const uint64_t step = run.hlc_delta(i); step > 0) {
      if (!DecodeHlcStep(hlc, step, &hlc)) {
        return InvalidArgument(where + ": the HLC step " + std::to_string(step) +
                               " overflows or does not move the clock forward");
      }
      const uint64_t seq = run.first_seq() + (out->size() - first_change);
      if (seq < run.first_seq()) return InvalidArgument(where + ": seq overflows");
      out->push_back(Change{actor, seq, hlc, {}, {}});
    }
    Change& change = out->back();
    if (change.ops.size() >= kMaxOpsPerChange) {
      return TooLarge("change seq " + std::to_string(change.seq) + " has more than " +
                      std::to_string(kMaxOpsPerChange) + " ops");
    }
    const uint64_t header = run.op_header(i);
    const uint64_t code = header & kOpCodeMask;
    const uint64_t field = header >> kOpCodeBits;
    if (code > kMaxOpCode) {
      return InvalidArgument(where + ": unknown op code " + std::to_string(code) +
                             " (this version knows 0.." + std::to_string(kMaxOpCode) +
                             "); update Cairn to read it");
    }
    if (run.op_entity(i) >= entities.size()) {
      return InvalidArgument(where + ": entity index " + std::to_string(run.op_entity(i)) +
                             " is outside the entity table of " + std::to_string(entities.size()) +
                             " ids");
    }
    Op op;
    op.entity = entities[run.op_entity(i)];
    if (code == v1::OP_CODE_DELETE) {
      if (field != 0) return InvalidArgument(where + ": a delete names a field");
      op.kind = OpKind::kDelete;
      change.ops.push_back(std::move(op));
      continue;
    }
    if (field >= static_cast<uint64_t>(run.fields_size())) {
      return InvalidArgument(where + ": field index " + std::to_string(field) + " is outside the " +
                             std::to_string(run.fields_size()) + " field names of the run");
    }
    op.field = run.fields(static_cast<int>(field));
    ValueType type;
    if (code < v1::OP_CODE_DELETE) {
      op.kind = OpKind::kPut;
      type = static_cast<ValueType>(code);
    } else {
      op.kind = code <= v1::OP_CODE_ADD_ENTITY ? OpKind::kAdd : OpKind::kRemove;
      type = (code == v1::OP_CODE_ADD_TEXT || code == v1::OP_CODE_REMOVE_TEXT) ? ValueType::kText
                                                                               : ValueType::kEntity;
    }
    if (Status s = cursor.Read(type, &op.value, entities); !s.ok()) return s.Annotate(where);
    change.ops.push_back(std::move(op));
  }
  CAIRN_RETURN_IF_ERROR(cursor.CheckExhausted());

  const size_t num_changes = out->size() - first_change;
  if (run.dep_change_size() != run.dep_actor_size() || run.dep_actor_size() != run.dep_seq_size()) {
    return InvalidArgument("dep_change, dep_actor and dep_seq have different lengths");
  }
  uint32_t previous = 0;
  for (int i = 0; i < run.dep_change_size(); ++i) {
    const uint32_t c = run.dep_change(i);
    if (c >= num_changes || c < previous) {
      return InvalidArgument("dep " + std::to_string(i) + " names change offset " +
                             std::to_string(c) + " out of order or outside the run");
    }
    previous = c;
    if (run.dep_actor(i) >= actors.size() || run.dep_actor(i) == run.actor()) {
      return InvalidArgument("dep " + std::to_string(i) + " names actor index " +
                             std::to_string(run.dep_actor(i)) +
                             ", which is the author itself or outside the batch");
    }
    if (run.dep_seq(i) == 0) return InvalidArgument("dep " + std::to_string(i) + " has seq 0");
    (*out)[first_change + c].deps.push_back(Dep{actors[run.dep_actor(i)], run.dep_seq(i)});
  }
  return {};
}

}  // namespace

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kText:
      return "text";
    case ValueType::kInteger:
      return "integer";
    case ValueType::kReal:
      return "real";
    case ValueType::kFlag:
      return "flag";
    case ValueType::kBlob:
      return "blob";
    case ValueType::kEvidence:
      return "evidence";
    case ValueType::kEntity:
      return "entity";
  }
  return "unknown";
}

Status ValidateChangeShape(const Change& change) {
  const std::string where =
      "change (" + change.actor.ToString() + ", " + std::to_string(change.seq) + ")";
  if (change.seq == 0) return InvalidArgument(where + ": seq is 0; seqs start at 1");
  if (change.hlc == 0) return InvalidArgument(where + ": HLC is 0");
  if (change.hlc >= kMaxHlc) {
    return InvalidArgument(where + ": HLC " + std::to_string(change.hlc) +
                           " is past the largest stamp Cairn can represent");
  }
  if (change.ops.empty()) return InvalidArgument(where + ": a change needs at least one op");
  if (change.ops.size() > kMaxOpsPerChange) {
    return TooLarge(where + ": " + std::to_string(change.ops.size()) + " ops; at most " +
                    std::to_string(kMaxOpsPerChange));
  }
  for (const Dep& dep : change.deps) {
    if (dep.actor == change.actor || dep.seq == 0) {
      return InvalidArgument(where + ": a dep must name another actor and a seq >= 1");
    }
  }
  for (const Op& op : change.ops) {
    if (op.kind == OpKind::kDelete) continue;
    if (op.field.empty() || op.field.size() > kMaxFieldNameBytes || !IsValidUtf8(op.field)) {
      return InvalidArgument(where + ": a field name must be UTF-8 of 1 to " +
                             std::to_string(kMaxFieldNameBytes) + " bytes, not " +
                             std::to_string(op.field.size()) + " bytes");
    }
    const ValueType type = TypeOf(op.value);
    if ((op.kind == OpKind::kAdd || op.kind == OpKind::kRemove) && type != ValueType::kText &&
        type != ValueType::kEntity) {
      return InvalidArgument(where + ": set field '" + op.field + "' holds " + ValueTypeName(type) +
                             "; set elements are text or entities");
    }
    if (type == ValueType::kText && !IsValidUtf8(std::get<std::string>(op.value))) {
      return InvalidArgument(where + ": field '" + op.field + "' is not valid UTF-8");
    }
    if (type == ValueType::kEvidence && !IsValidUtf8(std::get<EvidenceRef>(op.value).media_type)) {
      return InvalidArgument(where + ": the media type of field '" + op.field +
                             "' is not valid UTF-8");
    }
  }
  return {};
}

std::string EncodeChanges(std::span<const Change> changes) {
  ChangeBatch batch;
  std::unordered_map<ActorId, uint32_t, Id128Hash> actor_index;
  const std::function<uint32_t(const ActorId&)> index_of = [&](const ActorId& actor) {
    auto [it, inserted] = actor_index.try_emplace(actor, batch.actors_size());
    if (inserted) batch.add_actors(actor.AsBytes().data(), actor.AsBytes().size());
    return it->second;
  };
  size_t begin = 0;
  while (begin < changes.size()) {
    size_t end = begin + 1;
    while (end < changes.size() && changes[end].actor == changes[begin].actor &&
           changes[end].seq == changes[end - 1].seq + 1 &&
           changes[end].hlc > changes[end - 1].hlc) {
      ++end;
    }
    ActorChanges* run = batch.add_runs();
    run->set_actor(index_of(changes[begin].actor));
    RunEncoder(run, changes.subspan(begin, end - begin), index_of).Encode();
    begin = end;
  }
  std::string out;
  batch.SerializeToString(&out);
  return out;
}

Result<std::vector<Change>> DecodeChanges(std::string_view bytes) {
  if (bytes.size() > kMaxBatchBytes) {
    return TooLarge("change batch of " + std::to_string(bytes.size()) +
                    " bytes is over the limit of " + std::to_string(kMaxBatchBytes) +
                    "; send it in smaller batches");
  }
  ChangeBatch batch;
  if (!batch.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgument("change batch of " + std::to_string(bytes.size()) +
                           " bytes is not a valid ChangeBatch protobuf (truncated or garbage)");
  }
  std::vector<ActorId> actors;
  actors.reserve(batch.actors_size());
  for (int i = 0; i < batch.actors_size(); ++i) {
    if (batch.actors(i).size() != 16) {
      return InvalidArgument("change batch: actor " + std::to_string(i) + " has " +
                             std::to_string(batch.actors(i).size()) + " bytes; ids have 16");
    }
    actors.push_back(Id128::FromBytes(batch.actors(i)));
  }
  std::vector<ActorId> sorted = actors;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return InvalidArgument("change batch names the same actor twice");
  }
  size_t ops = 0;
  for (const ActorChanges& run : batch.runs()) ops += static_cast<size_t>(run.hlc_delta_size());
  if (ops > kMaxOpsPerBatch) {
    return TooLarge("change batch has " + std::to_string(ops) + " ops; at most " +
                    std::to_string(kMaxOpsPerBatch) + " per batch");
  }
  std::vector<Change> changes;
  for (int r = 0; r < batch.runs_size(); ++r) {
    if (Status s = DecodeRun(actors, batch.runs(r), &changes); !s.ok()) {
      return s.Annotate("change batch: run " + std::to_string(r));
    }
  }
  return changes;
}

}  // namespace cairn
