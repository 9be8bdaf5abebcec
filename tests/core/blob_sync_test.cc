// Tests of the blob uploader and downloader (cairn/blob_sync.h) against a scripted server at the
// Transport seam: it keeps what it verified, cuts requests part-way, loses answers, forgets or
// gains chunks behind the device's back and refuses blobs, as the real server and network may.
#include "cairn/blob_sync.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cairn/device.h"
#include "cairn/error_answer.h"
#include "cairn/v1/blob.pb.h"
#include "cairn/v1/sync.pb.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::IsOk;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr uint64_t kChunk = kBlobChunkBytes;
constexpr char kToken[] = "device-token";

class FixedKey final : public KeyProvider {
 public:
  Result<BlobKeyBytes> BlobKey() override { return BlobKeyBytes{1, 2, 3}; }
};

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 engine(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(engine() & 0xff);
  return out;
}

std::string Bytes(const Sha256& sha) {
  return {reinterpret_cast<const char*>(sha.data()), sha.size()};
}

// What happens to one request.
enum class Fault : uint8_t {
  kNone,
  kCutBody,       // the connection drops after `cut_bytes` of the body arrived
  kLoseAnswer,    // the request is handled in full, the answer never arrives
  kUnavailable,   // 503 with an Error body, nothing handled
  kForgetChunks,  // before handling, the server loses its last 2 verified chunks
  kGainChunks,    // before handling, another device's upload adds 3 verified chunks
  kAnswer,        // `answer` comes back, nothing handled
};

struct Script {
  Fault fault = Fault::kNone;
  uint64_t cut_bytes = 0;
  HttpResponse answer = {};
};

// An error answer as the server writes it (error_answer.h).
HttpResponse ErrorAnswer(const Status& status) {
  return HttpResponse{HttpStatusOf(status.code()), "application/x-protobuf",
                      ErrorBody(status, /*json=*/false)};
}

// The blob endpoints of blob.proto over in-memory state, with faults on demand.
class FakeBlobServer final : public Transport {
 public:
  struct Blob {
    v1::BlobOffer offer;
    std::string data;  // the verified prefix
    bool present = false;
  };

