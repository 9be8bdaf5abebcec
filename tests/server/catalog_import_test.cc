// The catalog import end to end: real git repositories made with the git command in a temporary
// directory, imported with libgit2 into a real ServerStore, and (where versions matter) pulled
// by a real device through the sync Service. Bad repositories are each refused with the file
// and line of the problem, and nothing is published from them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "api/service.h"
#include "cairn/blob_store.h"
#include "cairn/catalog_text.h"
#include "cairn/device.h"
#include "cairn/sync.h"
#include "catalog/git_source.h"
#include "catalog/import.h"
#include "server/in_process_transport.h"
#include "store/server_store.h"
#include "support/fakes.h"
#include "support/png.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::HeaderOnlyPng;
using ::cairn::testing::InProcessTransport;
using ::cairn::testing::IsOk;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr std::string_view kIssuer = R"(id: "northbridge"
name: "Northbridge Teacher Institute"
url: "https://northbridge.example.org"
)";

constexpr std::string_view kStack = R"(id: "formative"
title: "Formative Assessment"
issuer_id: "northbridge"
image { path: "badges/formative.png" }
micro_credential_ids: "exit-tickets"
micro_credential_ids: "wait-time"
)";

// A complete micro-credential; TITLE, ID and BADGE (its id again, in the image's path) are
// replaced.
constexpr std::string_view kMicroCredential = R"(id: "ID"
title: "TITLE"
issuer_id: "northbridge"
summary: "Check understanding at the end of a lesson."
competency: "The educator checks understanding and adjusts instruction."
key_method: "Students answer a short question; the educator sorts the answers."
image { path: "badges/BADGE.png" }
valid_for_years: 5
estimated_hours: 10
topics: "formative assessment"
stack_ids: "formative"
requirements {
  overview_questions {
    id: "context"
    prompt: "Describe your class."
    word_limit: 300
  }
  artifacts {
    id: "student-work"
    title: "Student work"
    description: "Three exit tickets, names hidden."
    media_types: "image/*"
    media_types: "application/pdf"
    min_count: 1
    max_count: 3
  }
  reflection {
    id: "reflection"
    prompt: "What did you change?"
    word_limit: 500
  }
}
rubric {
  levels { id: "pass" label: "Pass" passing: true }
  levels { id: "not-yet" label: "Not yet" }
  criteria {
    id: "context-clear"
    requirement_id: "context"
    description: "The context is clear."
    descriptors { level_id: "pass" text: "Clear." }
    descriptors { level_id: "not-yet" text: "Unclear." }
  }
  criteria {
    id: "work-shows-sort"
    requirement_id: "student-work"
    description: "The work shows the sort."
    descriptors { level_id: "pass" text: "Shown." }
    descriptors { level_id: "not-yet" text: "Not shown." }
  }
  criteria {
    id: "reflection-deep"
    requirement_id: "reflection"
    description: "The reflection names a change."
    descriptors { level_id: "pass" text: "Named." }
    descriptors { level_id: "not-yet" text: "Not named." }
  }
  award_rule { kind: AWARD_RULE_KIND_ALL_CRITERIA_PASSING }
}
)";

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' is not in the text";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string MicroCredentialText(std::string_view id, std::string_view title) {
  return Replace(Replace(Replace(std::string(kMicroCredential), "ID", id), "TITLE", title), "BADGE",
                 id);
}

// The badge every micro-credential and the stack of the good catalog wear: a square PNG.
const std::string& GoodBadge() {
  static const std::string* const png = new std::string(HeaderOnlyPng(400, 400));
  return *png;
}

