#include "cairn/badge/multibase.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cairn/hex.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

std::vector<uint8_t> Bytes(std::string_view hex) {
  std::string raw = *ParseHex(hex);
  return std::vector<uint8_t>(raw.begin(), raw.end());
}

TEST(Base58Btc, KnownValues) {
  EXPECT_EQ(Base58BtcEncode({}), "");
  EXPECT_EQ(Base58BtcEncode(Bytes("00")), "1");
  EXPECT_EQ(Base58BtcEncode(Bytes("0000ff")), "115Q");
  // "Hello World!" from the base58 draft (draft-msporny-base58).
  std::string hello = "Hello World!";
  EXPECT_EQ(Base58BtcEncode(std::vector<uint8_t>(hello.begin(), hello.end())), "2NEpo7TZRRrLZSi2U");
}

TEST(Base58Btc, RoundTripsWithLeadingZeros) {
  for (std::string_view hex : {"", "00", "0000", "000102", "ffffffff", "00ed01aabbcc"}) {
    std::vector<uint8_t> bytes = Bytes(hex);
    Result<std::vector<uint8_t>> back = Base58BtcDecode(Base58BtcEncode(bytes));
    CAIRN_ASSERT_OK(back);
    EXPECT_EQ(*back, bytes) << hex;
  }
}

TEST(Base58Btc, RejectsCharactersOutsideTheAlphabetNamingThem) {
  EXPECT_THAT(Base58BtcDecode("abc0def"),
              StatusIs(Code::kInvalidArgument, HasSubstr("'0' at offset 3")));
  EXPECT_THAT(Base58BtcDecode("I"), StatusIs(Code::kInvalidArgument, HasSubstr("'I'")));
  EXPECT_THAT(Base58BtcDecode(std::string(2000, '2')),
              StatusIs(Code::kInvalidArgument, HasSubstr("longer than")));
}

TEST(Multibase, NeedsTheZPrefix) {
  EXPECT_EQ(MultibaseBase58BtcEncode(Bytes("0000ff")), "z115Q");
  EXPECT_THAT(MultibaseBase58BtcDecode("115Q"), StatusIs(Code::kInvalidArgument, HasSubstr("'z'")));
  EXPECT_THAT(MultibaseBase58BtcDecode(""), StatusIs(Code::kInvalidArgument, HasSubstr("'z'")));
}

TEST(Ed25519Multikey, ParsesAndEncodesTheVectorKey) {
  // The 1EdTech vector's key: publicKeyMultibase and publicKeyHex.
  constexpr std::string_view kMultikey = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
  Result<std::array<uint8_t, 32>> key = ParseEd25519Multikey(kMultikey);
  CAIRN_ASSERT_OK(key);
  EXPECT_EQ(LowerHex(std::string_view(reinterpret_cast<const char*>(key->data()), 32)),
            "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5");
  EXPECT_EQ(EncodeEd25519Multikey(*key), kMultikey);
}

TEST(Ed25519Multikey, RejectsOtherCodecsAndLengths) {
  std::vector<uint8_t> x25519 = Bytes("ec01");
  x25519.resize(34, 7);
  EXPECT_THAT(ParseEd25519Multikey(MultibaseBase58BtcEncode(x25519)),
              StatusIs(Code::kInvalidArgument, HasSubstr("0xed 0x01")));
  std::vector<uint8_t> short_key = Bytes("ed01");
  short_key.resize(20, 7);
  EXPECT_THAT(ParseEd25519Multikey(MultibaseBase58BtcEncode(short_key)),
              StatusIs(Code::kInvalidArgument, HasSubstr("18 bytes, not 32")));
  EXPECT_THAT(ParseEd25519Multikey("6MkjZRZv3aez"),
              StatusIs(Code::kInvalidArgument, HasSubstr("'z'")));
}

}  // namespace
}  // namespace cairn::badge
