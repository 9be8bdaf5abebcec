// Evidence checks: each Evidence id that names a SHA-256 (RFC 6920 ni URI) against the file this
// device holds, when it holds it.
#include <algorithm>
#include <cctype>

#include "badge/verify_internal.h"
#include "cairn/base64.h"
#include "cairn/hex.h"

namespace cairn::badge {

Result<std::optional<NamedInformation>> ParseNiUri(std::string_view uri) {
  constexpr std::string_view kScheme = "ni://";
  if (uri.size() < kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), uri.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return std::optional<NamedInformation>();
  }
  std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return InvalidArgument("\"" + std::string(uri) + "\" has no '/' after its authority");
  }
  rest.remove_prefix(slash + 1);
  const size_t semicolon = rest.find(';');
  if (semicolon == std::string_view::npos || semicolon == 0) {
    return InvalidArgument("\"" + std::string(uri) +
                           "\" names no hash algorithm (expected ni:///sha-256;<digest>)");
  }
  NamedInformation out;
  out.algorithm = std::string(rest.substr(0, semicolon));
  std::transform(out.algorithm.begin(), out.algorithm.end(), out.algorithm.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  rest.remove_prefix(semicolon + 1);
  const size_t query = rest.find('?');
  Result<std::string> digest = Base64UrlDecode(rest.substr(0, query));
  if (!digest.ok()) {
    return InvalidArgument("\"" + std::string(uri) +
                           "\": the digest is not base64url: " + digest.status().message());
  }
  out.digest = *std::move(digest);
  if (query != std::string_view::npos) {
    std::string_view params = rest.substr(query + 1);
    while (!params.empty()) {
      const size_t amp = std::min(params.find('&'), params.size());
      const std::string_view param = params.substr(0, amp);
      if (param.starts_with("ct=")) out.content_type = std::string(param.substr(3));
      params.remove_prefix(std::min(amp + 1, params.size()));
    }
  }
  return std::optional<NamedInformation>(std::move(out));
}

namespace verify_internal {

std::vector<VerificationCheck> CheckEvidence(const boost::json::object& credential,
                                             const EvidenceLookup& lookup) {
  std::vector<VerificationCheck> out;
  const boost::json::value* evidence = credential.if_contains("evidence");
  if (evidence == nullptr) return out;
  if (!evidence->is_array()) {
    out.push_back(Failed("evidence", "credential.evidence must be an array"));
    return out;
  }
  const boost::json::array& entries = evidence->as_array();
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string name = "evidence[" + std::to_string(i) + "]";
    const std::string where = "credential.evidence[" + std::to_string(i) + "]";
    if (!entries[i].is_object()) {
      out.push_back(Failed(name, where + " is not an object"));
      continue;
    }
    const boost::json::object& entry = entries[i].as_object();
    const std::string title = StringMember(entry, "name");
    const std::string label = title.empty() ? where : where + " (\"" + title + "\")";
    const std::string id = StringMember(entry, "id");
    Result<std::optional<NamedInformation>> ni = ParseNiUri(id);
    if (!ni.ok()) {
      out.push_back(Failed(name, label + ".id: " + ni.status().message()));
      continue;
    }
    if (!ni->has_value()) {
      out.push_back(Skipped(name, label + " names no file hash; nothing to compare"));
      continue;
    }
    const NamedInformation& named = **ni;
    if (named.algorithm != "sha-256") {
      out.push_back(Skipped(name, label + " is hashed with " + named.algorithm +
                                      "; Cairn compares evidence by SHA-256 only"));
      continue;
    }
    if (named.digest.size() != 32) {
      out.push_back(Failed(name, label + ".id: a SHA-256 digest has 32 bytes, this one " +
                                     std::to_string(named.digest.size())));
      continue;
    }
    Sha256Digest digest;
    std::copy(named.digest.begin(), named.digest.end(), digest.begin());
    const std::string hex = LowerHex(named.digest);
    if (!lookup) {
      out.push_back(Skipped(name, label + ": sha256 " + hex + " is not on this device"));
      continue;
    }
    Result<std::optional<Sha256Digest>> held = lookup(digest);
    if (!held.ok()) {
      out.push_back(Failed(
          name, label + ": the file on this device could not be read: " + held.status().message()));
    } else if (!held->has_value()) {
      out.push_back(Skipped(name, label + ": sha256 " + hex + " is not on this device"));
    } else if (**held != digest) {
      const std::string actual(reinterpret_cast<const char*>((*held)->data()), (*held)->size());
      out.push_back(Failed(name, label + ": the file on this device has sha256 " +
                                     LowerHex(actual) + ", but the credential names " + hex));
    } else {
      out.push_back(
          Passed(name, label + ": the file on this device matches sha256 " + hex +
                           (named.content_type.empty() ? "" : " (" + named.content_type + ")")));
    }
  }
  return out;
}

}  // namespace verify_internal
}  // namespace cairn::badge
