// cairn evidence fetch: the blob of an evidence item this device knows through sync (captured on
// another of the teacher's devices) from the server into this device's encrypted store, in
// ranged GETs that resume after an interruption; with --out, the plaintext into a file too.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "beast_transport.h"
#include "cairn/blob_store.h"
#include "cairn/blob_sync.h"
#include "cairn/device.h"
#include "cairn/schema.h"
#include "cairn/sync.h"
#include "commands.h"
#include "format.h"
#include "json_writer.h"
#include "progress_line.h"
#include "store.h"

namespace cairn::cli {
namespace {

// Shows fetch progress on stderr the way `cairn sync` shows uploads: on a terminal one line
// redrawn in place (a bar, the rate and the time left), otherwise plain lines at the start and
// every quarter.
class FetchDisplay {
 public:
  FetchDisplay(std::ostream& err, bool terminal, std::string name)
      : err_(err), terminal_(terminal), name_(std::move(name)), line_(err) {}

  void Update(uint64_t done, uint64_t size) {
    const double rate = rate_.Update(done);
    if (terminal_) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_draw_ < std::chrono::milliseconds(100) && done < size) return;
      last_draw_ = now;
      line_.Draw(ProgressText("fetching " + name_, done, size, rate, size - done));
      return;
    }
    const uint64_t quarter = size == 0 ? 4 : 4 * done / size;
    if (!printed_ || (quarter != last_quarter_ && done < size)) {
      err_ << "fetching " << name_ << " " << MiB(done) << " of " << MiB(size) << "\n";
      printed_ = true;
      last_quarter_ = quarter;
    }
  }

  void Finish() {
    if (terminal_) line_.Finish();
  }

 private:
  std::ostream& err_;
  bool terminal_;
  std::string name_;
  TransferRate rate_;
  RedrawnLine line_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point last_draw_;
  uint64_t last_quarter_ = 0;
};

// Ctrl-C stops the fetch after the range in flight (what arrived is kept); a second one ends
// the process.
UploadControl* g_fetch_control = nullptr;

extern "C" void StopFetch(int /*signal*/) {
  if (g_fetch_control != nullptr) g_fetch_control->cancel.store(true);
}

// Writes the blob's plaintext to `path` (mode 0600: evidence shows children) through a
// temporary file in the same directory, fsynced and renamed, so that `path` never holds part
// of it. AlreadyExists if `path` exists: nothing is overwritten.
Status WritePlaintext(BlobStore& store, const Sha256& sha, const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, store.Open(sha));
  const std::string temp = path + ".cairn-" + std::to_string(::getpid()) + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Internal("cannot create " + temp + ": " + std::strerror(errno) +
                    "; check that the directory exists and is writable");
  }
  const auto fail = [&](Status s) {
    ::close(fd);
    ::unlink(temp.c_str());
    return s;
  };
  std::string chunk;
  for (uint64_t i = 0; i < reader->chunk_count(); ++i) {
    if (Status s = reader->ReadChunk(i, &chunk); !s.ok()) return fail(s);
    size_t at = 0;
    while (at < chunk.size()) {
      const ssize_t n = ::write(fd, chunk.data() + at, chunk.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int error = errno;
        return fail(Status(error == ENOSPC ? Code::kResourceExhausted : Code::kInternal,
                           "cannot write " + temp + ": " + std::strerror(error)));
      }
      at += static_cast<size_t>(n);
    }
  }
  if (::fsync(fd) != 0) return fail(Internal("cannot fsync " + temp + ": " + std::strerror(errno)));
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    return Internal("cannot close " + temp + ": " + std::strerror(errno));
  }
  // link() fails if `path` appeared meanwhile, where rename() would replace it.
  if (::link(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    if (error == EEXIST) return AlreadyExists(path + " exists; nothing was overwritten");
    return Internal("cannot create " + path + ": " + std::strerror(error));
  }
  ::unlink(temp.c_str());
  return {};
}

}  // namespace

