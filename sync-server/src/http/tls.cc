#include "http/tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdint>

#include "http/files.h"

namespace cairn::server {
namespace {

namespace ssl = boost::asio::ssl;

constexpr long kValidityDays = 3650;
constexpr char kSubjectAltNames[] = "IP:127.0.0.1,DNS:localhost";
// Mozilla's "intermediate" list for TLS 1.2: ECDHE key exchange and AEAD ciphers only.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ExtensionFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, ExtensionFree>;

// The reason OpenSSL gave for the last failure, and clears its error queue.
std::string OpenSslError() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

Status OpenSslFailure(std::string_view what) {
  return Internal(std::string(what) + ": " + OpenSslError());
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslFailure(std::string("cannot add certificate extension ") + OBJ_nid2sn(nid));
  }
  return {};
}

// Checks that `path` can be opened for reading, for a message clearer than OpenSSL's.
Status CheckReadable(const std::string& path, std::string_view what, std::string_view flag) {
  Result<std::string> content = ReadWholeFile(path);
  if (!content.ok()) {
    return InvalidArgument("cannot read the TLS " + std::string(what) + ": " +
                           content.status().message() + " (check " + std::string(flag) +
                           " and the file's permissions)");
  }
  return {};
}

}  // namespace

Result<PemPair> GenerateSelfSignedCertificate() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslFailure("cannot generate a P-256 key");

  X509Ptr cert(X509_new());
  if (!cert) return OpenSslFailure("cannot allocate a certificate");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslFailure("cannot set the certificate version");
  }

  // A random positive 127-bit serial (RFC 5280: at most 20 octets, non-negative).
  std::array<unsigned char, 16> serial_bytes{};
  if (RAND_bytes(serial_bytes.data(), static_cast<int>(serial_bytes.size())) != 1) {
    return OpenSslFailure("cannot draw a random serial number");
  }
  serial_bytes[0] &= 0x7F;
  serial_bytes[0] |= 0x01;  // never zero, never shorter than expected
  BnPtr serial(BN_bin2bn(serial_bytes.data(), static_cast<int>(serial_bytes.size()), nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return OpenSslFailure("cannot set the serial number");
  }

  // Valid from an hour ago, so that a client whose clock is a little behind accepts it.
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(kValidityDays), 0,
                       nullptr) == nullptr) {
    return OpenSslFailure("cannot set the validity period");
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto add_name = [&](const char* field, const char* value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char*>(value), -1, -1,
                                      0) == 1;
  };
  if (!add_name("O", "Cairn") || !add_name("CN", "cairn-server") ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return OpenSslFailure("cannot set the certificate's name");
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslFailure("cannot set the certificate's key");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  // No keyUsage: with one that lacks keyCertSign, OpenSSL 3 no longer treats a self-signed
  // certificate as its own issuer, and clients that trust the file as a CA would fail.
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_alt_name, kSubjectAltNames));

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return OpenSslFailure("cannot sign the certificate");
  }

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return OpenSslFailure("cannot encode the certificate and key as PEM");
  }
  return PemPair{BioText(cert_bio.get()), BioText(key_bio.get())};
}

Result<TlsFiles> LoadOrCreateCertificate(const std::string& data_dir) {
  const std::string dir = data_dir + "/tls";
  TlsFiles files{dir + "/cert.pem", dir + "/key.pem", false};
  const bool have_cert = PathExists(files.cert_path);
  const bool have_key = PathExists(files.key_path);
  if (have_cert && have_key) return files;
  if (have_cert) {
    return FailedPrecondition(files.cert_path + " exists but its key " + files.key_path +
                              " does not; restore the key, or delete " + files.cert_path +
                              " to make a new certificate (clients will need the new "
                              "fingerprint)");
  }
  CAIRN_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  CAIRN_ASSIGN_OR_RETURN(PemPair pem, GenerateSelfSignedCertificate());
  // The key first: cert.pem's presence means both are complete.
  CAIRN_RETURN_IF_ERROR(WriteFileAtomically(files.key_path, pem.key_pem, 0600));
  CAIRN_RETURN_IF_ERROR(WriteFileAtomically(files.cert_path, pem.cert_pem, 0644));
  files.created = true;
  return files;
}

Result<std::string> CertificateFingerprintOfPem(std::string_view cert_pem) {
  BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  if (!bio) return OpenSslFailure("cannot read the certificate");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return InvalidArgument("not a PEM certificate (expected '-----BEGIN CERTIFICATE-----'): " +
                           OpenSslError());
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest.data(), &size) != 1 || size != 32) {
    return OpenSslFailure("cannot hash the certificate");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xF]);
  }
  return hex;
}

Result<std::string> CertificateFingerprint(const std::string& cert_path) {
  Result<std::string> pem = ReadWholeFile(cert_path);
  if (!pem.ok()) {
    return InvalidArgument("cannot read the TLS certificate: " + pem.status().message() +
                           " (check --tls-cert and the file's permissions)");
  }
  Result<std::string> fingerprint = CertificateFingerprintOfPem(*pem);
  if (!fingerprint.ok()) return fingerprint.status().Annotate(cert_path);
  return fingerprint;
}

Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(const TlsFiles& files) {
  CAIRN_RETURN_IF_ERROR(CheckReadable(files.cert_path, "certificate", "--tls-cert"));
  CAIRN_RETURN_IF_ERROR(CheckReadable(files.key_path, "key", "--tls-key"));

  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return OpenSslFailure("cannot require TLS 1.2 or later");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_SSLv2 |
                               SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                               SSL_OP_SINGLE_ECDH_USE);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return OpenSslFailure("cannot set the TLS 1.2 cipher list");
  }
  // Fewer copies of the 16 KiB record buffers per idle connection.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert_path.c_str()) != 1) {
    return InvalidArgument("the TLS certificate " + files.cert_path +
                           " is not a PEM certificate chain: " + OpenSslError() +
                           " (check --tls-cert)");
  }
  // An encrypted key must fail, not prompt for a passphrase on the terminal.
  SSL_CTX_set_default_passwd_cb(ctx, [](char*, int, int, void*) { return 0; });
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return InvalidArgument("the TLS key " + files.key_path +
                           " is not an unencrypted PEM private key: " + OpenSslError() +
                           " (check --tls-key)");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return InvalidArgument("the TLS key " + files.key_path + " does not match the certificate " +
                           files.cert_path + " (pass the key that belongs to --tls-cert)");
  }
  return context;
}

}  // namespace cairn::server
