// libFuzzer target for the issuer API (docs/issuer-api.md) through Service::Handle: its JSON
// bodies (an assessment, a decision, a revocation), its query string and its paths, with the
// issuer's API token, a device's token or none. The first input byte picks the route; the rest
// is the body, the query or the path. Besides the fixture's checks: every answer is a JSON
// object, and every error answer carries code, message and retryable, as the API promises.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/issuer_json.h"
#include "fuzz/server_fixture.h"

namespace {

using cairn::fuzz::Fail;

// A submission id nobody holds: the body is parsed (and refused or accepted) before the
// submission is looked up, so every byte reaches the JSON decoders.
constexpr std::string_view kSubmission =
    "/v1/issuer/submissions/0190f6b4-7d0c-7a3e-9b1a-3c5d7e9f1a2b";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cairn::fuzz::ServerFixture& f = cairn::fuzz::ServerFixture::Get();
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  cairn::server::Request request;
  request.method = "POST";
  request.content_type = (data[0] & 0x10) != 0 ? "text/plain" : "application/json";
  switch (data[0] & 7) {
    case 0:
    case 1:
      request.target = std::string(kSubmission) + "/assessment";
      request.body = rest;
      break;
    case 2:
      request.target = std::string(kSubmission) + "/decision";
      request.body = rest;
      break;
    case 3:
      request.target = "/v1/issuer/credentials/0190f6b4-7d0c-7a3e-9b1a-3c5d7e9f1a2b/revocation";
      request.body = rest;
      break;
    case 4:
      request.method = "GET";
      request.target = "/v1/issuer/submissions?" + rest;
      break;
    default:
      request.method = (data[0] & 0x20) != 0 ? "POST" : "GET";
      request.target = "/v1/issuer/" + rest;
      break;
  }
  switch ((data[0] >> 6) & 3) {
    case 0:
    case 1:
      request.authorization = "Bearer " + f.issuer_token;
      break;
    case 2:
      request.authorization = "Bearer " + f.device_token;
      break;
    default:
      break;
  }
  const cairn::server::Response response = f.Handle(request);

  auto answer = cairn::server::ParseJsonObject(response.body);
  if (!answer.ok()) Fail("an answer that is not a JSON object: " + answer.status().ToString());
  if (response.status >= 400) {
    const auto* code = answer->if_contains("code");
    const auto* message = answer->if_contains("message");
    const auto* retryable = answer->if_contains("retryable");
    if (code == nullptr || !code->is_string() || message == nullptr || !message->is_string() ||
        message->as_string().empty() || retryable == nullptr || !retryable->is_bool()) {
      Fail("an error answer without code, message and retryable: " + response.body);
    }
  }
  return 0;
}