int RunEvidenceFetch(Invocation& inv) {
  const std::optional<EntityId> evidence = inv.IdArg(0, "EVIDENCE_ID");
  if (!evidence) return kExitUsage;
  const std::optional<std::string> out_file = inv.option("out");
  if (out_file && out_file->empty()) return inv.UsageError("--out needs a file name");
  struct stat existing {};
  if (out_file && ::stat(out_file->c_str(), &existing) == 0) {
    return inv.Fail(AlreadyExists("--out " + *out_file +
                                  " exists; choose another file or remove it first (nothing was "
                                  "fetched or overwritten)"));
  }

  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Replica& replica = (*device)->replica();
  Result<EvidenceRef> ref = (*device)->EvidenceBlob(*evidence);
  if (!ref.ok()) return inv.Fail(ref.status());
  Result<std::optional<SyncSettings>> settings = LoadSyncSettings(replica);
  if (!settings.ok()) return inv.Fail(settings.status());
  if (!settings->has_value()) {
    return inv.Fail(FailedPrecondition(
        "this device is not enrolled with a server, so it cannot fetch evidence; create an "
        "enrolled store with 'cairn init --server URL --enrol CODE'"));
  }
  Result<std::string> home = inv.Home();
  if (!home.ok()) return inv.Fail(home.status());
  Result<std::unique_ptr<BlobStore>> store = OpenBlobStore(*home);
  if (!store.ok()) return inv.Fail(store.status());
  TransportOptions transport_options;
  transport_options.server_url = (*settings)->server_url;
  transport_options.pin_sha256 = (*settings)->pin_sha256;
  transport_options.ca_file = (*settings)->ca_file;
  Result<std::unique_ptr<BeastTransport>> transport = BeastTransport::Create(transport_options);
  if (!transport.ok()) return inv.Fail(transport.status());

  const std::string hex = Sha256Hex(ref->sha256);
  const std::string* caption = nullptr;
  Result<std::optional<EntityData>> entity = replica.Get(*evidence);
  if (entity.ok() && entity->has_value()) caption = (*entity)->GetText("caption");
  const std::string name = caption != nullptr && !caption->empty()
                               ? Quote(*caption, 40)
                               : ref->media_type + " " + hex.substr(0, 12);

  UploadControl control;
  BlobTransferOptions options;
  options.control = &control;
  FetchDisplay display(inv.err(), ::isatty(STDERR_FILENO) == 1, name);
  g_fetch_control = &control;
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = &StopFetch;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &previous);
  FetchReport report;
  const Status fetched = FetchBlob(
      replica, **store, *ref, **transport, options,
      [&](uint64_t done, uint64_t size) { display.Update(done, size); }, &report);
  ::sigaction(SIGINT, &previous, nullptr);
  g_fetch_control = nullptr;
  display.Finish();
  if (!fetched.ok()) {
    inv.Fail(fetched.Annotate("fetching evidence " + evidence->ToString() + " from " +
                              (*settings)->server_url));
    return fetched.code() == Code::kUnavailable ? kExitUnreachable : kExitError;
  }
  if (out_file) {
    if (Status s = WritePlaintext(**store, ref->sha256, *out_file); !s.ok()) {
      return inv.Fail(s.Annotate("writing evidence " + evidence->ToString() + " to " + *out_file +
                                 " (it is fetched and kept on this device)"));
    }
  }

  if (inv.json()) {
    JsonWriter json(inv.out());
    json.BeginObject()
        .Key("evidence")
        .String(evidence->ToString())
        .Key("sha256")
        .String(hex)
        .Key("size")
        .Uint(ref->size)
        .Key("media_type")
        .String(ref->media_type)
        .Key("already_held")
        .Bool(report.already_held)
        .Key("resumed_from")
        .Uint(report.resumed_from)
        .Key("bytes_received")
        .Uint(report.bytes_received)
        .Key("requests")
        .Uint(report.requests)
        .Key("failed_requests")
        .Uint(report.failed_requests)
        .Key("out")
        .String(out_file.value_or(""))
        .EndObject();
    inv.out() << "\n";
    return kExitOk;
  }
  if (report.already_held) {
    inv.out() << "evidence " << evidence->ToString() << " is already on this device ("
              << ref->media_type << ", " << HumanSize(ref->size) << ")\n";
  } else {
    inv.out() << "fetched evidence " << evidence->ToString() << ": " << ref->media_type << ", "
              << HumanSize(ref->size) << " (" << ref->size << " bytes), sha256 " << hex
              << " verified; " << MiB(report.bytes_received) << " received";
    if (report.resumed_from > 0) inv.out() << ", resumed at " << MiB(report.resumed_from);
    inv.out() << "\n";
  }
  if (out_file) inv.out() << "wrote " << *out_file << "\n";
  return kExitOk;
}

}  // namespace cairn::cli