  // Decides the fault of each request: (request number from 0, request) -> script.
  std::function<Script(int, const HttpRequest&)> script = [](int, const HttpRequest&) {
    return Script{};
  };

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    const int n = requests_++;
    log.push_back(request.method + " " + request.target);
    if (request.authorization != std::string("Bearer ") + kToken)
      return Error(401, "unauthenticated", "no");
    const Script s = script(n, request);
    if (s.fault == Fault::kUnavailable) return Error(503, "unavailable", "busy");
    if (s.fault == Fault::kAnswer) return s.answer;
    const size_t arrived = s.fault == Fault::kCutBody
                               ? std::min<size_t>(s.cut_bytes, request.body.size())
                               : request.body.size();
    if (request.method == "POST") chunk_bytes_received += arrived;
    const std::string target = request.target;
    const std::string prefix = "/v1/blobs/";
    if (!target.starts_with(prefix)) return Error(404, "not_found", "no such endpoint");
    const std::string hex = target.substr(prefix.size(), 64);
    const std::string rest = target.substr(prefix.size() + 64);
    if (s.fault == Fault::kForgetChunks || s.fault == Fault::kGainChunks) {
      Blob& b = blobs[hex];
      const uint64_t held = b.data.size() / kChunk;
      const auto& full = originals[hex];
      if (s.fault == Fault::kForgetChunks) {
        b.data.resize(std::max<uint64_t>(held, 2) * kChunk - 2 * kChunk);
      } else {
        b.data = full.substr(
            0, std::min<uint64_t>((held + 3) * kChunk, full.size() - 1) / kChunk * kChunk);
      }
    }
    HttpResponse response;
    if (request.method == "PUT" && rest.empty()) {
      v1::BlobOffer offer;
      if (!offer.ParseFromString(request.body)) return Error(400, "invalid_argument", "offer");
      if (offer.size() > max_size) {
        return Error(413, "too_large", "blob larger than the server's maximum");
      }
      Blob& b = blobs[hex];
      if (b.offer.chunk_sha256_size() == 0) b.offer = offer;
      response = Ok(hex);
    } else if (request.method == "GET" && rest == "/status") {
      response = Ok(hex);
    } else if (request.method == "POST" && rest.starts_with("/chunks/")) {
      Blob& b = blobs[hex];
      const uint64_t first = std::stoull(rest.substr(8));
      if (b.offer.chunk_sha256_size() == 0) return Error(404, "not_found", "not offered");
      const uint64_t verified = b.data.size() / kChunk;
      if (b.present || first != verified) {
        return Error(409, "failed_precondition", "the next chunk is " + std::to_string(verified));
      }
      std::string_view body(request.body.data(), arrived);
      uint64_t index = first;
      while (!body.empty() && index < static_cast<uint64_t>(b.offer.chunk_sha256_size())) {
        const uint64_t len = std::min<uint64_t>(kChunk, b.offer.size() - index * kChunk);
        if (body.size() < len) break;  // a cut chunk is dropped
        if (Bytes(Sha256Of(body.substr(0, len))) != b.offer.chunk_sha256(static_cast<int>(index))) {
          return Error(400, "invalid_argument", "chunk does not match the offer");
        }
        b.data.append(body.substr(0, len));
        body.remove_prefix(len);
        ++index;
      }
      if (b.data.size() == b.offer.size()) {
        b.present = Sha256Hex(Sha256Of(b.data)) == hex;
        if (!b.present) b.data.clear();
      }
      if (s.fault == Fault::kCutBody) return Unavailable("connection reset by peer");
      response = Ok(hex);
    } else if (request.method == "GET" && rest.empty()) {
      response.status = 200;
      response.body = blobs[hex].data;
    } else {
      return Error(400, "invalid_argument", "bad request " + request.method + " " + target);
    }
    if (s.fault == Fault::kLoseAnswer || s.fault == Fault::kCutBody) {
      return Unavailable("connection reset by peer");
    }
    return response;
  }

  HttpResponse Ok(const std::string& hex) {
    const Blob& b = blobs[hex];
    v1::BlobStatus status;
    status.set_sha256(Bytes(*ParseSha256Hex(hex)));
    status.set_state(b.present                         ? v1::BLOB_STATE_PRESENT
                     : b.offer.chunk_sha256_size() > 0 ? v1::BLOB_STATE_PARTIAL
                                                       : v1::BLOB_STATE_ABSENT);
    status.set_size(b.offer.size());
    status.set_chunk_size(kChunk);
    status.set_verified_chunks(b.present ? b.offer.chunk_sha256_size() : b.data.size() / kChunk);
    status.set_verified_bytes(b.data.size());
    return HttpResponse{200, "application/x-protobuf", status.SerializeAsString()};
  }

  static HttpResponse Error(int http, const std::string& code, const std::string& message) {
    HttpResponse answer = ErrorAnswer(Status(CodeFromName(code).value(), message));
    answer.status = http;
    return answer;
  }

  std::map<std::string, Blob> blobs;
  std::map<std::string, std::string> originals;  // for kGainChunks
  std::vector<std::string> log;
  // Chunk bytes that reached the server, cut requests included.
  uint64_t chunk_bytes_received = 0;
  uint64_t max_size = uint64_t{1} << 40;

 private:
  int requests_ = 0;
};

// A Transport made of a function: a server that serves ranges of blobs, for the fetch tests.
class FunctionTransport final : public Transport {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;
  explicit FunctionTransport(Handler handler) : handler_(std::move(handler)) {}
  Result<HttpResponse> RoundTrip(const HttpRequest& request) override { return handler_(request); }

 private:
  Handler handler_;
};

// A 206 answer with bytes [first, first + length) of `data`, as the server sends it.
HttpResponse Partial(const std::string& data, uint64_t first, uint64_t length) {
  HttpResponse out{206, "application/octet-stream", data.substr(first, length)};
  out.content_range = "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) +
                      "/" + std::to_string(data.size());
  return out;
}

// The (first, last) of a "bytes=first-last" Range header.
std::pair<uint64_t, uint64_t> AskedRange(const HttpRequest& request) {
  uint64_t first = 0;
  uint64_t last = 0;
  EXPECT_EQ(std::sscanf(request.range.c_str(), "bytes=%lu-%lu", &first, &last), 2)
      << "Range: " << request.range;
  return {first, last};
}

class BlobSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ReplicaOptions options;
    options.env = Env{&clock_, &random_};
    auto replica = Replica::Open(dir_.File("device.db"), options);
    ASSERT_THAT(replica.status(), IsOk());
    replica_ = std::move(replica).value();
    SyncSettings settings;
    settings.server_url = "https://127.0.0.1:8443";
    settings.token = kToken;
    CAIRN_ASSERT_OK(SaveSyncSettings(*replica_, settings));
    auto store = BlobStore::Open(dir_.File("blobs"), key_, Env{&clock_, &random_});
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(store).value();
    options_.sleep = [](std::chrono::milliseconds) {};
  }

  // Captures `content` and records an evidence item naming it.
  EvidenceRef AddEvidence(const std::string& content, const std::string& caption = "") {
    const std::string path = dir_.File("source-" + std::to_string(sources_++));
    std::ofstream(path, std::ios::binary)
        .write(content.data(), static_cast<std::streamsize>(content.size()));
    Result<EvidenceRef> ref = store_->Capture(path);
    EXPECT_THAT(ref.status(), IsOk());
    const EntityId id = replica_->NewEntityId();
    std::vector<Op> ops = {Op::Put(id, std::string(kTypeField), std::string(kEvidenceType)),
                           Op::Put(id, "blob", *ref)};
    if (!caption.empty()) ops.push_back(Op::Put(id, "caption", caption));
    EXPECT_THAT(replica_->Commit(std::move(ops)).status(), IsOk());
    server_.originals[Sha256Hex(ref->sha256)] = content;
    return *ref;
  }

  Status Upload(UploadReport* report) {
    return RunBlobUploads(*replica_, *store_, server_, options_, nullptr, report);
  }

  const std::string& Held(const EvidenceRef& ref) {
    return server_.blobs[Sha256Hex(ref.sha256)].data;
  }
  bool Present(const EvidenceRef& ref) { return server_.blobs[Sha256Hex(ref.sha256)].present; }

  TempDir dir_;
  testing::FakeClock clock_;
  SeededRandom random_{11};
  FixedKey key_;
  std::unique_ptr<Replica> replica_;
  std::unique_ptr<BlobStore> store_;
  FakeBlobServer server_;
  BlobTransferOptions options_;
  int sources_ = 0;
};

TEST_F(BlobSyncTest, UploadsEveryBlobSmallestFirstAndNeverAsksAgain) {
  const std::string video = RandomBytes(40 * kChunk + 123, 1);
  const std::string photo = RandomBytes(3 * kChunk, 2);
  const EvidenceRef v = AddEvidence(video, "lesson video");
  const EvidenceRef p = AddEvidence(photo);
  const EvidenceRef t = AddEvidence("exit ticket notes\n");

  std::vector<UploadProgress> seen;
  UploadReport report;
  CAIRN_ASSERT_OK(RunBlobUploads(
      *replica_, *store_, server_, options_,
      [&](const UploadProgress& progress) { seen.push_back(progress); }, &report));
  EXPECT_EQ(report.uploaded, 3U);
  EXPECT_TRUE(Present(v) && Present(p) && Present(t));
  EXPECT_EQ(Held(v), video);
  EXPECT_EQ(report.chunk_bytes_sent, video.size() + photo.size() + 18);
  EXPECT_EQ(report.failed_requests, 0U);
  // Smallest first: the text, then the photo, then the video.
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front().blobs[0].sha256, t.sha256);
  EXPECT_EQ(seen.front().blobs[2].sha256, v.sha256);
  EXPECT_EQ(seen.front().blobs[2].caption, "lesson video");
  EXPECT_EQ(seen.back().done_bytes, seen.back().total_bytes);
  EXPECT_EQ(seen.back().total_bytes, video.size() + photo.size() + 18);
  // Growing batches: the video's 41 chunks go as 16, then 25 (a batch of 32, cut to the rest).
  int video_posts = 0;
  for (const std::string& line : server_.log) {
    if (line.starts_with("POST /v1/blobs/" + Sha256Hex(v.sha256))) ++video_posts;
  }
  EXPECT_EQ(video_posts, 2);  // 16 + 25 (a 32-chunk batch, cut to what remains)

  const size_t requests = server_.log.size();
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_EQ(report.known_uploaded, 3U);
  EXPECT_EQ(server_.log.size(), requests);
}

