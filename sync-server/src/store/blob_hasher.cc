// BlobHasher: the chunk hash and the whole-blob hash in one pass (see the header).
#include "store/blob_hasher.h"

#include <openssl/evp.h>

#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define CAIRN_SHA_NI 1
#endif

namespace cairn::server {
namespace {

constexpr std::array<uint32_t, 8> kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// A SHA-256 between blocks: the chaining value and the bytes hashed so far (a multiple of 64).
struct Midstate {
  std::array<uint32_t, 8> h = kInitial;
  uint64_t bytes = 0;
};

#ifdef CAIRN_SHA_NI

alignas(16) constexpr std::array<uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

bool CpuHasShaExtensions() {
  unsigned a = 0;
  unsigned b = 0;
  unsigned c = 0;
  unsigned d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool ssse3 = (c & (1U << 9)) != 0;
  const bool sse41 = (c & (1U << 19)) != 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  const bool sha = (b & (1U << 29)) != 0;
  return ssse3 && sse41 && sha;
}

// The SHA extensions keep the state as (A,B,E,F) and (C,D,G,H).
struct Lanes {
  __m128i abef;
  __m128i cdgh;
};

__attribute__((target("sha,sse4.1,ssse3"))) Lanes Load(const std::array<uint32_t, 8>& h) {
  const __m128i dcba = _mm_shuffle_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(h.data())), 0xB1);  // C D A B
  const __m128i hgfe = _mm_shuffle_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(h.data() + 4)), 0x1B);  // H G F E
  return {_mm_alignr_epi8(dcba, hgfe, 8), _mm_blend_epi16(hgfe, dcba, 0xF0)};
}

__attribute__((target("sha,sse4.1,ssse3"))) void Store(const Lanes& s, std::array<uint32_t, 8>* h) {
  const __m128i feba = _mm_shuffle_epi32(s.abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h->data()), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h->data() + 4), _mm_alignr_epi8(dchg, feba, 8));
}

// Four rounds of one state with the message words plus constants in `wk`.
__attribute__((target("sha,sse4.1,ssse3"))) inline void Rounds4(Lanes* s, __m128i wk) {
  s->cdgh = _mm_sha256rnds2_epu32(s->cdgh, s->abef, wk);
  s->abef = _mm_sha256rnds2_epu32(s->abef, s->cdgh, _mm_shuffle_epi32(wk, 0x0E));
}

// Compresses `blocks` 64-byte blocks into N states at once: the message schedule of each block
// is computed once and shared.
template <int N>
__attribute__((target("sha,sse4.1,ssse3"))) void Compress(std::array<Lanes, N>& states,
                                                          const uint8_t* data, size_t blocks) {
  const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  for (; blocks > 0; --blocks, data += 64) {
    std::array<Lanes, N> saved = states;
    // A ring of the last 16 message words, 4 per vector.
    __m128i w[4];  // NOLINT(cppcoreguidelines-avoid-c-arrays,modernize-avoid-c-arrays)
#pragma GCC unroll 16
    for (size_t i = 0; i < 16; ++i) {
      __m128i& wi = w[i & 3];
      if (i < 4) {
        wi = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)),
                              swap);
      } else {
        // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a time.
        const __m128i& w1 = w[(i - 1) & 3];
        const __m128i& w2 = w[(i - 2) & 3];
        const __m128i& w3 = w[(i - 3) & 3];
        __m128i t = _mm_sha256msg1_epu32(wi, w3);
        t = _mm_add_epi32(t, _mm_alignr_epi8(w1, w2, 4));
        wi = _mm_sha256msg2_epu32(t, w1);
      }
      const __m128i wk =
          _mm_add_epi32(wi, _mm_load_si128(reinterpret_cast<const __m128i*>(&kRound[4 * i])));
      for (int n = 0; n < N; ++n) Rounds4(&states[n], wk);
    }
    for (int n = 0; n < N; ++n) {
      states[n].abef = _mm_add_epi32(states[n].abef, saved[n].abef);
      states[n].cdgh = _mm_add_epi32(states[n].cdgh, saved[n].cdgh);
    }
  }
}

void CompressOne(Midstate* m, const uint8_t* data, size_t blocks) {
  std::array<Lanes, 1> s = {Load(m->h)};
  Compress<1>(s, data, blocks);
  Store(s[0], &m->h);
  m->bytes += blocks * 64;
}

