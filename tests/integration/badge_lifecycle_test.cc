// A credential's whole life with real processes (issue 12): `cairn-server serve` on loopback
// with the example catalog imported from a git repository, teachers' devices that are homes of
// the real `cairn` CLI, and the issuer calling its API over TLS. Submit -> assess -> award ->
// the device syncs -> `cairn badges list` shows it -> export all four forms and a pack -> verify
// each offline with the server stopped (also on a device that never held the credential) ->
// the issuer revokes -> the hosted status, the public verifier and the next pack say revoked.
// Then a second teacher finishes a whole stack and gets its credential and CLR.
#include <google/protobuf/text_format.h>

#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "cairn/v1/catalog.pb.h"
#include "integration/evidence_fixture.h"

namespace cairn::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr std::string_view kIssuerSlug = "cairn-demo-institute";
constexpr std::string_view kStack = "formative-assessment";
constexpr std::string_view kFirst = "formative-assessment-exit-tickets";

std::string Words(uint32_t n, std::string_view word) {
  std::string out;
  for (uint32_t i = 0; i < n; ++i) out += (i ? " " : "") + std::string(word);
  return out;
}

json::value ParseJson(std::string_view text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  EXPECT_FALSE(error) << text;
  return value;
}

// The micro-credential as the example catalog defines it.
v1::MicroCredential ExampleMicroCredential(std::string_view id) {
  const std::string path =
      std::string(CAIRN_EXAMPLE_CATALOG) + "/micro-credentials/" + std::string(id) + ".textproto";
  v1::MicroCredential mc;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(ReadFileOrEmpty(path), &mc)) << path;
  return mc;
}

class BadgeLifecycleTest : public EvidenceTransferTest {
 protected:
  // The example catalog (three stacks of four micro-credentials, each with its badge image),
  // imported from a git repository as an issuer publishes it.
  void PrepareCatalog() override {
    const std::string repo = dir_.File("catalog-repo");
    std::filesystem::copy(CAIRN_EXAMPLE_CATALOG, repo, std::filesystem::copy_options::recursive);
    for (const std::vector<std::string>& git :
         {std::vector<std::string>{"init", "-q", "-b", "main"},
          std::vector<std::string>{"add", "-A"},
          std::vector<std::string>{"-c", "user.name=Cairn Demo Institute", "-c",
                                   "user.email=catalog@cairn.example.org", "commit", "-q", "-m",
                                   "Catalog"}}) {
      std::vector<std::string> argv = {"/usr/bin/git", "-C", repo};
      argv.insert(argv.end(), git.begin(), git.end());
      Result<ProgramResult> run = RunProgram(argv, dir_.File("git-scratch"));
      ASSERT_THAT(run.status(), IsOk());
      ASSERT_TRUE(run->exit.Ok()) << run->err;
    }
    ASSERT_THAT(server_->AdminOk({"catalog", "import", repo}).status(), IsOk());
  }

  // Writes a file of media type `pattern` ("video/*", "application/pdf"...); `n` makes each
  // distinct.
  std::string EvidenceFile(const std::string& pattern, const std::string& label, int n) {
    const std::string base = dir_.File(label + "-" + std::to_string(n));
    const std::string tag = label + " " + std::to_string(n);
    if (pattern.starts_with("video/")) {
      WriteVideo(base + ".mp4", 40000, static_cast<uint64_t>(n) + 7);
      return base + ".mp4";
    }
    if (pattern.starts_with("image/")) {
      // A real PNG (a badge of the catalog), made distinct by bytes after its end.
      std::ofstream(base + ".png", std::ios::binary)
          << ReadFileOrEmpty(std::string(CAIRN_EXAMPLE_CATALOG) +
                             "/badges/formative-assessment.png")
          << tag;
      return base + ".png";
    }
    if (pattern.starts_with("audio/")) {
      std::string wav = "RIFF";
      wav += std::string("\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00", 24);
      wav +=
          std::string("\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x08\x00\x00", 20);
      std::ofstream(base + ".wav", std::ios::binary) << wav << std::string(2048, '\0') << tag;
      return base + ".wav";
    }
    if (pattern == "text/plain") {
      std::ofstream(base + ".txt") << "Notes: " << tag << "\n";
      return base + ".txt";
    }
    std::ofstream(base + ".pdf") << "%PDF-1.4\n" << tag << "\n%%EOF\n";
    return base + ".pdf";
  }

