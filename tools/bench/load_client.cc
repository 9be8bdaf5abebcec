#include "load_client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cmath>
#include <exception>
#include <optional>
#include <random>
#include <sstream>
#include <tuple>
#include <utility>

#include "cairn/compression.h"
#include "load_device.h"

namespace cairn::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using Clock = std::chrono::steady_clock;
using Stream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kIoTimeout = std::chrono::seconds(30);
constexpr size_t kMaxAnswerBytes = size_t{64} << 20;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Lower-case hex SHA-256 of the peer's certificate (DER), or empty.
std::string PeerFingerprint(Stream& stream) {
  X509* cert = SSL_get1_peer_certificate(stream.native_handle());
  if (cert == nullptr) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const bool ok = X509_digest(cert, EVP_sha256(), digest, &length) == 1;
  X509_free(cert);
  if (!ok) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xF]);
  }
  return hex;
}

asio::awaitable<void> SleepUntil(Clock::time_point when) {
  asio::steady_timer timer(co_await asio::this_coro::executor, when);
  std::ignore = co_await timer.async_wait(kNoThrow);
}

enum class Route : uint8_t { kEnrol, kPush, kPull };

const char* TargetOf(Route route) {
  switch (route) {
    case Route::kEnrol:
      return "/v1/enrol";
    case Route::kPush:
      return "/v1/push";
    case Route::kPull:
      return "/v1/pull";
  }
  return "/";
}

class Load {
 public:
  Load(const LoadConfig& config, const std::vector<std::string>& codes,
       const std::function<void(bool)>& on_window)
      : config_(config), codes_(codes), on_window_(on_window) {
    tls_.set_verify_mode(ssl::verify_none);  // the certificate is pinned after the handshake
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    host_header_ = config.host + ":" + std::to_string(config.port);
  }

  LoadResults Run() {
    boost::system::error_code ec;
    const asio::ip::address address = asio::ip::make_address(config_.host, ec);
    if (ec) {
      ++results_.network_errors;
      return results_;
    }
    endpoint_ = asio::ip::tcp::endpoint(address, config_.port);
    start_ = Clock::now();
    window_start_ = start_ + config_.warmup;
    window_end_ = window_start_ + config_.duration;
    const auto count_failure = [this](const std::exception_ptr& e) {
      if (e) ++results_.network_errors;  // nothing may escape; an exception is a failed device
    };
    for (size_t i = 0; i < codes_.size(); ++i) asio::co_spawn(ioc_, Device(i), count_failure);
    asio::co_spawn(ioc_, Window(), count_failure);
    ioc_.run();
    return std::move(results_);
  }

 private:
  bool InWindow(Clock::time_point t) const { return t >= window_start_ && t < window_end_; }

  asio::awaitable<void> Window() {
    co_await SleepUntil(window_start_);
    const auto begin = Clock::now();
    on_window_(true);
    co_await SleepUntil(window_end_);
    on_window_(false);
    results_.window_s = Ms(Clock::now() - begin) / 1000;
  }

  asio::awaitable<bool> Connect(std::optional<Stream>& stream, beast::flat_buffer& buffer) {
    buffer.consume(buffer.size());
    stream.emplace(ioc_, tls_);
    beast::tcp_stream& tcp = beast::get_lowest_layer(*stream);
    tcp.expires_after(kIoTimeout);
    const std::tuple<boost::system::error_code> connected =
        co_await tcp.async_connect(endpoint_, kNoThrow);
    boost::system::error_code error = std::get<0>(connected);
    if (!error) {
      const std::tuple<boost::system::error_code> handshaken =
          co_await stream->async_handshake(ssl::stream_base::client, kNoThrow);
      error = std::get<0>(handshaken);
    }
    if (error || PeerFingerprint(*stream) != config_.pin_sha256) {
      ++results_.network_errors;
      stream.reset();
      co_return false;
    }
    ++results_.connections;
    co_return true;
  }

