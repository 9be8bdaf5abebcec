// Evidence blobs on the server through the Service, in process, over a real data directory
// (decision 0009): offers, verified chunks, resume, refusals (corrupt chunks, wrong offsets,
// a name that is not the bytes' hash, bodies too long or cut, sizes and quotas, ids that are
// not hashes, path traversal, other accounts), ranges, submission completeness, collection of
// stale uploads, a full disk and restarts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/service.h"
#include "cairn/hex.h"
#include "cairn/hlc.h"
#include "cairn/ids.h"
#include "cairn/v1/blob.pb.h"
#include "cairn/v1/model.pb.h"
#include "cairn/v1/sync.pb.h"
#include "store/blob_files.h"
#include "store/server_store.h"
#include "support/fakes.h"
#include "support/sha256.h"
#include "support/status_matchers.h"

namespace cairn::server {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::IsOk;
using ::cairn::testing::RawSha;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;

constexpr size_t kChunk = kBlobChunkBytes;
constexpr int64_t kDayMs = int64_t{24} * 60 * 60 * 1000;

std::string Bytes(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return out;
}

std::vector<std::string> ChunkHashes(std::string_view data) {
  std::vector<std::string> out;
  if (data.empty()) out.push_back(RawSha(""));
  for (size_t at = 0; at < data.size(); at += kChunk)
    out.push_back(RawSha(data.substr(at, kChunk)));
  return out;
}

v1::Error ErrorOf(const Response& response) {
  v1::Error error;
  EXPECT_TRUE(error.ParseFromString(response.body));
  return error;
}

std::optional<std::string> HeaderOf(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

v1::BlobStatus StatusOf(const Response& response) {
  v1::BlobStatus status;
  EXPECT_EQ(response.status, 200) << ErrorOf(response).message();
  EXPECT_TRUE(status.ParseFromString(response.body));
  return status;
}

std::string Header(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

// A file system whose writes fail with a full disk while `full` is set.
class FullDiskFileSystem final : public BlobFileSystem {
 public:
  // When full, a write that reaches past `full_at` bytes of its file fails; one below it
  // succeeds. A place rather than a count of writes, so that which write fails never depends on
  // when the store's writer threads run. Atomic: those threads read them.
  std::atomic<bool> full = false;
  std::atomic<uint64_t> full_at = 0;

  Result<std::unique_ptr<BlobFile>> Open(const std::string& path, bool create) override {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<BlobFile> file, real_.Open(path, create));
    return std::unique_ptr<BlobFile>(std::make_unique<File>(this, std::move(file)));
  }
  Status CreateDirectories(const std::string& dir) override { return real_.CreateDirectories(dir); }
  Status SyncDirectory(const std::string& dir) override { return real_.SyncDirectory(dir); }
  Status Rename(const std::string& from, const std::string& to) override {
    return real_.Rename(from, to);
  }
  Status Remove(const std::string& path) override { return real_.Remove(path); }
  bool Exists(const std::string& path) override { return real_.Exists(path); }

 private:
  class File final : public BlobFile {
   public:
    File(FullDiskFileSystem* fs, std::unique_ptr<BlobFile> file)
        : fs_(fs), file_(std::move(file)) {}
    Status WriteAt(uint64_t offset, std::string_view bytes) override {
      if (fs_->full && offset + bytes.size() > fs_->full_at) {
        // A short write first, as a real full disk may leave.
        (void)file_->WriteAt(offset, bytes.substr(0, bytes.size() / 2));
        return ResourceExhausted("the server's disk is full (injected)");
      }
      return file_->WriteAt(offset, bytes);
    }
    Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
      return file_->ReadAt(offset, out);
    }
    Status Sync() override { return file_->Sync(); }
    Status Truncate(uint64_t size) override { return file_->Truncate(size); }

   private:
    FullDiskFileSystem* fs_;
    std::unique_ptr<BlobFile> file_;
  };
  BlobFileSystem& real_ = PosixBlobFileSystem();
};

class BlobServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.env = Env{&clock_, &random_};
    options_.blob_files = &fs_;
    Open();
    ana_ = Enrol("Ana", Role::kEducator);
    ben_ = Enrol("Ben", Role::kEducator);
  }

  void Open() {
    service_.reset();
    store_.reset();
    Result<std::unique_ptr<ServerStore>> store =
        ServerStore::Open(dir_.File("server.db"), options_);
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    service_ = std::make_unique<Service>(*store_, metrics_);
  }

  Enrolment Enrol(const std::string& name, Role role) {
    Result<User> user = store_->AddUser(name, role);
    EXPECT_THAT(user.status(), IsOk());
    Result<std::string> code = store_->NewEnrolCode(user->id);
    EXPECT_THAT(code.status(), IsOk());
    Result<Enrolment> enrolment = store_->Enrol(*code, NewActorId(random_), name + "-phone");
    EXPECT_THAT(enrolment.status(), IsOk());
    return *enrolment;
  }

  Response Call(const Enrolment& who, std::string method, std::string target, std::string body = "",
                std::string range = "") {
    Request request{std::move(method), std::move(target), "Bearer " + who.token, "", "",
                    std::move(body)};
    request.range = std::move(range);
    return service_->Handle(request);
  }

  Response Offer(const Enrolment& who, std::string_view data, std::string name_hex = "") {
    v1::BlobOffer offer;
    offer.set_size(data.size());
    offer.set_media_type("video/mp4");
    offer.set_chunk_size(kBlobChunkBytes);
    for (const std::string& hash : ChunkHashes(data)) offer.add_chunk_sha256(hash);
    if (name_hex.empty()) name_hex = LowerHex(RawSha(data));
    return Call(who, "PUT", "/v1/blobs/" + name_hex, offer.SerializeAsString());
  }

  Response Chunks(const Enrolment& who, std::string_view data, size_t first, size_t count,
                  std::string name_hex = "") {
    if (name_hex.empty()) name_hex = LowerHex(RawSha(data));
    const size_t begin = std::min(data.size(), first * kChunk);
    return Call(who, "POST", "/v1/blobs/" + name_hex + "/chunks/" + std::to_string(first),
                std::string(data.substr(begin, count * kChunk)));
  }

  v1::BlobStatus BlobStatusOf(const Enrolment& who, std::string_view data) {
    return StatusOf(Call(who, "GET", "/v1/blobs/" + LowerHex(RawSha(data)) + "/status"));
  }

  // Uploads `data` whole (offer, then every chunk in one request).
  void Upload(const Enrolment& who, std::string_view data) {
    ASSERT_EQ(Offer(who, data).status, 200);
    const v1::BlobStatus done = StatusOf(Chunks(who, data, 0, data.size() / kChunk + 1));
    ASSERT_EQ(done.state(), v1::BLOB_STATE_PRESENT);
  }

  std::string Download(const Enrolment& who, std::string_view data, std::string range = "",
                       int expect = 200) {
    Response response =
        Call(who, "GET", "/v1/blobs/" + LowerHex(RawSha(data)), "", std::move(range));
    EXPECT_EQ(response.status, expect) << ErrorOf(response).message();
    EXPECT_THAT(LoadFileBody(response), IsOk());
    return response.body;
  }

  // Pushes a submission whose snapshot names `blobs`; returns its id.
  EntityId PushSubmission(const Enrolment& who, const std::vector<std::string>& blobs) {
    v1::SubmissionSnapshot snapshot;
    snapshot.set_micro_credential_id("exit-tickets");
    for (const std::string& data : blobs) {
      auto* evidence = snapshot.add_evidence();
      evidence->set_requirement_id("classroom-video");
      evidence->mutable_blob()->set_sha256(RawSha(data));
      evidence->mutable_blob()->set_size(data.size());
      evidence->mutable_blob()->set_media_type("video/mp4");
    }
    const EntityId id = IdGenerator(options_.env).Next();
    const uint64_t seq = ++seqs_[who.principal.actor];
    Change change{who.principal.actor,
                  seq,
                  MakeHlc(clock_.NowMillis(), static_cast<uint16_t>(seq)),
                  {},
                  {Op::Put(id, "type", std::string("submission")),
                   Op::Put(id, "snapshot", Blob{snapshot.SerializeAsString()})}};
    Result<PushResult> pushed = store_->Push(who.principal, std::span(&change, 1));
    EXPECT_THAT(pushed.status(), IsOk());
    EXPECT_EQ(pushed->accepted, 1u)
        << (pushed->refused.empty() ? "" : pushed->refused[0].error.ToString());
    return id;
  }

  v1::SubmissionStatus SubmissionStatusOf(const Enrolment& who, const EntityId& id) {
    Response response = Call(who, "GET", "/v1/submissions/" + id.ToString() + "/status");
    v1::SubmissionStatus status;
    EXPECT_EQ(response.status, 200) << ErrorOf(response).message();
    EXPECT_TRUE(status.ParseFromString(response.body));
    return status;
  }

  int64_t CompletedMs(const Enrolment& who, const EntityId& id) {
    Result<SubmissionInfo> info = store_->GetSubmissionStatus(who.principal, id);
    EXPECT_THAT(info.status(), IsOk());
    return info->completed_ms.value_or(-1);
  }

  std::string PartialPath(const Enrolment& who, std::string_view data) const {
    return store_->blob_dir() + "/partial/" + std::to_string(who.principal.write_scope) + "/" +
           LowerHex(RawSha(data));
  }

  FakeClock clock_{1'790'000'000'000};
  SeededRandom random_{11};
  TempDir dir_;
  FullDiskFileSystem fs_;
  ServerStoreOptions options_;
  Metrics metrics_;
  std::unique_ptr<ServerStore> store_;
  std::unique_ptr<Service> service_;
  Enrolment ana_, ben_;
  std::map<ActorId, uint64_t> seqs_;
};

