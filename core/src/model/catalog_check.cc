#include "cairn/catalog_check.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "cairn/blob_store.h"
#include "model/badge_image_check.h"
#include "model/catalog_rules.h"

namespace cairn {
namespace {

using google::protobuf::TextFormat;
using model::SourceNode;

constexpr std::string_view kTextprotoSuffix = ".textproto";

// Collects the parser's complaints as CatalogErrors. The parser stops at its first error, so
// there is at most one per file.
class ParseErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  ParseErrorCollector(const std::string& path, std::vector<CatalogError>& errors)
      : path_(path), errors_(errors) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    // The tokenizer names the token it found; at the end of the input that is nothing.
    std::string text = message;
    if (text.ends_with("got: ")) text += "the end of the file";
    text += "; ";
    text += Hint(message);
    // The parser reports -1 for errors that belong to no position.
    errors_.push_back({path_, line < 0 ? 0 : line + 1, line < 0 ? 0 : column + 1, text});
    ++count_;
  }

  int count() const { return count_; }

 private:
  static std::string_view Hint(std::string_view message) {
    if (message.find("Expected integer") != std::string_view::npos ||
        message.find("Integer out of range") != std::string_view::npos) {
      return "write a whole number of 0 or more (counts and limits cannot be negative)";
    }
    if (message.find("has no field named") != std::string_view::npos) {
      return "check the spelling against schemas/cairn/v1/catalog.proto";
    }
    if (message.find("Unknown enumeration value") != std::string_view::npos) {
      return "use one of the values catalog.proto lists for this field";
    }
    if (message.find("specified multiple times") != std::string_view::npos) {
      return "keep one of them";
    }
    if (message.find("String") != std::string_view::npos ||
        message.find("string") != std::string_view::npos) {
      return "put text in double quotes, e.g. title: \"Exit Tickets\"";
    }
    return "see docs/catalog-format.md for the syntax";
  }

  const std::string& path_;
  std::vector<CatalogError>& errors_;
  int count_ = 0;
};

// One parsed file: its path and where the parser found each field. Held by pointer so that
// SourceNodes may point into it.
struct SourceFile {
  std::string path;
  TextFormat::ParseInfoTree tree;
};

template <typename T>
struct Parsed {
  T message;
  SourceNode node;
  // The id the file name promises (repository files); empty for a single catalog file.
  std::string file_id;
};

// Parses `text` into `message`, recording locations in `file`. False (with the error added) if
// the text is not valid.
bool ParseText(std::string_view text, SourceFile& file, google::protobuf::Message& message,
               std::vector<CatalogError>& errors) {
  ParseErrorCollector collector(file.path, errors);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&file.tree);
  if (parser.ParseFromString(std::string(text), &message)) {
    // The text format parser takes any bytes inside quotes (and \ooo or \x escapes of any
    // byte); a string that is not UTF-8 would be published and then refused by every device.
    // Such a file is treated like one with a syntax error: its other checks would quote the
    // broken text back.
    return model::CheckUtf8(
        message, SourceNode(file.path, message.GetDescriptor(), &file.tree, 1, 1), errors);
  }
  if (collector.count() == 0) {
    errors.push_back({file.path, 0, 0,
                      "not a valid " + message.GetTypeName() +
                          " in protobuf text format; see docs/catalog-format.md"});
  }
  return false;
}

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// Indexes `entries` by id, reporting an id defined twice at the second definition.
template <typename T>
void IndexById(const std::vector<Parsed<T>>& entries, std::string_view kind,
               std::map<std::string, const Parsed<T>*, std::less<>>& by_id,
               std::vector<CatalogError>& errors) {
  for (const Parsed<T>& entry : entries) {
    if (entry.message.id().empty()) continue;
    const auto [it, inserted] = by_id.emplace(entry.message.id(), &entry);
    if (inserted) continue;
    const CatalogError first = it->second->node.At("id", -1, "");
    errors.push_back(entry.node.At("id", -1,
                                   std::string(kind) + " " + Quoted(entry.message.id()) +
                                       " is defined twice (also at " + first.path + ":" +
                                       std::to_string(first.line) +
                                       "); ids are unique, rename "
                                       "one"));
  }
}

