// cairn badges list | show | export | verify: the Open Badges credentials the issuer sent this
// educator, exported as files wallets read and verified offline.
#include <filesystem>

#include "cairn/badge/rfc3339.h"
#include "cairn/badge/verify.h"
#include "cairn/blob_store.h"
#include "cairn/credential_files.h"
#include "commands.h"
#include "files.h"
#include "store.h"
#include "views.h"

namespace cairn::cli {
namespace {

int64_t NowMs() { return SystemEnv().clock->NowMillis(); }

// The credential argument names, or a reported failure (nullopt).
std::optional<CredentialRecord> CredentialArg(Invocation& inv, Device& device) {
  Result<std::optional<CredentialRecord>> found = device.FindCredential(inv.arg(0));
  if (!found.ok()) {
    inv.Fail(found.status());
    return std::nullopt;
  }
  if (!found->has_value()) {
    inv.Fail(NotFound("no credential '" + inv.arg(0) +
                      "' on this device; 'cairn badges list' shows the ones here, and new ones "
                      "arrive with 'cairn sync'"));
    return std::nullopt;
  }
  return std::move(*found);
}

// The evidence store when this device has one; opening it never creates a key.
struct EvidenceStore {
  std::unique_ptr<BlobStore> store;
  badge::EvidenceLookup lookup;
};

Result<EvidenceStore> OpenEvidence(Invocation& inv) {
  EvidenceStore out;
  CAIRN_ASSIGN_OR_RETURN(const std::string home, inv.Home());
  std::error_code ec;
  if (!std::filesystem::exists(home + "/blob.key", ec)) return out;
  CAIRN_ASSIGN_OR_RETURN(out.store, OpenBlobStore(home));
  out.lookup = badge::EvidenceInBlobStore(*out.store);
  return out;
}

}  // namespace

int RunBadgesList(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<std::vector<CredentialRecord>> all = (*device)->ListCredentials();
  if (!all.ok()) return inv.Fail(all.status());
  PrintCredentialList(*all, NowMs(), inv.json(), inv.out());
  return kExitOk;
}

int RunBadgesShow(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  const std::optional<CredentialRecord> record = CredentialArg(inv, **device);
  if (!record) return kExitError;
  PrintCredential(*record, NowMs(), inv.json(), inv.out());
  return kExitOk;
}

int RunBadgesExport(Invocation& inv) {
  const std::optional<std::string> format = inv.option("format");
  if (!format) return inv.UsageError("missing --format json|jws|png|svg|pack");
  const Result<CredentialFormat> parsed = ParseCredentialFormat(*format);
  if (!parsed.ok()) {
    return inv.UsageError("--format '" + *format + "' is not one of json, jws, png, svg, pack");
  }
  const bool image = *parsed == CredentialFormat::kPng || *parsed == CredentialFormat::kSvg;
  if (inv.option("jws") && !image) {
    return inv.UsageError(
        "--jws chooses what a png or svg carries; use --format jws for the "
        "VC-JWT itself");
  }
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  const std::optional<CredentialRecord> record = CredentialArg(inv, **device);
  if (!record) return kExitError;

  Result<std::string> exported =
      ExportCredential(**device, *record, *parsed, inv.option("jws").has_value());
  if (!exported.ok()) return inv.Fail(exported.status());
  const std::string bytes = *std::move(exported);
  if (record->revoked()) {
    inv.err() << "cairn: warning: this credential was revoked"
              << (record->revocation_reason.empty() ? "" : ": " + record->revocation_reason)
              << "; verifiers will say so\n";
  }
  const std::optional<std::string> out = inv.option("out");
  if (!out || *out == "-") {
    inv.out() << bytes;
    return kExitOk;
  }
  std::error_code ec;
  if (std::filesystem::exists(*out, ec)) {
    return inv.Fail(AlreadyExists(*out + " exists; choose another name or remove it first"));
  }
  if (Status s = WriteFileAtomically(*out, bytes); !s.ok()) return inv.Fail(s);
  inv.out() << "wrote " << *out << " (" << *format << ", " << bytes.size() << " bytes)\n";
  return kExitOk;
}

int RunBadgesVerify(Invocation& inv) {
  int64_t now_ms = NowMs();
  if (const std::optional<std::string> now = inv.option("now")) {
    Result<int64_t> parsed = badge::ParseRfc3339(*now);
    if (!parsed.ok()) return inv.UsageError("--now '" + *now + "': " + parsed.status().message());
    now_ms = *parsed;
  }
  Result<std::string> bytes = ReadWholeFile(inv.arg(0));
  if (!bytes.ok()) return inv.Fail(bytes.status());
  // Anyone may verify a pack, on a machine that never enrolled: without a device store there
  // are no documents of this device to prefer and no evidence to compare.
  Device* device = nullptr;
  Result<EvidenceStore> evidence = EvidenceStore{};
  const Result<bool> has_store = inv.HasDeviceStore();
  if (!has_store.ok()) return inv.Fail(has_store.status());
  if (*has_store) {
    Result<Device*> opened = inv.OpenDevice();
    if (!opened.ok()) return inv.Fail(opened.status());
    device = *opened;
    evidence = OpenEvidence(inv);
  }
  Result<VerifyInput> input = VerifyInputForFile(*bytes, inv.arg(0), device);
  if (!input.ok()) return inv.Fail(input.status());
  if (!evidence.ok()) return inv.Fail(evidence.status());
  Result<badge::Verdict> verdict = badge::VerifyPack(input->pack, now_ms, evidence->lookup);
  if (!verdict.ok()) return inv.Fail(verdict.status());
  if (!inv.json()) inv.out() << inv.arg(0) << ": " << input->what << "\n";
  PrintVerdict(*verdict, input->keys_from, now_ms, inv.json(), inv.out());
  return verdict->valid ? kExitOk : kExitInvalid;
}

// `badges name`: prints the public name; `badges name NAME` shows NAME on the hosted pages of
// every credential of this educator from their next sync; `--hide` shows none again.
int RunBadgesName(Invocation& inv) {
  const bool hide = inv.option("hide").has_value();
  if (hide && !inv.args().empty()) return inv.UsageError("give a NAME or --hide, not both");
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  if (hide || !inv.args().empty()) {
    const Status set = (*device)->SetPublicName(hide ? std::string() : inv.arg(0));
    if (!set.ok()) return inv.Fail(set);
  }
  Result<std::string> name = (*device)->PublicName();
  if (!name.ok()) return inv.Fail(name.status());
  if (name->empty()) {
    inv.out() << "Your credentials' public pages show no name"
              << (hide ? " (after your next sync)" : "") << ".\n";
  } else {
    inv.out() << "Your credentials' public pages show \"" << *name << "\""
              << (inv.args().empty() ? "" : " (after your next sync)") << ".\n";
  }
  return kExitOk;
}

}  // namespace cairn::cli