TEST_F(BlobSyncTest, ABlobTheServerHoldsCostsNoChunkBytes) {
  const std::string video = RandomBytes(10 * kChunk, 3);
  const EvidenceRef v = AddEvidence(video);
  FakeBlobServer::Blob& held = server_.blobs[Sha256Hex(v.sha256)];
  held.offer.set_size(video.size());
  held.offer.add_chunk_sha256("x");
  held.data = video;
  held.present = true;
  UploadReport report;
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_EQ(report.already_present, 1U);
  EXPECT_EQ(report.chunk_bytes_sent, 0U);
  EXPECT_EQ(server_.chunk_bytes_received, 0U);
  EXPECT_THAT(server_.log, SizeIs(1));
}

TEST_F(BlobSyncTest, CutRequestsCostAtMostOneChunkEachAndTheBlobArrivesIntact) {
  const std::string video = RandomBytes(300 * kChunk + 4321, 4);  // ~19 MiB
  const EvidenceRef v = AddEvidence(video);
  std::mt19937 rng(99);
  int interruptions = 0;
  server_.script = [&](int, const HttpRequest& request) {
    Script s;
    if (request.method == "POST" && rng() % 3 == 0) {
      ++interruptions;
      s.fault = Fault::kCutBody;
      s.cut_bytes = rng() % (request.body.size() + 1);
    } else if (rng() % 7 == 0) {
      ++interruptions;
      s.fault = rng() % 2 == 0 ? Fault::kLoseAnswer : Fault::kUnavailable;
    }
    return s;
  };
  options_.max_consecutive_failures = 1000;
  UploadReport report;
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_TRUE(Present(v));
  EXPECT_EQ(Held(v), video);
  EXPECT_GT(interruptions, 5);
  const uint64_t payload = video.size();
  const uint64_t chunk_bytes = server_.chunk_bytes_received;
  EXPECT_LE(chunk_bytes, payload + static_cast<uint64_t>(interruptions) * kChunk)
      << interruptions << " interruptions";
  std::cout << "payload " << payload << " B, chunk bytes that reached the server " << chunk_bytes
            << " B over " << interruptions << " interruptions\n";
}

TEST_F(BlobSyncTest, AServerThatForgetsOrGainsChunksIsAskedWhereToResume) {
  const std::string video = RandomBytes(100 * kChunk + 1, 5);
  const EvidenceRef v = AddEvidence(video);
  int posts = 0;
  server_.script = [&](int, const HttpRequest& request) {
    Script s;
    if (request.method == "POST") {
      ++posts;
      if (posts == 2) s.fault = Fault::kForgetChunks;  // 409: the device is ahead
      if (posts == 4) s.fault = Fault::kGainChunks;    // 409: the device is behind
    }
    return s;
  };
  UploadReport report;
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_TRUE(Present(v));
  EXPECT_EQ(Held(v), video);
  // Each 409 was followed by a status request, never a guess from the message.
  int statuses = 0;
  for (const std::string& line : server_.log) statuses += line.ends_with("/status") ? 1 : 0;
  EXPECT_EQ(statuses, 2);
  EXPECT_EQ(report.failed_requests, 2U);
}

TEST_F(BlobSyncTest, LargeBlobsWaitOnAMeteredNetworkUnlessAllowed) {
  const EvidenceRef big = AddEvidence(RandomBytes(40 * kChunk, 6), "long video");
  const EvidenceRef small = AddEvidence(RandomBytes(kChunk, 7));
  options_.policy.metered_network = true;
  options_.policy.large_blob_bytes = 20 * kChunk;
  UploadReport report;
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_TRUE(Present(small));
  EXPECT_FALSE(Present(big));
  ASSERT_THAT(report.waiting, SizeIs(1));
  EXPECT_EQ(report.waiting[0].sha256, big.sha256);
  EXPECT_EQ(report.waiting[0].phase, BlobUploadPhase::kWaiting);

  options_.policy.allow_large_on_metered = true;
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_TRUE(Present(big));
  EXPECT_EQ(report.known_uploaded, 1U);
}

