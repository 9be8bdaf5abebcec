// Replica::Impl: ChangesSince, reads, conflicts and the state hash (replica_impl.h).
#include <openssl/evp.h>

#include <algorithm>
#include <deque>
#include <map>

#include "cairn/change_codec.h"
#include "merge/entity_merge.h"
#include "store/replica_impl.h"

namespace cairn {
namespace {

std::string HexOf(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xF]);
  }
  return out;
}

}  // namespace

// The log rows of actor ?1 holding seqs above ?2. An actor's rows cover disjoint, ascending seq
// ranges, so they start at the last row whose first_seq is at most ?2 + 1: two searches of the
// primary key, whatever the length of the history.
const char* const kSelectLogSince =
    "SELECT payload, first_seq FROM log WHERE actor = ?1 AND first_seq >= "
    "coalesce((SELECT first_seq FROM log WHERE actor = ?1 AND first_seq <= ?2 + 1 "
    "ORDER BY first_seq DESC LIMIT 1), 0) ORDER BY first_seq";

using store::Statement;
using store::TypeOfEntity;

Result<std::vector<Change>> Replica::Impl::ChangesSince(const VersionVector& since) {
  // Per actor, the changes `since` lacks, ascending by seq.
  std::map<ActorId, std::deque<Change>> pending;
  CAIRN_ASSIGN_OR_RETURN(Statement select, db_->Prepare(kSelectLogSince));
  for (const auto& [actor, max_seq] : vv_) {
    const auto it = since.find(actor);
    const uint64_t from = it == since.end() ? 0 : it->second;
    if (max_seq <= from) continue;
    select.BindBlob(1, actor.AsBytes()).Bind(2, static_cast<int64_t>(from));
    std::deque<Change>& queue = pending[actor];
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      Result<std::vector<Change>> run = DecodeChanges(select.ColumnBlob(0));
      if (!run.ok()) {
        return DataLoss("the stored log row of actor " + actor.ToString() + " from seq " +
                        std::to_string(select.ColumnInt(1)) + " does not decode (" +
                        run.status().message() + ")");
      }
      for (Change& change : *run) {
        if (change.actor != actor) {
          return DataLoss("a log row of actor " + actor.ToString() + " holds changes of actor " +
                          change.actor.ToString());
        }
        if (change.seq > from) queue.push_back(std::move(change));
      }
    }
    select.Reset();
  }
  // Emit each actor's longest runnable prefix in turn, so the receiver can apply the batch in
  // order and runs stay long.
  std::map<ActorId, uint64_t> emitted(since.begin(), since.end());
  std::vector<Change> out;
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto& [actor, queue] : pending) {
      while (!queue.empty()) {
        const Change& next = queue.front();
        const bool ready = std::all_of(next.deps.begin(), next.deps.end(), [&](const Dep& dep) {
          const auto it = emitted.find(dep.actor);
          return it != emitted.end() && it->second >= dep.seq;
        });
        if (!ready) break;
        emitted[actor] = next.seq;
        out.push_back(std::move(queue.front()));
        queue.pop_front();
        progress = true;
      }
    }
  }
  for (const auto& [actor, queue] : pending) {
    if (!queue.empty()) {
      return DataLoss("the change log of actor " + actor.ToString() +
                      " depends on changes the store does not hold");
    }
  }
  return out;
}

Result<std::optional<EntityData>> Replica::Impl::Get(const EntityId& id) {
  if (auto it = cache_.find(id); it != cache_.end()) {
    if (!it->second.exists) return std::optional<EntityData>();
    return std::optional<EntityData>(it->second.data);
  }
  return ReadRow(id);
}

Result<std::vector<EntityData>> Replica::Impl::ListByType(std::string_view type) {
  CAIRN_RETURN_IF_ERROR(Checkpoint());
  CAIRN_ASSIGN_OR_RETURN(Statement select,
                         db_->Prepare("SELECT id, state FROM entities WHERE type = ? ORDER BY id"));
  select.BindText(1, type);
  std::vector<EntityData> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    EntityData& entity = out.emplace_back();
    entity.id = Id128::FromBytes(select.ColumnBlob(0));
    CAIRN_RETURN_IF_ERROR(merge::ParseEntity(select.ColumnBlob(1), &entity));
  }
  return out;
}

Result<std::vector<Conflict>> Replica::Impl::Conflicts() {
  CAIRN_RETURN_IF_ERROR(Checkpoint());
  CAIRN_ASSIGN_OR_RETURN(
      Statement select,
      db_->Prepare("SELECT id, state FROM entities WHERE conflicted != 0 ORDER BY id"));
  std::vector<Conflict> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    EntityData entity;
    entity.id = Id128::FromBytes(select.ColumnBlob(0));
    CAIRN_RETURN_IF_ERROR(merge::ParseEntity(select.ColumnBlob(1), &entity));
    const std::string type = TypeOfEntity(entity);
    for (const auto& [name, reg] : entity.fields) {
      if (reg.size() < 2 || TypeOf(reg.back().value) != ValueType::kText) continue;
      if (options_.schema != nullptr && !options_.schema->IsFreeText(type, name)) continue;
      out.push_back(Conflict{entity.id, type, name, reg});
    }
  }
  return out;
}

Result<std::string> Replica::Impl::StateHash() {
  CAIRN_RETURN_IF_ERROR(Checkpoint());
  CAIRN_ASSIGN_OR_RETURN(Statement select,
                         db_->Prepare("SELECT id, state FROM entities ORDER BY id"));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Internal("cannot start SHA-256");
  }
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    const std::string_view id = select.ColumnBlob(0);
    const std::string_view state = select.ColumnBlob(1);
    // The row's length as 8 little-endian bytes, so every platform computes the same hash.
    unsigned char size[8];
    for (int i = 0; i < 8; ++i) size[i] = static_cast<unsigned char>(state.size() >> (8 * i));
    EVP_DigestUpdate(ctx.get(), id.data(), id.size());
    EVP_DigestUpdate(ctx.get(), size, sizeof(size));
    EVP_DigestUpdate(ctx.get(), state.data(), state.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) return Internal("SHA-256 failed");
  return HexOf(digest, length);
}

}  // namespace cairn