TEST_F(BlobServiceTest, OfferUploadReadAndNeverSendTwice) {
  const std::string data = Bytes(3 * kChunk + 1000, 1);
  const v1::BlobStatus offered = StatusOf(Offer(ana_, data));
  EXPECT_EQ(offered.state(), v1::BLOB_STATE_PARTIAL);
  EXPECT_EQ(offered.verified_chunks(), 0u);
  EXPECT_EQ(offered.size(), data.size());
  EXPECT_EQ(offered.sha256(), RawSha(data));

  const v1::BlobStatus done = StatusOf(Chunks(ana_, data, 0, 4));
  EXPECT_EQ(done.state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(done.verified_chunks(), 4u);
  EXPECT_EQ(done.verified_bytes(), data.size());
  EXPECT_EQ(done.media_type(), "video/mp4");
  EXPECT_EQ(Download(ana_, data), data);

  // Offered again (a resubmission): present at once, nothing to send.
  EXPECT_EQ(StatusOf(Offer(ana_, data)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_FALSE(std::filesystem::exists(PartialPath(ana_, data)));
  const std::string metrics = metrics_.RenderPrometheus();
  EXPECT_THAT(metrics, HasSubstr("cairn_blobs_completed_total 1\n"));
  EXPECT_THAT(metrics,
              HasSubstr("cairn_blob_bytes_verified_total " + std::to_string(data.size()) + "\n"));
}

TEST_F(BlobServiceTest, CorruptedChunkIsRefusedAndEarlierChunksAreKept) {
  const std::string data = Bytes(4 * kChunk, 2);
  ASSERT_EQ(Offer(ana_, data).status, 200);
  std::string body = data;
  body[kChunk + 77] ^= 0x01;  // one bit of chunk 1
  Response refused = Call(ana_, "POST", "/v1/blobs/" + LowerHex(RawSha(data)) + "/chunks/0", body);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(ErrorOf(refused).code(), "invalid_argument");
  EXPECT_THAT(ErrorOf(refused).message(),
              HasSubstr("chunk 1 does not match the hash offered for it"));
  const v1::BlobStatus status = BlobStatusOf(ana_, data);
  EXPECT_EQ(status.state(), v1::BLOB_STATE_PARTIAL);
  EXPECT_EQ(status.verified_chunks(), 1u);
  EXPECT_THAT(metrics_.RenderPrometheus(), HasSubstr("cairn_blob_chunks_refused_total 1\n"));
  // Resume from the refused chunk with the right bytes.
  EXPECT_EQ(StatusOf(Chunks(ana_, data, 1, 3)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, data), data);
}

TEST_F(BlobServiceTest, ChunkForTheWrongOffsetIs409NamingTheExpectedIndex) {
  const std::string data = Bytes(4 * kChunk, 3);
  ASSERT_EQ(Offer(ana_, data).status, 200);
  ASSERT_EQ(StatusOf(Chunks(ana_, data, 0, 2)).verified_chunks(), 2u);
  for (const size_t first : {size_t{0}, size_t{1}, size_t{3}}) {
    Response wrong = Chunks(ana_, data, first, 1);
    EXPECT_EQ(wrong.status, 409) << first;
    EXPECT_EQ(ErrorOf(wrong).code(), "failed_precondition");
    EXPECT_THAT(ErrorOf(wrong).message(), HasSubstr("continues at chunk 2"));
  }
  Response not_a_number =
      Call(ana_, "POST", "/v1/blobs/" + LowerHex(RawSha(data)) + "/chunks/-1", "x");
  EXPECT_EQ(not_a_number.status, 400);
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 2u);
}

TEST_F(BlobServiceTest, BlobWhoseBytesDoNotHashToItsNameIsDiscarded) {
  const std::string data = Bytes(2 * kChunk + 5, 4);
  const std::string name = LowerHex(RawSha("some other bytes"));
  // The offer's chunk hashes are those of `data`, so every chunk verifies; only the whole fails.
  ASSERT_EQ(Offer(ana_, data, name).status, 200);
  Response end = Chunks(ana_, data, 0, 3, name);
  EXPECT_EQ(end.status, 409);
  EXPECT_EQ(ErrorOf(end).code(), "failed_precondition");
  EXPECT_THAT(ErrorOf(end).message(), HasSubstr("hash to " + LowerHex(RawSha(data))));
  const v1::BlobStatus status = StatusOf(Call(ana_, "GET", "/v1/blobs/" + name + "/status"));
  EXPECT_EQ(status.state(), v1::BLOB_STATE_ABSENT);
  EXPECT_EQ(Call(ana_, "GET", "/v1/blobs/" + name).status, 404);
  EXPECT_TRUE(std::filesystem::is_empty(store_->blob_dir() + "/partial/" +
                                        std::to_string(ana_.principal.write_scope)));
  EXPECT_THAT(metrics_.RenderPrometheus(), HasSubstr("cairn_blobs_completed_total 0\n"));
}

TEST_F(BlobServiceTest, TruncatedBodyKeepsOnlyWholeVerifiedChunksAndResumes) {
  const std::string data = Bytes(5 * kChunk + 123, 5);
  const std::string hex = LowerHex(RawSha(data));
  ASSERT_EQ(Offer(ana_, data).status, 200);
  // A streamed request cut 2.5 chunks in, fed in odd-sized pieces.
  ChunkUploadStart start =
      service_->BeginChunks({"POST", "/v1/blobs/" + hex + "/chunks/0", "Bearer " + ana_.token,
                             "application/octet-stream", "", ""},
                            std::nullopt);
  ASSERT_NE(start.upload, nullptr) << ErrorOf(start.response).message();
  const std::string_view sent(data.data(), 2 * kChunk + kChunk / 2);
  for (size_t at = 0; at < sent.size(); at += 7777) {
    ASSERT_THAT(start.upload->Append(sent.substr(at, 7777)), IsOk());
  }
  Response cut = start.upload->Finish(Unavailable("connection reset"));
  EXPECT_EQ(cut.status, 503);
  const v1::BlobStatus status = BlobStatusOf(ana_, data);
  EXPECT_EQ(status.verified_chunks(), 2u);
  EXPECT_EQ(status.verified_bytes(), 2 * kChunk);

  // A body that ends cleanly inside a chunk is a client error; what came before is kept.
  Response short_body =
      Call(ana_, "POST", "/v1/blobs/" + hex + "/chunks/2", data.substr(2 * kChunk, kChunk + 10));
  EXPECT_EQ(short_body.status, 400);
  EXPECT_THAT(ErrorOf(short_body).message(), HasSubstr("ended inside chunk 3"));
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 3u);

  EXPECT_EQ(StatusOf(Chunks(ana_, data, 3, 3)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, data), data);
}

TEST_F(BlobServiceTest, PiecesOfAnySizeAcrossChunksAreCheckedAsTheSameChunks) {
  // Whole chunks in a piece are checked where they lie, a chunk split across pieces is put
  // together first: a bad byte is found in either case, at the right chunk.
  const std::string data = Bytes(7 * kChunk + 321, 25);
  const std::string hex = LowerHex(RawSha(data));
  ASSERT_EQ(Offer(ana_, data).status, 200);
  std::string body = data;
  body[5 * kChunk + 17] ^= 0x01;
  ChunkUploadStart start =
      service_->BeginChunks({"POST", "/v1/blobs/" + hex + "/chunks/0", "Bearer " + ana_.token,
                             "application/octet-stream", "", ""},
                            std::nullopt);
  ASSERT_NE(start.upload, nullptr) << ErrorOf(start.response).message();
  const std::string_view view(body);
  // 1,000 bytes, then 3 chunks from inside chunk 0, then the rest, which starts inside chunk 3.
  ASSERT_THAT(start.upload->Append(view.substr(0, 1000)), IsOk());
  ASSERT_THAT(start.upload->Append(view.substr(1000, 3 * kChunk)), IsOk());
  const Status bad = start.upload->Append(view.substr(1000 + 3 * kChunk));
  EXPECT_THAT(bad, StatusIs(Code::kInvalidArgument, HasSubstr("chunk 5 does not match")));
  EXPECT_EQ(start.upload->Finish(bad).status, 400);
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 5u);

  EXPECT_EQ(StatusOf(Chunks(ana_, data, 5, 3)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, data), data);
}

