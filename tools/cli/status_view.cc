// `cairn status`, `cairn conflicts`, `cairn evidence list` and `cairn check` output.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <variant>

#include "cairn/sync.h"
#include "format.h"
#include "table.h"
#include "views.h"

namespace cairn::cli {
namespace {

std::string Sha256Hex(const v1::EvidenceRef& blob) { return Hex(blob.sha256()); }

// "award" / "not_yet": the words the server writes on the assessment entity.
std::string_view DecisionWord(v1::Decision decision) {
  switch (decision) {
    case v1::DECISION_AWARD:
      return "award";
    case v1::DECISION_NOT_YET:
      return "not_yet";
    default:
      return "unknown";
  }
}

// The issuer's decisions on one pursuit, with the attempt each one judged.
struct Decided {
  int64_t attempt = 0;
  v1::Assessment assessment;
};

Result<std::vector<Decided>> DecisionsOf(Device& device, const EntityId& pursuit) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<v1::Submission> submissions,
                         device.ListSubmissions(pursuit));
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Assessment> assessments, device.ListAssessments(pursuit));
  std::vector<Decided> out;
  for (v1::Assessment& assessment : assessments) {
    Decided decided;
    for (const v1::Submission& submission : submissions) {
      if (submission.id() == assessment.submission())
        decided.attempt = submission.snapshot().attempt();
    }
    decided.assessment = std::move(assessment);
    out.push_back(std::move(decided));
  }
  return out;
}

// The feedback of every decision, newest last, for a teacher reading the terminal.
void PrintDecisions(const v1::Pursuit& pursuit, const std::vector<Decided>& decisions,
                    std::ostream& out) {
  for (const Decided& d : decisions) {
    const v1::Assessment& a = d.assessment;
    out << "\n"
        << pursuit.micro_credential_id() << ", attempt " << d.attempt << ": "
        << (a.decision() == v1::DECISION_AWARD ? "awarded" : "not yet") << " ("
        << IsoTime(a.decided_at_ms()) << ")\n";
    if (!a.feedback().empty()) {
      out << "  Feedback: " << Quote(a.feedback(), std::numeric_limits<size_t>::max()) << "\n";
    }
    for (const v1::CriterionScore& score : a.scores()) {
      out << "  - " << score.criterion_id() << ": " << score.level_id();
      if (!score.comment().empty()) {
        out << " " << Quote(score.comment(), std::numeric_limits<size_t>::max());
      }
      out << "\n";
    }
  }
  if (pursuit.status() == v1::PURSUIT_STATUS_NOT_YET) {
    out << "  Revise your answers, reflection or evidence, then 'cairn submit "
        << IdFromBytes(pursuit.id()) << "' again: evidence already uploaded is not sent again.\n";
  }
}

}  // namespace

