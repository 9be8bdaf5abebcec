#include "catalog/git_source.h"

#include <git2.h>
#include <openssl/evp.h>

#include <array>
#include <filesystem>
#include <memory>

#include "cairn/hex.h"

namespace cairn::server {
namespace {

// libgit2's global state, held for the duration of one call.
class GitLibrary {
 public:
  GitLibrary() { git_libgit2_init(); }
  ~GitLibrary() { git_libgit2_shutdown(); }
  GitLibrary(const GitLibrary&) = delete;
  GitLibrary& operator=(const GitLibrary&) = delete;
};

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const { Free(p); }
};
using Repository = std::unique_ptr<git_repository, GitDeleter<git_repository, git_repository_free>>;
using Remote = std::unique_ptr<git_remote, GitDeleter<git_remote, git_remote_free>>;
using Object = std::unique_ptr<git_object, GitDeleter<git_object, git_object_free>>;
using Commit = std::unique_ptr<git_commit, GitDeleter<git_commit, git_commit_free>>;
using Tree = std::unique_ptr<git_tree, GitDeleter<git_tree, git_tree_free>>;
using Odb = std::unique_ptr<git_odb, GitDeleter<git_odb, git_odb_free>>;
using OdbObject = std::unique_ptr<git_odb_object, GitDeleter<git_odb_object, git_odb_object_free>>;
using TreeEntry = std::unique_ptr<git_tree_entry, GitDeleter<git_tree_entry, git_tree_entry_free>>;

// The message of libgit2's last error.
std::string GitError() {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? error->message : "unknown libgit2 error";
}

std::string Hex(const git_oid& oid) {
  std::array<char, GIT_OID_HEXSZ + 1> text{};
  git_oid_tostr(text.data(), text.size(), &oid);
  return text.data();
}

// Fetches every branch and tag of `url` into the bare mirror `repo` and points its HEAD at the
// remote's default branch, so that refs resolve in the cache as they do in the source.
Status FetchMirror(git_repository* repo, const std::string& url) {
  git_remote* raw = nullptr;
  if (git_remote_create_anonymous(&raw, repo, url.c_str()) != 0) {
    return InvalidArgument("cannot use " + url + " as a git remote: " + GitError());
  }
  const Remote remote(raw);
  git_remote_callbacks callbacks;
  git_remote_init_callbacks(&callbacks, GIT_REMOTE_CALLBACKS_VERSION);
  if (git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) != 0) {
    return Unavailable("cannot reach the catalog repository " + url + ": " + GitError() +
                       "; check the URL and the network, then import again");
  }
  git_buf head = GIT_BUF_INIT;
  const bool has_head = git_remote_default_branch(&head, remote.get()) == 0;
  const std::string default_branch = has_head ? std::string(head.ptr, head.size) : "";
  git_buf_dispose(&head);

  std::array<char*, 2> specs = {const_cast<char*>("+refs/heads/*:refs/heads/*"),  // NOLINT
                                const_cast<char*>("+refs/tags/*:refs/tags/*")};   // NOLINT
  const git_strarray refspecs = {specs.data(), specs.size()};
  git_fetch_options options;
  git_fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION);
  options.prune = GIT_FETCH_PRUNE;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // the refspec takes every tag
  if (git_remote_download(remote.get(), &refspecs, &options) != 0 ||
      git_remote_update_tips(remote.get(), &callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE,
                             "cairn catalog import") != 0) {
    const std::string why = GitError();
    git_remote_disconnect(remote.get());
    return Unavailable("cannot fetch the catalog repository " + url + ": " + why +
                       "; import again when it is reachable");
  }
  git_remote_disconnect(remote.get());
  if (!default_branch.empty() && git_repository_set_head(repo, default_branch.c_str()) != 0) {
    return Internal("cannot point the cached catalog's HEAD at " + default_branch + ": " +
                    GitError());
  }
  return {};
}

