// Git delivery: one deterministic commit per submission, pushed with libgit2 to an issuer's
// remote (decision 0013). The commit adds the tree
//
//   submissions/<submission id>/submission.json                     the envelope (envelope.h)
//   submissions/<submission id>/evidence/<requirement id>/<sha256>.<ext>   each evidence file
//
// on top of the branch's head, with author and committer "Cairn <cairn@invalid>" at the
// submission's completion time and a fixed message, so that the same submission on the same
// head always makes the same commit. Before committing, the remote's branch is fetched into a
// local bare mirror; if its tree already holds submissions/<id>, the delivery is done without
// a new commit (re-delivery after a retry, a crash between push and record, an operator's
// retry). A push the remote refuses because its branch moved is retried by the next attempt,
// which fetches again.
//
// Thread-safety: one delivery per mirror at a time (the delivery worker runs them one by one).
#ifndef CAIRN_SERVER_FORWARD_GIT_TARGET_H_
#define CAIRN_SERVER_FORWARD_GIT_TARGET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "cairn/status.h"

namespace cairn::server {

struct GitDelivery {
  std::string remote;      // a path or URL libgit2 can push to
  std::string mirror_dir;  // the local bare mirror, made if missing
  std::string branch = "main";
  std::string submission_id;  // the tree directory's name
  std::string envelope;       // submission.json
  int64_t completed_ms = 0;   // author and committer time
  struct File {
    std::string tree_path;  // below submissions/<id>/
    std::string disk_path;  // the blob file
  };
  std::vector<File> evidence;
};

// "evidence/<requirement>/<sha256 hex>.<ext>", the requirement id made safe as a path component.
std::string EvidenceTreePath(std::string_view requirement_id, std::string_view sha256_hex,
                             std::string_view media_type);

// Delivers; true when it pushed a new commit, false when the branch already held the
// submission. Unavailable (retryable) for a remote that cannot be reached or refuses the push.
Result<bool> DeliverToGit(const GitDelivery& delivery);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FORWARD_GIT_TARGET_H_
