// A cairn::Transport that hands the sync engine's requests straight to a server::Service in the
// same process, for the benchmarks: the real server store and request handling, without sockets
// (the reference W2 measurements of Yjs and Automerge are in-process too). It can record the
// bodies it carries, so that their zstd sizes — what the Beast transport and the server put on
// the wire — are computed after a timed section instead of inside it.
//
// Thread-safety: as the Service (any thread); the recording is not thread-safe.
#ifndef CAIRN_TOOLS_BENCH_IN_PROCESS_TRANSPORT_H_
#define CAIRN_TOOLS_BENCH_IN_PROCESS_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/service.h"
#include "cairn/sync.h"

namespace cairn::bench {

class InProcessTransport final : public Transport {
 public:
  explicit InProcessTransport(server::Service& service) : service_(service) {}

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    server::Request in{request.method,       request.target, request.authorization,
                       request.content_type, /*accept=*/"",  request.body};
    const auto start = std::chrono::steady_clock::now();
    server::Response out = service_.Handle(in);
    server_ms_ +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ++requests_;
    if (recording_) {
      sent_.push_back(request.body);
      received_.push_back(out.body);
    }
    return HttpResponse{out.status, out.content_type, std::move(out.body)};
  }

  // Starts keeping a copy of every body carried from now on (and forgets earlier ones).
  void StartRecording() {
    recording_ = true;
    sent_.clear();
    received_.clear();
    requests_ = 0;
    server_ms_ = 0;
  }
  void StopRecording() { recording_ = false; }

  uint64_t requests() const { return requests_; }
  // Time spent inside Service::Handle since StartRecording().
  double server_ms() const { return server_ms_; }
  const std::vector<std::string>& sent() const { return sent_; }
  const std::vector<std::string>& received() const { return received_; }

 private:
  server::Service& service_;
  bool recording_ = false;
  uint64_t requests_ = 0;
  double server_ms_ = 0;
  std::vector<std::string> sent_;
  std::vector<std::string> received_;
};

}  // namespace cairn::bench

#endif  // CAIRN_TOOLS_BENCH_IN_PROCESS_TRANSPORT_H_