  // Pursues `mc_id` on `home` and meets every requirement; submits and syncs. Returns the
  // pursuit's id.
  std::string SubmitEverything(const std::string& home, std::string_view mc_id) {
    const v1::MicroCredential mc = ExampleMicroCredential(mc_id);
    const std::string pursuit = LastLineOf(Cli(home, {"pursue", std::string(mc_id)}).out);
    const v1::SubmissionRequirements& req = mc.requirements();
    for (const v1::OverviewQuestion& q : req.overview_questions()) {
      Cli(home, {"answer", pursuit, q.id(),
                 Words(std::min(q.word_limit(), q.min_words() + 10), "observed")});
    }
    for (const v1::ArtifactRequirement& a : req.artifacts()) {
      for (uint32_t i = 0; i < std::max(a.min_count(), 1u); ++i) {
        Cli(home, {"capture", EvidenceFile(a.media_types(0), a.id(), static_cast<int>(i)),
                   "--pursuit", pursuit, "--requirement", a.id(), "--caption",
                   a.title() + " " + std::to_string(i + 1)});
      }
    }
    Cli(home, {"reflect", pursuit, Words(std::min(req.reflection().word_limit(), 60u), "learned")});
    Cli(home, {"submit", pursuit});
    Cli(home, {"sync"});
    return pursuit;
  }

  // Scores the educator's complete submission of `mc_id` "pass" on every criterion and
  // confirms the award; returns the credential's URL the decision answers.
  std::string Award(std::string_view mc_id, const std::string& educator) {
    const json::value list = IssuerJson("GET", "/v1/issuer/submissions?state=complete");
    if (!list.is_object()) return "";
    std::string submission;
    for (const json::value& s : list.at("submissions").as_array()) {
      if (s.at("micro_credential").at("id").as_string() == mc_id &&
          s.at("educator").at("name").as_string() == educator) {
        submission = std::string(s.at("id").as_string());
      }
    }
    EXPECT_FALSE(submission.empty())
        << educator << " has no complete submission of " << mc_id << ": " << json::serialize(list);
    json::array scores;
    const v1::MicroCredential mc = ExampleMicroCredential(mc_id);
    for (const v1::RubricCriterion& c : mc.rubric().criteria()) {
      scores.push_back(json::object{{"criterion_id", c.id()}, {"level_id", "pass"}});
    }
    const std::string base = "/v1/issuer/submissions/" + submission;
    IssuerJson("POST", base + "/assessment",
               json::serialize(json::object{
                   {"assessor", "Rosa Assessor"}, {"scores", scores}, {"feedback", "Strong."}}));
    const json::value decided = IssuerJson("POST", base + "/decision",
                                           R"({"decision":"award","confirmed_by":"Lee Issuer"})");
    if (!decided.is_object() || !decided.as_object().contains("credential")) return "";
    EXPECT_EQ(decided.at("credential").at("state").as_string(), "issued")
        << json::serialize(decided);
    return std::string(decided.at("credential").at("url").as_string());
  }

  // `cairn badges list --json`'s credentials.
  json::array Listed(const std::string& home) {
    return ParseJson(Cli(home, {"badges", "list", "--json"}).out).at("credentials").as_array();
  }

  // `cairn badges verify FILE --json` on `home`, which must exit `expected_exit`.
  json::object Verified(const std::string& home, const std::string& file, int expected_exit = 0) {
    const ProgramResult run = Cli(home, {"badges", "verify", file, "--json"}, expected_exit);
    return ParseJson(run.out).as_object();
  }

