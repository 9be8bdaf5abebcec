// The uploading client killed with SIGKILL at random points of a 200 MiB upload, ten times,
// and restarted each time (issue 4): the blob arrives intact, and what the client sent in all is
// at most the file plus one chunk per kill.
//
// Real parts only: the `cairn` CLI capturing and syncing a file, a `cairn-server` on loopback
// over TLS, and an in-process FaultProxy (no faults) between them that counts every byte the
// client puts on the wire. The kill points are spread across the upload (one in each tenth, at
// a random place within it, from a fixed seed) and taken from the proxy's count, so they fall
// inside chunk requests as well as between them. Each restart follows the kill at once, while
// the server may still be taking in the bytes of the killed request.
//
// What is counted, and where:
//   - payload: the server's cairn_blob_bytes_received_total, the chunk body bytes its uploads
//     took in, cut requests included (the count is taken when the server ends the request);
//   - chunk requests the server refused: their unread body is drained and not in that counter
//     (only in the wire count); how many there were is reported;
//   - wire: the proxy's client→server bytes, TLS and HTTP included, checked against the file
//     plus one chunk per kill plus the costs every run pays whatever it resends (an offer with
//     every chunk's hash, a TLS handshake, the changes sync and request headers), the offer
//     again when the server answered it 503 (the killed request's tail still arriving), and TLS
//     record overhead.
// The blob must then be PRESENT in the server's own answer, and the server's file must hash to
// the blob's name.
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cairn/v1/blob.pb.h"
#include "integration/evidence_fixture.h"

