#include "badge/credential_page.h"

#include <chrono>
#include <map>
#include <string>

#include "api/html.h"
#include "badge/qr_svg.h"
#include "badge/wallet_exchange.h"
#include "cairn/badge/rfc3339.h"

namespace cairn::server {
namespace {

namespace json = boost::json;

std::string_view Text(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return value->get_string();
}

const json::object* Object(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr ? nullptr : value->if_object();
}

const json::array* Array(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value == nullptr ? nullptr : value->if_array();
}

// "12 March 2026".
std::string HumanDate(int64_t ms) {
  using namespace std::chrono;
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  const year_month_day ymd{floor<days>(sys_time<milliseconds>(milliseconds(ms)))};
  return std::to_string(static_cast<unsigned>(ymd.day())) + " " +
         kMonths[static_cast<unsigned>(ymd.month()) - 1] + " " +
         std::to_string(static_cast<int>(ymd.year()));
}

std::string Meta(std::string_view property, std::string_view content) {
  return "<meta property=\"" + EscapeHtml(property) + "\" content=\"" + EscapeHtml(content) +
         "\">\n";
}

// The rubric results: each criterion with the level the assessors gave.
std::string ResultsTable(const json::object& subject, const json::object& achievement) {
  const json::array* results = Array(subject, "result");
  const json::array* descriptions = Array(achievement, "resultDescription");
  if (results == nullptr || descriptions == nullptr || results->empty()) return {};
  std::map<std::string, std::string, std::less<>> criterion_names;
  std::map<std::string, std::string, std::less<>> level_names;
  for (const json::value& d : *descriptions) {
    const json::object* description = d.if_object();
    if (description == nullptr) continue;
    criterion_names[std::string(Text(*description, "id"))] = Text(*description, "name");
    if (const json::array* levels = Array(*description, "rubricCriterionLevel")) {
      for (const json::value& l : *levels) {
        if (const json::object* level = l.if_object()) {
          level_names[std::string(Text(*level, "id"))] = Text(*level, "name");
        }
      }
    }
  }
  std::string out =
      "<section aria-labelledby=\"results\"><h2 id=\"results\">Rubric results</h2>\n"
      "<table><thead><tr><th scope=\"col\">Criterion</th><th scope=\"col\">Level achieved</th>"
      "</tr></thead><tbody>\n";
  for (const json::value& r : *results) {
    const json::object* result = r.if_object();
    if (result == nullptr) continue;
    const auto criterion = criterion_names.find(Text(*result, "resultDescription"));
    const auto level = level_names.find(Text(*result, "achievedLevel"));
    out += "<tr><td>" +
           EscapeHtml(criterion == criterion_names.end() ? Text(*result, "resultDescription")
                                                         : std::string_view(criterion->second)) +
           "</td><td>" +
           EscapeHtml(level == level_names.end() ? Text(*result, "achievedLevel")
                                                 : std::string_view(level->second)) +
           "</td></tr>\n";
  }
  return out + "</tbody></table></section>\n";
}

std::string EvidenceList(const json::object& credential) {
  const json::array* evidence = Array(credential, "evidence");
  if (evidence == nullptr || evidence->empty()) return {};
  std::string out =
      "<section aria-labelledby=\"evidence\"><h2 id=\"evidence\">Evidence</h2>\n"
      "<p>Assessed from classroom evidence. The files stay private; the credential carries each "
      "file's SHA-256 so that it can be checked against the original.</p>\n<ul>\n";
  for (const json::value& e : *evidence) {
    const json::object* item = e.if_object();
    if (item == nullptr) continue;
    out += "<li><strong>" + EscapeHtml(Text(*item, "name")) + "</strong>";
    if (!Text(*item, "genre").empty()) out += " (" + EscapeHtml(Text(*item, "genre")) + ")";
    if (!Text(*item, "narrative").empty()) out += ": " + EscapeHtml(Text(*item, "narrative"));
    out += "</li>\n";
  }
  return out + "</ul></section>\n";
}

// "Add to a wallet": the wallet request as a QR code (for a phone held up to this screen) and as
// links (for this page opened on the phone itself), badge/wallet_exchange.h.
std::string WalletSection(std::string_view credential_id) {
  const std::string web_link = WalletWebLink(credential_id);
  std::string out =
      "<section aria-labelledby=\"wallet\"><h2 id=\"wallet\">Add to a wallet</h2>\n"
      "<p>Keep this credential in the Learner Credential Wallet: scan the code with the phone's "
      "camera or the wallet's scanner, or on the phone itself "
      "<a class=\"wallet\" href=\"" +
      EscapeHtml(WalletAppLink(credential_id)) +
      R"(">open it in the wallet</a> (or <a class="wallet-web" href=")" + EscapeHtml(web_link) +
      "\">through lcw.app</a>).</p>\n";
  if (Result<std::string> qr = QrSvg(web_link, "QR code: add this credential to a wallet");
      qr.ok()) {
    out += "<figure class=\"qr\">" + *qr + "</figure>\n";
  }
  return out + "</section>\n";
}

}  // namespace

std::string LinkedInAddUrl(const json::object& credential, int64_t issued_ms) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(sys_time<milliseconds>(milliseconds(issued_ms)))};
  const json::object* issuer = Object(credential, "issuer");
  const std::string id(Text(credential, "id"));
  return "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=" +
         PercentEncode(Text(credential, "name")) +
         "&organizationName=" + PercentEncode(issuer ? Text(*issuer, "name") : "") +
         "&issueYear=" + std::to_string(static_cast<int>(ymd.year())) +
         "&issueMonth=" + std::to_string(static_cast<unsigned>(ymd.month())) +
         "&certUrl=" + PercentEncode(id) + "&certId=" + PercentEncode(id.substr(id.rfind('/') + 1));
}