TEST_F(BlobServiceTest, BodyLongerThanTheRemainingChunksIs400) {
  const std::string data = Bytes(2 * kChunk, 6);
  const std::string hex = LowerHex(RawSha(data));
  ASSERT_EQ(Offer(ana_, data).status, 200);
  // Known length: refused before a byte is read.
  Response too_long = Call(ana_, "POST", "/v1/blobs/" + hex + "/chunks/0", data + "x");
  EXPECT_EQ(too_long.status, 400);
  EXPECT_THAT(ErrorOf(too_long).message(), HasSubstr("only 131072 bytes of the blob are left"));
  // Unknown length (chunked): the blob completes, the extra byte is refused.
  ChunkUploadStart start = service_->BeginChunks(
      {"POST", "/v1/blobs/" + hex + "/chunks/0", "Bearer " + ana_.token, "", "", ""}, std::nullopt);
  ASSERT_NE(start.upload, nullptr);
  ASSERT_THAT(start.upload->Append(data), IsOk());
  const Status extra = start.upload->Append("x");
  EXPECT_THAT(extra, StatusIs(Code::kInvalidArgument, HasSubstr("longer than the blob")));
  EXPECT_EQ(start.upload->Finish(extra).status, 400);
  EXPECT_EQ(BlobStatusOf(ana_, data).state(), v1::BLOB_STATE_PRESENT);
}

