// Tests of the encrypted, content-addressed evidence store (cairn::BlobStore, decision 0009):
// round trips, dedup, tamper detection, media sniffing, the key file, downloads and bounded
// memory.
#include "cairn/blob_store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::IsOk;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;

constexpr uint64_t kChunk = kBlobChunkBytes;
constexpr uint64_t kRecord = 12 + kChunk + 16;
constexpr uint64_t kHeader = 24;

// A key provider with a fixed key.
class FixedKey final : public KeyProvider {
 public:
  explicit FixedKey(uint8_t fill) { key_.fill(fill); }
  Result<BlobKeyBytes> BlobKey() override { return key_; }

 private:
  BlobKeyBytes key_{};
};

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 engine(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(engine() & 0xff);
  return out;
}

void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = BlobStore::Open(dir_.File("blobs"), key_, Env{&clock_, &random_});
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(store).value();
  }

  // Captures `content` from a file and returns its reference.
  EvidenceRef CaptureBytes(std::string_view content, const std::string& name = "source") {
    WriteFile(dir_.File(name), content);
    Result<EvidenceRef> ref = store_->Capture(dir_.File(name));
    EXPECT_THAT(ref.status(), IsOk());
    return ref.ok() ? *ref : EvidenceRef{};
  }

  std::string ReadAll(const Sha256& sha) {
    auto reader = store_->Open(sha);
    EXPECT_THAT(reader.status(), IsOk());
    if (!reader.ok()) return {};
    std::string out;
    EXPECT_THAT((*reader)->ReadRange(0, (*reader)->size(), &out), IsOk());
    return out;
  }

  TempDir dir_;
  testing::FakeClock clock_;
  SeededRandom random_{7};
  FixedKey key_{0x42};
  std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, CaptureNamesTheBlobBySha256AndReadsBackTheSameBytes) {
  for (const size_t size : {size_t{0}, size_t{1}, size_t{kChunk - 1}, size_t{kChunk},
                            size_t{kChunk + 1}, size_t{3 * kChunk + 17}}) {
    SCOPED_TRACE(size);
    const std::string content = RandomBytes(size, static_cast<uint32_t>(size));
    const EvidenceRef ref = CaptureBytes(content);
    EXPECT_EQ(ref.sha256, Sha256Of(content));
    EXPECT_EQ(ref.size, size);
    EXPECT_EQ(ReadAll(ref.sha256), content);
    EXPECT_EQ(std::filesystem::file_size(store_->PathOf(ref.sha256)),
              kHeader + BlobChunkCount(size) * 28 + size);
    // Not the plaintext on disk.
    if (size > 64) {
      EXPECT_EQ(ReadFile(store_->PathOf(ref.sha256)).find(content.substr(0, 64)),
                std::string::npos);
    }
  }
}

TEST_F(BlobStoreTest, ReadRangeCrossesChunkBoundaries) {
  const std::string content = RandomBytes(3 * kChunk + 100, 1);
  const EvidenceRef ref = CaptureBytes(content);
  auto reader = store_->Open(ref.sha256);
  ASSERT_THAT(reader.status(), IsOk());
  std::string part;
  CAIRN_ASSERT_OK((*reader)->ReadRange(kChunk - 10, kChunk + 20, &part));
  EXPECT_EQ(part, content.substr(kChunk - 10, kChunk + 20));
  EXPECT_THAT((*reader)->ReadRange(content.size() - 5, 6, &part),
              StatusIs(Code::kOutOfRange, HasSubstr("past the end")));
}

TEST_F(BlobStoreTest, CapturingTheSameContentTwiceKeepsOneBlob) {
  const std::string content = RandomBytes(2 * kChunk + 5, 2);
  const EvidenceRef a = CaptureBytes(content, "a.mp4");
  const EvidenceRef b = CaptureBytes(content, "b.mp4");
  EXPECT_EQ(a, b);
  const std::string hex = Sha256Hex(a.sha256);
  size_t blobs = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir_.path() / "blobs" / hex.substr(0, 2))) {
    if (entry.path().extension() != ".chunks") ++blobs;
  }
  EXPECT_EQ(blobs, 1U);
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "blobs" / "tmp"));
}

