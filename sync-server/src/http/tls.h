// TLS material for cairn-server: the certificate and key it serves, made on first start if the
// operator brings none, their fingerprint (which clients pin), and the OpenSSL context built
// from them.
//
// The generated certificate is self-signed: ECDSA P-256, SHA-256, valid ten years, random
// serial, subject alternative names IP:127.0.0.1 and DNS:localhost. It lives in DATA/tls/
// (cert.pem, key.pem; the key and the directory readable by the owner only). Clients trust it by
// pinning the SHA-256 of its DER encoding (`cairn-server fingerprint`), so a name mismatch on a
// LAN address does not matter; an operator with a real certificate passes --tls-cert/--tls-key.
//
// Thread-safety: free functions with no shared state. The ssl::context returned by
// MakeServerTlsContext() is safe to share between sessions once built (OpenSSL's SSL_CTX is
// reference-counted and read-only after setup).
#ifndef CAIRN_SERVER_HTTP_TLS_H_
#define CAIRN_SERVER_HTTP_TLS_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

struct TlsFiles {
  std::string cert_path;  // PEM: the certificate, then any intermediates
  std::string key_path;   // PEM: the private key, unencrypted
  bool created = false;   // LoadOrCreateCertificate() made them just now
};

// DATA_DIR/tls/cert.pem and key.pem, created (with DATA_DIR/tls, mode 0700) if cert.pem is
// missing. Files are written to a temporary name, synced and renamed, the key first, so a crash
// never leaves a certificate without its key. A key.pem without a cert.pem (an interrupted
// first start) is replaced; a cert.pem without a key.pem is an error (FailedPrecondition) that
// says how to fix it.
Result<TlsFiles> LoadOrCreateCertificate(const std::string& data_dir);

// Generates a self-signed certificate as described above, as PEM text.
struct PemPair {
  std::string cert_pem;
  std::string key_pem;
};
Result<PemPair> GenerateSelfSignedCertificate();

// The SHA-256 of the DER encoding of the first certificate in a PEM file / PEM text, as 64
// lowercase hex digits: what `openssl x509 -noout -fingerprint -sha256` prints, without colons.
Result<std::string> CertificateFingerprint(const std::string& cert_path);
Result<std::string> CertificateFingerprintOfPem(std::string_view cert_pem);

// A server context: TLS 1.2 and 1.3 only, no compression or renegotiation, forward-secret AEAD
// ciphers for TLS 1.2 (TLS 1.3's are all fine), the certificate chain and key from `files`.
// InvalidArgument naming the file for an unreadable or malformed file or a key that does not
// match the certificate.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const TlsFiles& files);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_HTTP_TLS_H_
