// Test-only peers for the network tests: a self-signed certificate made on the spot, a small
// Boost.Beast HTTPS echo server and a plain TCP echo server, each on 127.0.0.1 with a free port
// and its own thread.
//
// TlsTestServer answers every request with 200 and "echo:" + the (decoded) request body, zstd-
// compressed when the client accepts zstd and the answer is 1 KiB or more; "/status/NNN" answers
// with that status instead. It records what it saw. A connection idle for `idle_timeout` is closed
// by the server, as production servers do.
//
// Thread-safety: the accessors may be called from the test thread while the server runs.
#ifndef CAIRN_TESTS_NET_TLS_TEST_SERVER_H_
#define CAIRN_TESTS_NET_TLS_TEST_SERVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cairn::testing {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
  std::string sha256_hex;  // of the certificate's DER encoding, lower case
};

// An EC P-256 self-signed certificate whose subjectAltName is `san`, e.g. "IP:127.0.0.1".
TestCert MakeSelfSignedCert(const std::string& san);

class TlsTestServer {
 public:
  struct Seen {
    std::string method;
    std::string target;
    std::string host;
    std::string user_agent;
    std::string authorization;
    std::string accept_encoding;
    std::string content_encoding;
    size_t wire_body_size = 0;
    std::string body;  // decoded
  };

  struct Options {
    std::chrono::milliseconds idle_timeout{10'000};
    bool tls12_only = false;
  };

  TlsTestServer(const TestCert& cert, Options options);
  explicit TlsTestServer(const TestCert& cert) : TlsTestServer(cert, Options()) {}
  ~TlsTestServer();

  uint16_t port() const;
  int accepted() const;
  std::vector<Seen> requests() const;

  struct State;  // in the .cc; public for its helpers there

 private:
  std::shared_ptr<State> state_;
};

// Echoes every byte back (or only swallows them if `echo` is false) and counts, per accepted
// connection, the bytes received.
class TcpEchoServer {
 public:
  explicit TcpEchoServer(bool echo = true);
  ~TcpEchoServer();
  uint16_t port() const;
  // Bytes received on each connection so far, in accept order.
  std::vector<uint64_t> received() const;
  // Connections whose peer has gone (EOF or reset).
  int finished() const;

  struct State;  // in the .cc; public for its helpers there

 private:
  std::shared_ptr<State> state_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_NET_TLS_TEST_SERVER_H_