TEST_F(BlobStoreTest, ChunkHashesListEveryChunkAndAreRebuiltWhenLostOrDamaged) {
  const std::string content = RandomBytes(2 * kChunk + 9, 3);
  const EvidenceRef ref = CaptureBytes(content);
  const std::vector<Sha256> expected = {Sha256Of(content.substr(0, kChunk)),
                                        Sha256Of(content.substr(kChunk, kChunk)),
                                        Sha256Of(content.substr(2 * kChunk))};
  auto hashes = store_->ChunkHashes(ref.sha256);
  ASSERT_THAT(hashes.status(), IsOk());
  EXPECT_EQ(*hashes, expected);

  const std::string list = store_->PathOf(ref.sha256) + ".chunks";
  std::filesystem::remove(list);
  hashes = store_->ChunkHashes(ref.sha256);
  ASSERT_THAT(hashes.status(), IsOk());
  EXPECT_EQ(*hashes, expected);
  EXPECT_TRUE(std::filesystem::exists(list));

  std::string sealed = ReadFile(list);
  sealed[20] = static_cast<char>(sealed[20] ^ 1);
  WriteFile(list, sealed);
  hashes = store_->ChunkHashes(ref.sha256);
  ASSERT_THAT(hashes.status(), IsOk());
  EXPECT_EQ(*hashes, expected);

  const EvidenceRef empty = CaptureBytes("", "empty");
  hashes = store_->ChunkHashes(empty.sha256);
  ASSERT_THAT(hashes.status(), IsOk());
  EXPECT_EQ(*hashes, std::vector<Sha256>{Sha256Of("")});
}

// Tampering: every way of altering the file on disk is detected on read.
class BlobTamperTest : public BlobStoreTest {
 protected:
  void SetUp() override {
    BlobStoreTest::SetUp();
    content_ = RandomBytes(3 * kChunk + 1000, 4);
    ref_ = CaptureBytes(content_);
    path_ = store_->PathOf(ref_.sha256);
    file_ = ReadFile(path_);
  }

  Status ReadChunk(uint64_t index) {
    auto reader = store_->Open(ref_.sha256);
    if (!reader.ok()) return reader.status();
    std::string out;
    return (*reader)->ReadChunk(index, &out);
  }

  std::string content_;
  EvidenceRef ref_;
  std::string path_;
  std::string file_;
};

TEST_F(BlobTamperTest, AFlippedByteIsDataLossNamingTheChunk) {
  for (const uint64_t offset : {kHeader + 3,                   // chunk 0's nonce
                                kHeader + kRecord + 500,       // chunk 1's ciphertext
                                kHeader + 2 * kRecord - 1}) {  // chunk 1's tag
    SCOPED_TRACE(offset);
    std::string damaged = file_;
    damaged[offset] = static_cast<char>(damaged[offset] ^ 0x20);
    WriteFile(path_, damaged);
    const uint64_t chunk = (offset - kHeader) / kRecord;
    EXPECT_THAT(
        ReadChunk(chunk),
        StatusIs(Code::kDataLoss, HasSubstr("blob " + Sha256Hex(ref_.sha256) + " chunk " +
                                            std::to_string(chunk) + " was altered or damaged")));
    // The other chunks still read.
    CAIRN_EXPECT_OK(ReadChunk(chunk == 0 ? 2 : 0));
  }
}

TEST_F(BlobTamperTest, SwappedChunksAreDetected) {
  std::string swapped = file_;
  swapped.replace(kHeader, kRecord, file_.substr(kHeader + kRecord, kRecord));
  swapped.replace(kHeader + kRecord, kRecord, file_.substr(kHeader, kRecord));
  WriteFile(path_, swapped);
  EXPECT_THAT(ReadChunk(0), StatusIs(Code::kDataLoss, HasSubstr("chunk 0 was altered")));
  EXPECT_THAT(ReadChunk(1), StatusIs(Code::kDataLoss, HasSubstr("chunk 1 was altered")));
}