std::string CredentialPage(const CredentialPageFacts& facts) {
  const json::object& credential = *facts.credential;
  const IssuedCredential& issued = *facts.issued;
  static const json::object kEmpty;
  const json::object* issuer_ptr = Object(credential, "issuer");
  const json::object& issuer = issuer_ptr ? *issuer_ptr : kEmpty;
  const json::object* subject_ptr = Object(credential, "credentialSubject");
  const json::object& subject = subject_ptr ? *subject_ptr : kEmpty;
  const json::object* achievement_ptr = Object(subject, "achievement");
  const json::object& achievement = achievement_ptr ? *achievement_ptr : kEmpty;
  const json::object* image = Object(achievement, "image");
  const json::object* criteria = Object(achievement, "criteria");
  const std::string name(Text(achievement, "name"));
  const std::string id(Text(credential, "id"));
  const std::string image_url(image ? Text(*image, "id") : "");

  std::string status_class = "valid";
  std::string status_text = "Valid. Issued " + HumanDate(issued.issued_ms) + ".";
  if (issued.revoked_ms) {
    status_class = "revoked";
    status_text = "Revoked by the issuer on " + HumanDate(*issued.revoked_ms) +
                  (issued.revocation_reason.empty() ? "." : ": " + issued.revocation_reason);
  } else if (issued.valid_until_ms && *issued.valid_until_ms < facts.now_ms) {
    status_class = "expired";
    status_text = "Expired on " + HumanDate(*issued.valid_until_ms) + ".";
  }

  std::string out = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + EscapeHtml(name) + " — " + EscapeHtml(Text(issuer, "name")) + "</title>\n";
  out += R"(<meta name="description" content=")" + EscapeHtml(Text(achievement, "description")) +
         "\">\n";
  out += Meta("og:type", "website") + Meta("og:title", name) +
         Meta("og:description", Text(achievement, "description")) + Meta("og:url", id) +
         Meta("og:site_name", Text(issuer, "name"));
  if (!image_url.empty()) out += Meta("og:image", image_url);
  out += R"(<link rel="alternate" type="application/ld+json" href=")" + EscapeHtml(id) +
         ".json\">\n<link rel=\"stylesheet\" href=\"/assets/badge.css\">\n"
         "<script type=\"module\" src=\"/assets/badge-verify.js\"></script>\n</head>\n<body>\n";
  out += "<main data-credential=\"" + EscapeHtml(id) + "\">\n<header class=\"badge\">\n";
  if (!image_url.empty()) {
    out += "<img src=\"" + EscapeHtml(image_url) + "\" alt=\"Badge: " + EscapeHtml(name) +
           "\" width=\"240\" height=\"240\">\n";
  }
  out += "<div>\n<p class=\"kind\">Open Badges 3.0 credential</p>\n<h1>" + EscapeHtml(name) +
         "</h1>\n";
  out += "<p class=\"status " + status_class + R"(" role="status">)" + EscapeHtml(status_text) +
         "</p>\n<dl>\n";
  out += "<dt>Issued by</dt><dd><a href=\"" + EscapeHtml(Text(issuer, "url")) + "\">" +
         EscapeHtml(Text(issuer, "name")) + "</a></dd>\n";
  out += "<dt>Earned by</dt><dd>" +
         EscapeHtml(facts.earner_name ? *facts.earner_name : "An educator (name not public)") +
         "</dd>\n";
  out += "<dt>Issued on</dt><dd>" + HumanDate(issued.issued_ms) + "</dd>\n";
  if (issued.valid_until_ms) {
    out += "<dt>Valid until</dt><dd>" + HumanDate(*issued.valid_until_ms) + "</dd>\n";
  }
  out += "</dl>\n</div>\n</header>\n";
  out += "<section aria-labelledby=\"competency\"><h2 id=\"competency\">Competency</h2>\n<p>" +
         EscapeHtml(Text(achievement, "description")) + "</p></section>\n";
  if (criteria != nullptr) {
    out += "<section aria-labelledby=\"criteria\"><h2 id=\"criteria\">Criteria</h2>\n" +
           MarkdownToHtml(Text(*criteria, "narrative")) + "</section>\n";
  }
  out += ResultsTable(subject, achievement);
  out += EvidenceList(credential);
  out +=
      "<section aria-labelledby=\"check\"><h2 id=\"check\">Check this credential</h2>\n"
      "<p><button type=\"button\" id=\"verify\">Verify the signature</button></p>\n"
      "<p id=\"verdict\" role=\"status\" aria-live=\"polite\"></p>\n"
      "<ul class=\"downloads\">\n";
  for (const auto& [suffix, label] :
       {std::pair{".json", "Credential (JSON, embedded proof)"},
        std::pair{".jws", "Credential (VC-JWT)"}, std::pair{".png", "Baked badge (PNG)"},
        std::pair{".svg", "Baked badge (SVG)"}}) {
    out += "<li><a href=\"" + EscapeHtml(id) + suffix + "\" download>" + label + "</a></li>\n";
  }
  out += "</ul>\n<p><a class=\"linkedin\" href=\"" +
         EscapeHtml(LinkedInAddUrl(credential, issued.issued_ms)) +
         "\">Add to LinkedIn profile</a></p>\n</section>\n";
  // A revoked credential is not offered: a wallet would only hold it to show it revoked.
  if (!issued.revoked_ms) out += WalletSection(id);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace cairn::server