// Opens (or creates) the cache of `url` under `cache_root` and fetches into it.
Result<Repository> OpenMirror(std::string_view url, std::string_view cache_root,
                              std::string& path) {
  path = CatalogCacheDir(cache_root, url);
  std::error_code ec;
  std::filesystem::create_directories(std::string(cache_root), ec);
  if (ec) {
    return Internal("cannot create " + std::string(cache_root) + ": " + ec.message());
  }
  git_repository* raw = nullptr;
  const bool exists = std::filesystem::exists(path, ec);
  const int opened = exists ? git_repository_open_bare(&raw, path.c_str())
                            : git_repository_init(&raw, path.c_str(), /*is_bare=*/1);
  if (opened != 0) {
    return Internal("cannot " + std::string(exists ? "open" : "create") + " the catalog cache " +
                    path + ": " + GitError() + "; remove that directory and import again");
  }
  Repository repo(raw);
  CAIRN_RETURN_IF_ERROR(FetchMirror(repo.get(), std::string(url)));
  return repo;
}

Result<Repository> OpenLocal(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return NotFound("no catalog repository at " + path + ": the path does not exist");
  }
  git_repository* raw = nullptr;
  // NO_SEARCH: a plain directory inside some other repository must not import that one.
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return InvalidArgument(path + " is not a git repository (" + GitError() +
                           "); give the repository's top directory or its .git directory");
  }
  return Repository(raw);
}

struct WalkState {
  git_odb* odb = nullptr;
  CatalogChecker* checker = nullptr;
  Status failure;
};

int VisitEntry(const char* root, const git_tree_entry* entry, void* payload) {
  auto& state = *static_cast<WalkState*>(payload);
  const std::string path = std::string(root) + git_tree_entry_name(entry);
  const git_object_t type = git_tree_entry_type(entry);
  if (type == GIT_OBJECT_TREE) return 0;  // descend
  const CatalogFileRole role = RoleOfCatalogPath(path);
  if (role == CatalogFileRole::kIgnored) return 0;
  if (type != GIT_OBJECT_BLOB) {
    state.checker->AddError({path, 0, 0,
                             "a submodule, not a file; catalog files must be committed in the "
                             "catalog repository itself"});
    return 0;
  }
  if (git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
    state.checker->AddError({path, 0, 0,
                             "a symbolic link; commit the file itself (catalog files are read "
                             "from the commit, not from a checkout)"});
    return 0;
  }
  const git_oid* oid = git_tree_entry_id(entry);
  size_t size = 0;
  git_object_t object_type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&size, &object_type, state.odb, oid) != 0) {
    state.failure = DataLoss("cannot read " + path + " from the repository: " + GitError());
    return -1;
  }
  if (size > kMaxCatalogFileBytes) {
    // Refused unread: the size is in the object's header.
    state.checker->AddError({path, 1, 1,
                             "the file is " + std::to_string(size) +
                                 " bytes; catalog files are at most " +
                                 std::to_string(kMaxCatalogFileBytes) +
                                 " bytes (1 MiB): move large content out of the catalog (link "
                                 "to it with a resource URL)"});
    return 0;
  }
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, state.odb, oid) != 0) {
    state.failure = DataLoss("cannot read " + path + " from the repository: " + GitError());
    return -1;
  }
  const OdbObject object(raw);
  state.checker->AddRepositoryFile(
      path, std::string_view(static_cast<const char*>(git_odb_object_data(object.get())),
                             git_odb_object_size(object.get())));
  return 0;
}

// The files of one commit's tree, read from the object database.
class TreeFiles : public CatalogFiles {
 public:
  TreeFiles(Repository repo, Tree tree, Odb odb)
      : repo_(std::move(repo)), tree_(std::move(tree)), odb_(std::move(odb)) {}