// Too large is final (413, not retryable); over the quota may pass later (429, retryable, with
// Retry-After), once the account holds less or its quota grows.
TEST_F(BlobServiceTest, OversizedBlobIs413AndQuotaIs429WithNumbers) {
  options_.max_blob_bytes = 3 * kChunk;
  options_.scope_quota_bytes = 5 * kChunk;
  Open();
  Response big = Offer(ana_, Bytes(3 * kChunk + 1, 7));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(ErrorOf(big).code(), "too_large");
  EXPECT_FALSE(ErrorOf(big).retryable());
  EXPECT_FALSE(HeaderOf(big, "Retry-After").has_value());
  EXPECT_THAT(ErrorOf(big).message(),
              HasSubstr("196609 bytes; this server takes blobs of at most 196608"));

  const std::string first = Bytes(3 * kChunk, 8);
  Upload(ana_, first);
  const std::string second = Bytes(3 * kChunk, 9);
  Response over = Offer(ana_, second);
  EXPECT_EQ(over.status, 429);
  EXPECT_EQ(ErrorOf(over).code(), "resource_exhausted");
  EXPECT_TRUE(ErrorOf(over).retryable());
  EXPECT_EQ(HeaderOf(over, "Retry-After"), "60");
  EXPECT_THAT(ErrorOf(over).message(),
              HasSubstr("holds 196608 bytes of evidence (uploaded or being uploaded); another "
                        "196608 would pass its quota of 327680 bytes"));
  EXPECT_EQ(BlobStatusOf(ana_, second).state(), v1::BLOB_STATE_ABSENT);
  // The quota is per account: Ben still has room, and re-offering a held blob costs nothing.
  EXPECT_EQ(Offer(ben_, second).status, 200);
  EXPECT_EQ(StatusOf(Offer(ana_, first)).state(), v1::BLOB_STATE_PRESENT);
}

TEST_F(BlobServiceTest, IdsThatAreNotHashesAndPathTraversalAreRefused) {
  const std::string data = Bytes(kChunk, 10);
  Upload(ana_, data);
  const std::string hex = LowerHex(RawSha(data));
  struct Case {
    std::string method, target;
    int status;
    std::string message;
  };
  const std::string not_hash = "a blob id is the SHA-256 of its bytes as 64 hex digits";
  const std::vector<Case> cases = {
      {"GET", "/v1/blobs/abc", 400, not_hash},
      {"GET", "/v1/blobs/" + hex + "0", 400, not_hash},
      {"GET", "/v1/blobs/" + hex.substr(0, 63) + "g", 400, not_hash},
      {"GET", "/v1/blobs/../../x", 404, "no such endpoint"},
      {"GET", "/v1/blobs/..", 400, not_hash},
      {"GET", "/v1/blobs/%2e%2e/status", 400, not_hash},
      {"GET", "/v1/blobs/%2e%2e%2f%2e%2e%2fserver.db", 400, not_hash},
      {"PUT", "/v1/blobs/..%2F..%2Fserver.db", 400, not_hash},
      {"POST", "/v1/blobs/../chunks/0", 400, not_hash},
      {"GET", "/v1/blobs/" + hex + "/../../../server.db", 404, "no such endpoint"},
      {"GET", "/v1/blobs//status", 400, not_hash},
      {"GET", "/v1/blobs/" + hex + "/chunks/0", 405, "takes POST"},
      {"DELETE", "/v1/blobs/" + hex, 405, "takes GET, PUT"},
      {"GET", "/v1/submissions/../status", 400, "a submission id is its entity id"},
      {"GET", "/v1/submissions/x/y/status", 404, "no such endpoint"},
  };
  for (const Case& c : cases) {
    Response response = Call(ana_, c.method, c.target);
    EXPECT_EQ(response.status, c.status) << c.target;
    EXPECT_THAT(ErrorOf(response).message(), HasSubstr(c.message)) << c.target;
    EXPECT_FALSE(response.file.has_value()) << c.target;
  }
  // Upper-case hex names the same blob.
  std::string upper = hex;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(StatusOf(Call(ana_, "GET", "/v1/blobs/" + upper + "/status")).state(),
            v1::BLOB_STATE_PRESENT);
  // No token: 401, before anything is looked up.
  Response anonymous = service_->Handle({"GET", "/v1/blobs/" + hex, "", "", "", ""});
  EXPECT_EQ(anonymous.status, 401);
}

