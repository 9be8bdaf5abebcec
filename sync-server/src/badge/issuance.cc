#include "badge/issuance.h"

#include <algorithm>
#include <utility>

#include "badge/credential_signer.h"
#include "badge/issuer_documents.h"
#include "badge/status_list.h"
#include "cairn/badge/rfc3339.h"
#include "cairn/blob_store.h"
#include "cairn/catalog_publish.h"
#include "cairn/device.h"

namespace cairn::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kCredentialType = "credential";

// The stable subject id of an educator: a name-based UUID of the account, never a name or an
// e-mail address (a verifier learns nothing from it but that two credentials share an earner).
std::string EarnerUrn(std::string_view user_id) {
  return "urn:uuid:" + NameBasedId("cairn:earner:" + std::string(user_id)).ToString();
}

std::string CredentialUuid(std::string_view what) { return NameBasedId(what).ToString(); }

// Who earned a credential: the stable URN, and the account's e-mail address when it has one,
// salted per credential. The salt is derived from the credential's id, not drawn at random, so
// that issuing again after a crash signs the same bytes; it only has to differ between
// credentials (it is public, in the credential, by the IdentityObject's design).
Result<Earner> EarnerOf(ServerStore& store, std::string_view user_id,
                        std::string_view credential_uuid) {
  Earner earner;
  earner.subject_id = EarnerUrn(user_id);
  CAIRN_ASSIGN_OR_RETURN(const User user, store.FindUser(user_id));
  if (user.email) {
    earner.email = user.email;
    earner.salt =
        Sha256Hex(Sha256Of("cairn:identity-salt:" + std::string(credential_uuid))).substr(0, 32);
  }
  return earner;
}

// The PNG of a catalog badge image, to keep with a credential that names it.
void KeepImage(const v1::BadgeImage& image, IssuedCredential& credential) {
  if (image.sha256().empty() || image.png().empty()) return;
  credential.images.push_back({image.sha256(), "image/png", image.png()});
}

template <typename Message>
Result<Message> CurrentEntry(const PublishedCatalog& catalog, std::string_view type,
                             std::string_view id) {
  const std::string* definition = catalog.Current(type, id);
  Message message;
  if (definition == nullptr || !message.ParseFromString(*definition)) {
    return FailedPrecondition("the catalog holds no " + std::string(type) + " '" + std::string(id) +
                              "'; import the issuer's catalog first");
  }
  return message;
}

v1::Assessment AssessmentOf(const AssessmentRecord& record) {
  v1::Assessment out;
  for (const ScoreSpec& score : record.scores) {
    v1::CriterionScore* entry = out.add_scores();
    entry->set_criterion_id(score.criterion_id);
    entry->set_level_id(score.level_id);
  }
  out.set_decision(record.decision);
  out.set_decided_at_ms(record.decided_ms);
  return out;
}

}  // namespace

BadgeIssuance::BadgeIssuance(ServerStore& store, const KeyVault& vault, IssuanceOptions options)
    : store_(store),
      credentials_(store),
      assessments_(store),
      keyring_(credentials_, vault),
      options_(std::move(options)) {}

IssuerUrls BadgeIssuance::UrlsOf(std::string_view issuer_slug) const {
  return IssuerUrls{options_.public_url, std::string(issuer_slug)};
}

Result<std::vector<IssuanceOutcome>> BadgeIssuance::IssuePending() {
  std::lock_guard lock(mutex_);
  CAIRN_ASSIGN_OR_RETURN(const std::vector<PendingAward> pending, assessments_.PendingAwards());
  std::vector<IssuanceOutcome> out;
  for (const PendingAward& award : pending) {
    IssuanceOutcome outcome;
    outcome.submission = award.submission;
    Result<std::vector<IssuedCredential>> issued = IssueAward(award);
    if (issued.ok()) {
      outcome.credentials = std::move(*issued);
    } else {
      outcome.status = issued.status().Annotate("issuing the credential of submission " +
                                                award.submission.ToString());
    }
    out.push_back(std::move(outcome));
  }
  return out;
}