void CompressTwo(Midstate* a, Midstate* b, const uint8_t* data, size_t blocks) {
  std::array<Lanes, 2> s = {Load(a->h), Load(b->h)};
  Compress<2>(s, data, blocks);
  Store(s[0], &a->h);
  Store(s[1], &b->h);
  a->bytes += blocks * 64;
  b->bytes += blocks * 64;
}

// The digest of `m` followed by `tail` (fewer than 64 bytes): padding and length.
BlobHasher::Digest Finish(Midstate m, std::string_view tail) {
  std::array<uint8_t, 128> last{};
  std::memcpy(last.data(), tail.data(), tail.size());
  last[tail.size()] = 0x80;
  const size_t blocks = tail.size() + 9 <= 64 ? 1 : 2;
  const uint64_t bits = (m.bytes + tail.size()) * 8;
  for (size_t i = 0; i < 8; ++i) {
    last[blocks * 64 - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  }
  CompressOne(&m, last.data(), blocks);
  BlobHasher::Digest out{};
  for (size_t i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<uint8_t>(m.h[i] >> 24);
    out[4 * i + 1] = static_cast<uint8_t>(m.h[i] >> 16);
    out[4 * i + 2] = static_cast<uint8_t>(m.h[i] >> 8);
    out[4 * i + 3] = static_cast<uint8_t>(m.h[i]);
  }
  return out;
}

#else

bool CpuHasShaExtensions() { return false; }

#endif  // CAIRN_SHA_NI

struct EvpDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

BlobHasher::Digest OpenSslSha256(std::string_view bytes) {
  BlobHasher::Digest out{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

}  // namespace

struct BlobHasher::State {
  // One-pass path: the whole so far, and with the chunk last hashed (pending its Accept). The
  // whole is block-aligned until a chunk of a length that is not a multiple of 64 (the last);
  // its rest waits in `tail`.
  Midstate whole;
  Midstate pending;
  std::string tail;
  std::string pending_tail;
  // Two-pass path (no SHA extensions): OpenSSL.
  std::unique_ptr<EVP_MD_CTX, EvpDeleter> evp;
};

bool BlobHasher::OnePass() {
  static const bool kOnePass = CpuHasShaExtensions();
  return kOnePass;
}

BlobHasher::BlobHasher() : state_(std::make_unique<State>()) {
  if (!OnePass()) {
    state_->evp.reset(EVP_MD_CTX_new());
    if (state_->evp) EVP_DigestInit_ex(state_->evp.get(), EVP_sha256(), nullptr);
  }
}

BlobHasher::~BlobHasher() = default;

BlobHasher::Digest BlobHasher::HashChunk(std::string_view chunk) {
#ifdef CAIRN_SHA_NI
  if (OnePass()) {
    State& s = *state_;
    const auto* data = reinterpret_cast<const uint8_t*>(chunk.data());
    const size_t blocks = chunk.size() / 64;
    const std::string_view rest = chunk.substr(blocks * 64);
    Midstate own;
    s.pending = s.whole;
    if (s.tail.empty()) {
      CompressTwo(&own, &s.pending, data, blocks);
      s.pending_tail = std::string(rest);
    } else {
      // The whole is not block-aligned (a short chunk came before): hash it apart.
      CompressOne(&own, data, blocks);
      std::string joined = s.tail;
      joined.append(chunk);
      const size_t whole_blocks = joined.size() / 64;
      CompressOne(&s.pending, reinterpret_cast<const uint8_t*>(joined.data()), whole_blocks);
      s.pending_tail = joined.substr(whole_blocks * 64);
    }
    return Finish(own, rest);
  }
#endif
  return OpenSslSha256(chunk);
}

void BlobHasher::Accept(std::string_view chunk) {
  State& s = *state_;
  if (s.evp) {
    EVP_DigestUpdate(s.evp.get(), chunk.data(), chunk.size());
    return;
  }
  s.whole = s.pending;
  s.tail.swap(s.pending_tail);
  s.pending_tail.clear();
}

BlobHasher::Digest BlobHasher::FinishWhole() {
  State& s = *state_;
  if (s.evp) {
    Digest out{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(s.evp.get(), out.data(), &size);
    return out;
  }
#ifdef CAIRN_SHA_NI
  return Finish(s.whole, s.tail);
#else
  return {};
#endif
}

}  // namespace cairn::server
