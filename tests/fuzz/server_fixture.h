// What the server's request fuzzers share: one real ServerStore in a temporary directory for
// the whole run, the Service over it with badge issuance (so that the badge routes and the
// revocation are served), an enrolled educator's device token and an issuer's API token, and the
// checks every answer must pass whatever the input: never a 500 (every bad request is the client's
// fault and gets a 4xx that says why), never an error without a body.
#ifndef CAIRN_TESTS_FUZZ_SERVER_FIXTURE_H_
#define CAIRN_TESTS_FUZZ_SERVER_FIXTURE_H_

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "api/service.h"
#include "badge/issuance.h"
#include "badge/key_vault.h"
#include "store/server_store.h"

namespace cairn::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzzer: %s\n", what.c_str());
  std::abort();
}

struct ServerFixture {
  std::unique_ptr<server::ServerStore> store;
  std::optional<server::KeyVault> vault;
  std::unique_ptr<server::BadgeIssuance> badges;
  server::Metrics metrics;
  std::unique_ptr<server::Service> service;
  std::string device_token;
  std::string issuer_token;

  // The fixture of this process, made on first use.
  static ServerFixture& Get() {
    static ServerFixture* fixture = [] {
      auto* f = new ServerFixture();
      static char dir[] = "/tmp/cairn-fuzz-XXXXXX";
      if (::mkdtemp(dir) == nullptr) Fail("mkdtemp");
      // The store lives for the whole run; its directory goes when the fuzzer exits.
      std::atexit([] { std::filesystem::remove_all(dir); });
      auto opened = server::ServerStore::Open(std::string(dir) + "/server.db");
      if (!opened.ok()) Fail(opened.status().ToString());
      f->store = std::move(opened).value();
      auto keys = server::KeyVault::OpenOrCreate(std::string(dir) + "/badge-keys.key");
      if (!keys.ok()) Fail(keys.status().ToString());
      f->vault.emplace(std::move(keys).value());
      server::IssuanceOptions badge_options;
      badge_options.public_url = "https://badges.example.org";
      f->badges = std::make_unique<server::BadgeIssuance>(*f->store, *f->vault, badge_options);
      f->service = std::make_unique<server::Service>(*f->store, f->metrics, f->badges.get());
      auto user = f->store->AddUser("fuzz", server::Role::kEducator);
      if (!user.ok()) Fail(user.status().ToString());
      auto code = f->store->NewEnrolCode(user->id);
      if (!code.ok()) Fail(code.status().ToString());
      auto enrolment = f->store->Enrol(*code, ActorId::FromHalves(1, 2), "fuzz");
      if (!enrolment.ok()) Fail(enrolment.status().ToString());
      f->device_token = enrolment->token;
      server::IssuerSpec issuer;
      issuer.id = "fuzz-institute";
      issuer.name = "Fuzz Institute";
      auto added = f->store->AddIssuer(issuer);
      if (!added.ok()) Fail(added.status().ToString());
      f->issuer_token = added->api_token;
      return f;
    }();
    return *fixture;
  }

  // Handles `request` and checks what every answer owes its client.
  server::Response Handle(const server::Request& request) {
    server::Response response = service->Handle(request);
    if (response.status >= 500) {
      Fail(request.method + " " + request.target + " answered " + std::to_string(response.status) +
           ": " + response.body);
    }
    if (response.status >= 400 && response.body.empty()) {
      Fail(request.target + ": an error without a body");
    }
    return response;
  }
};

}  // namespace cairn::fuzz

#endif  // CAIRN_TESTS_FUZZ_SERVER_FIXTURE_H_