Result<std::vector<IssuedCredential>> BadgeIssuance::IssueAward(const PendingAward& award) {
  CAIRN_ASSIGN_OR_RETURN(const IssuerInfo issuer, store_.GetIssuer(award.issuer_id));
  CAIRN_ASSIGN_OR_RETURN(const IssuerSubmission held, assessments_.Get(issuer, award.submission));
  if (!held.assessment || held.assessment->decision != v1::DECISION_AWARD) {
    return FailedPrecondition("the award's assessment is not a confirmed award");
  }
  CAIRN_ASSIGN_OR_RETURN(const PublishedCatalog catalog, store_.LoadPublishedCatalog());
  CAIRN_ASSIGN_OR_RETURN(const v1::Issuer profile,
                         CurrentEntry<v1::Issuer>(catalog, kIssuerType, award.issuer_id));
  const int64_t now_ms = options_.env.clock->NowMillis();
  const IssuerUrls urls = UrlsOf(award.issuer_id);
  CAIRN_ASSIGN_OR_RETURN(const ActiveKeys keys, keyring_.Active(urls, now_ms));

  AwardFacts facts;
  facts.urls = urls;
  facts.issuer = profile;
  facts.micro_credential = held.micro_credential;
  facts.snapshot = held.snapshot;
  facts.assessment = AssessmentOf(*held.assessment);
  facts.credential_uuid = CredentialUuid("cairn:credential-id:" + award.submission.ToString());
  CAIRN_ASSIGN_OR_RETURN(facts.earner,
                         EarnerOf(store_, held.summary.educator_id, facts.credential_uuid));
  // Issued at the decision, whenever the credential is made: a retry after a crash signs the
  // same dates.
  facts.valid_from_ms = held.assessment->decided_ms / 1000 * 1000;
  CAIRN_ASSIGN_OR_RETURN(facts.status.index, credentials_.NextStatusIndex(award.issuer_id));
  CAIRN_ASSIGN_OR_RETURN(const json::object unsigned_json, BuildAwardCredential(facts));

  IssuedCredential credential;
  credential.id = facts.credential_uuid;
  credential.kind = CredentialKind::kMicroCredential;
  credential.submission = award.submission;
  credential.issuer_id = award.issuer_id;
  credential.subject_id = held.micro_credential.id();
  credential.title = held.micro_credential.title();
  credential.user_id = held.summary.educator_id;
  credential.status_index = facts.status.index;
  credential.issued_ms = facts.valid_from_ms;
  credential.valid_until_ms =
      ValidUntilMs(facts.valid_from_ms, held.micro_credential.valid_for_years());
  KeepImage(held.micro_credential.image(), credential);
  KeepImage(profile.image(), credential);
  CAIRN_ASSIGN_OR_RETURN(const SignedCredential signed_credential,
                         SignCredential(unsigned_json, keys, credential.issued_ms));
  CAIRN_ASSIGN_OR_RETURN(std::optional<IssuedCredential> committed,
                         Commit(std::move(credential), signed_credential));
  std::vector<IssuedCredential> out;
  if (!committed) return out;  // issued by an earlier pass
  out.push_back(std::move(*committed));

  for (const std::string& stack_id : held.micro_credential.stack_ids()) {
    Result<v1::Stack> stack = CurrentEntry<v1::Stack>(catalog, kStackType, stack_id);
    if (!stack.ok()) continue;  // a stack the catalog no longer has earns nothing
    CAIRN_ASSIGN_OR_RETURN(std::optional<IssuedCredential> stack_credential,
                           IssueStackIfComplete(held.summary.educator_id, *stack));
    if (stack_credential) out.push_back(std::move(*stack_credential));
  }
  return out;
}