// A path that names a file inside the repository (or the catalog file's directory): relative,
// '/'-separated, without empty, "." or ".." segments.
bool IsInsidePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string_view::npos) {
    return false;
  }
  // A NUL would cut the path short where libgit2 or the file system reads it.
  for (const char c : path) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = slash + 1;
  }
  return true;
}

// Reads one image file of a BadgeImage. Null (with the error added at the field) when it cannot
// be read.
std::optional<std::string> ReadImageFile(CatalogFiles* files, const SourceNode& node,
                                         std::string_view field, const std::string& path, bool svg,
                                         std::string_view where,
                                         std::vector<CatalogError>& errors) {
  if (!IsInsidePath(path)) {
    errors.push_back(node.At(field, -1,
                             std::string(field) + " '" + path + "' is not a path inside " +
                                 std::string(where) +
                                 "; write it relative to that directory with '/', e.g. "
                                 "\"badges/exit-tickets." +
                                 (svg ? "svg" : "png") + "\""));
    return std::nullopt;
  }
  if (files == nullptr) {
    errors.push_back(node.At(field, -1,
                             path + " cannot be read: the catalog was given as text without its "
                                    "files; publish it from a file or a repository"));
    return std::nullopt;
  }
  Result<std::string> bytes =
      files->Read(path, svg ? model::kMaxBadgeSvgBytes : model::kMaxBadgePngBytes);
  if (bytes.ok()) return std::move(*bytes);
  const std::string& why = bytes.status().message();
  switch (bytes.status().code()) {
    case Code::kNotFound:
      errors.push_back(
          node.At(field, -1,
                  path + " " + why + "; " +
                      (where == "the repository" ? "commit the image" : "put the image there") +
                      ", or fix the path"));
      break;
    case Code::kFailedPrecondition:
      errors.push_back(node.At(field, -1, path + " " + why));
      break;
    case Code::kTooLarge:
      errors.push_back(node.At(field, -1, path + " " + why + "; " + model::BadgeFileLimit(svg)));
      break;
    default:
      errors.push_back(node.At(field, -1, path + " cannot be read: " + why));
  }
  return std::nullopt;
}

// Checks the BadgeImage in field "image" of the entry at `entry` and fills in what the importer
// sets. `owner` names the entry ("micro-credential 'exit-tickets'"); `where` the place paths are
// relative to.
void CheckBadgeImage(v1::BadgeImage* image, bool required, const SourceNode& entry,
                     const std::string& owner, const std::string& id, std::string_view where,
                     CatalogFiles* files, std::vector<CatalogError>& errors) {
  if (image == nullptr) {
    if (required) {
      errors.push_back(entry.Here(owner + " has no badge image; add image { path: \"badges/" + id +
                                  ".png\" } naming a square PNG of 200 to 2048 pixels in " +
                                  std::string(where)));
    }
    return;
  }
  // Authors leave these empty; whatever they wrote is replaced by what the files say.
  image->clear_png();
  image->clear_svg();
  image->clear_width();
  image->clear_height();
  image->clear_sha256();
  const SourceNode node = entry.Nested("image", -1);
  if (image->path().empty()) {
    errors.push_back(node.Here("the badge image of " + owner + " has no path; add path: \"badges/" +
                               id + ".png\" naming a PNG in " + std::string(where)));
  } else if (std::optional<std::string> png =
                 ReadImageFile(files, node, "path", image->path(), false, where, errors)) {
    model::PngHeader header;
    if (const std::string problem = model::BadgePngProblem(image->path(), *png, header);
        !problem.empty()) {
      errors.push_back(node.At("path", -1, problem));
    } else {
      image->set_width(header.width);
      image->set_height(header.height);
      image->set_sha256(Sha256Hex(Sha256Of(*png)));
      image->set_png(std::move(*png));
    }
  }
  if (image->svg_path().empty()) return;
  if (std::optional<std::string> svg =
          ReadImageFile(files, node, "svg_path", image->svg_path(), true, where, errors)) {
    if (const std::string problem = model::BadgeSvgProblem(image->svg_path(), *svg);
        !problem.empty()) {
      errors.push_back(node.At("svg_path", -1, problem));
    } else {
      image->set_svg(std::move(*svg));
    }
  }
}

}  // namespace