  // Sends one request and reads its answer into `*answer`. Returns the HTTP status, or 0 when
  // the connection failed (it is then dropped, to be made again).
  asio::awaitable<int> Post(std::optional<Stream>& stream, beast::flat_buffer& buffer, Route route,
                            const std::string& token, std::string body, std::string* answer) {
    http::request<http::string_body> request{http::verb::post, TargetOf(route), 11};
    request.set(http::field::host, host_header_);
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    request.set(http::field::content_type, "application/x-protobuf");
    request.set(http::field::accept_encoding, "zstd");
    request.keep_alive(true);
    request.body() = std::move(body);
    request.prepare_payload();
    const auto begin = Clock::now();
    beast::get_lowest_layer(*stream).expires_after(kIoTimeout);
    const std::tuple<boost::system::error_code, size_t> written =
        co_await http::async_write(*stream, request, kNoThrow);
    boost::system::error_code error = std::get<0>(written);
    http::response<http::string_body> response;
    if (!error) {
      const std::tuple<boost::system::error_code, size_t> read =
          co_await http::async_read(*stream, buffer, response, kNoThrow);
      error = std::get<0>(read);
    }
    if (error) {
      ++results_.network_errors;
      stream.reset();
      co_return 0;
    }
    const auto end = Clock::now();
    if (InWindow(end)) {
      ++results_.requests;
      results_.request.Add(Ms(end - begin));
      if (route == Route::kPush) results_.push.Add(Ms(end - begin));
      if (route == Route::kPull) results_.pull.Add(Ms(end - begin));
    }
    *answer = std::move(response.body());
    if (beast::iequals(response[http::field::content_encoding], "zstd")) {
      Result<std::string> plain = ZstdDecompress(*answer, kMaxAnswerBytes);
      if (!plain.ok()) {
        ++results_.network_errors;
        stream.reset();
        co_return 0;
      }
      *answer = std::move(*plain);
    }
    if (!response.keep_alive()) stream.reset();
    const int status = static_cast<int>(response.result_int());
    if (status != 200) ++results_.http_errors;
    co_return status;
  }

  asio::awaitable<void> Device(size_t index) {
    SimulatedDevice device(config_.seed * 1'000'003 + index, codes_[index]);
    std::mt19937_64 jitter(config_.seed + index);
    std::optional<Stream> stream;
    beast::flat_buffer buffer;
    std::string answer;
    const std::string no_token;
    co_await SleepUntil(start_ + config_.ramp * static_cast<int64_t>(index) /
                                     static_cast<int64_t>(codes_.size()));
    while (Clock::now() < window_end_) {
      if (!stream) {
        const bool connected = co_await Connect(stream, buffer);
        if (!connected) {
          co_await SleepUntil(Clock::now() + std::chrono::seconds(1));
          continue;
        }
      }
      if (!device.enrolled()) {
        const int status =
            co_await Post(stream, buffer, Route::kEnrol, no_token, device.EnrolBody(), &answer);
        if (status == 200 && device.HandleEnrol(answer).ok()) {
          ++results_.enrolled;
        } else {
          co_await SleepUntil(Clock::now() + std::chrono::seconds(1));
        }
        continue;
      }
      device.Edit();
      const auto begin = Clock::now();
      // (Plain statements around co_await: GCC 12 mishandles co_await inside && chains.)
      int status =
          co_await Post(stream, buffer, Route::kPush, device.token(), device.PushBody(), &answer);
      bool ok = status == 200 && device.HandlePush(answer).ok();
      for (bool more = true; ok && more;) {
        if (!stream) {
          ok = false;
          break;
        }
        status =
            co_await Post(stream, buffer, Route::kPull, device.token(), device.PullBody(), &answer);
        ok = status == 200 && device.HandlePull(answer, &more).ok();
      }
      const auto end = Clock::now();
      if (ok && InWindow(end)) {
        ++results_.syncs;
        results_.sync.Add(Ms(end - begin));
      }
      if (!ok) {
        co_await SleepUntil(end + std::chrono::milliseconds(100));
      } else if (config_.interval.count() > 0) {
        // Uniform in [0.5, 1.5) x interval, so devices do not fall into step.
        const double factor = 0.5 + static_cast<double>(jitter() % 1000) / 1000;
        co_await SleepUntil(begin +
                            std::chrono::duration_cast<Clock::duration>(config_.interval * factor));
      }
    }
    results_.changes_pushed += device.pushed();
    results_.changes_pulled += device.pulled();
    results_.refused += device.refused();
    if (stream) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(*stream).socket().close(ignored);
    }
  }

  const LoadConfig& config_;
  const std::vector<std::string>& codes_;
  const std::function<void(bool)>& on_window_;
  asio::io_context ioc_{1};
  ssl::context tls_{ssl::context::tls_client};
  std::string host_header_;
  asio::ip::tcp::endpoint endpoint_;
  Clock::time_point start_, window_start_, window_end_;
  LoadResults results_;
};

}  // namespace

std::string LatencyLog::Json() {
  std::sort(ms_.begin(), ms_.end());
  std::ostringstream out;
  out << "{\"n\":" << ms_.size();
  if (!ms_.empty()) {
    double sum = 0;
    for (float v : ms_) sum += v;
    const auto at = [&](double q) {
      return ms_[std::min(ms_.size() - 1,
                          static_cast<size_t>(q * static_cast<double>(ms_.size())))];
    };
    out << ",\"mean\":" << sum / static_cast<double>(ms_.size()) << ",\"p50\":" << at(0.5)
        << ",\"p90\":" << at(0.9) << ",\"p99\":" << at(0.99) << ",\"max\":" << ms_.back();
  }
  out << "}";
  return out.str();
}

LoadResults RunLoad(const LoadConfig& config, const std::vector<std::string>& codes,
                    const std::function<void(bool start)>& on_window) {
  Load load(config, codes, on_window);
  return load.Run();
}

}  // namespace cairn::bench
