// A Transport that hands requests straight to a Service in the same process: the engine and the
// server's request handling meet without sockets, so protocol tests are fast and deterministic.
// The network itself is tested with real server processes (sync_process_test.cc).
//
// Thread-safety: as the Service (any thread).
#ifndef CAIRN_TESTS_SERVER_IN_PROCESS_TRANSPORT_H_
#define CAIRN_TESTS_SERVER_IN_PROCESS_TRANSPORT_H_

#include <functional>

#include "api/service.h"
#include "cairn/sync.h"

namespace cairn::testing {

class InProcessTransport final : public Transport {
 public:
  explicit InProcessTransport(server::Service& service) : service_(service) {}

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    if (drop_next_responses_ > 0) {
      // The server handles the request, but its answer is lost on the way back.
      --drop_next_responses_;
      (void)Handle(request);
      return Unavailable("the connection was cut before the answer arrived");
    }
    return Handle(request);
  }

  // Makes the next `n` round trips lose their answers after the server handled them.
  void DropResponses(int n) { drop_next_responses_ = n; }

 private:
  HttpResponse Handle(const HttpRequest& request) {
    server::Request in{
        request.method, request.target, request.authorization, request.content_type, "",
        request.body};
    server::Response out = service_.Handle(in);
    return HttpResponse{out.status, out.content_type, std::move(out.body)};
  }

  server::Service& service_;
  int drop_next_responses_ = 0;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SERVER_IN_PROCESS_TRANSPORT_H_