std::string CatalogError::ToString() const {
  if (line <= 0) return path + ": " + message;
  return path + ":" + std::to_string(line) + ":" + std::to_string(column > 0 ? column : 1) + ": " +
         message;
}

Status CatalogErrorsStatus(const std::vector<CatalogError>& errors) {
  std::string out;
  for (const CatalogError& error : errors) out += error.ToString() + "\n";
  out += std::to_string(errors.size()) + (errors.size() == 1 ? " error" : " errors") +
         "; nothing was published";
  return InvalidArgument(std::move(out));
}

CatalogFileRole RoleOfCatalogPath(std::string_view path) {
  if (!path.ends_with(kTextprotoSuffix)) return CatalogFileRole::kIgnored;
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos || path.find('/', slash + 1) != std::string_view::npos) {
    return CatalogFileRole::kMisplaced;
  }
  const std::string_view dir = path.substr(0, slash);
  if (dir == "issuers") return CatalogFileRole::kIssuer;
  if (dir == "stacks") return CatalogFileRole::kStack;
  if (dir == "micro-credentials") return CatalogFileRole::kMicroCredential;
  return CatalogFileRole::kMisplaced;
}

struct CatalogChecker::State {
  std::vector<std::unique_ptr<SourceFile>> files;
  std::vector<Parsed<v1::Issuer>> issuers;
  std::vector<Parsed<v1::Stack>> stacks;
  std::vector<Parsed<v1::MicroCredential>> micro_credentials;
  // Ids of files that did not parse (from their names), so that references to them are not
  // reported as well: the author has one problem to fix, not two.
  std::set<std::string, std::less<>> unparsed_issuers;
  std::set<std::string, std::less<>> unparsed_stacks;
  std::set<std::string, std::less<>> unparsed_micro_credentials;
  // The single catalog file's commit, if one was added.
  std::string file_commit;
  std::string catalog_path;
  bool any_catalog_file = false;
  std::vector<CatalogError> errors;

  SourceFile& NewFile(std::string_view path) {
    files.push_back(std::make_unique<SourceFile>());
    files.back()->path = std::string(path);
    return *files.back();
  }

  template <typename T>
  void AddEntity(std::string_view path, std::string_view text, std::vector<Parsed<T>>& into,
                 std::set<std::string, std::less<>>& unparsed) {
    const std::string_view name = path.substr(path.find('/') + 1);
    const std::string file_id(name.substr(0, name.size() - kTextprotoSuffix.size()));
    SourceFile& file = NewFile(path);
    T message;
    if (!ParseText(text, file, message, errors)) {
      unparsed.insert(file_id);
      return;
    }
    model::TrimStrings(message);
    into.push_back(
        {std::move(message), SourceNode(file.path, T::descriptor(), &file.tree, 1, 1), file_id});
  }
};

CatalogChecker::CatalogChecker() : state_(std::make_unique<State>()) {}
CatalogChecker::~CatalogChecker() = default;

void CatalogChecker::AddRepositoryFile(std::string_view path, std::string_view text) {
  State& s = *state_;
  switch (RoleOfCatalogPath(path)) {
    case CatalogFileRole::kIgnored:
      return;
    case CatalogFileRole::kMisplaced:
      s.errors.push_back({std::string(path), 0, 0,
                          "a .textproto file outside issuers/, stacks/ and micro-credentials/; "
                          "move it into the directory of what it defines (directly, not in a "
                          "subdirectory), or rename it if it is not part of the catalog"});
      return;
    case CatalogFileRole::kIssuer:
      s.AddEntity(path, text, s.issuers, s.unparsed_issuers);
      return;
    case CatalogFileRole::kStack:
      s.AddEntity(path, text, s.stacks, s.unparsed_stacks);
      return;
    case CatalogFileRole::kMicroCredential:
      s.AddEntity(path, text, s.micro_credentials, s.unparsed_micro_credentials);
      return;
  }
}