// The 1-based line of the first occurrence of `marker` in `text`.
int LineOf(std::string_view text, std::string_view marker) {
  const size_t at = text.find(marker);
  EXPECT_NE(at, std::string_view::npos) << "'" << marker << "' is not in the text";
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

// Runs a shell command; its standard output, trailing newline removed. Fails the test on a
// non-zero exit.
std::string Shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string out;
  std::array<char, 4096> buffer{};
  while (pipe != nullptr && std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
    out += buffer.data();
  }
  const int rc = pipe != nullptr ? pclose(pipe) : -1;
  EXPECT_EQ(rc, 0) << command << "\n" << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string Quote(const std::string& text) { return "'" + text + "'"; }

// A real git repository on disk, driven by the git command.
class GitRepo {
 public:
  explicit GitRepo(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    Git("init -q -b main");
  }

  const std::string& dir() const { return dir_; }

  void Write(const std::string& path, std::string_view text) {
    const std::filesystem::path file = std::filesystem::path(dir_) / path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
  }
  void Remove(const std::string& path) { Git("rm -q " + Quote(path)); }

  // Commits everything; returns the commit id.
  std::string Commit(const std::string& message) {
    Git("add -A");
    Git("-c user.name=Issuer -c user.email=issuer@example.org commit -q --allow-empty -m " +
        Quote(message));
    return Git("rev-parse HEAD");
  }
  std::string Git(const std::string& args) { return Shell("git -C " + Quote(dir_) + " " + args); }

  // The small valid catalog every test starts from.
  void WriteGoodCatalog() {
    Write("README.md", "# Northbridge catalog\n");
    Write("issuers/northbridge.textproto", kIssuer);
    Write("stacks/formative.textproto", kStack);
    Write("micro-credentials/exit-tickets.textproto",
          MicroCredentialText("exit-tickets", "Exit Tickets"));
    Write("micro-credentials/wait-time.textproto", MicroCredentialText("wait-time", "Wait Time"));
    Write("badges/exit-tickets.png", GoodBadge());
    Write("badges/wait-time.png", GoodBadge());
    Write("badges/formative.png", GoodBadge());
  }

 private:
  std::string dir_;
};

class CatalogImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerStoreOptions options;
    options.env = Env{&clock_, &server_random_};
    Result<std::unique_ptr<server::ServerStore>> store =
        server::ServerStore::Open(dir_.File("server.db"), options);
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    service_ = std::make_unique<server::Service>(*store_, metrics_);
    transport_ = std::make_unique<InProcessTransport>(*service_);
  }

  Result<server::CatalogImport> Import(const std::string& source, const std::string& ref = "") {
    server::CatalogImportRequest request;
    request.source = source;
    request.ref = ref;
    request.cache_root = dir_.File("catalog-sources");
    request.now_ms = clock_.NowMillis();
    return server::ImportCatalog(*store_, request);
  }

  // Imports and expects success.
  server::CatalogImport MustImport(const std::string& source, const std::string& ref = "") {
    Result<server::CatalogImport> imported = Import(source, ref);
    EXPECT_THAT(imported.status(), IsOk());
    if (!imported.ok()) return {};
    std::string errors;
    for (const CatalogError& e : imported->errors) errors += e.ToString() + "\n";
    EXPECT_THAT(imported->errors, IsEmpty()) << errors;
    return *imported;
  }

  uint64_t LastSeq() {
    Result<uint64_t> seq = store_->LastServerSeq();
    EXPECT_THAT(seq.status(), IsOk());
    return seq.ok() ? *seq : 0;
  }

  // A device of a new educator, synced with the server.
  std::unique_ptr<Device> SyncedDevice(const std::string& name) {
    Result<server::User> user = store_->AddUser(name, server::Role::kEducator);
    EXPECT_THAT(user.status(), IsOk());
    Result<std::unique_ptr<Device>> device =
        Device::Open(dir_.File(name + ".db"), Env{&clock_, &device_random_});
    EXPECT_THAT(device.status(), IsOk());
    Result<std::string> code = store_->NewEnrolCode(user->id);
    EXPECT_THAT(code.status(), IsOk());
    SyncSettings settings;
    settings.server_url = "https://in-process";
    EXPECT_THAT(Enrol((*device)->replica(), *transport_, settings, *code, name), IsOk());
    Sync(**device);
    return std::move(*device);
  }

  void Sync(Device& device) {
    EXPECT_THAT(RunSync(device.replica(), *transport_).status(), IsOk());
  }

  std::string RepoDir(const std::string& name) { return dir_.File(name); }

  FakeClock clock_{1'790'000'000'000};
  SeededRandom server_random_{7};
  SeededRandom device_random_{8};
  TempDir dir_;
  server::Metrics metrics_;
  std::unique_ptr<server::ServerStore> store_;
  std::unique_ptr<server::Service> service_;
  std::unique_ptr<InProcessTransport> transport_;
};