  static json::object CheckNamed(const json::object& verdict, std::string_view name) {
    for (const json::value& check : verdict.at("checks").as_array()) {
      if (check.at("name").as_string() == name) return check.as_object();
    }
    ADD_FAILURE() << "no check " << name << " in " << json::serialize(verdict);
    return {};
  }

  // A public GET over TLS (no token).
  HttpResponse Public(const std::string& target, const std::string& accept = "") {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.accept = accept;
    request.content_type.clear();
    return Direct(request);
  }

  // POST /v1/verify with `body`: the verdict.
  json::object PublicVerdict(const std::string& body) {
    HttpRequest request;
    request.method = "POST";
    request.target = "/v1/verify";
    request.content_type = "application/json";
    request.body = body;
    const HttpResponse response = Direct(request);
    EXPECT_EQ(response.status, 200) << response.body;
    return ParseJson(response.body).as_object();
  }

  // The credential's path on the server, from its URL.
  static std::string PathOf(const std::string& url) {
    return url.substr(url.find("/credentials/"));
  }

  // Checks `html` with a conforming HTML5 parser (html5lib, strict): every parse error fails.
  void ExpectValidHtml(const std::string& html) {
    const std::string file = dir_.File("page.html");
    std::ofstream(file, std::ios::binary) << html;
    Result<ProgramResult> run = RunProgram(
        {"/usr/bin/python3", std::string(CAIRN_INTEGRATION_DIR) + "/check_html.py", file},
        dir_.File("html-scratch"));
    ASSERT_THAT(run.status(), IsOk());
    EXPECT_TRUE(run->exit.Ok()) << run->out << run->err;
  }
};

