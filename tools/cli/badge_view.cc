// `cairn badges list`, `badges show` and `badges verify` output, and the renewal reminders
// `cairn status` shows too.
#include <boost/json.hpp>
#include <limits>
#include <string>

#include "cairn/badge/rfc3339.h"
#include "format.h"
#include "table.h"
#include "views.h"

namespace cairn::cli {
namespace {

namespace json = boost::json;

std::string Day(int64_t ms) { return IsoTime(ms).substr(0, 10); }

std::string KindText(CredentialKind kind) {
  return kind == CredentialKind::kStack ? "stack" : "micro-credential";
}

// "active", "revoked" or "expired", as of `now_ms`.
std::string StateText(const CredentialRecord& r, int64_t now_ms) {
  if (r.revoked()) return "revoked";
  if (r.expires() && r.valid_until_ms < now_ms) return "expired";
  return "active";
}

// What the credential JSON says about itself, for display; empty members when it says nothing.
struct Described {
  std::string url;
  std::string issuer_id;
  std::string issuer_name;
  std::string subject;
  struct Evidence {
    std::string name;
    std::string id;
  };
  std::vector<Evidence> evidence;
};

std::string Text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

Described Describe(const CredentialRecord& r) {
  Described d;
  boost::system::error_code ec;
  const json::value parsed = json::parse(r.json, ec);
  if (ec || !parsed.is_object()) return d;
  const json::object& c = parsed.as_object();
  d.url = Text(c, "id");
  if (const json::value* issuer = c.if_contains("issuer")) {
    if (issuer->is_string()) d.issuer_id = issuer->as_string();
    if (issuer->is_object()) {
      d.issuer_id = Text(issuer->as_object(), "id");
      d.issuer_name = Text(issuer->as_object(), "name");
    }
  }
  if (const json::value* subject = c.if_contains("credentialSubject");
      subject != nullptr && subject->is_object()) {
    d.subject = Text(subject->as_object(), "id");
  }
  if (const json::value* evidence = c.if_contains("evidence");
      evidence != nullptr && evidence->is_array()) {
    for (const json::value& e : evidence->as_array()) {
      if (e.is_object())
        d.evidence.push_back({Text(e.as_object(), "name"), Text(e.as_object(), "id")});
    }
  }
  return d;
}

void WriteRecordJson(const CredentialRecord& r, int64_t now_ms, JsonWriter& w) {
  const std::optional<int64_t> days = DaysUntilExpiry(r, now_ms);
  w.BeginObject()
      .Key("id")
      .String(r.credential_id)
      .Key("entity")
      .String(r.entity.ToString())
      .Key("kind")
      .String(CredentialKindName(r.kind))
      .Key("subject_id")
      .String(r.subject_id)
      .Key("title")
      .String(r.title)
      .Key("submission");
  if (r.submission) {
    w.String(r.submission->ToString());
  } else {
    w.Raw("null");
  }
  w.Key("issued_at").String(IsoTime(r.issued_at_ms)).Key("valid_until");
  if (r.expires()) {
    w.String(IsoTime(r.valid_until_ms));
  } else {
    w.Raw("null");
  }
  w.Key("days_left");
  if (days) {
    w.Int(*days);
  } else {
    w.Raw("null");
  }
  w.Key("status")
      .String(CredentialStateName(r.state))
      .Key("expired")
      .Bool(r.expires() && r.valid_until_ms < now_ms)
      .Key("revocation_reason")
      .String(r.revocation_reason)
      .Key("reminder")
      .String(ExpiryNote(r, now_ms))
      .Key("status_checked_at")
      .String(IsoTime(r.status_checked_at_ms));
}

}  // namespace

std::string ExpiryNote(const CredentialRecord& record, int64_t now_ms) {
  const std::optional<int64_t> days = DaysUntilExpiry(record, now_ms);
  if (record.revoked() || !days) return "";
  if (record.valid_until_ms < now_ms)
    return "expired on " + Day(record.valid_until_ms) + " — renew";
  if (*days > kExpiryReminderDays) return "";
  return "expires in " + Plural(static_cast<uint64_t>(*days), "day") + " — renew";
}

void PrintCredentialList(const std::vector<CredentialRecord>& records, int64_t now_ms, bool json,
                         std::ostream& out) {
  if (json) {
    JsonWriter w(out);
    w.BeginObject().Key("credentials").BeginArray();
    for (const CredentialRecord& r : records) {
      WriteRecordJson(r, now_ms, w);
      w.EndObject();
    }
    w.EndArray().EndObject();
    out << "\n";
    return;
  }
  if (records.empty()) {
    out << "No credentials yet: they arrive with 'cairn sync' once the issuer awards one.\n";
    return;
  }
  Table table({"CREDENTIAL", "TITLE", "KIND", "ISSUED", "STATUS", "EXPIRES"});
  for (const CredentialRecord& r : records) {
    table.Add({r.credential_id, r.title, KindText(r.kind), Day(r.issued_at_ms),
               StateText(r, now_ms), r.expires() ? Day(r.valid_until_ms) : "never"});
  }
  table.Print(out);
  for (const CredentialRecord& r : records) {
    if (const std::string note = ExpiryNote(r, now_ms); !note.empty()) {
      out << r.title << " (" << r.credential_id.substr(0, 8) << "): " << note << "\n";
    }
  }
}

void PrintCredential(const CredentialRecord& r, int64_t now_ms, bool json, std::ostream& out) {
  const Described d = Describe(r);
  if (json) {
    JsonWriter w(out);
    WriteRecordJson(r, now_ms, w);
    w.Key("url").String(d.url).Key("issuer").BeginObject().Key("id").String(d.issuer_id);
    w.Key("name").String(d.issuer_name).EndObject().Key("earner").String(d.subject);
    w.Key("evidence").BeginArray();
    for (const Described::Evidence& e : d.evidence) {
      w.BeginObject().Key("name").String(e.name).Key("id").String(e.id).EndObject();
    }
    w.EndArray().EndObject();
    out << "\n";
    return;
  }
  const auto line = [&](std::string_view label, const std::string& value) {
    if (!value.empty()) out << "  " << Pad(label, 13) << value << "\n";
  };
  out << r.title << "\n";
  line("credential", r.credential_id);
  line("url", d.url);
  line("kind", KindText(r.kind) + " " + r.subject_id);
  line("issuer", d.issuer_name.empty() ? d.issuer_id : d.issuer_name + " (" + d.issuer_id + ")");
  line("earner", d.subject);
  line("issued", IsoTime(r.issued_at_ms));
  const std::string note = ExpiryNote(r, now_ms);
  line("valid until", r.expires()
                          ? IsoTime(r.valid_until_ms) + (note.empty() ? "" : " (" + note + ")")
                          : "does not expire");
  line("status", r.revoked() ? "revoked" + (r.revocation_reason.empty()
                                                ? std::string()
                                                : ": " + Quote(r.revocation_reason,
                                                               std::numeric_limits<size_t>::max()))
                             : StateText(r, now_ms));
  if (r.submission) line("submission", r.submission->ToString());
  for (const Described::Evidence& e : d.evidence) line("evidence", e.name + "  " + e.id);
  line("status list", "checked " + IsoTime(r.status_checked_at_ms));
  out << "  verify: cairn badges verify FILE, after 'cairn badges export "
      << r.credential_id.substr(0, 8) << " --format png --out badge.png'\n";
}

void PrintExpiryReminders(const std::vector<ExpiryReminder>& due, std::ostream& out) {
  for (const ExpiryReminder& r : due) {
    out << "Credential " << Quote(r.title) << " (" << r.credential_id.substr(0, 8)
        << "): expires in " << Plural(static_cast<uint64_t>(r.days_left), "day")
        << " — renew ('cairn badges show " << r.credential_id.substr(0, 8) << "')\n";
  }
}

void PrintVerdict(const badge::Verdict& verdict, std::string_view keys_from, int64_t now_ms,
                  bool json, std::ostream& out) {
  if (json) {
    out << boost::json::serialize(badge::VerdictJson(verdict, keys_from, now_ms)) << "\n";
    return;
  }
  for (const badge::VerificationCheck& c : verdict.checks) {
    out << (c.skipped ? "skip  "
            : c.ok    ? "ok    "
                      : "FAIL  ")
        << Pad(c.name, 17) << c.detail << "\n";
  }
  const std::string what = verdict.name.empty() ? "the credential" : Quote(verdict.name);
  if (verdict.valid) {
    out << "VALID: " << what << " issued by " << verdict.issuer_id << ", checked offline at "
        << IsoTime(now_ms) << " against the issuer's keys from " << keys_from << "\n";
  } else {
    const size_t failed = verdict.Reasons().size();
    out << "INVALID: " << what << ": " << Plural(failed, "check") << " failed\n";
  }
}

}  // namespace cairn::cli