TEST_F(CatalogImportTest, GoodRepositoryImportsOnceAndTheSameCommitAgainPublishesNothing) {
  GitRepo repo(RepoDir("issuer"));
  repo.WriteGoodCatalog();
  const std::string commit = repo.Commit("first catalog");

  const server::CatalogImport first = MustImport(repo.dir());
  EXPECT_EQ(first.commit, commit);
  EXPECT_EQ(first.publication.micro_credentials.published, 2U);
  EXPECT_EQ(first.publication.stacks.published, 1U);
  EXPECT_EQ(first.publication.issuers.published, 1U);
  const uint64_t seq = LastSeq();
  EXPECT_GT(seq, 0U);

  const server::CatalogImport again = MustImport(repo.dir());
  EXPECT_EQ(again.publication.micro_credentials.published, 0U);
  EXPECT_EQ(again.publication.micro_credentials.unchanged, 2U);
  EXPECT_EQ(again.publication.stacks.unchanged, 1U);
  EXPECT_EQ(again.publication.issuers.unchanged, 1U);
  EXPECT_EQ(LastSeq(), seq) << "importing the same commit again must write no change";

  // Devices receive micro-credentials, stacks and issuers, pinned to the commit.
  std::unique_ptr<Device> device = SyncedDevice("ana");
  Result<std::vector<v1::MicroCredential>> all = device->ListMicroCredentials();
  ASSERT_THAT(all.status(), IsOk());
  ASSERT_THAT(*all, SizeIs(2));
  EXPECT_EQ((*all)[0].title(), "Exit Tickets");
  EXPECT_EQ((*all)[0].version(), commit);
  EXPECT_EQ((*all)[0].valid_for_years(), 5U);
  // The badge travels with the entry: the PNG's bytes, its size and hash, read from the commit.
  const v1::BadgeImage& badge = (*all)[0].image();
  EXPECT_EQ(badge.path(), "badges/exit-tickets.png");
  EXPECT_EQ(badge.png(), GoodBadge());
  EXPECT_EQ(badge.width(), 400U);
  EXPECT_EQ(badge.height(), 400U);
  EXPECT_EQ(badge.sha256(), Sha256Hex(Sha256Of(GoodBadge())));
  EXPECT_THAT(badge.svg(), IsEmpty());
  Result<std::vector<v1::Stack>> stacks = device->ListStacks();
  ASSERT_THAT(stacks.status(), IsOk());
  ASSERT_THAT(*stacks, SizeIs(1));
  EXPECT_EQ((*stacks)[0].version(), commit);
  EXPECT_EQ((*stacks)[0].image().png(), GoodBadge());
  EXPECT_THAT((*stacks)[0].micro_credential_ids(), SizeIs(2));
  Result<std::vector<v1::Issuer>> issuers = device->ListIssuers();
  ASSERT_THAT(issuers.status(), IsOk());
  ASSERT_THAT(*issuers, SizeIs(1));
  EXPECT_EQ((*issuers)[0].name(), "Northbridge Teacher Institute");
}

TEST_F(CatalogImportTest,
       NewCommitPublishesOnlyTheChangedMicroCredentialAndOldPursuitsKeepWorking) {
  GitRepo repo(RepoDir("issuer"));
  repo.WriteGoodCatalog();
  const std::string first = repo.Commit("first catalog");
  MustImport(repo.dir());
  std::unique_ptr<Device> device = SyncedDevice("ana");
  Result<EntityId> pursuit = device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());

  clock_.Advance(60'000);
  repo.Write("micro-credentials/exit-tickets.textproto",
             MicroCredentialText("exit-tickets", "Exit Tickets, 2nd edition"));
  repo.Write("NOTES.md", "not part of the catalog\n");
  const std::string second = repo.Commit("retitle exit tickets");
  const server::CatalogImport update = MustImport(repo.dir());
  EXPECT_EQ(update.commit, second);
  EXPECT_EQ(update.publication.micro_credentials.published, 1U);
  EXPECT_EQ(update.publication.micro_credentials.unchanged, 1U);
  EXPECT_EQ(update.publication.stacks.published, 0U);
  EXPECT_EQ(update.publication.issuers.published, 0U);

  Sync(*device);
  Result<v1::MicroCredential> newest = device->GetMicroCredential("exit-tickets");
  ASSERT_THAT(newest.status(), IsOk());
  EXPECT_EQ(newest->version(), second);
  EXPECT_EQ(newest->title(), "Exit Tickets, 2nd edition");
  Result<v1::MicroCredential> old = device->GetMicroCredential("exit-tickets", first);
  ASSERT_THAT(old.status(), IsOk());
  EXPECT_EQ(old->title(), "Exit Tickets");
  Result<v1::MicroCredential> unchanged = device->GetMicroCredential("wait-time");
  ASSERT_THAT(unchanged.status(), IsOk());
  EXPECT_EQ(unchanged->version(), first) << "an unchanged micro-credential keeps its version";

  // The pursuit started before the update still answers the version it pinned.
  Result<v1::Pursuit> pinned = device->GetPursuit(*pursuit);
  ASSERT_THAT(pinned.status(), IsOk());
  EXPECT_EQ(pinned->micro_credential_version(), first);
  EXPECT_THAT(device->Answer(*pursuit, "context", "A class of 28."), IsOk());
  EXPECT_THAT(device->Validate(*pursuit).status(), IsOk());

  // Going back to the first commit makes its versions current again, writing no new version.
  clock_.Advance(60'000);
  const server::CatalogImport back = MustImport(repo.dir(), first);
  EXPECT_EQ(back.publication.micro_credentials.published, 1U);
  Sync(*device);
  newest = device->GetMicroCredential("exit-tickets");
  ASSERT_THAT(newest.status(), IsOk());
  EXPECT_EQ(newest->version(), first);
}

TEST_F(CatalogImportTest, ImportsByFileUrlAndByBranchAndTagAndFetchesAgainLater) {
  GitRepo repo(RepoDir("issuer"));
  repo.WriteGoodCatalog();
  const std::string v1 = repo.Commit("first catalog");
  repo.Git("tag -a v1 -m 'first release'");
  repo.Git("checkout -q -b drafts");
  repo.Write("micro-credentials/wait-time.textproto",
             MicroCredentialText("wait-time", "Wait Time (draft)"));
  const std::string draft = repo.Commit("draft");
  repo.Git("checkout -q main");

  const std::string url = "file://" + repo.dir();
  const server::CatalogImport by_head = MustImport(url);
  EXPECT_EQ(by_head.commit, v1) << "HEAD of a URL is the remote's default branch";
  EXPECT_TRUE(std::filesystem::exists(server::CatalogCacheDir(dir_.File("catalog-sources"), url)));
  EXPECT_EQ(MustImport(url, "v1").commit, v1);
  const server::CatalogImport by_branch = MustImport(url, "drafts");
  EXPECT_EQ(by_branch.commit, draft);
  EXPECT_EQ(by_branch.publication.micro_credentials.published, 1U);
  EXPECT_EQ(MustImport(repo.dir(), "drafts").commit, draft) << "a local path takes --ref too";

  // A later import of the URL fetches what was committed since.
  repo.Write("micro-credentials/exit-tickets.textproto",
             MicroCredentialText("exit-tickets", "Exit Tickets, revised"));
  const std::string later = repo.Commit("revise");
  const server::CatalogImport fetched = MustImport(url);
  EXPECT_EQ(fetched.commit, later);
  // Exit tickets changed; wait time changed back from the draft, the current version.
  EXPECT_EQ(fetched.publication.micro_credentials.published, 2U);

  EXPECT_THAT(Import(url, "no-such-branch").status(),
              StatusIs(Code::kNotFound, HasSubstr("ref 'no-such-branch' is not in")));
  EXPECT_THAT(Import(dir_.File("nowhere")).status(),
              StatusIs(Code::kNotFound, HasSubstr("does not exist")));
  std::filesystem::create_directories(dir_.File("plain"));
  EXPECT_THAT(Import(dir_.File("plain")).status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("is not a git repository")));
  EXPECT_THAT(Import("http://example.org/catalog.git").status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("https://")));
}