TEST_F(BlobServiceTest, AnotherAccountNeverSeesOrReadsYourBlobs) {
  const std::string data = Bytes(2 * kChunk + 9, 11);
  const std::string hex = LowerHex(RawSha(data));
  Upload(ana_, data);
  // Ben: as if the blob did not exist.
  EXPECT_EQ(BlobStatusOf(ben_, data).state(), v1::BLOB_STATE_ABSENT);
  Response read = Call(ben_, "GET", "/v1/blobs/" + hex, "", "bytes=0-9");
  EXPECT_EQ(read.status, 404);
  EXPECT_FALSE(read.file.has_value());
  EXPECT_EQ(Chunks(ben_, data, 2, 1).status, 409) << "never offered in Ben's account";
  // His offer is his own upload, from chunk 0; the bytes are stored once on disk.
  EXPECT_EQ(StatusOf(Offer(ben_, data)).verified_chunks(), 0u);
  EXPECT_EQ(StatusOf(Chunks(ben_, data, 0, 3)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ben_, data), data);
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(store_->blob_dir())) {
    if (entry.is_regular_file()) ++files;
  }
  EXPECT_EQ(files, 1u);

  // Roles that hold no evidence: 403 on every blob route.
  const Enrolment assessor = Enrol("Ada", Role::kAssessor);
  EXPECT_EQ(Call(assessor, "GET", "/v1/blobs/" + hex).status, 403);
  EXPECT_EQ(Call(assessor, "GET", "/v1/blobs/" + hex + "/status").status, 403);
  EXPECT_EQ(Offer(assessor, data).status, 403);
  EXPECT_EQ(Chunks(assessor, data, 0, 1).status, 403);
}

TEST_F(BlobServiceTest, RangeReads) {
  const std::string data = Bytes(2 * kChunk + 500, 12);
  Upload(ana_, data);
  const std::string hex = LowerHex(RawSha(data));
  const std::string size = std::to_string(data.size());
  Response part = Call(ana_, "GET", "/v1/blobs/" + hex, "", "bytes=70000-70009");
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(Header(part, "Content-Range"), "bytes 70000-70009/" + size);
  EXPECT_EQ(Header(part, "Accept-Ranges"), "bytes");
  ASSERT_THAT(LoadFileBody(part), IsOk());
  EXPECT_EQ(part.body, data.substr(70000, 10));
  EXPECT_EQ(Download(ana_, data, "bytes=131000-", 206), data.substr(131000));
  EXPECT_EQ(Download(ana_, data, "bytes=-7", 206), data.substr(data.size() - 7));
  EXPECT_EQ(Download(ana_, data, "bytes=5-999999999", 206), data.substr(5));
  EXPECT_EQ(Download(ana_, data, "items=0-3", 200), data) << "not bytes: the whole";
  EXPECT_EQ(Download(ana_, data, "bytes=0-1,5-6", 200), data) << "several ranges: the whole";
  Response beyond = Call(ana_, "GET", "/v1/blobs/" + hex, "", "bytes=" + size + "-");
  EXPECT_EQ(beyond.status, 416);
  EXPECT_EQ(Header(beyond, "Content-Range"), "bytes */" + size);
  EXPECT_FALSE(beyond.file.has_value());
  // Starts past any file, however many digits they take: unsatisfiable, never the whole blob.
  for (const std::string far : {"bytes=18446744073709551615-", "bytes=18446744073709551616-",
                                "bytes=99999999999999999999999-99999999999999999999999"}) {
    EXPECT_EQ(Call(ana_, "GET", "/v1/blobs/" + hex, "", far).status, 416) << far;
  }
  EXPECT_EQ(Download(ana_, data, "bytes=5-18446744073709551616", 206), data.substr(5));
  // Partial blobs are not readable.
  const std::string partial = Bytes(2 * kChunk, 13);
  ASSERT_EQ(Offer(ana_, partial).status, 200);
  ASSERT_EQ(Chunks(ana_, partial, 0, 1).status, 200);
  EXPECT_EQ(Call(ana_, "GET", "/v1/blobs/" + LowerHex(RawSha(partial))).status, 404);
}