void CatalogChecker::AddCatalogFile(std::string_view path, std::string_view text) {
  State& s = *state_;
  s.any_catalog_file = true;
  s.catalog_path = std::string(path);
  SourceFile& file = s.NewFile(path);
  v1::Catalog catalog;
  if (!ParseText(text, file, catalog, s.errors)) return;
  model::TrimStrings(catalog);
  const SourceNode root(file.path, v1::Catalog::descriptor(), &file.tree, 1, 1);
  s.file_commit = catalog.commit();
  if (catalog.commit().empty()) {
    s.errors.push_back(root.Here(
        "the catalog has no commit; add commit: \"...\" naming this version of the catalog"));
  }
  for (int i = 0; i < catalog.issuers_size(); ++i) {
    s.issuers.push_back({catalog.issuers(i), root.Nested("issuers", i), {}});
  }
  for (int i = 0; i < catalog.stacks_size(); ++i) {
    s.stacks.push_back({catalog.stacks(i), root.Nested("stacks", i), {}});
  }
  for (int i = 0; i < catalog.micro_credentials_size(); ++i) {
    s.micro_credentials.push_back(
        {catalog.micro_credentials(i), root.Nested("micro_credentials", i), {}});
  }
}

void CatalogChecker::AddError(CatalogError error) { state_->errors.push_back(std::move(error)); }