// One way to break the good catalog, and where the error must point.
struct BadCase {
  std::string name;
  std::string path;                                    // the file broken
  std::function<std::string(std::string)> break_text;  // applied to the good text of `path`
  std::string marker;   // text on the line the error must name; empty: line 1 or no line
  std::string message;  // part of the error message
};

// How ctest and failure messages name a case: by its name, not its bytes.
void PrintTo(const BadCase& bad, std::ostream* out) { *out << bad.name; }

std::string GoodText(const std::string& path) {
  if (path == "issuers/northbridge.textproto") return std::string(kIssuer);
  if (path == "stacks/formative.textproto") return std::string(kStack);
  if (path == "micro-credentials/wait-time.textproto") {
    return MicroCredentialText("wait-time", "Wait Time");
  }
  return MicroCredentialText("exit-tickets", "Exit Tickets");
}

const std::string kExitTickets = "micro-credentials/exit-tickets.textproto";

std::vector<BadCase> BadCases() {
  const auto swap = [](std::string from, std::string to) {
    return [from, to](std::string text) { return Replace(std::move(text), from, to); };
  };
  return {
      {"missing required field", kExitTickets,
       swap("competency: \"The educator checks understanding and adjusts instruction.\"\n", ""), "",
       "has no competency; add competency:"},
      {"unknown media type", kExitTickets, swap("\"image/*\"", "\"vidoe/*\""), "\"vidoe/*\"",
       "media type 'vidoe/*' has an unknown top-level type"},
      {"any media type", kExitTickets, swap("\"image/*\"", "\"*/*\""), "\"*/*\"",
       "accepts anything"},
      {"criterion pointing at no requirement", kExitTickets,
       swap("requirement_id: \"student-work\"", "requirement_id: \"student-wrok\""),
       "requirement_id: \"student-wrok\"", "which the requirements do not define"},
      {"negative word limit", kExitTickets, swap("word_limit: 300", "word_limit: -1"),
       "word_limit: -1", "Expected integer"},
      {"zero word limit", kExitTickets, swap("word_limit: 300", "word_limit: 0"), "word_limit: 0",
       "has no word limit"},
      {"invalid syntax", kExitTickets, swap("title: \"Exit Tickets\"", "title: Exit Tickets\""),
       "title: Exit Tickets", "put text in double quotes"},
      {"min count above max count", kExitTickets, swap("min_count: 1", "min_count: 5"),
       "min_count: 5", "is more than max_count 3"},
      {"descriptor naming no level", kExitTickets,
       swap("level_id: \"not-yet\" text: \"Unclear.\"", "level_id: \"not_yet\" text: \"X\""),
       "level_id: \"not_yet\"", "is not a level of the rubric"},
      {"insecure issuer url", "issuers/northbridge.textproto",
       swap("https://northbridge", "http://northbridge"), "url:", "use the https:// address"},
      {"file name not matching its id", "micro-credentials/wait-time.textproto",
       swap("id: \"wait-time\"", "id: \"wait-times\""), "id: \"wait-times\"",
       "the file is named 'wait-time' but defines micro-credential 'wait-times'"},
      {"stack listing a micro-credential that does not list it", kExitTickets,
       swap("stack_ids: \"formative\"\n", ""), "",
       "lists micro-credential 'exit-tickets', which does not list the stack"},
  };
}

