// Encodes changes into the columnar ChangeBatch of schemas/cairn/v1/change.proto and decodes
// them back, refusing anything malformed with a message that names the run, op and column.
//
// Thread-safety: stateless functions.
#ifndef CAIRN_CHANGE_CODEC_H_
#define CAIRN_CHANGE_CODEC_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/change.h"
#include "cairn/status.h"

namespace cairn {

// Serialises `changes` as one ChangeBatch. Consecutive changes of the same actor with
// consecutive seqs share a run. REQUIRES: each change is well formed (ValidateChangeShape).
std::string EncodeChanges(std::span<const Change> changes);

// Parses a serialised ChangeBatch. Changes come back in batch order.
Result<std::vector<Change>> DecodeChanges(std::string_view bytes);

// Checks what a single change must satisfy on its own: seq >= 1, hlc > 0, 1..kMaxOpsPerChange
// ops, field names present and short, set elements of an allowed type, deps on other actors.
Status ValidateChangeShape(const Change& change);

}  // namespace cairn

#endif  // CAIRN_CHANGE_CODEC_H_