Result<std::optional<IssuedCredential>> BadgeIssuance::IssueStackIfComplete(
    const std::string& user_id, const v1::Stack& stack) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<IssuedCredential> held,
                         credentials_.List(user_id, std::nullopt));
  std::vector<const IssuedCredential*> components;
  for (const std::string& member : stack.micro_credential_ids()) {
    const auto it = std::find_if(held.begin(), held.end(), [&](const IssuedCredential& c) {
      return c.kind == CredentialKind::kMicroCredential && c.subject_id == member && !c.revoked_ms;
    });
    if (it == held.end()) return std::optional<IssuedCredential>();
    components.push_back(&*it);
  }
  for (const IssuedCredential& c : held) {
    if (c.kind == CredentialKind::kStack && c.subject_id == stack.id()) {
      return std::optional<IssuedCredential>();
    }
  }
  CAIRN_ASSIGN_OR_RETURN(const PublishedCatalog catalog, store_.LoadPublishedCatalog());
  CAIRN_ASSIGN_OR_RETURN(const v1::Issuer profile,
                         CurrentEntry<v1::Issuer>(catalog, kIssuerType, stack.issuer_id()));
  const int64_t now_ms = options_.env.clock->NowMillis();
  const IssuerUrls urls = UrlsOf(stack.issuer_id());
  CAIRN_ASSIGN_OR_RETURN(const ActiveKeys keys, keyring_.Active(urls, now_ms));

  StackFacts facts;
  facts.urls = urls;
  facts.issuer = profile;
  facts.stack = stack;
  facts.credential_uuid = CredentialUuid("cairn:stack-credential-id:" + user_id + ":" + stack.id());
  CAIRN_ASSIGN_OR_RETURN(facts.earner, EarnerOf(store_, user_id, facts.credential_uuid));
  // The stack is complete when its last component was awarded.
  ClrFacts clr;
  for (const IssuedCredential* component : components) {
    boost::system::error_code error;
    json::value parsed = json::parse(component->json, error);
    if (error || !parsed.is_object()) {
      return DataLoss("the stored credential " + component->id + " is not a JSON object");
    }
    clr.component_credentials.push_back(std::move(parsed.get_object()));
    facts.valid_from_ms = std::max(facts.valid_from_ms, component->issued_ms);
    facts.components.push_back(
        {urls.Credential(component->id), component->title, component->subject_id});
  }
  CAIRN_ASSIGN_OR_RETURN(facts.status.index, credentials_.NextStatusIndex(stack.issuer_id()));
  CAIRN_ASSIGN_OR_RETURN(const json::object unsigned_json, BuildStackCredential(facts));

  IssuedCredential credential;
  credential.id = facts.credential_uuid;
  credential.kind = CredentialKind::kStack;
  credential.issuer_id = stack.issuer_id();
  credential.subject_id = stack.id();
  credential.title = stack.title();
  credential.user_id = user_id;
  credential.status_index = facts.status.index;
  credential.issued_ms = facts.valid_from_ms;
  KeepImage(stack.image(), credential);
  KeepImage(profile.image(), credential);

  // The CLR carries the stack's credential as signed, so it is made from the same signature.
  CAIRN_ASSIGN_OR_RETURN(const SignedCredential signed_stack,
                         SignCredential(unsigned_json, keys, credential.issued_ms));
  clr.urls = urls;
  clr.issuer = profile;
  clr.stack_credential_uuid = credential.id;
  clr.earner = facts.earner;
  clr.valid_from_ms = credential.issued_ms;
  clr.stack_credential = signed_stack.with_proof;
  CAIRN_ASSIGN_OR_RETURN(const json::object clr_unsigned, BuildClrCredential(clr));
  CAIRN_ASSIGN_OR_RETURN(const json::object clr_signed,
                         AddDataIntegrityProof(clr_unsigned, keys, credential.issued_ms));
  credential.clr = json::serialize(clr_signed);
  return Commit(std::move(credential), signed_stack);
}

Result<std::optional<IssuedCredential>> BadgeIssuance::Commit(
    IssuedCredential credential, const SignedCredential& signed_credential) {
  credential.json = json::serialize(signed_credential.with_proof);
  credential.jws = signed_credential.jws;
  CAIRN_ASSIGN_OR_RETURN(std::vector<Op> ops, EntityOps(credential));
  CAIRN_ASSIGN_OR_RETURN(const bool committed, credentials_.Commit(credential, std::move(ops)));
  if (!committed) return std::optional<IssuedCredential>();
  return std::optional<IssuedCredential>(std::move(credential));
}

Result<std::vector<Op>> BadgeIssuance::EntityOps(const IssuedCredential& credential) {
  CAIRN_ASSIGN_OR_RETURN(const json::object did, DidDocumentOf(credential.issuer_id));
  CAIRN_ASSIGN_OR_RETURN(const json::object jwks, JwksOf(credential.issuer_id));
  CAIRN_ASSIGN_OR_RETURN(const json::object status_list, StatusListLocked(credential.issuer_id));
  const EntityId entity = CredentialEntityId(credential.id);
  std::vector<Op> ops;
  const auto put = [&](std::string field, Value value) {
    ops.push_back(Op::Put(entity, std::move(field), std::move(value)));
  };
  put(std::string(kTypeField), std::string(kCredentialType));
  put("credential_id", credential.id);
  put("kind", std::string(CredentialKindName(credential.kind)));
  put("subject_id", credential.subject_id);
  put("title", credential.title);
  if (credential.submission) put("submission", *credential.submission);
  put("json", credential.json);
  put("jws", credential.jws);
  if (!credential.clr.empty()) put("clr", credential.clr);
  put("issued_at_ms", credential.issued_ms);
  put("valid_until_ms", credential.valid_until_ms.value_or(0));
  put("status", std::string(credential.revoked_ms ? "revoked" : "active"));
  put("revocation_reason", credential.revocation_reason);
  put("issuer_did_document", json::serialize(did));
  put("issuer_jwks", json::serialize(jwks));
  put("status_list", json::serialize(status_list));
  put("status_checked_at_ms", options_.env.clock->NowMillis());
  return ops;
}