class BadCatalogTest : public CatalogImportTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(BadCatalogTest, IsRefusedWithFileAndLineAndPublishesNothing) {
  const BadCase& bad = GetParam();
  GitRepo repo(RepoDir("issuer"));
  repo.WriteGoodCatalog();
  repo.Commit("good");
  const std::string text = bad.break_text(GoodText(bad.path));
  repo.Write(bad.path, text);
  repo.Commit("broken: " + bad.name);

  Result<server::CatalogImport> imported = Import(repo.dir());
  ASSERT_THAT(imported.status(), IsOk());
  ASSERT_THAT(imported->errors, ::testing::Not(IsEmpty()));
  std::vector<std::string> lines;
  for (const CatalogError& e : imported->errors) lines.push_back(e.ToString());
  // The stack case is reported in the stack's file, at the line listing the micro-credential.
  const bool in_stack = bad.name.starts_with("stack listing");
  const std::string path = in_stack ? "stacks/formative.textproto" : bad.path;
  const int line = in_stack             ? LineOf(kStack, "micro_credential_ids: \"exit-tickets\"")
                   : bad.marker.empty() ? 1
                                        : LineOf(text, bad.marker);
  const std::string where = path + ":" + std::to_string(line) + ":";
  EXPECT_THAT(lines, Contains(AllOf(::testing::StartsWith(where), HasSubstr(bad.message))))
      << ::testing::PrintToString(lines);
  EXPECT_EQ(LastSeq(), 0U) << "nothing may be published from a repository with errors";
}

INSTANTIATE_TEST_SUITE_P(Each, BadCatalogTest, ::testing::ValuesIn(BadCases()),
                         [](const auto& param_info) {
                           std::string name = param_info.param.name;
                           for (char& c : name) {
                             if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
                           }
                           return name;
                         });

// One way to get a badge image wrong, in micro-credentials/exit-tickets.textproto (or, for
// `in_stack`, the stack), and the error it must give.
struct BadImageCase {
  std::string name;
  std::string image_line;  // replaces `image { path: "badges/exit-tickets.png" }`; may be empty
  std::vector<std::pair<std::string, std::string>> files;  // written into the repository
  std::string message;         // the whole error after "path:line:col: "
  std::string field = "path";  // the field the error points at; "" for the message's start
  bool in_stack = false;
};

void PrintTo(const BadImageCase& bad, std::ostream* out) { *out << bad.name; }

constexpr std::string_view kGoodImageLine = "image { path: \"badges/exit-tickets.png\" }";

std::string Svg(std::string_view attributes, std::string_view prologue = "") {
  return std::string(prologue) + "<svg xmlns=\"http://www.w3.org/2000/svg\" " +
         std::string(attributes) + "><circle cx=\"1\" cy=\"1\" r=\"1\"/></svg>\n";
}