TEST_F(BlobSyncTest, PauseStopsBetweenRequestsAndTheNextRunResumes) {
  const std::string video = RandomBytes(200 * kChunk, 8);
  const EvidenceRef v = AddEvidence(video);
  UploadControl control;
  options_.control = &control;
  UploadReport report;
  Status s = RunBlobUploads(
      *replica_, *store_, server_, options_,
      [&](const UploadProgress& p) {
        if (p.done_bytes >= 40 * kChunk) control.pause = true;
      },
      &report);
  EXPECT_THAT(s, StatusIs(Code::kAborted, HasSubstr("paused")));
  EXPECT_TRUE(report.paused);
  EXPECT_FALSE(Present(v));
  const uint64_t held = Held(v).size();
  EXPECT_GE(held, 40 * kChunk);

  control.pause = false;
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_TRUE(Present(v));
  EXPECT_EQ(report.chunk_bytes_sent, video.size() - held);  // nothing sent twice

  control.cancel = true;
  EXPECT_THAT(Upload(&report), StatusIs(Code::kAborted, HasSubstr("cancelled")));
}

TEST_F(BlobSyncTest, ARefusedOrDamagedBlobIsReportedAndTheOthersStillGo) {
  const EvidenceRef big = AddEvidence(RandomBytes(30 * kChunk, 9));
  const EvidenceRef damaged = AddEvidence(RandomBytes(3 * kChunk, 10));
  const EvidenceRef ok = AddEvidence(RandomBytes(2 * kChunk, 11));
  server_.max_size = 10 * kChunk;
  {
    std::fstream f(store_->PathOf(damaged.sha256), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(24 + 12 + 1000);
    f.put('\x55');
  }
  UploadReport report;
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_TRUE(Present(ok));
  ASSERT_THAT(report.failed, SizeIs(2));
  std::map<Sha256, Status> failed(report.failed.begin(), report.failed.end());
  EXPECT_THAT(failed[big.sha256], StatusIs(Code::kTooLarge, HasSubstr("maximum")));
  EXPECT_THAT(failed[damaged.sha256], StatusIs(Code::kDataLoss, HasSubstr("altered or damaged")));
}

// The answer's own `retryable` wins over its code's usual one: an internal error the server
// calls transient is retried; an unavailable it calls final is not; a full quota sets its blob
// aside until the next sync (no quick retry frees space) while the others go on.
TEST_F(BlobSyncTest, AnErrorAnswerSaysWhetherToRetryAndTheUploaderTrustsIt) {
  const EvidenceRef flaky = AddEvidence(RandomBytes(2 * kChunk, 21));
  const EvidenceRef refused = AddEvidence(RandomBytes(3 * kChunk, 22));
  const EvidenceRef over_quota = AddEvidence(RandomBytes(4 * kChunk, 23));
  const EvidenceRef fine = AddEvidence(RandomBytes(5 * kChunk, 24));
  const auto about = [](const HttpRequest& request, const EvidenceRef& ref) {
    return request.target.find(Sha256Hex(ref.sha256)) != std::string::npos;
  };
  int flaky_errors = 0;
  int refused_asks = 0;
  int quota_asks = 0;
  server_.script = [&](int, const HttpRequest& request) {
    Script s;
    if (about(request, flaky) && flaky_errors < 2) {
      ++flaky_errors;
      s = {Fault::kAnswer, 0, ErrorAnswer(Status(Code::kInternal, "restarting", true))};
    } else if (about(request, refused)) {
      ++refused_asks;
      s = {Fault::kAnswer, 0,
           ErrorAnswer(Status(Code::kUnavailable, "this server takes no more evidence", false))};
    } else if (about(request, over_quota)) {
      ++quota_asks;
      s = {Fault::kAnswer, 0, ErrorAnswer(ResourceExhausted("over the account's quota"))};
    }
    return s;
  };
  UploadReport report;
  CAIRN_ASSERT_OK(Upload(&report));
  EXPECT_TRUE(Present(flaky));
  EXPECT_EQ(flaky_errors, 2);
  EXPECT_EQ(report.failed_requests, 2U);
  EXPECT_EQ(refused_asks, 1);
  EXPECT_EQ(quota_asks, 1);
  EXPECT_TRUE(Present(fine));
  std::map<Sha256, Status> failed(report.failed.begin(), report.failed.end());
  ASSERT_THAT(failed, SizeIs(2));
  EXPECT_THAT(failed[refused.sha256], StatusIs(Code::kUnavailable, HasSubstr("no more evidence")));
  EXPECT_FALSE(failed[refused.sha256].retryable());
  EXPECT_THAT(failed[over_quota.sha256], StatusIs(Code::kResourceExhausted, HasSubstr("quota")));
  EXPECT_FALSE(Present(over_quota));
}

TEST_F(BlobSyncTest, AnUnreachableServerEndsTheRunAsUnavailable) {
  AddEvidence(RandomBytes(kChunk, 12));
  server_.script = [](int, const HttpRequest&) { return Script{Fault::kLoseAnswer, 0}; };
  options_.max_consecutive_failures = 4;
  UploadReport report;
  EXPECT_THAT(Upload(&report), StatusIs(Code::kUnavailable, HasSubstr("next sync resumes")));
  EXPECT_EQ(report.failed_requests, 4U);
}

// A transport that streams bodies (as the Beast one does): it takes the body piece by piece,
// recording the pieces, and hands the whole to the fake server.
class StreamingTransport final : public Transport {
 public:
  explicit StreamingTransport(FakeBlobServer& server) : server_(server) {}
  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    return server_.RoundTrip(request);
  }
  bool StreamsBodies() const override { return true; }
  Result<HttpResponse> RoundTripStreamed(const HttpRequest& head, uint64_t body_size,
                                         BodySource& body) override {
    HttpRequest whole = head;
    std::string piece;
    while (true) {
      CAIRN_RETURN_IF_ERROR(body.Next(&piece));
      if (piece.empty()) break;
      pieces.push_back(piece.size());
      whole.body += piece;
      if (after_piece) after_piece();
    }
    EXPECT_EQ(whole.body.size(), body_size) << "the body is as long as announced";
    body_sizes.push_back(body_size);
    return server_.RoundTrip(whole);
  }

  std::vector<uint64_t> pieces;
  std::vector<uint64_t> body_sizes;
  std::function<void()> after_piece;

 private:
  FakeBlobServer& server_;
};

