// FaultProxy: a TCP relay that injects network faults between a client and a server, for tests
// of sync under bad networks (DESIGN.md §4: every request is safe to retry, a cut sync resumes).
// Bytes pass through untouched (TLS included); faults are latency, a bandwidth cap, periodic
// resets, a cut after N bytes, and answers that never reach the client.
//
// All sockets are served by one Boost.Asio thread that Start() spawns and Stop() joins. Faults
// apply to new reads from the moment SetOptions() returns, so a test can change them mid-run.
//
// Dropped responses: the first `drop_first_responses` connections accepted after the option is
// set lose their server's answer — "the server committed the push, the device never heard". On a
// plain connection the first bytes from the server are the answer: they are not forwarded and
// both sides are reset at once. On a TLS connection (the client opened with a TLS record) the
// relay follows the record framing and waits for the first application-data record the server
// sends after the client's first application-data record (its request; in TLS 1.3 the one after
// the client's Finished); from there nothing more reaches the client, and both sides are reset
// once the connection has been quiet for kTlsDropQuietMs — so the server has read the request
// and handled it even if TLS 1.3 session tickets came first.
//
// Thread-safety: all public methods may be called from any thread except the proxy's own.
#ifndef CAIRN_TOOLS_FAULTPROXY_FAULTPROXY_H_
#define CAIRN_TOOLS_FAULTPROXY_FAULTPROXY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "cairn/status.h"

namespace cairn {

class FaultProxy {
 public:
  static constexpr int kTlsDropQuietMs = 100;

  struct Options {
    // Where to listen. Fixed once Start() has run; port 0 picks a free port (see port()).
    std::string listen_host = "127.0.0.1";
    uint16_t listen_port = 0;
    // Where to relay to; resolved for each new connection.
    std::string target_host = "127.0.0.1";
    uint16_t target_port = 0;

    // Faults; 0 disables each.
    // One-way latency added to every chunk, in both directions, order kept.
    uint32_t delay_ms = 0;
    // Resets (RST) every open connection pair every this many milliseconds.
    uint32_t reset_every_ms = 0;
    // Relays this many bytes client→server on a connection, then resets both sides.
    uint64_t reset_after_bytes = 0;
    // The first this many connections lose their first answer (see above) and are reset.
    uint32_t drop_first_responses = 0;
    // Caps each direction of each connection at this many bytes per second.
    uint64_t rate_bytes_per_s = 0;
  };

  // Counters since Start(); bytes are those delivered to the other side.
  struct Stats {
    uint64_t connections = 0;
    uint64_t open_connections = 0;
    uint64_t bytes_client_to_server = 0;
    uint64_t bytes_server_to_client = 0;
    uint64_t resets = 0;  // connection pairs cut by a fault (not resets mirrored from a peer)
    uint64_t responses_dropped = 0;

    // {"connections":…,…} on one line.
    std::string ToJson() const;
  };

  explicit FaultProxy(Options options);
  ~FaultProxy();  // Stop()s
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Binds, listens and starts the relay thread. Unavailable if the address cannot be bound.
  // REQUIRES: not started yet.
  Status Start();
  // The port listened on. REQUIRES: Start() succeeded.
  uint16_t port() const;
  // Replaces the target and the faults (the listen address is kept). drop_first_responses
  // counts again from now.
  void SetOptions(const Options& options);
  Stats stats() const;
  // Closes the listener and every connection and joins the thread. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn

#endif  // CAIRN_TOOLS_FAULTPROXY_FAULTPROXY_H_
