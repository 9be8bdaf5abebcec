// Device: the educator's side of Cairn on top of a Replica — the catalog, pursuits, evidence,
// answers, the reflection, validation against the submission requirements, and submission.
//
// Every mutation is one change in the replica's log, so everything works offline and merges
// with the teacher's other devices and the server. Messages in returned Statuses and validation
// issues are written for a teacher, not a programmer.
//
// Thread-safety: not thread-safe; one thread owns a Device.
#ifndef CAIRN_DEVICE_H_
#define CAIRN_DEVICE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/catalog_publish.h"
#include "cairn/credentials.h"
#include "cairn/replica.h"
#include "cairn/v1/catalog.pb.h"
#include "cairn/v1/model.pb.h"

namespace cairn {

// Entity type names in the change log (the catalog's are in catalog_publish.h).
inline constexpr std::string_view kPursuitType = "pursuit";
inline constexpr std::string_view kEvidenceType = "evidence";
inline constexpr std::string_view kSubmissionType = "submission";
inline constexpr std::string_view kAssessmentType = "assessment";
// The educator's own settings about what others see of them (the public name on their
// credentials' hosted pages).
inline constexpr std::string_view kProfileType = "profile";
// The longest public name, in bytes.
inline constexpr size_t kMaxPublicNameBytes = 100;

// The schema every Cairn replica enforces. Lives for the whole process.
const Schema& CairnSchema();

// One thing that keeps a pursuit from being submitted.
struct ValidationIssue {
  // The requirement concerned: an overview question, artifact or reflection id.
  std::string requirement_id;
  std::string message;
};

// A catalog entry this device holds but cannot read: its definition does not parse (it was
// published by a server that did not check it, e.g. with text that is not UTF-8, or it is
// damaged). Catalog reads skip such an entry, and show the newest readable version of the same
// id instead if there is one, so that one bad entry never makes the rest of the catalog unusable.
struct CatalogDamage {
  std::string type;     // kMicroCredentialType, kStackType or kIssuerType
  std::string id;       // the entry's slug
  std::string version;  // the damaged version; empty for an issuer
  // For the teacher: which entry, what the device shows instead, and what to do.
  std::string message;
};

class Device {
 public:
  static Result<std::unique_ptr<Device>> Open(const std::string& path, Env env = SystemEnv());

  Replica& replica() { return *replica_; }

  // Called once for each damaged catalog entry that a catalog read (ListMicroCredentials,
  // ListStacks, ListIssuers, GetMicroCredential, StartPursuit) skips; the CLI prints it as a
  // warning. Without a sink, damaged entries are skipped silently.
  void set_catalog_damage_sink(std::function<void(const CatalogDamage&)> sink) {
    damage_sink_ = std::move(sink);
  }

  // Publishes `catalog` (checked; see catalog_publish.h) as the server's catalog import does;
  // devices receive the server's through sync. Writes nothing when nothing changed.
  Result<CatalogPublication> PublishCatalog(const v1::Catalog& catalog);
  // What the catalog on this device holds, for PlanCatalogPublication.
  Result<PublishedCatalog> LoadPublishedCatalog();
  // The newest version of every micro-credential, by title.
  Result<std::vector<v1::MicroCredential>> ListMicroCredentials();
  // The newest version of every stack, by title.
  Result<std::vector<v1::Stack>> ListStacks();
  // Every issuer's current profile, by name.
  Result<std::vector<v1::Issuer>> ListIssuers();
  // A micro-credential by id; the newest version when `version` is empty.
  Result<v1::MicroCredential> GetMicroCredential(std::string_view id,
                                                 std::string_view version = {});

  // Starts a pursuit of the newest version of a micro-credential.
  Result<EntityId> StartPursuit(std::string_view micro_credential_id);
  Result<v1::Pursuit> GetPursuit(const EntityId& pursuit);
  Result<std::vector<v1::Pursuit>> ListPursuits();

  Status Answer(const EntityId& pursuit, std::string_view question_id, std::string_view text);
  Status Reflect(const EntityId& pursuit, std::string_view text);

