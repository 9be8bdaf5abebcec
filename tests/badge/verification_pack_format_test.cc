// The verification pack file (cairn/badge/verify.h): built from a credential record, written,
// read back, and every malformed pack refused with a message naming the member at fault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "badge/verify_fixture.h"
#include "cairn/badge/verify.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

namespace json = boost::json;
using ::cairn::testing::IsOk;
using ::cairn::testing::StatusIs;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// A record as the server writes it (credentials.h), with unsigned stand-ins for the documents:
// building a pack does not verify anything.
CredentialRecord Record() {
  CredentialRecord record;
  record.credential_id = "7f3c2a1e-5b7d-4c1a-9e2f-0d8b6a4c3e21";
  json::object credential = testing::UnsignedCredential();
  credential["proof"] = json::array{json::object{{"type", "DataIntegrityProof"}}};
  record.json = json::serialize(credential);
  record.jws = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln";
  record.issuer_did_document = R"({"id":"did:web:badges.cairn.example:issuers:district-17"})";
  record.issuer_jwks = R"({"keys":[]})";
  record.status_list =
      R"({"@context":["https://www.w3.org/ns/credentials/v2"],"id":"https://x.example/status"})";
  record.status_checked_at_ms = 1767225600000;
  return record;
}

json::object PackJson() {
  Result<VerificationPack> pack = BuildVerificationPack(Record());
  EXPECT_THAT(pack, IsOk());
  return json::parse(SerializeVerificationPack(*pack)).as_object();
}

Status ParseError(const json::object& pack) {
  return ParseVerificationPack(json::serialize(pack)).status();
}

TEST(VerificationPackFormat, BuiltFromARecordWithEveryContextItNames) {
  Result<VerificationPack> pack = BuildVerificationPack(Record());
  ASSERT_THAT(pack, IsOk());
  EXPECT_EQ(pack->jws, Record().jws);
  EXPECT_EQ(pack->status_checked_at_ms, 1767225600000);
  EXPECT_THAT(pack->contexts,
              ElementsAre(Pair("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", _),
                          Pair("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json", _),
                          Pair("https://www.w3.org/ns/credentials/v2", _)));
  EXPECT_TRUE(pack->contexts.at("https://www.w3.org/ns/credentials/v2").contains("@context"));
}

TEST(VerificationPackFormat, WrittenInTheDocumentedShapeAndReadBack) {
  const std::string text = SerializeVerificationPack(BuildVerificationPack(Record()).value());
  EXPECT_TRUE(text.starts_with(R"({"type":"CairnVerificationPack","version":1,"credential":{)"))
      << text.substr(0, 80);
  EXPECT_THAT(text, HasSubstr(R"("statusCheckedAt":"2026-01-01T00:00:00Z")"));
  Result<VerificationPack> parsed = ParseVerificationPack(text);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(SerializeVerificationPack(*parsed), text) << "parse and write are inverse";
}

TEST(VerificationPackFormat, RecordMissingADocumentCannotMakeAPack) {
  CredentialRecord record = Record();
  record.issuer_did_document.clear();
  EXPECT_THAT(BuildVerificationPack(record),
              StatusIs(Code::kFailedPrecondition,
                       HasSubstr("the issuer's DID document has not reached this device")));
  record = Record();
  record.status_list = "{not json";
  EXPECT_THAT(BuildVerificationPack(record), StatusIs(Code::kDataLoss, HasSubstr("status list")));
  record = Record();
  record.json = R"({"@context":["https://unshipped.example/ctx"],"id":"x"})";
  EXPECT_THAT(BuildVerificationPack(record),
              StatusIs(Code::kInvalidArgument, HasSubstr("https://unshipped.example/ctx")));
}

TEST(VerificationPackFormat, RefusesWhatIsNotAPack) {
  EXPECT_THAT(ParseVerificationPack("not json"),
              StatusIs(Code::kInvalidArgument, HasSubstr("pack")));
  EXPECT_THAT(ParseVerificationPack("[1,2]"), StatusIs(Code::kInvalidArgument, HasSubstr("pack")));
  json::object pack = PackJson();
  pack["type"] = json::array{"VerifiableCredential", "OpenBadgeCredential"};
  EXPECT_THAT(ParseError(pack),
              StatusIs(Code::kInvalidArgument, HasSubstr("not a Cairn verification pack")));
  pack.erase("type");
  EXPECT_THAT(ParseError(pack), StatusIs(Code::kInvalidArgument, HasSubstr("it is missing")));
}

TEST(VerificationPackFormat, RefusesOtherVersionsAndUnknownMembers) {
  json::object pack = PackJson();
  pack["version"] = 2;
  EXPECT_THAT(ParseError(pack),
              StatusIs(Code::kInvalidArgument, HasSubstr("version 2 is newer than this Cairn")));
  pack["version"] = 0;
  EXPECT_THAT(ParseError(pack), StatusIs(Code::kInvalidArgument, HasSubstr("version 0")));
  pack["version"] = "1";
  EXPECT_THAT(ParseError(pack), StatusIs(Code::kInvalidArgument, HasSubstr("the integer 1")));
  pack = PackJson();
  pack["statusChecked"] = "2026-01-01T00:00:00Z";
  EXPECT_THAT(ParseError(pack),
              StatusIs(Code::kInvalidArgument, HasSubstr("unknown member \"statusChecked\"")));
}

TEST(VerificationPackFormat, EachMemberMissingOrMistypedIsNamed) {
  for (const char* member :
       {"credential", "jws", "didDocument", "jwks", "statusList", "statusCheckedAt", "contexts"}) {
    json::object pack = PackJson();
    pack.erase(member);
    EXPECT_THAT(ParseError(pack), StatusIs(Code::kInvalidArgument,
                                           HasSubstr("\"" + std::string(member) + "\" is missing")))
        << member;
    pack[member] = 42;
    EXPECT_THAT(ParseError(pack),
                StatusIs(Code::kInvalidArgument, HasSubstr("\"" + std::string(member) + "\" must")))
        << member;
  }
}

TEST(VerificationPackFormat, RefusesBadDatesProoflessCredentialsAndDuplicates) {
  json::object pack = PackJson();
  pack["statusCheckedAt"] = "2026-01-01 00:00";
  EXPECT_THAT(ParseError(pack), StatusIs(Code::kInvalidArgument, HasSubstr("statusCheckedAt")));
  pack = PackJson();
  pack["credential"].as_object().erase("proof");
  EXPECT_THAT(ParseError(pack), StatusIs(Code::kInvalidArgument, HasSubstr("has no \"proof\"")));
  pack = PackJson();
  pack["contexts"].as_object()["https://www.w3.org/ns/credentials/v2"] = "a string";
  EXPECT_THAT(ParseError(pack), StatusIs(Code::kInvalidArgument, HasSubstr("contexts[")));
  std::string text = json::serialize(PackJson());
  text.insert(1, R"("jws":"a.b.c",)");
  EXPECT_THAT(ParseVerificationPack(text),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"jws\" appears twice")));
}

}  // namespace
}  // namespace cairn::badge