std::vector<BadImageCase> BadImageCases() {
  const std::string png = "badges/exit-tickets.png";
  const std::string svg = "badges/exit-tickets.svg";
  const std::string big_png = HeaderOnlyPng(400, 400, 6, 8, 300'000);
  const std::string big_svg =
      Svg("width=\"300\" height=\"300\"") + "<!--" + std::string(140'000, 'x') + "-->";
  const std::string with_svg =
      "image { path: \"badges/exit-tickets.png\" svg_path: \"badges/exit-tickets.svg\" }";
  return {
      {"missing image",
       "",
       {},
       "micro-credential 'exit-tickets' has no badge image; add image "
       "{ path: \"badges/exit-tickets.png\" } naming a square PNG of 200 to 2048 pixels in the "
       "repository",
       ""},
      {"stack without image",
       "",
       {},
       "stack 'formative' has no badge image; add image { path: "
       "\"badges/formative.png\" } naming a square PNG of 200 to 2048 pixels in the repository",
       "",
       true},
      {"image without path",
       "image { svg_path: \"badges/exit-tickets.svg\" }",
       {{svg, Svg("width=\"300\" height=\"300\"")}},
       "the badge image of micro-credential 'exit-tickets' has no path; add path: "
       "\"badges/exit-tickets.png\" naming a PNG in the repository",
       "image"},
      {"missing file",
       "image { path: \"badges/exit-ticket.png\" }",
       {},
       "badges/exit-ticket.png is not in the repository at this commit; commit the image, or fix "
       "the path"},
      {"path outside the repository",
       "image { path: \"../badges/exit-tickets.png\" }",
       {},
       "path '../badges/exit-tickets.png' is not a path inside the repository; write it "
       "relative to that directory with '/', e.g. \"badges/exit-tickets.png\""},
      {"directory", "image { path: \"badges\" }", {}, "badges is a directory; name a file in it"},
      {"not a png",
       std::string(kGoodImageLine),
       {{png, "GIF89a\x01\x00\x01\x00"}},
       png + " is not a PNG file (it does not start with the PNG signature); export the badge as "
             "PNG: renaming a file to .png does not convert it"},
      {"damaged png",
       std::string(kGoodImageLine),
       {{png, HeaderOnlyPng(400, 400).substr(0, 40)}},
       ""},
      {"too small",
       std::string(kGoodImageLine),
       {{png, HeaderOnlyPng(120, 120)}},
       png + " is 120x120 pixels; a badge image must be at least 200x200"},
      {"not square",
       std::string(kGoodImageLine),
       {{png, HeaderOnlyPng(400, 300)}},
       png + " is 400x300 pixels; a badge image is square: crop or pad it to 400x400"},
      {"too many pixels",
       std::string(kGoodImageLine),
       {{png, HeaderOnlyPng(4096, 4096)}},
       png + " is 4096x4096 pixels; a badge image may be at most 2048x2048: scale it down "
             "(600x600 is plenty)"},
      {"too many bytes",
       std::string(kGoodImageLine),
       {{png, big_png}},
       png + " is " + std::to_string(big_png.size()) +
           " bytes; a badge PNG may be at most 262144 bytes (256 KiB): export it "
           "smaller (600x600 is plenty) or optimise it (e.g. optipng)"},
      {"sixteen-bit grey",
       std::string(kGoodImageLine),
       {{png, HeaderOnlyPng(400, 400, 0, 16)}},
       png + " is a 16-bit greyscale PNG; save it as 8-bit RGB or RGBA, or with a palette (badge "
             "wallets expect colour)"},
      {"svg with doctype",
       with_svg,
       {{svg, Svg("width=\"300\" height=\"300\"",
                  "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY a \"b\">]>\n")}},
       svg + " has a DOCTYPE; remove the <!DOCTYPE ...> declaration (badge SVGs may not declare a "
             "DTD or entities)",
       "svg_path"},
      {"svg not square",
       with_svg,
       {{svg, Svg("width=\"300\" height=\"200\"")}},
       svg + " is 300 by 200 (the width and height of its <svg> element); a badge is square: make "
             "them equal",
       "svg_path"},
      {"svg viewBox not square",
       with_svg,
       {{svg, Svg("viewBox=\"0 0 300 200\"")}},
       svg + " has a viewBox of 300 by 200; a badge is square: make its width and height equal",
       "svg_path"},
      {"svg without size",
       with_svg,
       {{svg, Svg("width=\"100%\"")}},
       svg + " has no usable size; give its <svg> element width and height (in the same unit) or "
             "a viewBox=\"0 0 W W\", describing a square",
       "svg_path"},
      {"not an svg", with_svg, {{svg, "<html><body>badge</body></html>\n"}}, "", "svg_path"},
      {"svg too large",
       with_svg,
       {{svg, big_svg}},
       svg + " is " + std::to_string(big_svg.size()) +
           " bytes; a badge SVG may be at most 131072 bytes (128 KiB): simplify the "
           "drawing, or leave svg_path out",
       "svg_path"},
  };
}

class BadImageTest : public CatalogImportTest,
                     public ::testing::WithParamInterface<BadImageCase> {};

TEST_P(BadImageTest, IsRefusedAtTheImageFieldNamingTheFileAndTheFix) {
  const BadImageCase& bad = GetParam();
  GitRepo repo(RepoDir("issuer"));
  repo.WriteGoodCatalog();
  const std::string path = bad.in_stack ? "stacks/formative.textproto" : kExitTickets;
  const std::string good_line =
      bad.in_stack ? "image { path: \"badges/formative.png\" }" : std::string(kGoodImageLine);
  const std::string text = Replace(GoodText(path), good_line, bad.image_line);
  repo.Write(path, text);
  for (const auto& [file, bytes] : bad.files) repo.Write(file, bytes);
  repo.Commit("broken: " + bad.name);

  Result<server::CatalogImport> imported = Import(repo.dir());
  ASSERT_THAT(imported.status(), IsOk());
  std::vector<std::string> lines;
  for (const CatalogError& e : imported->errors) lines.push_back(e.ToString());
  ASSERT_THAT(lines, SizeIs(1)) << ::testing::PrintToString(lines);
  // A missing image is reported where the message starts; a bad one at its field.
  std::string where = path + ":1:1: ";
  if (!bad.field.empty()) {
    const std::string marker = bad.field == "image" ? "image {" : bad.field + ": ";
    const size_t line_start = text.rfind('\n', text.find(marker)) + 1;
    where = path + ":" + std::to_string(LineOf(text, marker)) + ":" +
            std::to_string(text.find(marker) - line_start + 1) + ": ";
  }
  if (bad.message.empty()) {  // the reader's own words follow; only the start is ours
    EXPECT_THAT(lines[0], ::testing::StartsWith(where)) << lines[0];
    EXPECT_THAT(lines[0], ::testing::AnyOf(HasSubstr("is a damaged PNG"),
                                           HasSubstr("is not an SVG image Cairn accepts")));
  } else {
    EXPECT_EQ(lines[0], where + bad.message);
  }
  EXPECT_EQ(LastSeq(), 0U) << "nothing may be published from a repository with errors";
}

INSTANTIATE_TEST_SUITE_P(Each, BadImageTest, ::testing::ValuesIn(BadImageCases()),
                         [](const auto& param_info) {
                           std::string name = param_info.param.name;
                           for (char& c : name) {
                             if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
                           }
                           return name;
                         });

TEST_F(CatalogImportTest, SvgAndIssuerLogoAreImportedWithTheBadge) {
  GitRepo repo(RepoDir("issuer"));
  repo.WriteGoodCatalog();
  const std::string svg = Svg("viewBox=\"0 0 600 600\"", "<?xml version=\"1.0\"?>\n");
  repo.Write(kExitTickets,
             Replace(GoodText(kExitTickets), kGoodImageLine,
                     "image { path: \"badges/exit-tickets.png\" svg_path: "
                     "\"badges/exit-tickets.svg\" png: \"author-written\" width: 1 }"));
  repo.Write("badges/exit-tickets.svg", svg);
  repo.Write("issuers/northbridge.textproto",
             std::string(kIssuer) + "image { path: \"logo/northbridge.png\" }\n");
  repo.Write("logo/northbridge.png", HeaderOnlyPng(256, 256, 3, 8));
  repo.Commit("svg and logo");
  MustImport(repo.dir());

  std::unique_ptr<Device> device = SyncedDevice("ana");
  Result<v1::MicroCredential> mc = device->GetMicroCredential("exit-tickets");
  ASSERT_THAT(mc.status(), IsOk());
  EXPECT_EQ(mc->image().svg(), svg);
  EXPECT_EQ(mc->image().png(), GoodBadge()) << "what the author wrote is overwritten";
  EXPECT_EQ(mc->image().width(), 400U);
  Result<std::vector<v1::Issuer>> issuers = device->ListIssuers();
  ASSERT_THAT(issuers.status(), IsOk());
  ASSERT_THAT(*issuers, SizeIs(1));
  EXPECT_EQ((*issuers)[0].image().width(), 256U) << "a palette PNG is a fine logo";
  EXPECT_EQ((*issuers)[0].image().sha256(), Sha256Hex(Sha256Of(HeaderOnlyPng(256, 256, 3, 8))));
}

TEST_F(CatalogImportTest, ValidForYearsAboveFiftyIsRefusedAtItsLine) {
  GitRepo repo(RepoDir("issuer"));
  repo.WriteGoodCatalog();
  const std::string text =
      Replace(GoodText(kExitTickets), "valid_for_years: 5\n", "valid_for_years: 51\n");
  repo.Write(kExitTickets, text);
  repo.Commit("forever");
  Result<server::CatalogImport> imported = Import(repo.dir());
  ASSERT_THAT(imported.status(), IsOk());
  ASSERT_THAT(imported->errors, SizeIs(1));
  EXPECT_EQ(imported->errors[0].ToString(),
            kExitTickets + ":" + std::to_string(LineOf(text, "valid_for_years")) +
                ":1: valid_for_years is 51; a credential may stay valid at most 50 years (0 means "
                "it does not expire)");
}

// The defect: text that is not UTF-8 was imported and published, and then every device failed
// to list the catalog. It is refused at file:line:column, raw bytes and escapes alike.
TEST_F(CatalogImportTest, TextThatIsNotUtf8IsRefusedAtItsLineAndColumnAndNothingIsPublished) {
  for (const std::string_view topic :
       {std::string_view("\"\xff\xfe\""), std::string_view(R"("\377")"),
        std::string_view(R"("caf\xe9")")}) {
    SCOPED_TRACE(topic);
    GitRepo repo(RepoDir("issuer-" + std::to_string(topic.size()) + std::string(1, topic[1])));
    repo.WriteGoodCatalog();
    const std::string text =
        Replace(GoodText(kExitTickets), "topics: \"formative assessment\"\n",
                "topics: \"formative assessment\"\n  topics: " + std::string(topic) + "\n");
    repo.Write(kExitTickets, text);
    repo.Commit("latin-1");

    Result<server::CatalogImport> imported = Import(repo.dir());
    ASSERT_THAT(imported.status(), IsOk());
    std::vector<std::string> lines;
    for (const CatalogError& e : imported->errors) lines.push_back(e.ToString());
    EXPECT_THAT(lines,
                ::testing::ElementsAre(
                    kExitTickets + ":" + std::to_string(LineOf(text, "  topics: ")) +
                    ":3: topics is not valid UTF-8 text; catalog files are UTF-8: save the file "
                    "as UTF-8 and write the characters themselves (an escape such as \\377 or "
                    "\\xff must spell UTF-8 bytes)"));
    EXPECT_EQ(LastSeq(), 0U) << "nothing may be published";
  }
}

TEST_F(CatalogImportTest, EveryErrorOfARepositoryIsReportedAtOnce) {
  GitRepo repo(RepoDir("issuer"));
  repo.WriteGoodCatalog();
  repo.Commit("good");
  MustImport(repo.dir());
  const uint64_t seq = LastSeq();

  // A huge file, a misplaced file, a bad media type and a parse error, in one commit.
  const std::string huge = "id: \"huge\"\n# " + std::string(kMaxCatalogFileBytes, 'x') + "\n";
  repo.Write("micro-credentials/huge.textproto", huge);
  repo.Write("drafts/idea.textproto", "id: \"idea\"\n");
  repo.Write(kExitTickets, Replace(GoodText(kExitTickets), "\"image/*\"", "\"Image/*\""));
  repo.Write(
      "micro-credentials/wait-time.textproto",
      Replace(GoodText("micro-credentials/wait-time.textproto"), "max_count: 3", "max_count: -3"));
  repo.Commit("four problems");

  Result<server::CatalogImport> imported = Import(repo.dir());
  ASSERT_THAT(imported.status(), IsOk());
  std::vector<std::string> lines;
  for (const CatalogError& e : imported->errors) lines.push_back(e.ToString());
  const std::string good = GoodText(kExitTickets);
  EXPECT_THAT(lines, ::testing::UnorderedElementsAre(
                         HasSubstr("drafts/idea.textproto: a .textproto file outside issuers/"),
                         AllOf(::testing::StartsWith("micro-credentials/huge.textproto:1:1: "),
                               HasSubstr("the file is " + std::to_string(huge.size()) +
                                         " bytes; catalog files are at most 1048576 bytes")),
                         ::testing::StartsWith(kExitTickets + ":" +
                                               std::to_string(LineOf(good, "\"image/*\"")) +
                                               ":5: media type 'Image/*' has capital letters"),
                         ::testing::StartsWith("micro-credentials/wait-time.textproto:" +
                                               std::to_string(LineOf(good, "max_count: 3")) +
                                               ":16: Expected integer")))
      << ::testing::PrintToString(lines);
  EXPECT_EQ(LastSeq(), seq) << "nothing may be published from a repository with errors";
}

// A single-file catalog's files, in memory.
class MemoryFiles : public CatalogFiles {
 public:
  explicit MemoryFiles(std::map<std::string, std::string, std::less<>> files)
      : files_(std::move(files)) {}
  Result<std::string> Read(std::string_view path, uint64_t max_bytes) override {
    const auto it = files_.find(path);
    if (it == files_.end()) return NotFound("is not in the catalog file's directory");
    if (it->second.size() > max_bytes) return TooLarge("is too large");
    return it->second;
  }

 private:
  std::map<std::string, std::string, std::less<>> files_;
};

TEST(CatalogTextTest, SingleFileCatalogIsCheckedWithFileAndLine) {
  std::string text = "issuers {\n" + std::string(kIssuer) + "}\nmicro_credentials {\n" +
                     Replace(MicroCredentialText("exit-tickets", "Exit Tickets"),
                             "stack_ids: \"formative\"\n", "") +
                     "}\ncommit: \"hand-made-1\"\n";
  MemoryFiles files({{"badges/exit-tickets.png", GoodBadge()}});
  Result<v1::Catalog> good = ParseCatalogText(text, "catalog.textproto", &files);
  ASSERT_THAT(good.status(), IsOk());
  EXPECT_EQ(good->micro_credentials(0).version(), "hand-made-1");
  EXPECT_EQ(good->micro_credentials(0).image().png(), GoodBadge());

  // Without its files, a catalog cannot show that its badges exist.
  EXPECT_THAT(ParseCatalogText(text, "catalog.textproto", nullptr),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("catalog.textproto:" + std::to_string(LineOf(text, "image {")) +
                                 ":9: badges/exit-tickets.png cannot be read: the catalog was "
                                 "given as text without its files")));

  text = Replace(text, "requirement_id: \"context\"", "requirement_id: \"contxt\"");
  EXPECT_THAT(
      ParseCatalogText(text, "catalog.textproto", &files),
      StatusIs(Code::kInvalidArgument,
               AllOf(HasSubstr("catalog.textproto:" + std::to_string(LineOf(text, "\"contxt\"")) +
                               ":5: criterion 'context-clear' judges requirement "
                               "'contxt'"),
                     HasSubstr("no criterion judges requirement 'context'"),
                     HasSubstr("2 errors; nothing was published"))));
}

}  // namespace
}  // namespace cairn
