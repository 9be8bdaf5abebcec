#include "badge/status_list.h"

#include <zlib.h>

#include <string>

#include "cairn/badge/rfc3339.h"
#include "cairn/base64.h"

namespace cairn::server {
namespace {

namespace json = boost::json;

// GZIP (RFC 1952) with zlib's fixed header: no name, mtime 0, so the output is reproducible.
Result<std::string> Gzip(std::string_view bytes) {
  z_stream stream{};
  constexpr int kGzipWindowBits = 15 + 16;
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Internal("zlib could not start a GZIP stream");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return Internal("zlib could not finish a GZIP stream");
  return out;
}

}  // namespace

Result<std::string> EncodeStatusList(uint64_t assigned, const std::vector<uint64_t>& revoked) {
  const uint64_t bits =
      std::max<uint64_t>(1, (assigned + kMinStatusListBits - 1) / kMinStatusListBits) *
      kMinStatusListBits;
  std::string bitstring(bits / 8, '\0');
  for (const uint64_t index : revoked) {
    if (index >= assigned) {
      return InvalidArgument("status index " + std::to_string(index) + " was never assigned (" +
                             std::to_string(assigned) + " are)");
    }
    bitstring[index / 8] = static_cast<char>(static_cast<unsigned char>(bitstring[index / 8]) |
                                             (0x80U >> (index % 8)));
  }
  CAIRN_ASSIGN_OR_RETURN(const std::string zipped, Gzip(bitstring));
  return "u" + Base64UrlEncode(zipped);
}

Result<json::object> StatusListCredential(const IssuerUrls& urls,
                                          const CredentialStore::StatusBits& bits,
                                          int64_t valid_from_ms) {
  CAIRN_ASSIGN_OR_RETURN(std::string encoded, EncodeStatusList(bits.assigned, bits.revoked));
  const std::string id = urls.StatusList();
  return json::object{
      {"@context", json::array{kVcContext}},
      {"id", id},
      {"type", json::array{"VerifiableCredential", "BitstringStatusListCredential"}},
      // An object, as OB verifiers expect of every credential's issuer.
      {"issuer", json::object{{"id", urls.Did()}}},
      {"validFrom", badge::FormatRfc3339(valid_from_ms)},
      {"credentialSubject", json::object{{"id", id + "#list"},
                                         {"type", "BitstringStatusList"},
                                         {"statusPurpose", "revocation"},
                                         {"encodedList", std::move(encoded)}}},
  };
}

json::object RevocationList(const IssuerUrls& urls, const CredentialStore::StatusBits& bits) {
  json::array revoked;
  for (const IssuedCredential& credential : bits.revoked_credentials) {
    json::object entry{{"id", urls.Credential(credential.id)}, {"revoked", true}};
    if (!credential.revocation_reason.empty()) {
      entry["revocationReason"] = credential.revocation_reason;
    }
    revoked.emplace_back(std::move(entry));
  }
  return json::object{{"id", urls.RevocationList()},
                      {"issuer", urls.Did()},
                      {"revokedCredential", std::move(revoked)}};
}

}  // namespace cairn::server
