// libFuzzer target for the server's sync routes (Service::Handle): the protobuf request
// decoders, the change batch inside a push, authentication and the store's validation. The
// first input byte picks the endpoint and whether the request carries a valid device token; the
// rest is the body. Besides the fixture's checks: a 200 push answer parses and every refused
// change says why.
#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/v1/sync.pb.h"
#include "fuzz/server_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cairn::fuzz::ServerFixture& f = cairn::fuzz::ServerFixture::Get();
  static constexpr std::string_view kTargets[] = {"/v1/push", "/v1/pull", "/v1/enrol",
                                                  "/v1/push?x=1"};
  cairn::server::Request request;
  request.method = "POST";
  request.target = std::string(kTargets[data[0] & 3]);
  if ((data[0] & 4) != 0) request.authorization = "Bearer " + f.device_token;
  if ((data[0] & 8) != 0) request.accept = "application/json";
  request.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);

  const cairn::server::Response response = f.Handle(request);
  if (response.status == 200 && request.target.starts_with("/v1/push")) {
    cairn::v1::PushResponse answer;
    if (!answer.ParseFromString(response.body)) {
      cairn::fuzz::Fail("a 200 push answer that does not parse");
    }
    for (const auto& refused : answer.refused()) {
      if (refused.error().message().empty()) cairn::fuzz::Fail("a refused change without a reason");
    }
  }
  return 0;
}
