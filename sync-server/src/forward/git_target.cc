#include "forward/git_target.h"

#include <git2.h>

#include <filesystem>
#include <memory>
#include <string>

namespace cairn::server {
namespace {

// libgit2 objects freed by their own function.
template <typename T, void (*Free)(T*)>
struct GitFree {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitFree<T, Free>>;
using Repository = GitPtr<git_repository, git_repository_free>;
using Remote = GitPtr<git_remote, git_remote_free>;
using Reference = GitPtr<git_reference, git_reference_free>;
using Commit = GitPtr<git_commit, git_commit_free>;
using Tree = GitPtr<git_tree, git_tree_free>;
using TreeEntry = GitPtr<git_tree_entry, git_tree_entry_free>;
using Index = GitPtr<git_index, git_index_free>;
using Signature = GitPtr<git_signature, git_signature_free>;

// libgit2 keeps its global state per process; init is reference-counted.
struct GitLibrary {
  GitLibrary() { git_libgit2_init(); }
  ~GitLibrary() { git_libgit2_shutdown(); }
  GitLibrary(const GitLibrary&) = delete;
  GitLibrary& operator=(const GitLibrary&) = delete;
};

std::string LastGitError() {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? error->message : "unknown libgit2 error";
}

Status GitFailure(const std::string& what) { return Unavailable(what + ": " + LastGitError()); }

std::string_view ExtensionFor(std::string_view media_type) {
  struct Known {
    std::string_view type, extension;
  };
  static constexpr Known kKnown[] = {
      {"image/jpeg", "jpg"},      {"image/png", "png"},        {"image/heic", "heic"},
      {"image/webp", "webp"},     {"video/mp4", "mp4"},        {"video/quicktime", "mov"},
      {"audio/mpeg", "mp3"},      {"audio/mp4", "m4a"},        {"audio/wav", "wav"},
      {"application/pdf", "pdf"}, {"text/plain", "txt"},       {"text/markdown", "md"},
      {"text/csv", "csv"},        {"application/json", "json"}};
  for (const Known& known : kKnown) {
    if (known.type == media_type) return known.extension;
  }
  return "bin";
}

// Push results per reference: a remote refuses a non-fast-forward update through this.
int OnPushUpdate(const char* ref, const char* status, void* payload) {
  if (status != nullptr) {
    *static_cast<std::string*>(payload) = std::string(ref) + ": " + status;
  }
  return 0;
}

}  // namespace

std::string EvidenceTreePath(std::string_view requirement_id, std::string_view sha256_hex,
                             std::string_view media_type) {
  // The requirement id comes from the device's snapshot: keep it one harmless path component.
  std::string safe;
  for (const char c : requirement_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    safe.push_back(ok ? c : '_');
  }
  if (safe.empty() || safe.find_first_not_of('.') == std::string::npos) safe = "_" + safe;
  return "evidence/" + safe + "/" + std::string(sha256_hex) + "." +
         std::string(ExtensionFor(media_type));
}

Result<bool> DeliverToGit(const GitDelivery& delivery) {
  static GitLibrary library;
  const std::string where = "the git remote " + delivery.remote;

  git_repository* raw_repo = nullptr;
  std::error_code fs_error;
  if (std::filesystem::exists(delivery.mirror_dir, fs_error)) {
    if (git_repository_open_bare(&raw_repo, delivery.mirror_dir.c_str()) != 0) {
      return Internal("cannot open the local git mirror " + delivery.mirror_dir + ": " +
                      LastGitError() + "; delete it, it is rebuilt from the remote");
    }
  } else {
    std::filesystem::create_directories(delivery.mirror_dir, fs_error);
    if (git_repository_init(&raw_repo, delivery.mirror_dir.c_str(), /*is_bare=*/1) != 0) {
      return Internal("cannot make the local git mirror " + delivery.mirror_dir + ": " +
                      LastGitError());
    }
  }
  const Repository repo(raw_repo);

  git_remote* raw_remote = nullptr;
  if (git_remote_create_anonymous(&raw_remote, repo.get(), delivery.remote.c_str()) != 0) {
    return InvalidArgument("cannot use " + delivery.remote + " as a git remote: " + LastGitError() +
                           "; fix it with `cairn-server issuer add`");
  }
  const Remote remote(raw_remote);

  // The mirror's branch follows the remote's exactly (forced): the remote is the truth.
  const std::string ref = "refs/heads/" + delivery.branch;
  std::string fetch_spec = "+" + ref + ":" + ref;
  char* fetch_specs[] = {fetch_spec.data()};
  const git_strarray fetch_refs = {fetch_specs, 1};
  git_fetch_options fetch_options;
  git_fetch_options_init(&fetch_options, GIT_FETCH_OPTIONS_VERSION);
  if (git_remote_fetch(remote.get(), &fetch_refs, &fetch_options, "cairn: fetch") != 0) {
    return GitFailure("cannot fetch from " + where);
  }

  // The branch's head, if the remote has the branch.
  Commit parent;
  Tree parent_tree;
  git_reference* raw_ref = nullptr;
  if (git_reference_lookup(&raw_ref, repo.get(), ref.c_str()) == 0) {
    const Reference head(raw_ref);
    git_object* peeled = nullptr;
    if (git_reference_peel(&peeled, head.get(), GIT_OBJECT_COMMIT) != 0) {
      return GitFailure("the branch " + delivery.branch + " of " + where +
                        " does not point at a commit");
    }
    parent.reset(reinterpret_cast<git_commit*>(peeled));
    git_tree* raw_tree = nullptr;
    if (git_commit_tree(&raw_tree, parent.get()) != 0) return GitFailure("reading a tree");
    parent_tree.reset(raw_tree);
    const std::string dir = "submissions/" + delivery.submission_id;
    git_tree_entry* raw_entry = nullptr;
    if (git_tree_entry_bypath(&raw_entry, parent_tree.get(), dir.c_str()) == 0) {
      git_tree_entry_free(raw_entry);
      return false;  // delivered before: no new commit
    }
  }

  git_index* raw_index = nullptr;
  if (git_index_new(&raw_index) != 0) return GitFailure("making an index");
  const Index index(raw_index);
  if (parent_tree && git_index_read_tree(index.get(), parent_tree.get()) != 0) {
    return GitFailure("reading the branch's tree");
  }
  const std::string prefix = "submissions/" + delivery.submission_id + "/";
  const auto add = [&](const std::string& path, const git_oid& oid) -> Status {
    git_index_entry entry{};
    entry.mode = GIT_FILEMODE_BLOB;
    entry.id = oid;
    entry.path = path.c_str();
    if (git_index_add(index.get(), &entry) != 0) return GitFailure("adding " + path);
    return {};
  };
  git_oid oid;
  if (git_blob_create_from_buffer(&oid, repo.get(), delivery.envelope.data(),
                                  delivery.envelope.size()) != 0) {
    return GitFailure("storing submission.json");
  }
  CAIRN_RETURN_IF_ERROR(add(prefix + "submission.json", oid));
  for (const GitDelivery::File& file : delivery.evidence) {
    if (git_blob_create_from_disk(&oid, repo.get(), file.disk_path.c_str()) != 0) {
      return Internal("cannot read the evidence file " + file.disk_path + ": " + LastGitError());
    }
    CAIRN_RETURN_IF_ERROR(add(prefix + file.tree_path, oid));
  }
  git_oid tree_oid;
  if (git_index_write_tree_to(&tree_oid, index.get(), repo.get()) != 0) {
    return GitFailure("writing the tree");
  }
  git_tree* raw_tree = nullptr;
  if (git_tree_lookup(&raw_tree, repo.get(), &tree_oid) != 0) return GitFailure("the new tree");
  const Tree tree(raw_tree);

  git_signature* raw_signature = nullptr;
  if (git_signature_new(&raw_signature, "Cairn", "cairn@invalid",
                        static_cast<git_time_t>(delivery.completed_ms / 1000), 0) != 0) {
    return GitFailure("making the commit signature");
  }
  const Signature signature(raw_signature);
  const std::string message = "Submission " + delivery.submission_id + "\n";
  const git_commit* parents[] = {parent.get()};
  git_oid commit_oid;
  if (git_commit_create(&commit_oid, repo.get(), ref.c_str(), signature.get(), signature.get(),
                        "UTF-8", message.c_str(), tree.get(), parent ? 1 : 0, parents) != 0) {
    return GitFailure("committing submission " + delivery.submission_id);
  }

  std::string push_spec = ref + ":" + ref;
  char* push_specs[] = {push_spec.data()};
  const git_strarray push_refs = {push_specs, 1};
  std::string refused;
  git_push_options push_options;
  git_push_options_init(&push_options, GIT_PUSH_OPTIONS_VERSION);
  push_options.callbacks.push_update_reference = OnPushUpdate;
  push_options.callbacks.payload = &refused;
  if (git_remote_push(remote.get(), &push_refs, &push_options) != 0) {
    return GitFailure("cannot push to " + where);
  }
  if (!refused.empty()) {
    return Unavailable(where + " refused the push (" + refused +
                       "); the next attempt fetches its branch again");
  }
  return true;
}

}  // namespace cairn::server