TEST_F(BlobSyncTest, StreamedBodiesGrowToTheWholeBlobOneMiBAtATime) {
  const std::string video = RandomBytes(300 * kChunk + 777, 21);  // 301 chunks
  const EvidenceRef v = AddEvidence(video);
  StreamingTransport transport(server_);
  UploadReport report;
  CAIRN_ASSERT_OK(RunBlobUploads(*replica_, *store_, transport, options_, nullptr, &report));
  EXPECT_TRUE(Present(v));
  EXPECT_EQ(Held(v), video);
  EXPECT_EQ(report.chunk_bytes_sent, video.size());
  // 16 chunks, then 4x per answer: 64, then the 221 left (a batch of 256, cut to the rest).
  EXPECT_THAT(transport.body_sizes, ElementsAre(16 * kChunk, 64 * kChunk, 220 * kChunk + 777));
  for (const uint64_t piece : transport.pieces) {
    EXPECT_LE(piece, BlobUploader::kStreamPieceChunks * kChunk) << "never more than 1 MiB at once";
  }
}

TEST_F(BlobSyncTest, APauseCutsAStreamedBodyAndTheNextRunResumes) {
  const std::string video = RandomBytes(200 * kChunk + 5, 22);
  const EvidenceRef v = AddEvidence(video);
  StreamingTransport transport(server_);
  UploadControl control;
  options_.control = &control;
  // Pause in the middle of the third request's body (after the first 80 chunks went).
  transport.after_piece = [&] {
    if (transport.pieces.size() == 7) control.pause = true;
  };
  UploadReport report;
  const Status paused = RunBlobUploads(*replica_, *store_, transport, options_, nullptr, &report);
  EXPECT_EQ(paused.code(), Code::kAborted) << paused.ToString();
  EXPECT_TRUE(report.paused);
  EXPECT_FALSE(Present(v));
  EXPECT_EQ(Held(v).size(), 80 * kChunk);

  control.pause = false;
  transport.after_piece = nullptr;
  CAIRN_ASSERT_OK(RunBlobUploads(*replica_, *store_, transport, options_, nullptr, &report));
  EXPECT_TRUE(Present(v));
  EXPECT_EQ(Held(v), video);
  EXPECT_EQ(server_.chunk_bytes_received, video.size()) << "nothing was sent twice";
}