Result<IssuedCredential> BadgeIssuance::Revoke(std::string_view credential_id,
                                               std::string_view reason) {
  if (reason.empty()) return InvalidArgument("--reason: say why the credential is revoked");
  std::lock_guard lock(mutex_);
  CAIRN_ASSIGN_OR_RETURN(std::optional<IssuedCredential> found, credentials_.Get(credential_id));
  if (!found) return NotFound("no credential has id " + std::string(credential_id));
  if (found->revoked_ms) {
    return FailedPrecondition("credential " + found->id + " was revoked already (" +
                              found->revocation_reason + ")");
  }
  // The devices' copy gets the status list as it will be once this revocation commits.
  const int64_t now_ms = options_.env.clock->NowMillis();
  IssuedCredential after = *found;
  after.revoked_ms = now_ms;
  after.revocation_reason = std::string(reason);
  CAIRN_ASSIGN_OR_RETURN(CredentialStore::StatusBits bits, credentials_.StatusOf(found->issuer_id));
  bits.revoked.push_back(found->status_index);
  bits.revoked_credentials.push_back(after);
  const IssuerUrls urls = UrlsOf(found->issuer_id);
  CAIRN_ASSIGN_OR_RETURN(const ActiveKeys keys, keyring_.Active(urls, now_ms));
  CAIRN_ASSIGN_OR_RETURN(const json::object list, StatusListCredential(urls, bits, now_ms));
  CAIRN_ASSIGN_OR_RETURN(const json::object signed_list, AddDataIntegrityProof(list, keys, now_ms));

  const EntityId entity = CredentialEntityId(found->id);
  std::vector<Op> ops;
  ops.push_back(Op::Put(entity, "status", std::string("revoked")));
  ops.push_back(Op::Put(entity, "revocation_reason", std::string(reason)));
  ops.push_back(Op::Put(entity, "status_list", json::serialize(signed_list)));
  ops.push_back(Op::Put(entity, "status_checked_at_ms", now_ms));
  return credentials_.Revoke(credential_id, reason, now_ms, std::move(ops));
}

Result<std::vector<std::string>> BadgeIssuance::RotateKeys(std::string_view issuer_slug) {
  std::lock_guard lock(mutex_);
  CAIRN_RETURN_IF_ERROR(store_.GetIssuer(issuer_slug).status());
  return keyring_.Rotate(UrlsOf(issuer_slug), options_.env.clock->NowMillis());
}

Result<json::object> BadgeIssuance::DidDocumentOf(std::string_view issuer_slug) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<IssuerKey> keys, credentials_.Keys(issuer_slug));
  if (keys.empty()) return NotFound("issuer " + std::string(issuer_slug) + " has no keys yet");
  return DidDocument(UrlsOf(issuer_slug), keys);
}

Result<json::object> BadgeIssuance::JwksOf(std::string_view issuer_slug) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<IssuerKey> keys, credentials_.Keys(issuer_slug));
  if (keys.empty()) return NotFound("issuer " + std::string(issuer_slug) + " has no keys yet");
  return IssuerJwks(keys);
}

Result<json::object> BadgeIssuance::StatusListOf(std::string_view issuer_slug) {
  std::lock_guard lock(mutex_);
  return StatusListLocked(issuer_slug);
}

Result<json::object> BadgeIssuance::StatusListLocked(std::string_view issuer_slug) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<IssuerKey> keys, credentials_.Keys(issuer_slug));
  if (keys.empty()) return NotFound("issuer " + std::string(issuer_slug) + " has no keys yet");
  CAIRN_ASSIGN_OR_RETURN(const CredentialStore::StatusBits bits,
                         credentials_.StatusOf(issuer_slug));
  // Dated at its last change, so that the same state gives the same signed bytes.
  int64_t changed_ms = keys.back().created_ms;
  for (const IssuedCredential& revoked : bits.revoked_credentials) {
    changed_ms = std::max(changed_ms, *revoked.revoked_ms);
  }
  const IssuerUrls urls = UrlsOf(issuer_slug);
  CAIRN_ASSIGN_OR_RETURN(const ActiveKeys active, keyring_.Active(urls, changed_ms));
  CAIRN_ASSIGN_OR_RETURN(const json::object list, StatusListCredential(urls, bits, changed_ms));
  return AddDataIntegrityProof(list, active, changed_ms);
}

Result<json::object> BadgeIssuance::RevocationListOf(std::string_view issuer_slug) {
  CAIRN_ASSIGN_OR_RETURN(const CredentialStore::StatusBits bits,
                         credentials_.StatusOf(issuer_slug));
  return RevocationList(UrlsOf(issuer_slug), bits);
}

}  // namespace cairn::server