TEST_F(BlobTamperTest, TruncationAndExtensionAreDetected) {
  WriteFile(path_, file_.substr(0, file_.size() - 1));
  EXPECT_THAT(ReadChunk(0), StatusIs(Code::kDataLoss, HasSubstr("truncated or extended")));
  WriteFile(path_, file_ + "x");
  EXPECT_THAT(ReadChunk(0), StatusIs(Code::kDataLoss, HasSubstr("truncated or extended")));

  // Cut the last whole chunk and fix the header's size to match: the new last chunk was sealed
  // as "not last", so it fails.
  std::string cut = file_.substr(0, kHeader + 3 * kRecord);
  const uint64_t size = 3 * kChunk;
  for (int i = 0; i < 8; ++i) cut[16 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  WriteFile(path_, cut);
  EXPECT_THAT(ReadChunk(2), StatusIs(Code::kDataLoss, HasSubstr("chunk 2 was altered")));

  // A header from another format version is refused before any chunk is read.
  WriteFile(path_, file_.substr(0, 8) + "\x02" + file_.substr(9));
  EXPECT_THAT(ReadChunk(0), StatusIs(Code::kDataLoss, HasSubstr("format version")));
}

TEST_F(BlobTamperTest, AnotherKeyCannotReadTheBlob) {
  FixedKey other(0x43);
  auto store = BlobStore::Open(dir_.File("blobs"), other, Env{&clock_, &random_});
  ASSERT_THAT(store.status(), IsOk());
  auto reader = (*store)->Open(ref_.sha256);
  ASSERT_THAT(reader.status(), IsOk());
  std::string out;
  EXPECT_THAT((*reader)->ReadChunk(0, &out),
              StatusIs(Code::kDataLoss, HasSubstr("was altered or damaged")));
  EXPECT_TRUE(out.empty());
}

TEST_F(BlobStoreTest, CaptureExplainsSourcesItCannotRead) {
  EXPECT_THAT(store_->Capture(dir_.File("nope.mp4")),
              StatusIs(Code::kNotFound, HasSubstr("there is no file " + dir_.File("nope.mp4"))));
  EXPECT_THAT(store_->Capture(dir_.path().string()),
              StatusIs(Code::kInvalidArgument, HasSubstr("is a folder")));
  if (::geteuid() != 0) {  // root reads anything
    WriteFile(dir_.File("secret"), "x");
    ::chmod(dir_.File("secret").c_str(), 0);
    EXPECT_THAT(store_->Capture(dir_.File("secret")),
                StatusIs(Code::kPermissionDenied, HasSubstr("permission denied")));
  }
}

TEST_F(BlobStoreTest, RemoveDeletesTheBlobAndIsIdempotent) {
  const EvidenceRef ref = CaptureBytes("some text\n");
  EXPECT_THAT(store_->Has(ref.sha256), ::testing::Property(&Result<bool>::ok, true));
  CAIRN_EXPECT_OK(store_->Remove(ref.sha256));
  EXPECT_FALSE(*store_->Has(ref.sha256));
  CAIRN_EXPECT_OK(store_->Remove(ref.sha256));
  EXPECT_THAT(store_->Open(ref.sha256), StatusIs(Code::kNotFound, HasSubstr("not on this device")));
}

TEST_F(BlobStoreTest, AWriterStoresADownloadOnlyWhenItHashesToItsName) {
  const std::string content = RandomBytes(5 * kChunk + 3, 5);
  EvidenceRef ref{Sha256Of(content), content.size(), "video/mp4"};
  {
    auto writer = store_->NewWriter(ref);
    ASSERT_THAT(writer.status(), IsOk());
    // 3.5 chunks arrive, then the process dies.
    CAIRN_ASSERT_OK((*writer)->Append(content.substr(0, 3 * kChunk + kChunk / 2)));
    CAIRN_ASSERT_OK((*writer)->Sync());
  }
  EXPECT_FALSE(*store_->Has(ref.sha256));
  auto writer = store_->NewWriter(ref);
  ASSERT_THAT(writer.status(), IsOk());
  EXPECT_EQ((*writer)->received(), 3 * kChunk);  // whole chunks only
  EXPECT_THAT((*writer)->Append(content.substr(3 * kChunk) + "x"),
              StatusIs(Code::kInvalidArgument, HasSubstr("arrived")));
  for (uint64_t at = 3 * kChunk; at < content.size(); at += 1000) {
    CAIRN_ASSERT_OK((*writer)->Append(content.substr(at, 1000)));
  }
  auto finished = (*writer)->Finish();
  ASSERT_THAT(finished.status(), IsOk());
  EXPECT_EQ(ReadAll(ref.sha256), content);
  auto hashes = store_->ChunkHashes(ref.sha256);
  ASSERT_THAT(hashes.status(), IsOk());
  EXPECT_EQ(hashes->size(), 6U);

  // Wrong bytes: refused, nothing kept.
  const std::string other = RandomBytes(kChunk + 1, 6);
  EvidenceRef lie{Sha256Of("something else"), other.size(), "image/png"};
  auto bad = store_->NewWriter(lie);
  ASSERT_THAT(bad.status(), IsOk());
  CAIRN_ASSERT_OK((*bad)->Append(other));
  EXPECT_THAT((*bad)->Finish(), StatusIs(Code::kDataLoss, HasSubstr("not to their name")));
  EXPECT_FALSE(*store_->Has(lie.sha256));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "blobs" / "partial"));
}

