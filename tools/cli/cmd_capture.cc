// cairn capture: a file into the encrypted evidence store, recorded against an artifact.
#include <memory>
#include <optional>
#include <string>

#include "cairn/blob_store.h"
#include "commands.h"
#include "format.h"
#include "json_writer.h"
#include "store.h"

namespace cairn::cli {

int RunCapture(Invocation& inv) {
  const std::optional<std::string> pursuit_text = inv.option("pursuit");
  const std::optional<std::string> requirement = inv.option("requirement");
  if (!pursuit_text) return inv.UsageError("missing --pursuit ID");
  if (!requirement) return inv.UsageError("missing --requirement REQUIREMENT_ID");
  Result<Id128> pursuit = Id128::Parse(*pursuit_text);
  if (!pursuit.ok()) return inv.UsageError("--pursuit: " + pursuit.status().message());
  const std::string& file = inv.arg(0);

  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  // Check the pursuit and the requirement before reading a file that may be a long video.
  if (Status s = (*device)->CheckArtifact(*pursuit, *requirement); !s.ok()) return inv.Fail(s);

  Result<std::string> home = inv.Home();
  if (!home.ok()) return inv.Fail(home.status());
  Result<std::unique_ptr<BlobStore>> blobs = OpenBlobStore(*home);
  if (!blobs.ok()) return inv.Fail(blobs.status());
  Result<EvidenceRef> ref = (*blobs)->Capture(file);
  if (!ref.ok()) return inv.Fail(ref.status().Annotate("capturing " + file));
  // Another piece of evidence may hold the same bytes already: then the blob stays either way.
  Result<EntityId> evidence =
      (*device)->AddEvidence(*pursuit, *requirement, *ref, inv.option("caption").value_or(""));
  if (!evidence.ok()) return inv.Fail(evidence.status());

  const std::string hex = Sha256Hex(ref->sha256);
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
        .EndObject();
    inv.out() << "\n";
    return kExitOk;
  }
  inv.out() << evidence->ToString() << "\n"
            << "captured " << file << ": " << ref->media_type << ", " << HumanSize(ref->size)
            << " (" << ref->size << " bytes), sha256 " << hex << "\n";
  return kExitOk;
}

}  // namespace cairn::cli