  // OK when the pursuit is live and its micro-credential asks for artifact `requirement_id`;
  // else why not, listing the artifacts it does ask for. Callers check this before capturing a
  // file that may be a long video; AddEvidence checks it again.
  Status CheckArtifact(const EntityId& pursuit, std::string_view requirement_id);
  // Records evidence already in the blob store (by content address) against an artifact
  // requirement.
  Result<EntityId> AddEvidence(const EntityId& pursuit, std::string_view requirement_id,
                               const EvidenceRef& blob, std::string_view caption);
  Status RemoveEvidence(const EntityId& evidence);
  Result<std::vector<v1::EvidenceItem>> ListEvidence(const EntityId& pursuit);
  // The blob an evidence item names (perhaps captured on another device: FetchBlob or a fetch
  // session brings it). NotFound for an id this device does not know, InvalidArgument for one
  // that is not evidence.
  Result<EvidenceRef> EvidenceBlob(const EntityId& evidence);

  // Everything that keeps the pursuit from meeting its micro-credential's requirements; empty
  // when it can be submitted.
  Result<std::vector<ValidationIssue>> Validate(const EntityId& pursuit);
  // Freezes the pursuit into an immutable submission, offline. Refused with every validation
  // issue when the pursuit is not ready.
  Result<EntityId> Submit(const EntityId& pursuit);
  Result<std::vector<v1::Submission>> ListSubmissions(const EntityId& pursuit);
  // The issuer's confirmed decisions on the pursuit's submissions (entity type "assessment",
  // written by the server's actor), oldest submission first: the decision, the feedback and a
  // level and comment for each rubric criterion.
  Result<std::vector<v1::Assessment>> ListAssessments(const EntityId& pursuit);

  // The Open Badges credentials the issuer sent this educator (credentials.h), newest issued
  // first, revoked ones included.
  Result<std::vector<CredentialRecord>> ListCredentials();
  // The credential `query` names (FindCredentialIn: a UUID, a prefix of one, an entity id or
  // a credential URL); nullopt when there is none on this device.
  Result<std::optional<CredentialRecord>> FindCredential(std::string_view query);
  // The credentials to renew: active ones expiring within `days` days from now, soonest first.
  Result<std::vector<ExpiryReminder>> ExpiryReminders(int64_t days = kExpiryReminderDays);

  // The name shown as the earner on the hosted pages of this educator's credentials; empty
  // (the default) shows none. Synced like everything else: the server shows the latest one
  // written on any of the educator's devices. InvalidArgument for a name with control
  // characters, invalid UTF-8 or more than kMaxPublicNameBytes bytes.
  Status SetPublicName(std::string_view name);
  Result<std::string> PublicName();

  // Unresolved conflicts on free-text fields (answers, reflections, captions).
  Result<std::vector<Conflict>> Conflicts();
  // Resolves a conflict by writing the chosen text, which supersedes every concurrent value.
  Status Resolve(const EntityId& entity, std::string_view field, std::string_view text);

 private:
  Device(std::unique_ptr<Replica> replica, Env env) : replica_(std::move(replica)), env_(env) {}
  Result<EntityData> LoadLive(const EntityId& id, std::string_view type, std::string_view noun);
  // The current entry of each id of a catalog type (the one whose definition was written last),
  // by id; a damaged entry is reported to the sink and the id's next newest entry used instead.
  template <typename T>
  Result<std::vector<T>> ListCurrent(std::string_view type);
  // Tells the sink about a damaged entry; `older_shown` when an older version replaces it.
  void ReportDamage(std::string_view type, const std::string& id, const std::string& version,
                    bool older_shown);
  Result<v1::MicroCredential> MicroCredentialOf(const EntityData& pursuit);
  // How many submissions each pursuit has, from one pass over the submissions.
  Result<std::map<EntityId, int64_t>> SubmissionsByPursuit();

  std::unique_ptr<Replica> replica_;
  Env env_;
  std::function<void(const CatalogDamage&)> damage_sink_;
};

// Words in `text`: runs of characters between whitespace.
size_t CountWords(std::string_view text);

}  // namespace cairn

#endif  // CAIRN_DEVICE_H_