// A camera hands over bytes in pieces of any size while it records: the blob is the one a file
// of the same bytes makes, name, size, type and content.
TEST_F(BlobStoreTest, AStreamCapturedInPiecesOfAnySizeIsTheBlobItsFileMakes) {
  const std::string mp4_head(
      "\x00\x00\x00\x18"
      "ftypmp42",
      12);
  for (const size_t size : {size_t{0}, size_t{1}, size_t{kChunk - 1}, size_t{kChunk},
                            size_t{kChunk + 1}, size_t{3 * kChunk}, size_t{3 * kChunk + 17}}) {
    for (const size_t piece : {size_t{1}, size_t{7}, size_t{kChunk - 1}, size_t{kChunk},
                               size_t{kChunk + 1}, size_t{5 * kChunk}}) {
      if (piece == 1 && size > kChunk + 1) continue;  // slow, and covered by 7
      SCOPED_TRACE(std::to_string(size) + " bytes in pieces of " + std::to_string(piece));
      std::string content = RandomBytes(size, static_cast<uint32_t>(size + 1));
      if (size >= mp4_head.size()) content.replace(0, mp4_head.size(), mp4_head);
      Result<std::unique_ptr<BlobCapture>> capture = store_->BeginCapture();
      ASSERT_THAT(capture.status(), IsOk());
      for (size_t at = 0; at < content.size(); at += piece) {
        CAIRN_ASSERT_OK((*capture)->Append(std::string_view(content).substr(at, piece)));
      }
      EXPECT_EQ((*capture)->size(), size);
      Result<EvidenceRef> streamed = (*capture)->Finish();
      ASSERT_THAT(streamed.status(), IsOk());
      const EvidenceRef from_file = CaptureBytes(content);
      EXPECT_EQ(*streamed, from_file);
      EXPECT_EQ(streamed->sha256, Sha256Of(content));
      EXPECT_EQ(ReadAll(streamed->sha256), content);
      if (size >= mp4_head.size()) {
        EXPECT_EQ(streamed->media_type, "video/mp4");
      }
      auto hashes = store_->ChunkHashes(streamed->sha256);
      ASSERT_THAT(hashes.status(), IsOk());
      EXPECT_EQ(hashes->size(), BlobChunkCount(size));
      CAIRN_ASSERT_OK(store_->Remove(streamed->sha256));
    }
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "blobs" / "tmp"));
}