TEST_F(BadgeLifecycleTest, AwardedCredentialVerifiesOfflineInEveryFormThenRevocationShows) {
  AddIssuer(std::string(kIssuerSlug), "Cairn Demo Institute");
  const Result<std::string> ana = server_->AddUser("Ana");
  ASSERT_THAT(ana.status(), IsOk());
  const std::string phone = NewHome("ana-phone", *ana, server_->url());
  SubmitEverything(phone, kFirst);
  const std::string url = Award(kFirst, "Ana");
  EXPECT_TRUE(url.starts_with(server_->url() + "/credentials/")) << url;

  // The device syncs: the credential arrives with the issuer's documents.
  Cli(phone, {"sync"});
  const json::array listed = Listed(phone);
  ASSERT_THAT(listed, SizeIs(1));
  const std::string id(listed[0].at("id").as_string());
  EXPECT_EQ(url, server_->url() + "/credentials/" + id);
  EXPECT_EQ(listed[0].at("kind").as_string(), "micro_credential");
  EXPECT_EQ(listed[0].at("status").as_string(), "active");
  EXPECT_EQ(listed[0].at("title").as_string(), ExampleMicroCredential(kFirst).title());
  EXPECT_TRUE(listed[0].at("valid_until").is_string());  // valid_for_years: 5
  EXPECT_THAT(Cli(phone, {"badges", "list"}).out,
              HasSubstr(ExampleMicroCredential(kFirst).title()));

  // Export all four forms and a pack.
  std::vector<std::string> exported;
  for (const std::string format : {"json", "jws", "png", "svg", "pack"}) {
    const std::string file = dir_.File("ana-badge." + format);
    Cli(phone, {"badges", "export", id.substr(0, 8), "--format", format, "--out", file});
    exported.push_back(file);
  }
  EXPECT_TRUE(ReadFileOrEmpty(exported[2]).starts_with("\x89PNG\r\n\x1a\n"));
  Result<ProgramResult> pngcheck = RunProgram({"/usr/bin/pngcheck", exported[2]}, dir_.File("pc"));
  ASSERT_THAT(pngcheck.status(), IsOk());
  EXPECT_TRUE(pngcheck->exit.Ok()) << pngcheck->out;
  EXPECT_THAT(ReadFileOrEmpty(exported[3]), HasSubstr("openbadges:credential"));

  // With the server gone, every form verifies from what the device holds.
  ASSERT_THAT(server_->Stop(), IsOk());
  for (const std::string& file : exported) {
    SCOPED_TRACE(file);
    const json::object verdict = Verified(phone, file);
    EXPECT_TRUE(verdict.at("valid").as_bool()) << json::serialize(verdict);
    EXPECT_EQ(verdict.at("credential").as_string(), url);
    EXPECT_TRUE(CheckNamed(verdict, "proof").at("ok").as_bool());
    EXPECT_TRUE(CheckNamed(verdict, "vc-jwt").at("ok").as_bool());
    EXPECT_TRUE(CheckNamed(verdict, "status").at("ok").as_bool());
    // The evidence is on this device: every hash the credential carries matches.
    EXPECT_TRUE(CheckNamed(verdict, "evidence[0]").at("ok").as_bool());
    EXPECT_FALSE(CheckNamed(verdict, "evidence[0]").at("skipped").as_bool());
  }
  // A recognizer's machine that never synced with anyone: the pack brings its own documents.
  const std::string hr = dir_.File("hr-office");
  const json::object from_pack = Verified(hr, exported[4]);
  EXPECT_TRUE(from_pack.at("valid").as_bool()) << json::serialize(from_pack);
  EXPECT_EQ(from_pack.at("keys_from").as_string(), "the pack");
  EXPECT_TRUE(CheckNamed(from_pack, "evidence[0]").at("skipped").as_bool());
  // ...and a bare credential it cannot check, saying what to ask for.
  const ProgramResult bare = Cli(hr, {"badges", "verify", exported[0]}, 1);
  EXPECT_THAT(bare.err, HasSubstr("verification pack"));
  // A byte changed in the exported JSON: the proof no longer matches.
  std::string forged = ReadFileOrEmpty(exported[0]);
  forged.replace(forged.find("\"name\":\""), 8, "\"name\":\"X");
  std::ofstream(dir_.File("forged.json"), std::ios::binary) << forged;
  const json::object forged_verdict = Verified(phone, dir_.File("forged.json"), 6);
  EXPECT_FALSE(CheckNamed(forged_verdict, "proof").at("ok").as_bool());

  // The hosted page, over TLS, is valid HTML and says the credential is active; the teacher's
  // chosen name shows once her phone has synced it.
  ASSERT_THAT(server_->Restart(), IsOk());
  Cli(phone, {"badges", "name", "Ana Rivera"});
  Cli(phone, {"sync"});
  const HttpResponse page = Public(PathOf(url), "text/html");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  ExpectValidHtml(page.body);
  EXPECT_THAT(page.body, HasSubstr(R"(<p class="status valid" role="status">Valid.)"));
  EXPECT_THAT(page.body, HasSubstr("<dd>Ana Rivera</dd>"));
  EXPECT_TRUE(PublicVerdict(ReadFileOrEmpty(exported[2])).at("valid").as_bool());

  // A wallet's exchange over TLS: the first POST of {} brings the credential, proof and all.
  HttpRequest exchange;
  exchange.method = "POST";
  exchange.target = PathOf(url) + "/exchange";
  exchange.content_type = "application/json";
  exchange.body = "{}";
  const HttpResponse offered = Direct(exchange);
  ASSERT_EQ(offered.status, 200) << offered.body;
  EXPECT_EQ(ParseJson(offered.body).at("verifiablePresentation").at("verifiableCredential").at(0),
            ParseJson(ReadFileOrEmpty(exported[0])));

  // The issuer revokes it.
  const json::value revoked = IssuerJson("POST", "/v1/issuer/credentials/" + id + "/revocation",
                                         R"({"reason":"evidence was not the teacher's own"})");
  EXPECT_EQ(revoked.at("state").as_string(), "revoked");
  const HttpResponse list =
      Public("/issuers/" + std::string(kIssuerSlug) + "/status/revocations.json");
  ASSERT_EQ(list.status, 200);
  EXPECT_THAT(list.body, HasSubstr(url));
  const json::object hosted_verdict = PublicVerdict(ReadFileOrEmpty(exported[0]));
  EXPECT_FALSE(hosted_verdict.at("valid").as_bool());
  EXPECT_FALSE(CheckNamed(hosted_verdict, "status").at("ok").as_bool());
  const HttpResponse revoked_page = Public(PathOf(url), "text/html");
  ExpectValidHtml(revoked_page.body);
  EXPECT_THAT(revoked_page.body, HasSubstr("evidence was not the teacher&#39;s own"));

  // The device learns it on its next sync; its next pack says revoked.
  Cli(phone, {"sync"});
  EXPECT_EQ(Listed(phone)[0].at("status").as_string(), "revoked");
  const std::string pack = dir_.File("ana-revoked.pack");
  Cli(phone, {"badges", "export", id, "--format", "pack", "--out", pack});
  const json::object after = Verified(hr, pack, 6);
  EXPECT_FALSE(CheckNamed(after, "status").at("ok").as_bool());
  EXPECT_TRUE(after.at("revoked_as_of").is_string());
  EXPECT_TRUE(CheckNamed(after, "proof").at("ok").as_bool());  // still the issuer's signature
}

TEST_F(BadgeLifecycleTest, FinishingAStackIssuesItsCredentialAndClr) {
  AddIssuer(std::string(kIssuerSlug), "Cairn Demo Institute");
  const Result<std::string> ben = server_->AddUser("Ben");
  ASSERT_THAT(ben.status(), IsOk());
  const std::string phone = NewHome("ben-phone", *ben, server_->url());

  std::vector<std::string> components;
  for (const char* mc : {"formative-assessment-exit-tickets", "formative-assessment-feedback",
                         "formative-assessment-questioning-wait-time",
                         "formative-assessment-student-self-assessment"}) {
    SubmitEverything(phone, mc);
    components.push_back(Award(mc, "Ben"));
  }

  Cli(phone, {"sync"});
  const json::array listed = Listed(phone);
  ASSERT_THAT(listed, SizeIs(5));
  std::string stack_id;
  for (const json::value& c : listed) {
    if (c.at("kind").as_string() == "stack") stack_id = std::string(c.at("id").as_string());
  }
  ASSERT_FALSE(stack_id.empty()) << json::serialize(listed);
  const std::string pack = dir_.File("stack.pack");
  Cli(phone, {"badges", "export", stack_id, "--format", "pack", "--out", pack});
  EXPECT_TRUE(Verified(phone, pack).at("valid").as_bool());

  // The stack credential names its components; the CLR bundles them, signed.
  const HttpResponse stack = Public("/credentials/" + stack_id + ".json");
  ASSERT_EQ(stack.status, 200);
  for (const std::string& component : components) EXPECT_THAT(stack.body, HasSubstr(component));
  EXPECT_THAT(stack.body, HasSubstr(std::string(kStack)));
  const HttpResponse clr = Public("/credentials/" + stack_id + "/clr");
  ASSERT_EQ(clr.status, 200) << clr.body;
  const json::object bundle = ParseJson(clr.body).as_object();
  EXPECT_THAT(json::serialize(bundle.at("type")), HasSubstr("ClrCredential"));
  EXPECT_THAT(bundle.at("credentialSubject").at("verifiableCredential").as_array(), SizeIs(5));
  EXPECT_TRUE(bundle.contains("proof"));
  EXPECT_TRUE(PublicVerdict(stack.body).at("valid").as_bool());
}

}  // namespace
}  // namespace cairn::testing
