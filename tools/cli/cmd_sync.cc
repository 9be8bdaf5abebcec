// cairn init --server … --enrol … | sync: enrolment with a sync server, and syncing changes then
// evidence blobs.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "beast_transport.h"
#include "cairn/blob_sync.h"
#include "cairn/sync.h"
#include "commands.h"
#include "format.h"
#include "json_writer.h"
#include "progress_line.h"
#include "store.h"

namespace cairn::cli {
namespace {

Result<std::unique_ptr<BeastTransport>> TransportFor(const SyncSettings& settings) {
  TransportOptions options;
  options.server_url = settings.server_url;
  options.pin_sha256 = settings.pin_sha256;
  options.ca_file = settings.ca_file;
  return BeastTransport::Create(options);
}

// How a blob is named in progress lines: its caption, else its type and the start of its hash.
std::string BlobName(const BlobUploadProgress& blob) {
  if (!blob.caption.empty()) return Quote(blob.caption, 40);
  return blob.media_type + " " + Sha256Hex(blob.sha256).substr(0, 12);
}

// Shows upload progress on stderr: on a terminal one line redrawn in place (a bar, the rate and
// the time left), otherwise plain lines at each blob's start and end and every quarter between.
class UploadDisplay {
 public:
  UploadDisplay(std::ostream& err, bool terminal) : err_(err), terminal_(terminal), line_(err) {}

  void Update(const UploadProgress& p) {
    const double rate = rate_.Update(p.done_bytes);
    if (p.current >= p.blobs.size()) return;
    const BlobUploadProgress& blob = p.blobs[p.current];
    if (terminal_) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_draw_ < std::chrono::milliseconds(100) && p.current == last_blob_) return;
      last_draw_ = now;
      last_blob_ = p.current;
      const std::string label = "uploading " + std::to_string(p.current + 1) + "/" +
                                std::to_string(p.blobs.size()) + " " + BlobName(blob);
      line_.Draw(
          ProgressText(label, blob.done_bytes, blob.size, rate, p.total_bytes - p.done_bytes));
      return;
    }
    const uint64_t quarter = blob.size == 0 ? 0 : 4 * blob.done_bytes / blob.size;
    if (p.current != last_blob_ || quarter != last_quarter_) {
      if (blob.done_bytes < blob.size || p.current != last_blob_) {
        err_ << "uploading " << BlobName(blob) << " " << MiB(blob.done_bytes) << " of "
             << MiB(blob.size) << "\n";
      }
      last_blob_ = p.current;
      last_quarter_ = quarter;
    }
  }

  void Finish() {
    if (terminal_) line_.Finish();
  }

 private:
  std::ostream& err_;
  bool terminal_;
  TransferRate rate_;
  RedrawnLine line_;
  std::chrono::steady_clock::time_point last_draw_;
  size_t last_blob_ = static_cast<size_t>(-1);
  uint64_t last_quarter_ = 0;
};

// Ctrl-C during uploads pauses after the request in flight; a second one ends the process.
UploadControl* g_upload_control = nullptr;

extern "C" void PauseUploads(int /*signal*/) {
  if (g_upload_control != nullptr) g_upload_control->pause.store(true);
}

struct BlobSyncOutcome {
  bool ran = false;
  Status status;
  UploadReport report;
};

BlobSyncOutcome SyncBlobs(Invocation& inv, Replica& replica, Transport& transport) {
  BlobSyncOutcome out;
  Result<std::string> home = inv.Home();
  if (!home.ok()) {
    out.status = home.status();
    return out;
  }
  // Nothing was ever captured on this device: no blob store, nothing to send.
  if (!std::filesystem::exists(*home + "/blobs")) return out;
  Result<std::unique_ptr<BlobStore>> store = OpenBlobStore(*home);
  if (!store.ok()) {
    out.status = store.status();
    return out;
  }
  out.ran = true;
  UploadControl control;
  BlobTransferOptions options;
  options.policy.metered_network = inv.option("metered").has_value();
  options.policy.allow_large_on_metered = inv.option("allow-large").has_value();
  options.control = &control;
  UploadDisplay display(inv.err(), ::isatty(STDERR_FILENO) == 1);
  g_upload_control = &control;
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = &PauseUploads;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &previous);
  out.status = RunBlobUploads(
      replica, **store, transport, options, [&](const UploadProgress& p) { display.Update(p); },
      &out.report);
  ::sigaction(SIGINT, &previous, nullptr);
  g_upload_control = nullptr;
  display.Finish();
  return out;
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "cairn cli";
  return name;
}

}  // namespace

int EnrolStore(Invocation& inv, Device& device, const std::string& db_path, bool created) {
  const std::optional<std::string> server = inv.option("server");
  const std::optional<std::string> code = inv.option("enrol");
  if (!code) return inv.UsageError("--server needs --enrol CODE (cairn-server enrol-code USER)");
  SyncSettings settings;
  settings.server_url = *server;
  settings.pin_sha256 = inv.option("pin").value_or("");
  settings.ca_file = inv.option("ca-file").value_or("");
  Status s = [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<BeastTransport> transport, TransportFor(settings));
    return Enrol(device.replica(), *transport, settings, *code,
                 inv.option("device-name").value_or(HostName()));
  }();
  if (!s.ok()) {
    if (!created) return inv.Fail(s.Annotate("enrolling with " + *server));
    // Nothing half-made stays behind: the same command can simply be run again.
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(db_path + suffix, ec);
    }
    return inv.Fail(s.Annotate("enrolling with " + *server + " (no device store was kept)"));
  }
  Result<std::optional<SyncSettings>> saved = LoadSyncSettings(device.replica());
  if (!saved.ok() || !saved->has_value()) return inv.Fail(saved.status());
  inv.out() << "enrolled with " << (*saved)->server_url << " as user " << (*saved)->user_id << " ("
            << (*saved)->role << ")\n";
  return kExitOk;
}