  Result<std::string> Read(std::string_view path, uint64_t max_bytes) override {
    git_tree_entry* raw_entry = nullptr;
    const int found = git_tree_entry_bypath(&raw_entry, tree_.get(), std::string(path).c_str());
    if (found == GIT_ENOTFOUND) return NotFound("is not in the repository at this commit");
    if (found != 0) return DataLoss(GitError());
    const TreeEntry entry(raw_entry);
    switch (git_tree_entry_type(entry.get())) {
      case GIT_OBJECT_BLOB:
        break;
      case GIT_OBJECT_TREE:
        return FailedPrecondition("is a directory; name a file in it");
      default:
        return FailedPrecondition(
            "is a submodule; commit the file in the catalog repository itself");
    }
    if (git_tree_entry_filemode(entry.get()) == GIT_FILEMODE_LINK) {
      return FailedPrecondition(
          "is a symbolic link; commit the file itself (files are read from the commit, not "
          "from a checkout)");
    }
    const git_oid* oid = git_tree_entry_id(entry.get());
    size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (git_odb_read_header(&size, &type, odb_.get(), oid) != 0) return DataLoss(GitError());
    if (size > max_bytes) return TooLarge("is " + std::to_string(size) + " bytes");
    git_odb_object* raw = nullptr;
    if (git_odb_read(&raw, odb_.get(), oid) != 0) return DataLoss(GitError());
    const OdbObject object(raw);
    return std::string(static_cast<const char*>(git_odb_object_data(object.get())),
                       git_odb_object_size(object.get()));
  }

 private:
  // Keeps libgit2 initialised for as long as the handles below live (destroyed last).
  GitLibrary library_;
  Repository repo_;
  Tree tree_;
  Odb odb_;
};

}  // namespace

bool IsCatalogUrl(std::string_view source) { return source.find("://") != std::string_view::npos; }

std::string CatalogCacheDir(std::string_view cache_root, std::string_view url) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(url.data(), url.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return std::string(cache_root) + "/" +
         LowerHex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

Result<CatalogTree> ReadCatalogTree(std::string_view source, std::string_view ref,
                                    std::string_view cache_root, CatalogChecker& checker) {
  const GitLibrary library;
  CatalogTree out;
  Repository repo;
  if (IsCatalogUrl(source)) {
    if (!source.starts_with("file://") && !source.starts_with("https://")) {
      return InvalidArgument("cannot import from " + std::string(source) +
                             ": catalog URLs are https:// (or file:// for a repository on this "
                             "machine)");
    }
    CAIRN_ASSIGN_OR_RETURN(repo, OpenMirror(source, cache_root, out.repository));
  } else {
    out.repository = std::string(source);
    CAIRN_ASSIGN_OR_RETURN(repo, OpenLocal(out.repository));
  }

  const std::string spec = ref.empty() ? "HEAD" : std::string(ref);
  git_object* raw_object = nullptr;
  if (git_revparse_single(&raw_object, repo.get(), spec.c_str()) != 0) {
    return NotFound("ref '" + spec + "' is not in the catalog repository " + std::string(source) +
                    " (" + GitError() + "); name a branch, a tag or a commit id that exists there");
  }
  const Object object(raw_object);
  git_object* raw_commit = nullptr;
  if (git_object_peel(&raw_commit, object.get(), GIT_OBJECT_COMMIT) != 0) {
    return InvalidArgument("ref '" + spec + "' of " + std::string(source) +
                           " does not name a commit: " + GitError());
  }
  const Commit commit(reinterpret_cast<git_commit*>(raw_commit));  // NOLINT: libgit2's cast
  out.commit = Hex(*git_commit_id(commit.get()));

  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit.get()) != 0) {
    return DataLoss("cannot read the tree of commit " + out.commit + ": " + GitError());
  }
  Tree tree(raw_tree);
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo.get()) != 0) {
    return Internal("cannot open the object database of " + out.repository + ": " + GitError());
  }
  Odb odb(raw_odb);
  WalkState state{odb.get(), &checker, {}};
  if (git_tree_walk(tree.get(), GIT_TREEWALK_PRE, &VisitEntry, &state) != 0 && state.failure.ok()) {
    return DataLoss("cannot walk the tree of commit " + out.commit + ": " + GitError());
  }
  if (!state.failure.ok()) return state.failure;
  out.files = std::make_unique<TreeFiles>(std::move(repo), std::move(tree), std::move(odb));
  return out;
}

}  // namespace cairn::server
