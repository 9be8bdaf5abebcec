// W2's untimed setup for Cairn (../shared/workloads/README.md, "W2"): one educator, two devices
// (replica A = device 1, replica B = device 2), and between them the real server store
// (ServerStore + Service, synchronous=FULL) in this process. A gets the W1 base (10,000 pursuit
// entities, one change each) and H single-field updates from update stream 2000, one change each;
// the server and B receive all of it, so that both devices are in sync before the timed part.
//
// The history is made fast rather than through H calls of Replica::Commit: the changes are
// constructed (A's actor, contiguous seqs, growing HLCs) and applied to A in batches of 10,000
// (Replica::Apply), each batch pushed straight into the ServerStore as A's device
// (ServerStore::Push); B then pulls everything through the real sync engine. Every update is
// still its own Change, exactly as if committed one by one.
//
// Files in the working directory: a.db, b.db (device stores), server/server.db (the store
// `cairn-server --data DIR/server` serves), entities.bin (the record -> entity id table).
#ifndef CAIRN_TOOLS_BENCH_W2_SETUP_H_
#define CAIRN_TOOLS_BENCH_W2_SETUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/metrics.h"
#include "api/service.h"
#include "cairn/replica.h"
#include "in_process_transport.h"
#include "store/server_store.h"

namespace cairn::bench {

struct W2Paths {
  explicit W2Paths(std::string d) : dir(std::move(d)) {}
  std::string dir;
  std::string a() const { return dir + "/a.db"; }
  std::string b() const { return dir + "/b.db"; }
  std::string server_dir() const { return dir + "/server"; }
  std::string server_db() const { return dir + "/server/server.db"; }
  std::string entities() const { return dir + "/entities.bin"; }
};

// The server of the in-process variant.
struct InProcessServer {
  std::unique_ptr<server::ServerStore> store;
  server::Metrics metrics;
  std::unique_ptr<server::Service> service;
  std::unique_ptr<InProcessTransport> transport;
};

// A device store with Cairn's schema (Durability::kProcessCrash, as on a phone). Dies on error.
std::unique_ptr<Replica> OpenDevice(const std::string& path);

// Opens (creating) the server store at paths.server_db(). Dies on error.
std::unique_ptr<InProcessServer> OpenInProcessServer(const W2Paths& paths);

// Builds the whole W2 starting point in an empty directory: the server with one educator, A and
// B enrolled as that educator's two devices, A's history of the base + `history` updates, pushed
// and pulled so that A, B and the server all hold it. Returns the record -> entity id table (also
// written to paths.entities()). Dies on error.
std::vector<EntityId> BuildW2History(const W2Paths& paths, InProcessServer& server, Replica& a,
                                     Replica& b, uint64_t history);

// The record -> entity id table written by BuildW2History.
std::vector<EntityId> ReadEntityIds(const W2Paths& paths);

}  // namespace cairn::bench

#endif  // CAIRN_TOOLS_BENCH_W2_SETUP_H_
