// `cairn evidence fetch` as a teacher's second device runs it: a real cairn-server, two real
// `cairn` homes of one educator (the phone that captured a video, the laptop that fetches it
// through a FaultProxy), ranged GETs over TLS, and a fetch killed with SIGKILL part-way that the
// next run resumes. The server's own request log says which bytes each run asked for.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/evidence_fixture.h"

namespace cairn::testing {
namespace {

using ::testing::HasSubstr;

// Blob GETs in a stretch of the server's log (one JSON object per line): how many, and the
// body bytes they were answered with.
struct ServedBlobs {
  uint64_t requests = 0;
  uint64_t bytes = 0;
};

ServedBlobs BlobGetsIn(std::string_view log) {
  ServedBlobs out;
  std::istringstream lines{std::string(log)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find(R"("msg":"request")") == std::string::npos ||
        line.find(R"("method":"GET")") == std::string::npos ||
        line.find(R"("route":"/v1/blobs/{sha256}")") == std::string::npos) {
      continue;
    }
    ++out.requests;
    const uint64_t bytes = JsonNumber(line, "bytes_out");
    EXPECT_NE(bytes, kAbsent) << line;
    if (bytes != kAbsent) out.bytes += bytes;
  }
  return out;
}

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

TEST_F(EvidenceTransferTest, FetchOnAnotherDeviceResumesAfterAKillAndAsksOnlyForTheRest) {
  const Result<std::string> user = server_->AddUser("Ana");
  ASSERT_THAT(user.status(), IsOk());
  const std::string phone = NewHome("phone", *user, server_->url());
  // The laptop reaches the server through the proxy, which can slow it down.
  const std::string laptop = NewHome("laptop", *user, ProxyUrl());

  // 24 MiB and a few bytes: several ranges, and a last chunk that is not whole.
  constexpr uint64_t kSize = (uint64_t{24} << 20) + 1234;
  const std::string video = dir_.File("lesson.mp4");
  WriteVideo(video, kSize, 7);
  const std::string sha = FileSha256Hex(video);
  const std::string pursuit = LastLineOf(Cli(phone, {"pursue", std::string(kMicroCredential)}).out);
  const std::string evidence =
      FirstLineOf(Cli(phone, {"capture", video, "--pursuit", pursuit, "--requirement",
                              std::string(kVideoRequirement), "--caption", "Lesson video"})
                      .out);
  ASSERT_EQ(JsonNumber(Cli(phone, {"sync", "--json"}).out, "uploaded"), 1u);

  // Before the laptop has synced, the evidence item is unknown there: a clear error.
  const ProgramResult unknown = Cli(laptop, {"evidence", "fetch", evidence}, 1);
  EXPECT_THAT(unknown.err, HasSubstr("sync there and here first"));
  Cli(laptop, {"sync"});

  // A slow link (4 MiB/s): the fetch is killed once about a third of the video is on the
  // laptop (its partial file grows as each range is made durable).
  FaultProxy::Options slow;
  slow.target_port = server_->port();
  slow.rate_bytes_per_s = uint64_t{4} << 20;
  proxy_->SetOptions(slow);
  const std::string partial = laptop + "/blobs/partial/" + sha;
  const pid_t fetch = StartCli(laptop, {"evidence", "fetch", evidence}, "fetch-killed");
  ASSERT_GT(fetch, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (FileSize(partial) < kSize / 3 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_FALSE(WaitForExit(fetch, std::chrono::milliseconds(0)).has_value())
        << "the fetch ended before it was killed: "
        << ReadFileOrEmpty(dir_.File("fetch-killed.err"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(::kill(fetch, SIGKILL), 0);
  const std::optional<ExitInfo> killed = WaitForExit(fetch, std::chrono::seconds(30));
  ASSERT_TRUE(killed.has_value());
  EXPECT_FALSE(killed->exited) << "the fetch finished before the kill";
  EXPECT_THAT(ReadFileOrEmpty(dir_.File("fetch-killed.err")),
              HasSubstr("fetching \"Lesson video\""))
      << "progress lines go to stderr";

  // The server log up to here holds the killed run's requests (the one cut by the kill
  // included); what follows is the resumed run's.
  proxy_->SetOptions(FaultProxy::Options{.target_port = server_->port()});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the cut request is logged
  const size_t log_before = server_->Log().size();
  const std::string out = dir_.File("fetched.mp4");
  const ProgramResult resumed =
      Cli(laptop, {"evidence", "fetch", evidence, "--out", out, "--json"});
  std::cout << "resumed fetch: " << resumed.out;
  const uint64_t resumed_from = JsonNumber(resumed.out, "resumed_from");
  const uint64_t received = JsonNumber(resumed.out, "bytes_received");
  EXPECT_GE(resumed_from, kSize / 3 - (uint64_t{4} << 20))
      << "what the killed run made durable is kept: " << resumed.out;
  EXPECT_LT(resumed_from, kSize);
  EXPECT_EQ(resumed_from % kBlobChunkBytes, 0u) << "resumes after whole chunks";
  EXPECT_EQ(received, kSize - resumed_from) << resumed.out;
  EXPECT_THAT(resumed.out, HasSubstr(R"("already_held":false)"));

  // The server's side: the resumed run asked for exactly the missing bytes, in its requests.
  const ServedBlobs second = BlobGetsIn(server_->Log().substr(log_before));
  EXPECT_EQ(second.bytes, kSize - resumed_from);
  EXPECT_EQ(second.requests, JsonNumber(resumed.out, "requests"));

  // The file is the phone's, byte for byte, and private.
  EXPECT_EQ(FileSha256Hex(out), sha);
  EXPECT_EQ(FileSize(out), kSize);
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(FileSize(partial), 0u) << "no partial download is left behind";

  // Held now: a second fetch asks nothing, and --out never overwrites.
  const size_t log_held = server_->Log().size();
  EXPECT_THAT(Cli(laptop, {"evidence", "fetch", evidence}).out,
              HasSubstr("already on this device"));
  EXPECT_EQ(BlobGetsIn(server_->Log().substr(log_held)).requests, 0u);
  EXPECT_THAT(Cli(laptop, {"evidence", "fetch", evidence, "--out", out}, 1).err,
              HasSubstr("exists; choose another file"));
  // The laptop never offers the fetched blob back to the server.
  EXPECT_EQ(JsonNumber(Cli(laptop, {"sync", "--json"}).out, "chunk_bytes_sent"), 0u);
}

}  // namespace
}  // namespace cairn::testing