TEST_F(BlobStoreTest, AStreamCaptureAbandonedOrFinishedTwiceLeavesNothingWrong) {
  const std::string content = RandomBytes(2 * kChunk + 9, 5);
  {
    Result<std::unique_ptr<BlobCapture>> abandoned = store_->BeginCapture();
    ASSERT_THAT(abandoned.status(), IsOk());
    CAIRN_ASSERT_OK((*abandoned)->Append(content));
    // The recording is discarded: destroyed without Finish.
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "blobs" / "tmp"));
  EXPECT_FALSE(*store_->Has(Sha256Of(content)));

  Result<std::unique_ptr<BlobCapture>> capture = store_->BeginCapture();
  ASSERT_THAT(capture.status(), IsOk());
  CAIRN_ASSERT_OK((*capture)->Append(content));
  ASSERT_THAT((*capture)->Finish().status(), IsOk());
  EXPECT_THAT((*capture)->Finish(), StatusIs(Code::kFailedPrecondition, HasSubstr("already")));
  EXPECT_THAT((*capture)->Append("more"),
              StatusIs(Code::kFailedPrecondition, HasSubstr("finished")));
  EXPECT_EQ(ReadAll(Sha256Of(content)), content);

  // The same bytes captured again keep one blob.
  Result<std::unique_ptr<BlobCapture>> again = store_->BeginCapture();
  ASSERT_THAT(again.status(), IsOk());
  CAIRN_ASSERT_OK((*again)->Append(content));
  ASSERT_THAT((*again)->Finish().status(), IsOk());
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path() / "blobs" / "tmp"));
}

TEST_F(BlobStoreTest, CapturingA100MegabyteFileKeepsMemoryBounded) {
  // A sparse file reads as zeros without taking memory or disk in the source.
  const std::string source = dir_.File("long-video.bin");
  const int fd = ::open(source.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 100 << 20), 0);
  ASSERT_EQ(::pwrite(fd,
                     "\x00\x00\x00\x18"
                     "ftypisom",
                     12, 0),
            12);
  ::close(fd);
  struct rusage before {};
  ::getrusage(RUSAGE_SELF, &before);
  Result<EvidenceRef> ref = store_->Capture(source);
  struct rusage after {};
  ::getrusage(RUSAGE_SELF, &after);
  ASSERT_THAT(ref.status(), IsOk());
  EXPECT_EQ(ref->size, uint64_t{100} << 20);
  EXPECT_EQ(ref->media_type, "video/mp4");
  // ru_maxrss is in KiB: the peak may not grow by more than 20 MiB.
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 20 * 1024);
  auto hashes = store_->ChunkHashes(ref->sha256);
  ASSERT_THAT(hashes.status(), IsOk());
  EXPECT_EQ(hashes->size(), 1600U);
}