Result<v1::Catalog> CatalogChecker::Finish(std::string_view commit, CatalogFiles* files,
                                           std::vector<CatalogError>* errors_out) {
  State& s = *state_;
  std::vector<CatalogError>& errors = s.errors;

  // Each file on its own.
  const auto file_name_matches = [&](const auto& entry, std::string_view kind) {
    if (entry.file_id.empty() || entry.file_id == entry.message.id()) return;
    errors.push_back(entry.node.At("id", -1,
                                   "the file is named " + Quoted(entry.file_id) + " but defines " +
                                       std::string(kind) + " " + Quoted(entry.message.id()) +
                                       "; rename the file to " + entry.message.id() +
                                       ".textproto or set id: \"" + entry.file_id + "\""));
  };
  for (const auto& e : s.issuers) {
    model::CheckIssuer(e.message, e.node, errors);
    file_name_matches(e, "issuer");
  }
  for (const auto& e : s.stacks) {
    model::CheckStack(e.message, e.node, errors);
    file_name_matches(e, "stack");
  }
  for (const auto& e : s.micro_credentials) {
    model::CheckMicroCredential(e.message, e.node, errors);
    file_name_matches(e, "micro-credential");
  }

  // Badge images, read from the files the entries name.
  const std::string_view where =
      s.any_catalog_file ? "the catalog file's directory" : "the repository";
  for (auto& e : s.issuers) {
    CheckBadgeImage(e.message.has_image() ? e.message.mutable_image() : nullptr,
                    /*required=*/false, e.node, "issuer " + Quoted(e.message.id()), e.message.id(),
                    where, files, errors);
  }
  for (auto& e : s.stacks) {
    CheckBadgeImage(e.message.has_image() ? e.message.mutable_image() : nullptr,
                    /*required=*/true, e.node, "stack " + Quoted(e.message.id()), e.message.id(),
                    where, files, errors);
  }
  for (auto& e : s.micro_credentials) {
    CheckBadgeImage(e.message.has_image() ? e.message.mutable_image() : nullptr,
                    /*required=*/true, e.node, "micro-credential " + Quoted(e.message.id()),
                    e.message.id(), where, files, errors);
  }

  // Unique ids per kind.
  std::map<std::string, const Parsed<v1::Issuer>*, std::less<>> issuer_by_id;
  std::map<std::string, const Parsed<v1::Stack>*, std::less<>> stack_by_id;
  std::map<std::string, const Parsed<v1::MicroCredential>*, std::less<>> mc_by_id;
  IndexById(s.issuers, "issuer", issuer_by_id, errors);
  IndexById(s.stacks, "stack", stack_by_id, errors);
  IndexById(s.micro_credentials, "micro-credential", mc_by_id, errors);

  // References between files.
  const auto issuer_known = [&](const std::string& id) {
    return id.empty() || issuer_by_id.contains(id) || s.unparsed_issuers.contains(id);
  };
  const std::string issuer_hint =
      s.any_catalog_file ? "add an issuers { id: ... } entry" : "add issuers/<id>.textproto";
  for (const auto& e : s.stacks) {
    if (!issuer_known(e.message.issuer_id())) {
      errors.push_back(e.node.At("issuer_id", -1,
                                 "issuer " + Quoted(e.message.issuer_id()) +
                                     " is not in the catalog; " + issuer_hint + " or fix the id"));
    }
    for (int i = 0; i < e.message.micro_credential_ids_size(); ++i) {
      const std::string& id = e.message.micro_credential_ids(i);
      if (id.empty() || s.unparsed_micro_credentials.contains(id)) continue;
      const auto mc = mc_by_id.find(id);
      if (mc == mc_by_id.end()) {
        errors.push_back(e.node.At("micro_credential_ids", i,
                                   "micro-credential " + Quoted(id) +
                                       " is not in the catalog; fix the id or remove it from "
                                       "the stack"));
        continue;
      }
      const auto& listed = mc->second->message.stack_ids();
      if (std::find(listed.begin(), listed.end(), e.message.id()) == listed.end()) {
        errors.push_back(e.node.At(
            "micro_credential_ids", i,
            "stack " + Quoted(e.message.id()) + " lists micro-credential " + Quoted(id) +
                ", which does not list the stack; add "
                "stack_ids: \"" +
                e.message.id() + "\" to " + mc->second->node.path() + " or remove it here"));
      }
    }
  }
  for (const auto& e : s.micro_credentials) {
    if (!issuer_known(e.message.issuer_id())) {
      errors.push_back(e.node.At("issuer_id", -1,
                                 "issuer " + Quoted(e.message.issuer_id()) +
                                     " is not in the catalog; " + issuer_hint + " or fix the id"));
    }
    for (int i = 0; i < e.message.stack_ids_size(); ++i) {
      const std::string& id = e.message.stack_ids(i);
      if (id.empty() || s.unparsed_stacks.contains(id)) continue;
      const auto stack = stack_by_id.find(id);
      if (stack == stack_by_id.end()) {
        errors.push_back(
            e.node.At("stack_ids", i,
                      "stack " + Quoted(id) + " is not in the catalog; fix the id or remove it"));
        continue;
      }
      const auto& listed = stack->second->message.micro_credential_ids();
      if (std::find(listed.begin(), listed.end(), e.message.id()) == listed.end()) {
        errors.push_back(e.node.At(
            "stack_ids", i,
            "micro-credential " + Quoted(e.message.id()) + " says it belongs to stack " +
                Quoted(id) + ", which does not list it; add micro_credential_ids: \"" +
                e.message.id() + "\" to " + stack->second->node.path() + " or remove it here"));
      }
    }
  }

  const std::string version = commit.empty() ? s.file_commit : std::string(commit);
  if (errors.empty() && s.micro_credentials.empty() && s.unparsed_micro_credentials.empty()) {
    errors.push_back({s.any_catalog_file ? s.catalog_path : std::string("micro-credentials/"), 0, 0,
                      s.any_catalog_file
                          ? "the catalog defines no micro-credential; add micro_credentials { "
                            "... }"
                          : "the repository defines no micro-credential; add "
                            "micro-credentials/<id>.textproto (is this the right repository "
                            "and ref?)"});
  }

  // In reading order: by file, then line and column.
  std::stable_sort(errors.begin(), errors.end(), [](const CatalogError& a, const CatalogError& b) {
    return std::tie(a.path, a.line, a.column) < std::tie(b.path, b.line, b.column);
  });
  if (errors_out != nullptr) *errors_out = errors;
  if (!errors.empty()) return CatalogErrorsStatus(errors);

  v1::Catalog catalog;
  catalog.set_commit(version);
  for (auto& e : s.issuers) *catalog.add_issuers() = std::move(e.message);
  for (auto& e : s.stacks) {
    e.message.set_version(version);
    *catalog.add_stacks() = std::move(e.message);
  }
  for (auto& e : s.micro_credentials) {
    e.message.set_version(version);
    *catalog.add_micro_credentials() = std::move(e.message);
  }
  return catalog;
}

}  // namespace cairn