TEST_F(BlobServiceTest, SubmissionSnapshotFirstCompletesWithItsLastBlob) {
  const std::string video = Bytes(3 * kChunk, 14);
  const std::string photo = Bytes(1000, 15);
  const EntityId submission = PushSubmission(ana_, {video, photo});
  v1::SubmissionStatus status = SubmissionStatusOf(ana_, submission);
  EXPECT_TRUE(status.snapshot_received());
  EXPECT_FALSE(status.complete());
  ASSERT_EQ(status.blobs_size(), 2);
  EXPECT_EQ(status.blobs(0).state(), v1::BLOB_STATE_ABSENT);
  EXPECT_EQ(status.blobs(0).size(), video.size()) << "from the snapshot";

  Upload(ana_, photo);
  ASSERT_EQ(Offer(ana_, video).status, 200);
  ASSERT_EQ(Chunks(ana_, video, 0, 2).status, 200);
  status = SubmissionStatusOf(ana_, submission);
  EXPECT_FALSE(status.complete());
  EXPECT_EQ(status.blobs(0).state(), v1::BLOB_STATE_PARTIAL);
  EXPECT_EQ(status.blobs(0).verified_chunks(), 2u);
  EXPECT_EQ(status.blobs(1).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(CompletedMs(ana_, submission), -1);

  clock_.Advance(5000);
  const int64_t completed_at = clock_.NowMillis();
  ASSERT_EQ(StatusOf(Chunks(ana_, video, 2, 1)).state(), v1::BLOB_STATE_PRESENT);
  status = SubmissionStatusOf(ana_, submission);
  EXPECT_TRUE(status.complete());
  EXPECT_EQ(CompletedMs(ana_, submission), completed_at);

  // Set once: nothing later moves it.
  clock_.Advance(5000);
  EXPECT_EQ(StatusOf(Offer(ana_, video)).state(), v1::BLOB_STATE_PRESENT);
  Upload(ben_, video);
  EXPECT_EQ(CompletedMs(ana_, submission), completed_at);
  // Ben cannot see Ana's submission.
  EXPECT_EQ(Call(ben_, "GET", "/v1/submissions/" + submission.ToString() + "/status").status, 404);
}

TEST_F(BlobServiceTest, SubmissionBlobsFirstCompletesWithItsSnapshot) {
  const std::string video = Bytes(kChunk + 1, 16);
  Upload(ana_, video);
  // Ben holding a blob does not complete Ana's submission: presence is per account.
  const std::string bens = Bytes(100, 17);
  Upload(ben_, bens);
  clock_.Advance(1000);
  const EntityId complete = PushSubmission(ana_, {video});
  EXPECT_TRUE(SubmissionStatusOf(ana_, complete).complete());
  EXPECT_EQ(CompletedMs(ana_, complete), clock_.NowMillis());
  const EntityId waiting = PushSubmission(ana_, {video, bens});
  EXPECT_FALSE(SubmissionStatusOf(ana_, waiting).complete());
  // No evidence at all: complete on arrival.
  const EntityId bare = PushSubmission(ana_, {});
  EXPECT_TRUE(SubmissionStatusOf(ana_, bare).complete());
  // An unknown submission id.
  EXPECT_EQ(Call(ana_, "GET",
                 "/v1/submissions/" + IdGenerator(options_.env).Next().ToString() + "/status")
                .status,
            404);
}

TEST_F(BlobServiceTest, SnapshotThatDoesNotDecodeIsRefusedWithTheChange) {
  const EntityId id = IdGenerator(options_.env).Next();
  Change change{ana_.principal.actor,
                1,
                MakeHlc(clock_.NowMillis(), 0),
                {},
                {Op::Put(id, "type", std::string("submission")),
                 Op::Put(id, "snapshot", Blob{"\xff\xff\xff not a snapshot"})}};
  Result<PushResult> pushed = store_->Push(ana_.principal, std::span(&change, 1));
  ASSERT_THAT(pushed.status(), IsOk());
  EXPECT_EQ(pushed->accepted, 0u);
  ASSERT_EQ(pushed->refused.size(), 1u);
  EXPECT_THAT(pushed->refused[0].error,
              StatusIs(Code::kInvalidArgument, HasSubstr("is not a SubmissionSnapshot")));
}

TEST_F(BlobServiceTest, StalePartialUploadsAreCollected) {
  const std::string stale = Bytes(3 * kChunk, 18);
  const std::string fresh = Bytes(3 * kChunk, 19);
  const std::string held = Bytes(kChunk, 20);
  ASSERT_EQ(Offer(ana_, stale).status, 200);
  ASSERT_EQ(Chunks(ana_, stale, 0, 1).status, 200);
  Upload(ana_, held);
  clock_.Advance(6 * kDayMs);
  ASSERT_EQ(Offer(ana_, fresh).status, 200);
  ASSERT_EQ(Chunks(ana_, fresh, 0, 1).status, 200);
  clock_.Advance(kDayMs + 1);
  Result<uint64_t> collected = store_->CollectStaleUploads();
  ASSERT_THAT(collected.status(), IsOk());
  EXPECT_EQ(*collected, 1u);
  EXPECT_EQ(BlobStatusOf(ana_, stale).state(), v1::BLOB_STATE_ABSENT);
  EXPECT_FALSE(std::filesystem::exists(PartialPath(ana_, stale)));
  EXPECT_EQ(BlobStatusOf(ana_, fresh).verified_chunks(), 1u);
  EXPECT_EQ(BlobStatusOf(ana_, held).state(), v1::BLOB_STATE_PRESENT) << "present blobs stay";
  // An offer is a sign of life: it keeps the upload another week.
  clock_.Advance(6 * kDayMs);
  ASSERT_EQ(Offer(ana_, fresh).status, 200);
  clock_.Advance(6 * kDayMs);
  EXPECT_EQ(*store_->CollectStaleUploads(), 0u);
  // And the collected one can be offered again from scratch.
  EXPECT_EQ(StatusOf(Offer(ana_, stale)).verified_chunks(), 0u);
  // Collection also runs when the store opens.
  clock_.Advance(8 * kDayMs);
  Open();
  EXPECT_EQ(BlobStatusOf(ana_, fresh).state(), v1::BLOB_STATE_ABSENT);
}

TEST_F(BlobServiceTest, FullDiskIsAClearErrorAndCorruptsNothing) {
  const std::string data = Bytes(4 * kChunk, 21);
  ASSERT_EQ(Offer(ana_, data).status, 200);
  fs_.full = true;
  fs_.full_at = 2 * kChunk;
  // One request whose body arrives a chunk at a time: the disk fills at the third.
  ChunkUploadStart start =
      service_->BeginChunks({"POST", "/v1/blobs/" + LowerHex(RawSha(data)) + "/chunks/0",
                             "Bearer " + ana_.token, "", "", ""},
                            std::nullopt);
  ASSERT_NE(start.upload, nullptr);
  const std::string_view body(data);
  ASSERT_THAT(start.upload->Append(body.substr(0, kChunk)), IsOk());
  ASSERT_THAT(start.upload->Append(body.substr(kChunk, kChunk)), IsOk());
  const Status failed = start.upload->Append(body.substr(2 * kChunk));
  Response full = start.upload->Finish(failed);
  EXPECT_EQ(full.status, 429);
  EXPECT_EQ(ErrorOf(full).code(), "resource_exhausted");
  EXPECT_THAT(ErrorOf(full).message(), HasSubstr("disk is full"));
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 2u);
  // A write of several chunks that fails counts none of them.
  fs_.full_at = 0;
  EXPECT_EQ(Chunks(ana_, data, 2, 2).status, 429);
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 2u);
  fs_.full = false;
  EXPECT_EQ(StatusOf(Chunks(ana_, data, 2, 2)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, data), data);
}

