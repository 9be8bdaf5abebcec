// cairn pursue | answer | reflect | evidence add/list/remove | check | submit
#include <charconv>

#include "commands.h"
#include "format.h"
#include "views.h"

namespace cairn::cli {
namespace {

// "type/subtype", lower or upper case, optional parameters after ';'.
bool LooksLikeMediaType(std::string_view text) {
  const std::string_view essence = text.substr(0, text.find(';'));
  const size_t slash = essence.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == essence.size()) return false;
  if (essence.find('/', slash + 1) != std::string_view::npos) return false;
  for (const char c : essence) {
    if (c == ' ' || c == '*' || static_cast<unsigned char>(c) < 0x21) return false;
  }
  return true;
}

}  // namespace

int RunPursue(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<EntityId> pursuit = (*device)->StartPursuit(inv.arg(0));
  if (!pursuit.ok()) return inv.Fail(pursuit.status());
  inv.out() << pursuit->ToString() << "\n";
  return kExitOk;
}

int RunAnswer(Invocation& inv) {
  const std::optional<EntityId> pursuit = inv.IdArg(0, "PURSUIT");
  if (!pursuit) return kExitUsage;
  const std::string text = inv.TextArg(2);
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  if (Status s = (*device)->Answer(*pursuit, inv.arg(1), text); !s.ok()) return inv.Fail(s);
  inv.out() << "saved your answer to '" << inv.arg(1) << "' (" << Plural(CountWords(text), "word")
            << ")\n";
  return kExitOk;
}

int RunReflect(Invocation& inv) {
  const std::optional<EntityId> pursuit = inv.IdArg(0, "PURSUIT");
  if (!pursuit) return kExitUsage;
  const std::string text = inv.TextArg(1);
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  if (Status s = (*device)->Reflect(*pursuit, text); !s.ok()) return inv.Fail(s);
  inv.out() << "saved your reflection (" << Plural(CountWords(text), "word") << ")\n";
  return kExitOk;
}

int RunEvidenceAdd(Invocation& inv) {
  const std::optional<EntityId> pursuit = inv.IdArg(0, "PURSUIT");
  if (!pursuit) return kExitUsage;
  const std::optional<std::string> sha256 = inv.option("sha256");
  const std::optional<std::string> size = inv.option("size");
  const std::optional<std::string> type = inv.option("type");
  if (!sha256) return inv.UsageError("missing --sha256 HEX");
  if (!size) return inv.UsageError("missing --size N");
  if (!type) return inv.UsageError("missing --type MEDIA/TYPE");

  EvidenceRef blob;
  const std::optional<std::array<uint8_t, 32>> hash = ParseSha256(*sha256);
  if (!hash) {
    return inv.UsageError("--sha256 '" + *sha256 +
                          "' is not a SHA-256: expected 64 hex digits, got " +
                          std::to_string(sha256->size()) + " characters");
  }
  blob.sha256 = *hash;
  const char* end = size->data() + size->size();
  const auto [ptr, ec] = std::from_chars(size->data(), end, blob.size);
  if (ec != std::errc() || ptr != end || blob.size == 0) {
    return inv.UsageError("--size '" + *size + "' is not a size in bytes greater than 0");
  }
  if (!LooksLikeMediaType(*type)) {
    return inv.UsageError("--type '" + *type +
                          "' is not a media type like video/mp4, image/jpeg or application/pdf");
  }
  blob.media_type = *type;

  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<EntityId> evidence =
      (*device)->AddEvidence(*pursuit, inv.arg(1), blob, inv.option("caption").value_or(""));
  if (!evidence.ok()) return inv.Fail(evidence.status());
  inv.out() << evidence->ToString() << "\n";
  return kExitOk;
}

int RunEvidenceList(Invocation& inv) {
  const std::optional<EntityId> pursuit = inv.IdArg(0, "PURSUIT");
  if (!pursuit) return kExitUsage;
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  // ListEvidence answers an empty list for an unknown id; say so instead.
  if (Result<v1::Pursuit> p = (*device)->GetPursuit(*pursuit); !p.ok()) return inv.Fail(p.status());
  Result<std::vector<v1::EvidenceItem>> items = (*device)->ListEvidence(*pursuit);
  if (!items.ok()) return inv.Fail(items.status());
  PrintEvidenceList(*items, inv.json(), inv.out());
  return kExitOk;
}

int RunEvidenceRemove(Invocation& inv) {
  const std::optional<EntityId> evidence = inv.IdArg(0, "EVIDENCE_ID");
  if (!evidence) return kExitUsage;
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  if (Status s = (*device)->RemoveEvidence(*evidence); !s.ok()) return inv.Fail(s);
  inv.out() << "removed evidence " << evidence->ToString() << "\n";
  return kExitOk;
}

int RunCheck(Invocation& inv) {
  const std::optional<EntityId> pursuit = inv.IdArg(0, "PURSUIT");
  if (!pursuit) return kExitUsage;
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<std::vector<ValidationIssue>> issues = (*device)->Validate(*pursuit);
  if (!issues.ok()) return inv.Fail(issues.status());
  PrintIssues(*issues, inv.out());
  return issues->empty() ? kExitOk : kExitIssues;
}

int RunSubmit(Invocation& inv) {
  const std::optional<EntityId> pursuit = inv.IdArg(0, "PURSUIT");
  if (!pursuit) return kExitUsage;
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<EntityId> submission = (*device)->Submit(*pursuit);
  if (!submission.ok()) return inv.Fail(submission.status());
  Result<std::vector<v1::Submission>> all = (*device)->ListSubmissions(*pursuit);
  if (!all.ok()) return inv.Fail(all.status());
  int64_t attempt = 0;
  for (const v1::Submission& s : *all) {
    if (s.id() == submission->AsBytes()) attempt = s.snapshot().attempt();
  }
  inv.out() << "submission " << submission->ToString() << " attempt " << attempt << "\n"
            << "It is saved on this device and goes to the issuer on the next sync.\n";
  return kExitOk;
}

}  // namespace cairn::cli
