// The badge figures (issue 12): Open Badges 3.0 credentials issued per second and verified
// offline per second, each with the raw OpenSSL signature rates of the same machine in the same
// run as the limit (tools/bench/run badges adds `openssl speed ed25519 rsa2048`).
//
//   issue:  BuildAwardCredential + SignCredential, the server's issuance path minus the SQLite
//           commit: the credential of a real award (the example catalog's exit-tickets
//           micro-credential, five evidence items, every rubric criterion scored), RDFC-1.0
//           canonicalization of it and its proof options, the Ed25519 signature, and the RS256
//           VC-JWT of it.
//   verify: badge::VerifyPack on the pack of such a credential: both proofs, the signed status
//           list (its own Ed25519 proof and the credential's bit), the dates, the contexts.
//
// Each runs for at least BADGES_SECONDS (default 3) after a warm-up. Prints one JSON line.
#include <google/protobuf/text_format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "badge/credential_builder.h"
#include "badge/credential_signer.h"
#include "badge/issuer_documents.h"
#include "badge/signing_keys.h"
#include "badge/status_list.h"
#include "badge/vc_jwt_signer.h"
#include "bench_util.h"
#include "cairn/badge/multibase.h"
#include "cairn/badge/verify.h"
#include "cairn/ids.h"

namespace cairn::bench {
namespace {

namespace json = boost::json;
using server::ActiveKeys;
using Clock = std::chrono::steady_clock;

constexpr int64_t kNowMs = 1767225600000;  // 2026-01-01T00:00:00Z

template <typename T>
T Must(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().ToString());
  return std::move(*result);
}

template <typename Message>
Message TextProto(const std::string& path) {
  Message message;
  if (!google::protobuf::TextFormat::ParseFromString(ReadFileOrDie(path), &message)) {
    Die(path + " is not a " + Message::descriptor()->full_name());
  }
  return message;
}

server::AwardFacts Facts(const server::IssuerUrls& urls) {
  const std::string catalog = CAIRN_EXAMPLE_CATALOG;
  server::AwardFacts facts;
  facts.urls = urls;
  facts.issuer = TextProto<v1::Issuer>(catalog + "/issuers/cairn-demo-institute.textproto");
  facts.micro_credential = TextProto<v1::MicroCredential>(
      catalog + "/micro-credentials/formative-assessment-exit-tickets.textproto");
  facts.micro_credential.set_version("1");
  facts.micro_credential.mutable_image()->set_sha256(std::string(64, 'a'));
  int n = 0;
  for (const v1::ArtifactRequirement& a : facts.micro_credential.requirements().artifacts()) {
    for (uint32_t i = 0; i < std::max(a.min_count(), 1u); ++i, ++n) {
      v1::SubmissionSnapshot::SubmittedEvidence* e = facts.snapshot.add_evidence();
      e->set_requirement_id(a.id());
      e->mutable_blob()->set_sha256(std::string(32, static_cast<char>('a' + n)));
      e->mutable_blob()->set_media_type(a.media_types(0) == "image/*"   ? "image/jpeg"
                                        : a.media_types(0) == "video/*" ? "video/mp4"
                                                                        : a.media_types(0));
      e->set_caption("Evidence item " + std::to_string(n + 1) + " from the lesson");
    }
  }
  for (const v1::RubricCriterion& c : facts.micro_credential.rubric().criteria()) {
    v1::CriterionScore* score = facts.assessment.add_scores();
    score->set_criterion_id(c.id());
    score->set_level_id("pass");
  }
  facts.assessment.set_decision(v1::DECISION_AWARD);
  facts.earner.subject_id = "urn:uuid:0190f5c2-7b1e-7c3a-9d4e-2f6a8b0c1d2e";
  facts.valid_from_ms = kNowMs;
  return facts;
}

// Runs `step` until `seconds` have passed (after a few warm-up runs); calls per second.
template <typename Step>
double PerSecond(double seconds, Step step, uint64_t* runs) {
  for (int i = 0; i < 3; ++i) step(i);
  const Clock::time_point start = Clock::now();
  uint64_t n = 0;
  double elapsed = 0;
  do {
    step(static_cast<int>(n));
    ++n;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  *runs = n;
  return static_cast<double>(n) / elapsed;
}

int Main() {
  const char* seconds_env = std::getenv("BADGES_SECONDS");
  const double seconds = seconds_env != nullptr ? std::atof(seconds_env) : 3.0;
  const server::IssuerUrls urls{"https://badges.example.org", "cairn-demo-institute"};
  ActiveKeys keys;
  keys.ed25519 = Must(server::GenerateEd25519Key(), "Ed25519 key");
  keys.rsa = Must(server::GenerateRsaKey(2048), "RSA key");
  const std::array<uint8_t, 32> ed_public =
      Must(server::Ed25519PublicKey(keys.ed25519.get()), "key");
  keys.ed25519_kid = urls.Did() + "#ed25519-bench";
  keys.rsa_kid = urls.Profile() + "/keys/rsa-bench";
  server::AwardFacts facts = Facts(urls);

  // Issue.
  std::string last_json;
  std::string last_jws;
  uint64_t issued = 0;
  const double issue_rate = PerSecond(
      seconds,
      [&](int i) {
        facts.credential_uuid = NameBasedId("bench:" + std::to_string(i)).ToString();
        facts.status.index = static_cast<uint64_t>(i);
        const json::object credential =
            Must(server::BuildAwardCredential(facts), "BuildAwardCredential");
        server::SignedCredential signed_credential =
            Must(server::SignCredential(credential, keys, kNowMs), "SignCredential");
        last_json = json::serialize(signed_credential.with_proof);
        last_jws = std::move(signed_credential.jws);
      },
      &issued);

  // The pack of the last credential: the issuer's documents and a signed status list.
  std::vector<server::IssuerKey> published(2);
  published[0].kid = keys.ed25519_kid;
  published[0].algorithm = server::KeyAlgorithm::kEd25519;
  published[0].public_key = badge::EncodeEd25519Multikey(ed_public);
  published[1].kid = keys.rsa_kid;
  published[1].algorithm = server::KeyAlgorithm::kRs256;
  published[1].public_key =
      json::serialize(Must(server::RsaPublicJwk(keys.rsa.get(), keys.rsa_kid), "JWK"));
  CredentialRecord record;
  record.credential_id = facts.credential_uuid;
  record.json = last_json;
  record.jws = last_jws;
  record.issuer_did_document = json::serialize(server::DidDocument(urls, published));
  record.issuer_jwks = json::serialize(Must(server::IssuerJwks(published), "JWKS"));
  server::CredentialStore::StatusBits bits;
  bits.assigned = issued + 3;
  const json::object list =
      Must(server::StatusListCredential(urls, bits, kNowMs), "StatusListCredential");
  record.status_list =
      json::serialize(Must(server::AddDataIntegrityProof(list, keys, kNowMs), "status proof"));
  record.status_checked_at_ms = kNowMs;
  const badge::VerificationPack pack = Must(badge::BuildVerificationPack(record), "pack");

  uint64_t verified = 0;
  const double verify_rate = PerSecond(
      seconds,
      [&](int) {
        const badge::Verdict verdict = Must(badge::VerifyPack(pack, kNowMs + 60'000), "VerifyPack");
        if (!verdict.valid) {
          std::string why;
          for (const std::string& reason : verdict.Reasons()) why += reason + "; ";
          Die("the benchmark's own credential does not verify: " + why);
        }
      },
      &verified);

  std::printf(
      "{\"workload\":\"badges\",\"seconds\":%.1f,\"credential_bytes\":%zu,\"jws_bytes\":%zu,"
      "\"issued\":%llu,\"issued_per_s\":%.1f,\"verified\":%llu,\"verified_per_s\":%.1f,"
      "\"peak_rss_kb\":%ld}\n",
      seconds, last_json.size(), last_jws.size(), static_cast<unsigned long long>(issued),
      issue_rate, static_cast<unsigned long long>(verified), verify_rate, PeakRssKb());
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main() { return cairn::bench::Main(); }
