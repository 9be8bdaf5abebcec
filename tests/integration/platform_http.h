// A stand-in for an app's HTTP stack (URLSession, OkHttp, java.net.http) in the bridge tests: it
// knows nothing of Cairn and sends an HttpExchange of the bridge exactly as given — its method,
// URL, headers and body (or body file range), over TLS trusted by the exchange's pin — and hands
// back every header of the answer and its body, undecoded. A raw Boost.Beast client, one
// connection per request, so that the bridge, not a shared transport, decides what is sent.
//
// Thread-safety: one thread at a time.
#ifndef CAIRN_TESTS_INTEGRATION_PLATFORM_HTTP_H_
#define CAIRN_TESTS_INTEGRATION_PLATFORM_HTTP_H_

#include <string>
#include <vector>

#include "cairn/status.h"
#include "cairn/v1/bridge.pb.h"

namespace cairn::testing {

class PlatformHttp {
 public:
  // Sends `exchange`; Unavailable when the server cannot be reached or the connection breaks,
  // PermissionDenied when its certificate does not match the pin.
  Result<v1::HttpAnswer> Send(const v1::HttpExchange& exchange);

  // What was sent and received, for the tests' assertions.
  std::vector<v1::HttpExchange> sent;
  std::vector<std::string> answer_encodings;  // each answer's Content-Encoding, "" for none
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_INTEGRATION_PLATFORM_HTTP_H_
