// libFuzzer target for the evidence routes (docs/protocol.md "Evidence blobs") through
// Service::Handle: blob offers, chunk bodies, Range headers and the ids in paths. The store
// holds one complete blob of the fuzzing account (so that ranges reach real bytes) and one
// offered but partial. The first input byte picks the route; the rest is the body, the Range
// header, or a path segment. Besides the fixture's checks: a 200 BlobStatus parses; a 206 says
// which bytes it holds and holds exactly that many; a 416 says the size.
#include <openssl/sha.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "api/service.h"
#include "cairn/hex.h"
#include "cairn/v1/blob.pb.h"
#include "fuzz/server_fixture.h"

namespace {

using cairn::fuzz::Fail;
using cairn::server::Request;

constexpr size_t kChunk = 65536;

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return cairn::LowerHex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

cairn::v1::BlobOffer OfferOf(std::string_view bytes) {
  cairn::v1::BlobOffer offer;
  offer.set_size(bytes.size());
  offer.set_media_type("video/mp4");
  offer.set_chunk_size(kChunk);
  for (size_t at = 0; at < bytes.size() || at == 0; at += kChunk) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    const std::string_view chunk = bytes.substr(at, kChunk);
    SHA256(reinterpret_cast<const unsigned char*>(chunk.data()), chunk.size(), digest);
    offer.add_chunk_sha256(reinterpret_cast<const char*>(digest), sizeof digest);
    if (bytes.empty()) break;
  }
  return offer;
}

struct Blobs {
  std::string present;  // hex name of a complete 100,000-byte blob
  std::string partial;  // hex name of a 3-chunk blob offered, nothing sent
};

Request Authorised(std::string method, std::string target) {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.authorization = "Bearer " + cairn::fuzz::ServerFixture::Get().device_token;
  return request;
}

const Blobs& Held() {
  static const Blobs* blobs = [] {
    auto* b = new Blobs();
    cairn::fuzz::ServerFixture& f = cairn::fuzz::ServerFixture::Get();
    std::string present(100'000, '\0');
    for (size_t i = 0; i < present.size(); ++i) present[i] = static_cast<char>(i * 7 + 3);
    b->present = Sha256Hex(present);
    Request offer = Authorised("PUT", "/v1/blobs/" + b->present);
    offer.body = OfferOf(present).SerializeAsString();
    if (f.Handle(offer).status != 200) Fail("offer of the present blob");
    Request chunks = Authorised("POST", "/v1/blobs/" + b->present + "/chunks/0");
    chunks.body = present;
    if (f.Handle(chunks).status != 200) Fail("chunks of the present blob");
    const std::string partial(3 * kChunk - 5, 'p');
    b->partial = Sha256Hex(partial);
    Request partial_offer = Authorised("PUT", "/v1/blobs/" + b->partial);
    partial_offer.body = OfferOf(partial).SerializeAsString();
    if (f.Handle(partial_offer).status != 200) Fail("offer of the partial blob");
    return b;
  }();
  return *blobs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cairn::fuzz::ServerFixture& f = cairn::fuzz::ServerFixture::Get();
  const Blobs& blobs = Held();
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string& name = (data[0] & 0x10) != 0 ? blobs.partial : blobs.present;
  Request request;
  switch (data[0] & 7) {
    case 0:  // an offer
      request = Authorised("PUT", "/v1/blobs/" + name);
      request.body = rest;
      break;
    case 1:  // chunks, from the index the second byte names
      request = Authorised("POST", "/v1/blobs/" + name + "/chunks/" +
                                       std::to_string(rest.empty() ? 0 : rest[0] & 7));
      request.body = rest.empty() ? rest : rest.substr(1);
      break;
    case 2:  // a download with a Range header
      request = Authorised("GET", "/v1/blobs/" + name);
      request.range = rest;
      break;
    case 3:  // a status, with an id from the input
      request = Authorised("GET", "/v1/blobs/" + rest + "/status");
      break;
    case 4:  // a submission's status, with an id from the input
      request = Authorised("GET", "/v1/submissions/" + rest + "/status");
      break;
    case 5:  // any path under /v1/blobs/
      request = Authorised((data[0] & 8) != 0 ? "POST" : "GET", "/v1/blobs/" + rest);
      break;
    default:  // the status of a known blob, with or without a token
      request = Authorised("GET", "/v1/blobs/" + name + "/status");
      if ((data[0] & 8) != 0) request.authorization = rest;
      break;
  }
  if ((data[0] & 0x20) != 0) request.accept = "application/json";
  cairn::server::Response response = f.Handle(request);

  const bool json = response.content_type.starts_with("application/json");
  if (response.status == 200 && !json && request.method != "GET") {
    cairn::v1::BlobStatus status;
    if (!status.ParseFromString(response.body)) Fail("a 200 BlobStatus that does not parse");
  }
  const auto header = [&](std::string_view key) -> std::string {
    for (const auto& [k, v] : response.headers) {
      if (k == key) return v;
    }
    return "";
  };
  if (response.status == 206) {
    if (!cairn::server::LoadFileBody(response).ok()) Fail("a 206 whose file cannot be read");
    unsigned long long first = 0, last = 0, total = 0;
    if (std::sscanf(header("Content-Range").c_str(), "bytes %llu-%llu/%llu", &first, &last,
                    &total) != 3 ||
        last < first || last >= total || response.body.size() != last - first + 1) {
      Fail("a 206 whose Content-Range '" + header("Content-Range") + "' does not match its " +
           std::to_string(response.body.size()) + " bytes");
    }
  }
  if (response.status == 416 && !header("Content-Range").starts_with("bytes */")) {
    Fail("a 416 without the size");
  }
  return 0;
}