int RunSync(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Replica& replica = (*device)->replica();
  Result<std::optional<SyncSettings>> settings = LoadSyncSettings(replica);
  if (!settings.ok()) return inv.Fail(settings.status());
  if (!settings->has_value()) {
    return inv.Fail(FailedPrecondition(
        "this device is not enrolled with a server; create an enrolled store with "
        "'cairn init --server URL --enrol CODE'"));
  }
  Result<std::unique_ptr<BeastTransport>> transport = TransportFor(**settings);
  if (!transport.ok()) return inv.Fail(transport.status());
  Result<SyncReport> report = cairn::RunSync(replica, **transport);
  if (!report.ok()) {
    inv.Fail(report.status().Annotate("sync with " + (*settings)->server_url));
    return report.status().code() == Code::kUnavailable ? kExitUnreachable : kExitError;
  }
  const SyncReport& r = *report;
  // Text before media: the changes went first, now the evidence they name.
  const uint64_t change_bytes_sent = (*transport)->bytes_sent();
  const uint64_t change_bytes_received = (*transport)->bytes_received();
  const BlobSyncOutcome blobs = SyncBlobs(inv, replica, **transport);
  const UploadReport& u = blobs.report;
  if (inv.json()) {
    JsonWriter json(inv.out());
    json.BeginObject()
        .Key("pushed")
        .Uint(r.pushed)
        .Key("duplicates")
        .Uint(r.duplicates)
        .Key("pulled")
        .Uint(r.pulled)
        .Key("requests")
        .Uint(r.push_requests + r.pull_requests)
        .Key("bytes_sent")
        .Uint(change_bytes_sent)
        .Key("bytes_received")
        .Uint(change_bytes_received)
        .Key("blobs")
        .BeginObject()
        .Key("uploaded")
        .Uint(u.uploaded)
        .Key("already_on_server")
        .Uint(u.already_present + u.known_uploaded)
        .Key("waiting")
        .Uint(u.waiting.size())
        .Key("failed")
        .Uint(u.failed.size())
        .Key("not_on_this_device")
        .Uint(u.missing)
        .Key("chunk_bytes_sent")
        .Uint(u.chunk_bytes_sent)
        .Key("status")
        .String(blobs.status.ok() ? "ok" : blobs.status.ToString())
        .EndObject()
        .Key("refused")
        .BeginArray();
    for (const RefusedChangeReport& refused : r.refused) {
      json.BeginObject()
          .Key("seq")
          .Uint(refused.seq)
          .Key("code")
          .String(CodeName(refused.code))
          .Key("message")
          .String(refused.message)
          .Key("blocked")
          .Bool(refused.blocked)
          .EndObject();
    }
    json.EndArray().EndObject();
    inv.out() << "\n";
  } else {
    inv.out() << "pushed " << Plural(r.pushed, "change");
    if (r.duplicates > 0) inv.out() << " (" << r.duplicates << " the server already had)";
    inv.out() << ", pulled " << Plural(r.pulled, "change") << " in "
              << Plural(r.push_requests + r.pull_requests, "request") << " (" << change_bytes_sent
              << " bytes sent, " << change_bytes_received << " received)\n";
    size_t blocked = 0;
    for (const RefusedChangeReport& refused : r.refused) {
      if (refused.blocked) {
        ++blocked;
      } else {
        inv.out() << "refused change " << refused.seq << ": " << refused.message << "\n";
      }
    }
    if (blocked > 0) {
      inv.out() << Plural(blocked, "later change")
                << " wait behind the refused one and will go once it is fixed\n";
    }
    if (blobs.ran && (u.uploaded + u.already_present > 0 || u.chunk_bytes_sent > 0)) {
      inv.out() << "uploaded " << Plural(u.uploaded, "evidence file") << " ("
                << MiB(u.chunk_bytes_sent) << " sent)";
      if (u.already_present > 0) inv.out() << "; " << u.already_present << " already on the server";
      inv.out() << "\n";
    }
    for (const BlobUploadProgress& waiting : u.waiting) {
      inv.out() << BlobName(waiting) << " (" << MiB(waiting.size)
                << ") waits for an unmetered network; 'cairn sync --metered --allow-large' "
                   "sends it now\n";
    }
  }
  for (const auto& [sha, status] : u.failed) {
    inv.err() << "cairn: evidence " << Sha256Hex(sha).substr(0, 12)
              << " was not uploaded: " << status.message() << "\n";
  }
  if (!blobs.status.ok()) {
    if (u.paused) {
      inv.err() << "cairn: " << blobs.status.message() << "\n";
      return kExitError;
    }
    inv.Fail(blobs.status.Annotate("uploading evidence to " + (*settings)->server_url));
    return blobs.status.code() == Code::kUnavailable ? kExitUnreachable : kExitError;
  }
  return r.refused.empty() && u.failed.empty() ? kExitOk : kExitRefused;
}

}  // namespace cairn::cli