TEST_F(BlobServiceTest, LentRunsAreWrittenBehindTheCallerAndAFailedOneCountsNothing) {
  const std::string data = Bytes(8 * kChunk + 100, 26);
  const std::string hex = LowerHex(RawSha(data));
  ASSERT_EQ(Offer(ana_, data).status, 200);
  const auto begin = [&](uint64_t first) {
    ChunkUploadStart start =
        service_->BeginChunks({"POST", "/v1/blobs/" + hex + "/chunks/" + std::to_string(first),
                               "Bearer " + ana_.token, "", "", ""},
                              std::nullopt);
    EXPECT_NE(start.upload, nullptr);
    return std::move(start.upload);
  };
  // Lent pieces, each overwritten as soon as the call after it returns, as a connection reuses
  // its read buffers: what lands on disk must be what was lent.
  {
    std::unique_ptr<ChunkUpload> upload = begin(0);
    std::string first(data.substr(0, 2 * kChunk));
    std::string second(data.substr(2 * kChunk, 2 * kChunk));
    ASSERT_THAT(upload->AppendLent(first), IsOk());
    ASSERT_THAT(upload->AppendLent(second), IsOk());
    first.assign(first.size(), 'x');
    ASSERT_THAT(upload->Append(std::string_view(data).substr(4 * kChunk, kChunk)), IsOk());
    second.assign(second.size(), 'y');
    EXPECT_EQ(upload->Finish(Status()).status, 200);
  }
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 5u);

  // The disk fills under a lent run: the next call finds it (while its own write runs), and
  // it counts nothing; the chunks before it stay counted.
  fs_.full = true;
  fs_.full_at = 6 * kChunk;
  {
    std::unique_ptr<ChunkUpload> upload = begin(5);
    const std::string_view body(data);
    ASSERT_THAT(upload->AppendLent(body.substr(5 * kChunk, kChunk)), IsOk());
    ASSERT_THAT(upload->AppendLent(body.substr(6 * kChunk, kChunk)), IsOk());
    const Status found = upload->AppendLent(body.substr(7 * kChunk, kChunk));
    EXPECT_THAT(found, StatusIs(Code::kResourceExhausted, HasSubstr("disk is full")));
    EXPECT_EQ(upload->Finish(found).status, 429);
  }
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 6u);
  // At the end of a request, Finish finds it.
  fs_.full_at = 0;
  {
    std::unique_ptr<ChunkUpload> upload = begin(6);
    ASSERT_THAT(upload->AppendLent(std::string_view(data).substr(6 * kChunk, kChunk)), IsOk());
    Response full = upload->Finish(Status());
    EXPECT_EQ(full.status, 429);
    EXPECT_THAT(ErrorOf(full).message(), HasSubstr("disk is full"));
  }
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 6u);
  // Another request settles the failed run first (a status, once the owner has been quiet for
  // the live-writer grace of 500 ms): both answer with the full disk, and the request whose run
  // it was is not told that another moved the upload on.
  {
    std::unique_ptr<ChunkUpload> owner = begin(6);
    const std::string_view body(data);
    ASSERT_THAT(owner->AppendLent(body.substr(6 * kChunk, kChunk)), IsOk());
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    const Response status = Call(ana_, "GET", "/v1/blobs/" + hex + "/status");
    EXPECT_EQ(status.status, 429);
    EXPECT_THAT(ErrorOf(status).message(), HasSubstr("disk is full"));
    const Status found = owner->AppendLent(body.substr(7 * kChunk, kChunk));
    EXPECT_THAT(found, StatusIs(Code::kResourceExhausted, HasSubstr("disk is full")));
    EXPECT_EQ(owner->Finish(found).status, 429);
  }
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 6u);
  fs_.full = false;
  EXPECT_EQ(StatusOf(Chunks(ana_, data, 6, 3)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, data), data);
}

TEST_F(BlobServiceTest, RestartKeepsPartialCountsAndPresentBlobs) {
  const std::string partial = Bytes(5 * kChunk + 3, 22);
  const std::string present = Bytes(2 * kChunk, 23);
  Upload(ana_, present);
  ASSERT_EQ(Offer(ana_, partial).status, 200);
  // Cut after 3.5 chunks, with no status asked: the cut itself makes the 3 chunks durable.
  ChunkUploadStart start =
      service_->BeginChunks({"POST", "/v1/blobs/" + LowerHex(RawSha(partial)) + "/chunks/0",
                             "Bearer " + ana_.token, "", "", ""},
                            std::nullopt);
  ASSERT_NE(start.upload, nullptr);
  ASSERT_THAT(start.upload->Append(std::string_view(partial).substr(0, 3 * kChunk + kChunk / 2)),
              IsOk());
  (void)start.upload->Finish(Unavailable("cut"));
  start.upload.reset();

  Open();
  EXPECT_EQ(BlobStatusOf(ana_, partial).verified_chunks(), 3u);
  EXPECT_EQ(BlobStatusOf(ana_, present).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, present), present);
  // Resume: the running hash is rebuilt from the file.
  EXPECT_EQ(StatusOf(Chunks(ana_, partial, 3, 3)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, partial), partial);
}