Status PrintStatus(Device& device, bool json, std::ostream& out) {
  CAIRN_ASSIGN_OR_RETURN(const std::optional<SyncSettings> sync,
                         LoadSyncSettings(device.replica()));
  const VersionVector version = device.replica().Version();
  const auto own = version.find(device.replica().actor());
  const uint64_t local_changes = own == version.end() ? 0 : own->second;
  const uint64_t unsent =
      sync ? local_changes - std::min(local_changes, sync->acknowledged_seq) : local_changes;
  CAIRN_ASSIGN_OR_RETURN(const std::vector<v1::Pursuit> pursuits, device.ListPursuits());
  CAIRN_ASSIGN_OR_RETURN(const std::vector<Conflict> conflicts, device.Conflicts());
  CAIRN_ASSIGN_OR_RETURN(const std::vector<ExpiryReminder> renew, device.ExpiryReminders());
  std::vector<size_t> evidence_counts;
  std::vector<std::vector<Decided>> decisions;
  for (const v1::Pursuit& pursuit : pursuits) {
    CAIRN_ASSIGN_OR_RETURN(const std::vector<v1::EvidenceItem> evidence,
                           device.ListEvidence(Id128::FromBytes(pursuit.id())));
    evidence_counts.push_back(evidence.size());
    CAIRN_ASSIGN_OR_RETURN(std::vector<Decided> decided,
                           DecisionsOf(device, Id128::FromBytes(pursuit.id())));
    decisions.push_back(std::move(decided));
  }

  if (json) {
    JsonWriter writer(out);
    writer.BeginObject().Key("pursuits").BeginArray();
    for (size_t i = 0; i < pursuits.size(); ++i) {
      const v1::Pursuit& p = pursuits[i];
      writer.BeginObject()
          .Key("id")
          .String(IdFromBytes(p.id()))
          .Key("micro_credential_id")
          .String(p.micro_credential_id())
          .Key("micro_credential_version")
          .String(p.micro_credential_version())
          .Key("status")
          .String(PursuitStatusName(p.status()))
          .Key("attempt")
          .Int(CurrentAttempt(p))
          .Key("submissions")
          .Int(p.attempt() - 1)
          .Key("evidence")
          .Uint(evidence_counts[i])
          .Key("started_at")
          .String(IsoTime(p.started_at_ms()))
          .Key("decisions")
          .BeginArray();
      for (const Decided& d : decisions[i]) {
        const v1::Assessment& a = d.assessment;
        writer.BeginObject()
            .Key("submission")
            .String(IdFromBytes(a.submission()))
            .Key("attempt")
            .Int(d.attempt)
            .Key("decision")
            .String(DecisionWord(a.decision()))
            .Key("feedback")
            .String(a.feedback())
            .Key("decided_at")
            .String(IsoTime(a.decided_at_ms()))
            .Key("scores")
            .BeginArray();
        for (const v1::CriterionScore& score : a.scores()) {
          writer.BeginObject()
              .Key("criterion_id")
              .String(score.criterion_id())
              .Key("level_id")
              .String(score.level_id())
              .Key("comment")
              .String(score.comment())
              .EndObject();
        }
        writer.EndArray().EndObject();
      }
      writer.EndArray().EndObject();
    }
    writer.EndArray().Key("unresolved_conflicts").Uint(conflicts.size());
    writer.Key("credentials_to_renew").BeginArray();
    for (const ExpiryReminder& r : renew) {
      writer.BeginObject()
          .Key("credential_id")
          .String(r.credential_id)
          .Key("title")
          .String(r.title)
          .Key("valid_until")
          .String(IsoTime(r.valid_until_ms))
          .Key("days_left")
          .Int(r.days_left)
          .EndObject();
    }
    writer.EndArray();
    writer.Key("sync").BeginObject().Key("enrolled").Bool(sync.has_value());
    if (sync) {
      writer.Key("server_url").String(sync->server_url).Key("user_id").String(sync->user_id);
      writer.Key("role").String(sync->role).Key("scopes").BeginArray();
      for (const std::string& scope : sync->scopes) writer.String(scope);
      writer.EndArray().Key("cursor").Uint(sync->cursor);
    }
    writer.Key("unsent_changes").Uint(unsent).EndObject().EndObject();
    out << "\n";
    return {};
  }

  if (pursuits.empty()) {
    out << "No pursuits yet: 'cairn catalog list' shows what you can pursue, and "
           "'cairn pursue MC_ID' starts one.\n";
  } else {
    Table table({"PURSUIT", "MICRO-CREDENTIAL", "VERSION", "STATUS", "ATTEMPT", "EVIDENCE"});
    for (size_t i = 0; i < pursuits.size(); ++i) {
      const v1::Pursuit& p = pursuits[i];
      table.Add({IdFromBytes(p.id()), p.micro_credential_id(), p.micro_credential_version(),
                 std::string(PursuitStatusName(p.status())), std::to_string(CurrentAttempt(p)),
                 std::to_string(evidence_counts[i])});
    }
    table.Print(out);
    for (size_t i = 0; i < pursuits.size(); ++i) {
      if (!decisions[i].empty() || pursuits[i].status() == v1::PURSUIT_STATUS_NOT_YET) {
        PrintDecisions(pursuits[i], decisions[i], out);
      }
    }
  }
  PrintExpiryReminders(renew, out);
  out << Plural(conflicts.size(), "unresolved conflict")
      << (conflicts.empty() ? "" : ": 'cairn conflicts' shows them") << "\n";
  if (sync) {
    out << "Syncs with " << sync->server_url << " as user " << sync->user_id << " (" << sync->role
        << "); " << Plural(unsent, "change") << " not sent yet"
        << (unsent > 0 ? ": 'cairn sync' sends them" : "") << "\n";
  } else {
    out << "Not enrolled with a sync server (" << Plural(unsent, "change")
        << " kept here only): 'cairn init --server URL --enrol CODE' enrols this store\n";
  }
  return {};
}