TEST_F(BlobSyncTest, ARefusedTokenEndsTheRun) {
  AddEvidence("notes");
  SyncSettings settings;
  settings.server_url = "https://127.0.0.1:8443";
  settings.token = "wrong";
  CAIRN_ASSERT_OK(SaveSyncSettings(*replica_, settings));
  UploadReport report;
  EXPECT_THAT(Upload(&report), StatusIs(Code::kUnauthenticated, HasSubstr("uploading blob")));
}

TEST_F(BlobSyncTest, FetchResumesAfterCutsAndKeepsOnlyAVerifiedBlob) {
  const std::string video = RandomBytes(50 * kChunk + 77, 13);
  const EvidenceRef v = AddEvidence(video);
  UploadReport report;
  CAIRN_ASSERT_OK(Upload(&report));

  // A second device of the same teacher, with its own store and key.
  TempDir other;
  FixedKey key;
  auto store = BlobStore::Open(other.File("blobs"), key, Env{&clock_, &random_});
  ASSERT_THAT(store.status(), IsOk());
  std::mt19937 rng(5);
  int calls = 0;
  int cuts = 0;
  bool down = false;  // the network is gone: every request fails
  bool went_down = false;
  uint64_t served = 0;
  FunctionTransport get([&](const HttpRequest& request) -> Result<HttpResponse> {
    EXPECT_EQ(request.method, "GET");
    const auto [first, last] = AskedRange(request);
    const std::string& data = server_.blobs[Sha256Hex(v.sha256)].data;
    if (down || ++calls % 2 == 0) {
      ++cuts;
      return Unavailable("connection reset");
    }
    // Sometimes fewer bytes than asked, as a server that caps its parts may.
    const uint64_t len =
        std::min<uint64_t>(last - first + 1, rng() % 2 ? kChunk * 5 + 7 : uint64_t{1} << 30);
    served += len;
    if (served > 20 * kChunk && !went_down) down = went_down = true;
    return Partial(data, first, len);
  });
  options_.max_consecutive_failures = 3;
  std::vector<uint64_t> progress;
  FetchReport first_run;
  EXPECT_THAT(FetchBlob(*replica_, **store, v, get, options_, nullptr, &first_run),
              StatusIs(Code::kUnavailable, HasSubstr("fetch again to resume")));
  EXPECT_EQ(first_run.resumed_from, 0U);
  EXPECT_GT(first_run.bytes_received, 0U);
  EXPECT_FALSE(*(*store)->Has(v.sha256));
  // A restart: a new downloader resumes after the whole chunks kept on disk.
  down = false;
  const uint64_t before_restart = served;
  FetchReport second_run;
  CAIRN_ASSERT_OK(FetchBlob(
      *replica_, **store, v, get, options_,
      [&](uint64_t done, uint64_t) { progress.push_back(done); }, &second_run));
  // The restart asks only for what the first run did not keep (its whole chunks).
  EXPECT_EQ(second_run.resumed_from, first_run.bytes_received / kChunk * kChunk);
  EXPECT_EQ(second_run.bytes_received, video.size() - second_run.resumed_from);
  EXPECT_GT(cuts, 3);
  // Every byte once, plus at most the part of a chunk that was not whole at the restart.
  EXPECT_LE(served, video.size() + kChunk);
  EXPECT_GT(served - before_restart, 0U);
  auto reader = (*store)->Open(v.sha256);
  ASSERT_THAT(reader.status(), IsOk());
  std::string back;
  CAIRN_ASSERT_OK((*reader)->ReadRange(0, video.size(), &back));
  EXPECT_EQ(back, video);
  EXPECT_EQ(progress.back(), video.size());

  // A server that sends wrong bytes: nothing is kept.
  EvidenceRef wrong = v;
  wrong.sha256 = Sha256Of("another blob");
  server_.blobs[Sha256Hex(wrong.sha256)].data = video;
  FunctionTransport liar([&](const HttpRequest& request) -> Result<HttpResponse> {
    const auto [first, last] = AskedRange(request);
    return Partial(video, first, last - first + 1);
  });
  EXPECT_THAT(FetchBlob(*replica_, **store, wrong, liar, options_, nullptr),
              StatusIs(Code::kDataLoss, HasSubstr("not to their name")));
  EXPECT_FALSE(*(*store)->Has(wrong.sha256));
}

