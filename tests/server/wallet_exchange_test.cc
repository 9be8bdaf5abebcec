// "Add to a wallet", tested with a wallet client of our own that follows the Learner Credential
// Wallet's protocol (badge/wallet_exchange.h): read the link off the hosted page — the QR code
// too, rendered by rsvg-convert and read back by zbarimg — decode its `request`, POST `{}` to
// its vcapi exchange and keep the credentials of the verifiablePresentation that comes back.
#include <cstdio>

#include "server/badge_fixture.h"

namespace cairn {
namespace {

using namespace ::cairn::testing;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::StartsWith;

// RFC 3986 percent-decoding, as the wallet's query-string parser does it.
std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

// The value of attribute `href` of the first <a> whose class is `css_class`.
std::string LinkOf(const std::string& html, std::string_view css_class) {
  const std::string start = "class=\"" + std::string(css_class) + "\" href=\"";
  const size_t at = html.find(start);
  if (at == std::string::npos) return "";
  const size_t from = at + start.size();
  return html.substr(from, html.find('"', from) - from);
}

// The wallet request a link carries in its `request` query parameter.
json::object RequestOf(std::string_view link) {
  constexpr std::string_view kParam = "?request=";
  const size_t at = link.find(kParam);
  if (at == std::string_view::npos) {
    ADD_FAILURE() << "no request in " << link;
    return {};
  }
  return json::parse(PercentDecode(link.substr(at + kParam.size()))).as_object();
}

// A command's standard output (its complaints go to the test's log).
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << command << ":\n" << out;
  return out;
}

class WalletExchangeTest : public BadgeIssuanceTest {
 protected:
  void SetUp() override {
    BadgeIssuanceTest::SetUp();
    url_ = std::string(Award(SubmitComplete()).at("credential").at("url").as_string());
    path_ = PathOf(url_);
  }

  server::Response Post(const std::string& target, std::string body) {
    server::Request request{"POST",         target, "", "application/json", "application/json",
                            std::move(body)};
    return service_->Handle(request);
  }

  std::string Page() { return Public(path_, "text/html").body; }

  std::string url_;
  std::string path_;
};

TEST_F(WalletExchangeTest, TheWalletFollowsThePagesLinkAndReceivesTheCredential) {
  const std::string page = Page();
  const std::string app_link = LinkOf(page, "wallet");
  ASSERT_THAT(app_link, StartsWith("dccrequest://request?request="));
  const json::object request = RequestOf(app_link);
  EXPECT_EQ(request, RequestOf(LinkOf(page, "wallet-web")));
  EXPECT_THAT(LinkOf(page, "wallet-web"), StartsWith("https://lcw.app/request.html?request="));
  EXPECT_EQ(request.at("credentialRequestOrigin").as_string(),
            url_.substr(0, url_.find("/credentials/")));
  const std::string exchange(request.at("protocols").at("vcapi").as_string());
  EXPECT_EQ(exchange, url_ + "/exchange");

  // The wallet's first and only POST: `{}`, answered with the offer.
  const server::Response offer = Post(PathOf(exchange), "{}");
  ASSERT_EQ(offer.status, 200) << offer.body;
  EXPECT_EQ(offer.content_type, "application/json");
  const json::object presentation = Json(offer).at("verifiablePresentation").as_object();
  EXPECT_EQ(presentation.at("type"), json::array{"VerifiablePresentation"});
  const json::array& credentials = presentation.at("verifiableCredential").as_array();
  ASSERT_EQ(credentials.size(), 1U);
  // Exactly the hosted credential, its embedded proof intact.
  EXPECT_EQ(credentials[0], json::parse(Public(path_ + ".json").body));
  EXPECT_THAT(VerifyProof(credentials[0].as_object()), IsOk());

  // The interaction URL form: GET says which protocols the exchange speaks.
  EXPECT_EQ(PublicJson(PathOf(exchange)).at("protocols").at("vcapi").as_string(), exchange);
}

TEST_F(WalletExchangeTest, TheQrCodeReadsBackAsTheWalletLink) {
  const std::string page = Page();
  const size_t start = page.find("<svg class=\"qr\"");
  ASSERT_NE(start, std::string::npos) << page;
  const size_t end = page.find("</svg>", start);
  ASSERT_NE(end, std::string::npos);
  const std::string svg = Write("qr.svg", page.substr(start, end + 6 - start));
  const std::string png = dir_.File("qr.png");
  Output("rsvg-convert --background-color=white --width=600 -o " + png + " " + svg);
  std::string read = Output("zbarimg --quiet --raw " + png);
  while (!read.empty() && read.back() == '\n') read.pop_back();
  EXPECT_EQ(read, LinkOf(page, "wallet-web"));
}

TEST_F(WalletExchangeTest, ARevokedCredentialIsNeitherOfferedNorHandedOver) {
  ASSERT_THAT(badges_->Revoke(url_.substr(url_.rfind('/') + 1), "issued in error").status(),
              IsOk());
  const std::string page = Page();
  EXPECT_THAT(page, Not(HasSubstr("dccrequest://")));
  EXPECT_THAT(page, Not(HasSubstr("class=\"qr\"")));
  const server::Response refused = Post(path_ + "/exchange", "{}");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("revoked by its issuer: issued in error"));
}

TEST_F(WalletExchangeTest, BadExchangeRequestsGetPreciseAnswers) {
  const server::Response not_json = Post(path_ + "/exchange", "verifiablePresentation");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_THAT(not_json.body, HasSubstr("takes a JSON object ({} to start)"));
  const server::Response unknown =
      Post("/credentials/01890000-0000-7000-8000-000000000000/exchange", "{}");
  EXPECT_EQ(unknown.status, 404);
  const server::Response put{service_->Handle(
      server::Request{"PUT", path_ + "/exchange", "", "application/json", "", "{}"})};
  EXPECT_EQ(put.status, 405);
  // Only the exchange takes POST; the credential itself stays read-only.
  EXPECT_EQ(Post(path_, "{}").status, 405);
}

}  // namespace
}  // namespace cairn