Status PrintConflicts(Device& device, bool json, std::ostream& out) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<Conflict> conflicts, device.Conflicts());
  if (json) {
    JsonWriter writer(out);
    writer.BeginObject().Key("conflicts").BeginArray();
    for (const Conflict& conflict : conflicts) {
      writer.BeginObject()
          .Key("entity")
          .String(conflict.entity.ToString())
          .Key("type")
          .String(conflict.type)
          .Key("field")
          .String(conflict.field)
          .Key("values")
          .BeginArray();
      for (size_t i = 0; i < conflict.values.size(); ++i) {
        const RegisterEntry& entry = conflict.values[i];
        writer.BeginObject()
            .Key("actor")
            .String(entry.stamp.actor.ToString())
            .Key("seq")
            .Uint(entry.stamp.seq)
            .Key("time")
            .String(IsoTime(HlcMillis(entry.stamp.hlc)))
            .Key("current")
            .Bool(i + 1 == conflict.values.size())
            .Key("value");
        WriteValueJson(entry.value, writer);
        writer.EndObject();
      }
      writer.EndArray().EndObject();
    }
    writer.EndArray().EndObject();
    out << "\n";
    return {};
  }

  if (conflicts.empty()) {
    out << "No unresolved conflicts.\n";
    return {};
  }
  for (const Conflict& conflict : conflicts) {
    out << conflict.type << " " << conflict.entity.ToString() << ", field " << conflict.field
        << ": " << conflict.values.size() << " texts written concurrently\n";
    // The winner is last; show it first.
    for (size_t i = conflict.values.size(); i-- > 0;) {
      const RegisterEntry& entry = conflict.values[i];
      const bool current = i + 1 == conflict.values.size();
      const auto* text = std::get_if<std::string>(&entry.value);
      out << (current ? "  * " : "    ")
          << (text ? Quote(*text, std::numeric_limits<size_t>::max()) : ValueText(entry.value))
          << "  (" << ShortActor(entry.stamp.actor) << ":" << entry.stamp.seq << ", "
          << IsoTime(HlcMillis(entry.stamp.hlc)) << (current ? ", shown now" : "") << ")\n";
    }
    out << "  to settle it: cairn resolve " << conflict.entity.ToString() << " " << conflict.field
        << " TEXT\n";
  }
  return {};
}

void PrintEvidenceList(const std::vector<v1::EvidenceItem>& items, bool json, std::ostream& out) {
  if (json) {
    JsonWriter writer(out);
    writer.BeginObject().Key("evidence").BeginArray();
    for (const v1::EvidenceItem& item : items) {
      writer.BeginObject()
          .Key("id")
          .String(IdFromBytes(item.id()))
          .Key("pursuit")
          .String(IdFromBytes(item.pursuit()))
          .Key("requirement_id")
          .String(item.requirement_id())
          .Key("sha256")
          .String(Sha256Hex(item.blob()))
          .Key("size")
          .Uint(item.blob().size())
          .Key("media_type")
          .String(item.blob().media_type())
          .Key("caption")
          .String(item.caption())
          .Key("captured_at")
          .String(IsoTime(item.captured_at_ms()))
          .EndObject();
    }
    writer.EndArray().EndObject();
    out << "\n";
    return;
  }
  if (items.empty()) {
    out << "No evidence yet: 'cairn evidence add' records some.\n";
    return;
  }
  Table table({"EVIDENCE", "REQUIREMENT", "TYPE", "SIZE", "SHA-256", "CAPTION"});
  for (const v1::EvidenceItem& item : items) {
    table.Add({IdFromBytes(item.id()), item.requirement_id(), item.blob().media_type(),
               HumanSize(item.blob().size()), Sha256Hex(item.blob()).substr(0, 12) + "..",
               item.caption().empty() ? "" : Quote(item.caption())});
  }
  table.Print(out);
}

void PrintIssues(const std::vector<ValidationIssue>& issues, std::ostream& out) {
  if (issues.empty()) {
    out << "ready to submit\n";
    return;
  }
  for (const ValidationIssue& issue : issues) out << "- " << issue.message << "\n";
}

}  // namespace cairn::cli