TEST_F(BlobSyncTest, FetchRefusesBytesOtherThanAskedForAndKeepsWhatItHad) {
  const std::string video = RandomBytes(40 * kChunk + 5, 17);
  const EvidenceRef v{Sha256Of(video), video.size(), "video/mp4"};
  TempDir other;
  FixedKey key;
  auto store = BlobStore::Open(other.File("blobs"), key, Env{&clock_, &random_});
  ASSERT_THAT(store.status(), IsOk());

  // The first range is served right, then the server answers with a part that starts one chunk
  // further than asked: refused, and the first range stays.
  int answers = 0;
  FunctionTransport shifted([&](const HttpRequest& request) -> Result<HttpResponse> {
    const auto [first, last] = AskedRange(request);
    if (answers++ == 0) return Partial(video, first, last - first + 1);
    return Partial(video, first + kChunk, last - first + 1);
  });
  FetchReport report;
  EXPECT_THAT(FetchBlob(*replica_, **store, v, shifted, options_, nullptr, &report),
              StatusIs(Code::kInternal, HasSubstr("were asked for")));
  EXPECT_EQ(report.bytes_received, BlobDownloader::kInitialRangeBytes)
      << "only the answer that was taken counts";

  // A 206 without a Content-Range is not taken either.
  FunctionTransport bare([&](const HttpRequest& request) -> Result<HttpResponse> {
    const auto [first, last] = AskedRange(request);
    return HttpResponse{206, "application/octet-stream", video.substr(first, last - first + 1)};
  });
  EXPECT_THAT(FetchBlob(*replica_, **store, v, bare, options_, nullptr, &report),
              StatusIs(Code::kInternal, HasSubstr("Content-Range")));
  EXPECT_EQ(report.resumed_from, BlobDownloader::kInitialRangeBytes);

  // A server that holds another size under the name.
  FunctionTransport longer([&](const HttpRequest& request) -> Result<HttpResponse> {
    const auto [first, last] = AskedRange(request);
    return Partial(video + "tail", first, last - first + 1);
  });
  EXPECT_THAT(FetchBlob(*replica_, **store, v, longer, options_, nullptr, &report),
              StatusIs(Code::kDataLoss, HasSubstr("the evidence item says")));

  // Not on the server: says what to do.
  FunctionTransport missing([&](const HttpRequest&) -> Result<HttpResponse> {
    v1::Error error;
    error.set_code("not_found");
    error.set_message("no blob " + Sha256Hex(v.sha256) + " in this account");
    return HttpResponse{404, "application/x-protobuf", error.SerializeAsString()};
  });
  EXPECT_THAT(FetchBlob(*replica_, **store, v, missing, options_, nullptr, &report),
              StatusIs(Code::kNotFound, HasSubstr("sync that device")));
  EXPECT_FALSE(*(*store)->Has(v.sha256));

  // A good server then: the fetch resumes after the first range and asks for the rest only.
  std::vector<std::string> ranges;
  FunctionTransport good([&](const HttpRequest& request) -> Result<HttpResponse> {
    ranges.push_back(request.range);
    const auto [first, last] = AskedRange(request);
    return Partial(video, first, std::min<uint64_t>(last, video.size() - 1) - first + 1);
  });
  CAIRN_ASSERT_OK(FetchBlob(*replica_, **store, v, good, options_, nullptr, &report));
  EXPECT_EQ(report.resumed_from, BlobDownloader::kInitialRangeBytes);
  EXPECT_EQ(report.bytes_received, video.size() - BlobDownloader::kInitialRangeBytes);
  ASSERT_FALSE(ranges.empty());
  EXPECT_EQ(ranges.front(), "bytes=" + std::to_string(BlobDownloader::kInitialRangeBytes) + "-" +
                                std::to_string(2 * BlobDownloader::kInitialRangeBytes - 1));
  EXPECT_TRUE(*(*store)->Has(v.sha256));

  // Held now: nothing is asked.
  ranges.clear();
  CAIRN_ASSERT_OK(FetchBlob(*replica_, **store, v, good, options_, nullptr, &report));
  EXPECT_TRUE(report.already_held);
  EXPECT_TRUE(ranges.empty());
}

}  // namespace
}  // namespace cairn