TEST(MediaTypeTest, DetectsCommonEvidenceFormatsFromTheirFirstBytes) {
  const auto detect = [](std::string_view head) { return DetectMediaType(head, false); };
  using std::string_literals::operator""s;
  EXPECT_EQ(detect("\x00\x00\x00\x20"
                   "ftypisom\x00\x00\x02\x00"s),
            "video/mp4");
  EXPECT_EQ(detect("\x00\x00\x00\x14"
                   "ftypqt  \x00\x00\x00\x00"s),
            "video/quicktime");
  EXPECT_EQ(detect("\x00\x00\x00\x18"
                   "ftyp3gp4\x00\x00\x00\x00"s),
            "video/3gpp");
  EXPECT_EQ(detect("\x00\x00\x00\x1c"
                   "ftypM4A \x00\x00\x00\x00"s),
            "audio/mp4");
  EXPECT_EQ(detect("\x00\x00\x00\x18"
                   "ftypheic\x00\x00\x00\x00"s),
            "image/heic");
  EXPECT_EQ(detect("\x00\x00\x00\x18"
                   "ftypmif1\x00\x00\x00\x00"s),
            "image/heif");
  EXPECT_EQ(detect("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"s), "video/webm");
  EXPECT_EQ(detect("\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska"s),
            "video/x-matroska");
  EXPECT_EQ(detect("\xff\xd8\xff\xe0\x00\x10JFIF\x00"s), "image/jpeg");
  EXPECT_EQ(detect("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"s), "image/png");
  EXPECT_EQ(detect("GIF89a\x01\x00\x01\x00"s), "image/gif");
  EXPECT_EQ(detect("RIFF\x24\x00\x00\x00WEBPVP8 "s), "image/webp");
  EXPECT_EQ(detect("RIFF\x24\x00\x00\x00WAVEfmt "s), "audio/wav");
  EXPECT_EQ(detect("%PDF-1.7\n%\xe2\xe3\xcf\xd3"s), "application/pdf");
  EXPECT_EQ(detect("ID3\x04\x00\x00\x00\x00\x00\x00"s), "audio/mpeg");
  EXPECT_EQ(detect("\xff\xfb\x90\x64\x00\x00"s), "audio/mpeg");
  EXPECT_EQ(detect("\xff\xf1\x50\x80\x02\x1f"s), "audio/aac");
  EXPECT_EQ(detect("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis"s), "audio/ogg");
  EXPECT_EQ(detect("fLaC\x00\x00\x00\x22"s), "audio/flac");
  EXPECT_EQ(detect("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x00\x00\x00\x00\x00\x00\x00"
                   "\x00\x00\x00\x00\x00\x13\x00\x00\x00[Content_Types].xml...PK\x03\x04"
                   "word/document.xml"s),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(detect("PK\x03\x04[Content_Types].xml PK\x03\x04xl/workbook.xml"s),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(detect("PK\x03\x04[Content_Types].xml PK\x03\x04ppt/presentation.xml"s),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation");
  EXPECT_EQ(detect("PK\x03\x04\x14\x00\x00\x00\x08\x00notes.txt"s), "application/zip");
  EXPECT_EQ(detect("Exit ticket answers, période 3 — ½ the class\n"), "text/plain");
  // A chunk may end in the middle of a character.
  EXPECT_EQ(detect("caf\xc3"s), "text/plain");
  EXPECT_EQ(DetectMediaType("caf\xc3"s, true), "application/octet-stream");
  EXPECT_EQ(detect("\x00\x01\x02\x03 binary"s), "application/octet-stream");
  EXPECT_EQ(detect(""), "application/octet-stream");
}

TEST(FileKeyProviderTest, MakesAPrivateKeyFileOnceAndRefusesOneOthersMayRead) {
  TempDir dir;
  const std::string path = dir.File("blob.key");
  FileKeyProvider keys(path);
  auto first = keys.BlobKey();
  ASSERT_THAT(first.status(), IsOk());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  EXPECT_EQ(ReadFile(path).size(), 65U);
  auto again = FileKeyProvider(path).BlobKey();
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(*again, *first);

  ::chmod(path.c_str(), 0644);
  EXPECT_THAT(keys.BlobKey(), StatusIs(Code::kPermissionDenied,
                                       HasSubstr("has mode 0644, so other users may read it")));
  EXPECT_THAT(keys.BlobKey(), StatusIs(Code::kPermissionDenied, HasSubstr("chmod 600 " + path)));
  ::chmod(path.c_str(), 0600);
  WriteFile(path, "not a key\n");
  EXPECT_THAT(keys.BlobKey(), StatusIs(Code::kDataLoss, HasSubstr("restore the file")));
}

}  // namespace
}  // namespace cairn
