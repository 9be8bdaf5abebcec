// What a credential says about its earner (docs/badges.md "The earner"): a stable URN always;
// the account's e-mail address only salted and hashed, so that a recognizer who knows the
// address can match it and nobody else learns it; and the earner's name on the hosted page only
// once the teacher chose to show it, from their device, the latest choice of any of their
// devices winning.
#include "cairn/blob_store.h"
#include "cairn/sync.h"
#include "server/badge_fixture.h"

namespace cairn {
namespace {

using namespace ::cairn::testing;  // NOLINT(google-build-using-namespace): the fixture's names
using ::testing::_;

class EarnerIdentityTest : public BadgeIssuanceTest {
 protected:
  json::object Subject(const std::string& url) {
    return PublicJson(PathOf(url) + ".json").at("credentialSubject").as_object();
  }

  std::string Page(const std::string& url) { return Public(PathOf(url), "text/html").body; }

  std::string AwardedUrl() {
    return std::string(Award(SubmitComplete()).at("credential").at("url").as_string());
  }
};

TEST_F(EarnerIdentityTest, WithoutAnAddressTheSubjectIsOnlyItsUrn) {
  const json::object subject = Subject(AwardedUrl());
  EXPECT_TRUE(std::string(subject.at("id").as_string()).starts_with("urn:uuid:"));
  EXPECT_FALSE(subject.contains("identifier"));
}

TEST_F(EarnerIdentityTest, TheAccountsAddressIsCarriedSaltedAndHashedNeverInClear) {
  // Typed with capitals and spaces: hashed as the one normalised spelling.
  ASSERT_THAT(store_->SetUserEmail(ana_id_, "  Ana.Teacher@Example.ORG "), IsOk());
  const std::string url = AwardedUrl();
  const json::object subject = Subject(url);
  ASSERT_TRUE(subject.contains("identifier")) << json::serialize(subject);
  const json::object& identity = subject.at("identifier").as_array().at(0).as_object();
  EXPECT_EQ(identity.at("type").as_string(), "IdentityObject");
  EXPECT_EQ(identity.at("identityType").as_string(), "emailAddress");
  EXPECT_TRUE(identity.at("hashed").as_bool());
  const std::string salt(identity.at("salt").as_string());
  EXPECT_EQ(salt.size(), 32U);
  // What a district does with the address the teacher gave them.
  EXPECT_EQ(identity.at("identityHash").as_string(),
            "sha256$" + Sha256Hex(Sha256Of("ana.teacher@example.org" + salt)));

  // The address itself is nowhere public.
  for (const std::string& form :
       {Public(PathOf(url) + ".json").body, Public(PathOf(url) + ".jws").body, Page(url)}) {
    EXPECT_THAT(form, Not(HasSubstr("ana.teacher"))) << form.substr(0, 200);
    EXPECT_THAT(form, Not(HasSubstr("Ana.Teacher")));
  }
  // The credential still carries both valid proofs.
  EXPECT_THAT(VerifyProof(PublicJson(PathOf(url) + ".json")), IsOk());
  EXPECT_THAT(VerifyJwt(Public(PathOf(url) + ".jws").body).status(), IsOk());
}

TEST_F(EarnerIdentityTest, AnAddressThatIsNotOneIsRefusedAndNothingChanges) {
  EXPECT_THAT(store_->SetUserEmail(ana_id_, "ana at school"),
              StatusIs(Code::kInvalidArgument, HasSubstr("write it as name@example.org")));
  Result<server::User> ana = store_->FindUser(ana_id_);
  ASSERT_THAT(ana.status(), IsOk());
  EXPECT_FALSE(ana->email.has_value());
  EXPECT_THAT(store_->AddUser("Bo", server::Role::kEducator, "bo@").status(),
              StatusIs(Code::kInvalidArgument, _));
}

TEST_F(EarnerIdentityTest, TheNameIsShownOnlyOnceTheTeacherChoseItFromTheirDevice) {
  const std::string url = AwardedUrl();
  EXPECT_THAT(Page(url), HasSubstr("An educator (name not public)"));
  EXPECT_THAT(Page(url), Not(HasSubstr("Ana Teacher")));  // the account's name is never shown

  ASSERT_THAT(device_->SetPublicName("  Ana Rivera "), IsOk());
  Result<std::string> name = device_->PublicName();
  ASSERT_THAT(name.status(), IsOk());
  EXPECT_EQ(*name, "Ana Rivera");
  EXPECT_THAT(Page(url), HasSubstr("name not public"));  // not before it syncs
  Sync();
  EXPECT_THAT(Page(url), HasSubstr("<dt>Earned by</dt><dd>Ana Rivera</dd>"));

  ASSERT_THAT(device_->SetPublicName(""), IsOk());
  Sync();
  EXPECT_THAT(Page(url), HasSubstr("An educator (name not public)"));
  // The signed credential never changes: the name is the page's, not the credential's.
  EXPECT_THAT(Public(PathOf(url) + ".json").body, Not(HasSubstr("Ana Rivera")));
}

TEST_F(EarnerIdentityTest, BadNamesAreRefusedOnTheDevice) {
  EXPECT_THAT(device_->SetPublicName("Ana\nRivera"),
              StatusIs(Code::kInvalidArgument, HasSubstr("control character")));
  EXPECT_THAT(device_->SetPublicName(std::string(101, 'a')),
              StatusIs(Code::kInvalidArgument, HasSubstr("at most 100")));
  EXPECT_THAT(device_->SetPublicName("\xff\xfe"), StatusIs(Code::kInvalidArgument, _));
  Result<std::string> name = device_->PublicName();
  ASSERT_THAT(name.status(), IsOk());
  EXPECT_EQ(*name, "");
}

TEST_F(EarnerIdentityTest, TheLatestChoiceWinsWhicheverDeviceSyncsLast) {
  const std::string url = AwardedUrl();
  // A second device of Ana's chooses a name first, offline.
  SeededRandom tablet_random{23};
  Result<std::unique_ptr<Device>> tablet =
      Device::Open(dir_.File("ana-tablet.db"), Env{&clock_, &tablet_random});
  ASSERT_THAT(tablet.status(), IsOk());
  Result<std::string> code = store_->NewEnrolCode(ana_id_);
  ASSERT_THAT(code.status(), IsOk());
  SyncSettings settings;
  settings.server_url = "https://in-process";
  ASSERT_THAT(Enrol((*tablet)->replica(), *transport_, settings, *code, "ana-tablet"), IsOk());
  ASSERT_THAT((*tablet)->SetPublicName("A. Rivera"), IsOk());

  // Later, the phone chooses another and syncs first.
  clock_.Advance(60'000);
  ASSERT_THAT(device_->SetPublicName("Ana Rivera"), IsOk());
  Sync();
  // The tablet's older choice arrives afterwards and does not win.
  ASSERT_THAT(RunSync((*tablet)->replica(), *transport_).status(), IsOk());
  EXPECT_THAT(Page(url), HasSubstr("<dd>Ana Rivera</dd>"));
  // And both devices agree, once the phone has the tablet's change too.
  Sync();
  Result<std::string> on_tablet = (*tablet)->PublicName();
  Result<std::string> on_phone = device_->PublicName();
  ASSERT_THAT(on_tablet.status(), IsOk());
  ASSERT_THAT(on_phone.status(), IsOk());
  EXPECT_EQ(*on_tablet, "Ana Rivera");
  EXPECT_EQ(*on_phone, "Ana Rivera");
}

}  // namespace
}  // namespace cairn