namespace cairn::testing {
namespace {

using ::testing::HasSubstr;

// Sum of cairn_http_requests_total for `route` with `status`, or with any status but 200 when
// `status` is empty.
uint64_t Requests(const std::string& metrics, std::string_view route, std::string_view status) {
  const std::string prefix =
      "cairn_http_requests_total{route=\"" + std::string(route) + "\",status=\"";
  uint64_t count = 0;
  size_t at = 0;
  while ((at = metrics.find(prefix, at)) != std::string::npos) {
    at += prefix.size();
    const std::string answered = metrics.substr(at, 3);
    const size_t value_at = metrics.find("} ", at);
    if (value_at == std::string::npos) break;
    if (status.empty() ? answered != "200" : answered == status) {
      count += std::stoull(metrics.substr(value_at + 2, 24));
    }
  }
  return count;
}

uint64_t RefusedChunkRequests(const std::string& metrics) {
  return Requests(metrics, "/v1/blobs/{sha256}/chunks/{first}", "");
}

// Offers answered 503 because the killed run's request was still taking in its last bytes
// (decision 0010): the device sends the offer again a second later.
uint64_t RetriedOffers(const std::string& metrics) {
  return Requests(metrics, "/v1/blobs/{sha256}", "503");
}

// The encoded size of the offer a device sends for a blob of `size` bytes.
uint64_t OfferBytes(uint64_t size, const std::string& media_type) {
  v1::BlobOffer offer;
  offer.set_size(size);
  offer.set_media_type(media_type);
  offer.set_chunk_size(kBlobChunkBytes);
  for (uint64_t i = 0; i < BlobChunkCount(size); ++i) offer.add_chunk_sha256(std::string(32, 'x'));
  return offer.ByteSizeLong();
}

TEST_F(EvidenceTransferTest, UploadKilledTenTimesArrivesIntactSendingAtMostAChunkMorePerKill) {
  // 200 MiB and a few bytes (a last chunk that is not whole); CAIRN_KILL_TEST_MIB for a quicker
  // look while developing.
  const char* mib = std::getenv("CAIRN_KILL_TEST_MIB");
  const uint64_t size = ((mib != nullptr ? std::strtoull(mib, nullptr, 10) : 200) << 20) + 4321;
  constexpr int kKills = 10;
  constexpr uint32_t kSeed = 20261126;

  // CAIRN_KILL_TEST_RATE_MIBPS caps the link (MiB/s per connection): bytes of a killed request
  // still in buffers then reach the server well after the restarted client asks where to
  // resume.
  if (const char* rate = std::getenv("CAIRN_KILL_TEST_RATE_MIBPS"); rate != nullptr) {
    FaultProxy::Options capped;
    capped.target_port = server_->port();
    capped.rate_bytes_per_s = std::strtoull(rate, nullptr, 10) << 20;
    proxy_->SetOptions(capped);
  }
  const Result<std::string> user = server_->AddUser("Ana");
  ASSERT_THAT(user.status(), IsOk());
  const std::string phone = NewHome("phone", *user, ProxyUrl());
  const std::string video = dir_.File("lesson.mp4");
  WriteVideo(video, size, kSeed);
  const std::string sha = FileSha256Hex(video);
  const std::string pursuit = LastLineOf(Cli(phone, {"pursue", std::string(kMicroCredential)}).out);
  Cli(phone,
      {"capture", video, "--pursuit", pursuit, "--requirement", std::string(kVideoRequirement)});
  ASSERT_TRUE(std::remove(video.c_str()) == 0);  // the device's encrypted copy is what goes

  const uint64_t payload_before = Metric("cairn_blob_bytes_received_total");
  const uint64_t refused_before = RefusedChunkRequests(Metrics());
  const uint64_t retried_before = RetriedOffers(Metrics());
  const uint64_t wire_before = proxy_->stats().bytes_client_to_server;
  const uint64_t offer = OfferBytes(size, "video/mp4");

  std::mt19937 rng(kSeed);
  std::uniform_real_distribution<double> within(0.1, 0.9);
  const auto started = std::chrono::steady_clock::now();
  std::vector<uint64_t> wire_per_run;
  std::vector<uint64_t> payload_per_run;
  uint64_t payload_mark = payload_before;
  uint64_t wire_mark = wire_before;
  for (int kill = 0; kill < kKills; ++kill) {
    // Somewhere in the kill-th tenth of the upload, counting what the wire carried so far less
    // the offers (one per run).
    const auto target =
        static_cast<uint64_t>(static_cast<double>(size) * (kill + within(rng)) / kKills) +
        static_cast<uint64_t>(kill + 1) * offer;
    const pid_t pid = StartCli(phone, {"sync", "--json"}, "sync-" + std::to_string(kill));
    ASSERT_GT(pid, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (proxy_->stats().bytes_client_to_server - wire_before < target) {
      const std::optional<ExitInfo> early = WaitForExit(pid, std::chrono::milliseconds(0));
      ASSERT_FALSE(early.has_value())
          << "run " << kill << " ended (" << early->ToString() << ") before its kill point "
          << target << ": " << ReadFileOrEmpty(dir_.File("sync-" + std::to_string(kill) + ".err"));
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "run " << kill << " is stuck";
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    const std::optional<ExitInfo> exit = WaitForExit(pid, std::chrono::seconds(30));
    ASSERT_TRUE(exit.has_value());
    EXPECT_FALSE(exit->exited) << "run " << kill << " finished before its kill";
    // Restarted at once: the next run's numbers start here (the server may still be taking in
    // the killed request, which then counts for the next run).
    const uint64_t payload_now = Metric("cairn_blob_bytes_received_total");
    const uint64_t wire_now = proxy_->stats().bytes_client_to_server;
    payload_per_run.push_back(payload_now - payload_mark);
    wire_per_run.push_back(wire_now - wire_mark);
    payload_mark = payload_now;
    wire_mark = wire_now;
  }
  const ProgramResult last = Cli(phone, {"sync", "--json"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // Uploaded by this run, or already completed by the bytes a killed run had on their way.
  EXPECT_EQ(JsonNumber(last.out, "uploaded") + JsonNumber(last.out, "already_on_server"), 1u)
      << last.out;
  EXPECT_EQ(JsonNumber(last.out, "failed"), 0u) << last.out;

  // Intact: present in the server's own answer, and its file hashes to the name.
  HttpRequest status;
  status.method = "GET";
  status.target = "/v1/blobs/" + sha + "/status";
  status.authorization = "Bearer " + TokenOf(phone);
  const HttpResponse answer = Direct(status);
  ASSERT_EQ(answer.status, 200);
  v1::BlobStatus blob;
  ASSERT_TRUE(blob.ParseFromString(answer.body));
  EXPECT_EQ(blob.state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(blob.verified_bytes(), size);
  EXPECT_EQ(FileSha256Hex(ServerBlobPath(sha)), sha);

  // Sent in all.
  const std::string metrics = Metrics();
  const uint64_t payload =
      PrometheusValue(metrics, "cairn_blob_bytes_received_total").value_or(0) - payload_before;
  const uint64_t refused = RefusedChunkRequests(metrics) - refused_before;
  const uint64_t retried = RetriedOffers(metrics) - retried_before;
  const uint64_t wire = proxy_->stats().bytes_client_to_server - wire_before;
  payload_per_run.push_back(payload_before + payload - payload_mark);
  wire_per_run.push_back(wire_before + wire - wire_mark);
  std::cout << "kill test: " << size << " bytes, " << kKills << " kills + 1 run to the end, "
            << seconds << " s\n";
  for (size_t run = 0; run < wire_per_run.size(); ++run) {
    std::cout << "  run " << run << ": wire " << wire_per_run[run] << " bytes, payload "
              << payload_per_run[run] << " bytes\n";
  }
  std::cout << "  payload received by the server " << payload << " (file + " << payload - size
            << "), wire " << wire << " (file + " << wire - size << "), refused chunk requests "
            << refused << ", offers answered 503 and sent again " << retried << ", offer " << offer
            << " bytes\n";

  const uint64_t chunk = kBlobChunkBytes;
  EXPECT_GE(payload, size);
  EXPECT_LE(payload, size + kKills * chunk) << "more than one chunk re-sent per kill";
  // The wire also carries the bodies of chunk requests the server refused (drained unread, so
  // not in the payload count; `refused` says how many there were). Besides the file and a
  // chunk per kill it may carry, per run, an offer, a TLS handshake, the changes sync, status
  // requests and headers (about 4 KiB measured; 8 KiB allowed), and TLS 1.3 record overhead:
  // 22 bytes per 16 KiB record (32 allowed).
  // An offer answered 503 is sent again: one more offer each.
  const uint64_t runs = kKills + 1;
  const uint64_t allowance =
      runs * (offer + uint64_t{8} * 1024) + retried * offer + size / (uint64_t{16} * 1024) * 32;
  EXPECT_LE(wire, size + kKills * chunk + allowance)
      << "the wire carried more than the file, a chunk per kill and each run's fixed costs";
}

}  // namespace
}  // namespace cairn::testing