TEST_F(BlobServiceTest, RestartRechecksThePartialFile) {
  const std::string data = Bytes(4 * kChunk, 24);
  ASSERT_EQ(Offer(ana_, data).status, 200);
  ASSERT_EQ(StatusOf(Chunks(ana_, data, 0, 3)).verified_chunks(), 3u);
  const std::string path = PartialPath(ana_, data);
  service_.reset();
  store_.reset();
  {
    // The disk changed a byte of chunk 1 while the server was down.
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(kChunk + 10);
    file.put(static_cast<char>(0x5a ^ data[kChunk + 10]));
  }
  Open();
  // Status reports the durable count until an upload loads the file; the load finds chunk 1
  // damaged and the upload continues from there.
  Response resumed = Chunks(ana_, data, 3, 1);
  EXPECT_EQ(resumed.status, 409);
  EXPECT_THAT(ErrorOf(resumed).message(), HasSubstr("continues at chunk 1"));
  EXPECT_EQ(BlobStatusOf(ana_, data).verified_chunks(), 1u);
  EXPECT_EQ(StatusOf(Chunks(ana_, data, 1, 3)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, data), data);
}

TEST_F(BlobServiceTest, ADifferentOfferRestartsAPartialUpload) {
  const std::string data = Bytes(3 * kChunk, 25);
  const std::string name = LowerHex(RawSha(data));
  // A first, wrong offer (other bytes' chunk hashes under this name).
  const std::string wrong = Bytes(3 * kChunk, 26);
  ASSERT_EQ(Offer(ana_, wrong, name).status, 200);
  ASSERT_EQ(Chunks(ana_, wrong, 0, 1, name).status, 200);
  EXPECT_EQ(StatusOf(Offer(ana_, data)).verified_chunks(), 0u) << "restarted";
  EXPECT_EQ(StatusOf(Chunks(ana_, data, 0, 3)).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, data), data);
}

TEST_F(BlobServiceTest, OfferValidation) {
  const std::string data = Bytes(2 * kChunk + 1, 27);
  const std::string hex = LowerHex(RawSha(data));
  v1::BlobOffer offer;
  offer.set_size(data.size());
  offer.set_chunk_size(kBlobChunkBytes);
  for (const std::string& hash : ChunkHashes(data)) offer.add_chunk_sha256(hash);
  const auto put = [&](const v1::BlobOffer& o) {
    return Call(ana_, "PUT", "/v1/blobs/" + hex, o.SerializeAsString());
  };
  v1::BlobOffer bad = offer;
  bad.set_chunk_size(1 << 20);
  EXPECT_THAT(ErrorOf(put(bad)).message(), HasSubstr("chunk_size must be 65536"));
  bad = offer;
  bad.mutable_chunk_sha256()->RemoveLast();
  EXPECT_THAT(ErrorOf(put(bad)).message(), HasSubstr("has 3 chunks of 65536 bytes, but the offer "
                                                     "has 2 chunk hashes"));
  bad = offer;
  bad.set_chunk_sha256(1, "short");
  EXPECT_THAT(ErrorOf(put(bad)).message(), HasSubstr("chunk hash 1 has 5 bytes"));
  EXPECT_EQ(Call(ana_, "PUT", "/v1/blobs/" + hex, "\xff garbage").status, 400);
  EXPECT_EQ(put(offer).status, 200);

  // The empty blob: present at once, one hash of no bytes.
  const v1::BlobStatus empty = StatusOf(Offer(ana_, ""));
  EXPECT_EQ(empty.state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Download(ana_, ""), "");
  Response empty_misnamed = Offer(ana_, "", hex);
  EXPECT_EQ(empty_misnamed.status, 409);
}

// In-process upload throughput: offer, then one streamed request in 64 KiB pieces (as the
// session layer feeds it). CAIRN_BLOB_BENCH_MIB sets the size (default 32 MiB).
TEST_F(BlobServiceTest, UploadThroughput) {
  const char* env = std::getenv("CAIRN_BLOB_BENCH_MIB");
  const size_t mib = env != nullptr ? std::strtoul(env, nullptr, 10) : 32;
  const size_t size = mib << 20;
  options_.max_blob_bytes = size;
  options_.scope_quota_bytes = size;
  Open();
  // The bytes are one 1 MiB pattern repeated, each MiB made distinct by its index.
  const std::string pattern = Bytes(size_t{1} << 20, 28);
  const auto mib_at = [&](size_t i) {
    std::string block = pattern;
    std::memcpy(block.data(), &i, sizeof(i));
    return block;
  };
  v1::BlobOffer offer;
  offer.set_size(size);
  offer.set_chunk_size(kBlobChunkBytes);
  std::vector<uint8_t> whole(32);
  {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    for (size_t i = 0; i < mib; ++i) {
      const std::string block = mib_at(i);
      EVP_DigestUpdate(ctx, block.data(), block.size());
      for (size_t at = 0; at < block.size(); at += kChunk) {
        offer.add_chunk_sha256(RawSha(std::string_view(block).substr(at, kChunk)));
      }
    }
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, whole.data(), &n);
    EVP_MD_CTX_free(ctx);
  }
  const std::string hex =
      LowerHex(std::string_view(reinterpret_cast<const char*>(whole.data()), 32));
  ASSERT_EQ(Call(ana_, "PUT", "/v1/blobs/" + hex, offer.SerializeAsString()).status, 200);
  const auto start = std::chrono::steady_clock::now();
  ChunkUploadStart upload = service_->BeginChunks(
      {"POST", "/v1/blobs/" + hex + "/chunks/0", "Bearer " + ana_.token, "", "", ""}, size);
  ASSERT_NE(upload.upload, nullptr) << ErrorOf(upload.response).message();
  for (size_t i = 0; i < mib; ++i) {
    const std::string block = mib_at(i);
    for (size_t at = 0; at < block.size(); at += kChunk) {
      ASSERT_THAT(upload.upload->Append(std::string_view(block).substr(at, kChunk)), IsOk());
    }
  }
  const v1::BlobStatus done = StatusOf(upload.upload->Finish(Status()));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(done.state(), v1::BLOB_STATE_PRESENT);
  std::printf("in-process upload of %zu MiB: %.2f s, %.0f MB/s\n", mib, seconds,
              static_cast<double>(size) / 1e6 / seconds);
}

}  // namespace
}  // namespace cairn::server
