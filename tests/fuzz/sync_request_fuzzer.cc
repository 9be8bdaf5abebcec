// libFuzzer target for the server's request handling (Service::Handle): the protobuf request
// decoders, the change batch inside a push, authentication and the store's validation. The
// first input byte picks the endpoint and whether the request carries a valid device token; the
// rest is the body. Nothing may crash, and no input may make the server answer 500: every bad
// request is the client's fault and must get a 4xx that says why.
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "api/service.h"
#include "cairn/v1/sync.pb.h"
#include "store/server_store.h"

namespace {

struct Fixture {
  std::unique_ptr<cairn::server::ServerStore> store;
  cairn::server::Metrics metrics;
  std::unique_ptr<cairn::server::Service> service;
  std::string token;
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "sync_request_fuzzer: %s\n", what.c_str());
  std::abort();
}

Fixture& Server() {
  static Fixture* fixture = [] {
    auto* f = new Fixture();
    static char dir[] = "/tmp/cairn-fuzz-XXXXXX";
    if (::mkdtemp(dir) == nullptr) Fail("mkdtemp");
    // The store lives for the whole run; its directory goes when the fuzzer exits.
    std::atexit([] { std::filesystem::remove_all(dir); });
    auto store = cairn::server::ServerStore::Open(std::string(dir) + "/server.db");
    if (!store.ok()) Fail(store.status().ToString());
    f->store = std::move(store).value();
    f->service = std::make_unique<cairn::server::Service>(*f->store, f->metrics);
    auto user = f->store->AddUser("fuzz", cairn::server::Role::kEducator);
    if (!user.ok()) Fail(user.status().ToString());
    auto code = f->store->NewEnrolCode(user->id);
    if (!code.ok()) Fail(code.status().ToString());
    auto enrolment = f->store->Enrol(*code, cairn::ActorId::FromHalves(1, 2), "fuzz");
    if (!enrolment.ok()) Fail(enrolment.status().ToString());
    f->token = enrolment->token;
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = Server();
  static constexpr std::string_view kTargets[] = {"/v1/push", "/v1/pull", "/v1/enrol",
                                                  "/v1/push?x=1"};
  cairn::server::Request request;
  request.method = "POST";
  request.target = std::string(kTargets[data[0] & 3]);
  if ((data[0] & 4) != 0) request.authorization = "Bearer " + f.token;
  if ((data[0] & 8) != 0) request.accept = "application/json";
  request.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);

  const cairn::server::Response response = f.service->Handle(request);
  if (response.status >= 500) Fail("answered " + std::to_string(response.status));
  if (response.status == 200 && request.target.starts_with("/v1/push")) {
    cairn::v1::PushResponse answer;
    if (!answer.ParseFromString(response.body)) Fail("a 200 push answer that does not parse");
    for (const auto& refused : answer.refused()) {
      if (refused.error().message().empty()) Fail("a refused change without a reason");
    }
  }
  if (response.status != 200 && response.body.empty()) Fail("an error without a body");
  return 0;
}
