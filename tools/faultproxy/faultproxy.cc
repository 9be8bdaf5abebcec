#include "faultproxy.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace cairn {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

constexpr size_t kReadChunk = size_t{16} * 1024;
// A direction stops reading while this much waits in its delay/rate queue (back-pressure).
constexpr size_t kMaxQueuedBytes = 1 << 20;
constexpr uint8_t kTlsHandshake = 22;
constexpr uint8_t kTlsApplicationData = 23;

// Follows TLS record framing (5-byte header: type, version, length) across a byte stream.
class RecordScanner {
 public:
  // Calls on_record(offset, type) for each record whose header completes in `data` (offset 0 if
  // the header began in an earlier chunk). Stops at the first record for which on_record returns
  // true and returns its offset; npos if none did.
  template <typename OnRecord>
  size_t Feed(std::string_view data, OnRecord&& on_record) {
    size_t pos = 0;
    while (pos < data.size()) {
      if (remaining_ > 0) {
        size_t take = std::min(remaining_, data.size() - pos);
        remaining_ -= take;
        pos += take;
        continue;
      }
      if (have_ == 0) start_ = pos;
      header_[have_++] = static_cast<uint8_t>(data[pos++]);
      if (have_ < header_.size()) continue;
      have_ = 0;
      remaining_ = (size_t{header_[3]} << 8) | header_[4];
      size_t start = std::min(start_, pos);
      if (on_record(start, header_[0])) return start;
    }
    start_ = 0;
    return std::string_view::npos;
  }

 private:
  std::array<uint8_t, 5> header_{};
  size_t have_ = 0;
  size_t remaining_ = 0;
  size_t start_ = 0;
};

enum class ChunkKind : uint8_t { kData, kEof, kReset };

struct Chunk {
  ChunkKind kind;
  std::string data;
  SteadyClock::time_point release;
};

}  // namespace

std::string FaultProxy::Stats::ToJson() const {
  char line[512];
  std::snprintf(line, sizeof line,
                "{\"connections\":%llu,\"open_connections\":%llu,\"bytes_client_to_server\":%llu,"
                "\"bytes_server_to_client\":%llu,\"resets\":%llu,\"responses_dropped\":%llu}",
                static_cast<unsigned long long>(connections),
                static_cast<unsigned long long>(open_connections),
                static_cast<unsigned long long>(bytes_client_to_server),
                static_cast<unsigned long long>(bytes_server_to_client),
                static_cast<unsigned long long>(resets),
                static_cast<unsigned long long>(responses_dropped));
  return line;
}

class FaultProxy::Impl {
 public:
  class Pair;

  explicit Impl(Options options) : options_(std::move(options)) {
    drops_remaining_ = options_.drop_first_responses;
  }

  Status Start();
  void SetOptions(const Options& options);
  void Stop();
  Stats stats() const {
    Stats s;
    s.connections = connections_.load();
    s.open_connections = open_.load();
    s.bytes_client_to_server = up_bytes_.load();
    s.bytes_server_to_client = down_bytes_.load();
    s.resets = resets_.load();
    s.responses_dropped = dropped_.load();
    return s;
  }
  uint16_t port() const { return port_; }

 private:
  friend class Pair;

  void Accept();
  void ArmResetTimer();
  void ScheduleReset(uint64_t generation);
  std::vector<std::shared_ptr<Pair>> Snapshot() const;
  void Remove(uint64_t id) {
    pairs_.erase(id);
    open_.store(pairs_.size());
  }

  asio::io_context ioc_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  tcp::acceptor acceptor_{ioc_};
  asio::steady_timer reset_timer_{ioc_};
  std::thread thread_;
  std::mutex lifecycle_mutex_;  // Start / SetOptions / Stop
  bool running_ = false;
  bool stopped_ = false;
  uint16_t port_ = 0;

  // Owned by the relay thread once running.
  Options options_;
  uint32_t drops_remaining_ = 0;
  uint64_t reset_generation_ = 0;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::shared_ptr<Pair>> pairs_;

  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> open_{0};
  std::atomic<uint64_t> up_bytes_{0};
  std::atomic<uint64_t> down_bytes_{0};
  std::atomic<uint64_t> resets_{0};
  std::atomic<uint64_t> dropped_{0};
};

// One accepted client and its connection to the target. Lives as long as a handler or the
// proxy's table holds it; everything runs on the relay thread.
class FaultProxy::Impl::Pair : public std::enable_shared_from_this<Pair> {
 public:
  Pair(Impl& proxy, tcp::socket client, uint64_t id, bool drop_response)
      : proxy_(proxy),
        id_(id),
        drop_response_(drop_response),
        client_(std::move(client)),
        server_(proxy.ioc_),
        resolver_(proxy.ioc_),
        quiet_timer_(proxy.ioc_),
        up_(proxy.ioc_, &client_, &server_, true),
        down_(proxy.ioc_, &server_, &client_, false) {}

  void Begin() {
    resolver_.async_resolve(
        proxy_.options_.target_host, std::to_string(proxy_.options_.target_port),
        [self = shared_from_this()](ErrorCode ec, const tcp::resolver::results_type& results) {
          if (self->closed_) return;
          if (ec) return self->Cut(false);
          asio::async_connect(self->server_, results,
                              [self](ErrorCode connect_ec, const tcp::endpoint&) {
                                if (self->closed_) return;
                                if (connect_ec) return self->Cut(false);
                                ErrorCode ignored;
                                self->client_.set_option(tcp::no_delay(true), ignored);
                                self->server_.set_option(tcp::no_delay(true), ignored);
                                self->Read(self->up_);
                                self->Read(self->down_);
                              });
        });
  }

  // Resets (RST) both sides. `fault` says whether the proxy chose to (counted in Stats::resets)
  // rather than passing on a reset or error from one side.
  void Cut(bool fault) {
    if (closed_) return;
    for (tcp::socket* socket : {&client_, &server_}) {
      ErrorCode ignored;
      if (socket->is_open()) socket->set_option(asio::socket_base::linger(true, 0), ignored);
    }
    if (fault) proxy_.resets_.fetch_add(1);  // before the peers can see it
    Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    ErrorCode ignored;
    client_.close(ignored);
    server_.close(ignored);
    resolver_.cancel();
    quiet_timer_.cancel();
    up_.timer.cancel();
    down_.timer.cancel();
    proxy_.Remove(id_);
  }

 private:
  struct Direction {
    Direction(asio::io_context& ioc, tcp::socket* from_socket, tcp::socket* to_socket, bool is_up)
        : from(from_socket), to(to_socket), up(is_up), timer(ioc) {}
    tcp::socket* from;
    tcp::socket* to;
    const bool up;  // client → server
    asio::steady_timer timer;
    std::deque<Chunk> queue;
    size_t queued_bytes = 0;
    bool reading = false;
    bool busy = false;  // writing, or waiting for the front chunk's release time
    bool stop_reading = false;
    bool finished = false;  // EOF passed on
    SteadyClock::time_point link_free{};
    std::vector<char> buffer = std::vector<char>(kReadChunk);
    std::string in_flight;
    uint64_t bytes_read = 0;
    RecordScanner records;
  };

  size_t ReadSize() const {
    uint64_t rate = proxy_.options_.rate_bytes_per_s;
    if (rate == 0) return kReadChunk;
    // About 50 ms of traffic per chunk keeps the shaping smooth.
    return static_cast<size_t>(std::clamp<uint64_t>(rate / 20, 1, kReadChunk));
  }

  void Read(Direction& d) {
    if (closed_ || d.reading || d.stop_reading || d.queued_bytes >= kMaxQueuedBytes) return;
    d.reading = true;
    d.from->async_read_some(
        asio::buffer(d.buffer.data(), ReadSize()),
        [self = shared_from_this(), &d](ErrorCode ec, size_t n) { self->OnRead(d, ec, n); });
  }

  void OnRead(Direction& d, ErrorCode ec, size_t n) {
    d.reading = false;
    if (closed_) return;
    if (ec) {
      if (ec != asio::error::eof) return Cut(false);
      d.stop_reading = true;
      return Enqueue(d, ChunkKind::kEof, {});
    }
    std::string_view data(d.buffer.data(), n);
    if (dropping_) ArmQuietTimer();
    if (d.up) {
      if (drop_response_) ObserveClient(data);
      uint64_t limit = proxy_.options_.reset_after_bytes;
      if (limit > 0 && d.bytes_read + n >= limit) {
        auto allowed = static_cast<size_t>(limit > d.bytes_read ? limit - d.bytes_read : 0);
        d.bytes_read += allowed;
        d.stop_reading = true;
        if (allowed > 0) Enqueue(d, ChunkKind::kData, data.substr(0, allowed));
        return Enqueue(d, ChunkKind::kReset, {});
      }
    } else if (dropping_) {
      d.bytes_read += n;  // the answer is swallowed
      return Read(d);
    } else if (drop_response_) {
      size_t at = FindAnswer(data);
      if (at != std::string_view::npos) {
        if (!tls_) {
          proxy_.dropped_.fetch_add(1);
          return Cut(true);
        }
        dropping_ = true;
        ArmQuietTimer();
        data = data.substr(0, at);
      }
    }
    d.bytes_read += n;
    if (!data.empty()) Enqueue(d, ChunkKind::kData, data);
    Read(d);
  }

  // Client bytes, for a drop: whether this is TLS, and how many application-data records.
  void ObserveClient(std::string_view data) {
    if (!seen_client_bytes_) {
      seen_client_bytes_ = true;
      tls_ = data.size() >= 2 && static_cast<uint8_t>(data[0]) == kTlsHandshake && data[1] == 3;
    }
    if (!tls_) return;
    up_.records.Feed(data, [&](size_t, uint8_t type) {
      if (type == kTlsApplicationData) ++client_app_records_;
      return false;
    });
  }

  // Where the server's answer starts in `data`, or npos if it is not in there.
  size_t FindAnswer(std::string_view data) {
    if (!tls_) return 0;  // plain: the first bytes from the server are the answer
    return down_.records.Feed(data, [&](size_t, uint8_t type) {
      if (type != kTlsApplicationData) return false;
      // Encrypted records from the server before the client sent any mean TLS 1.3, where the
      // client's first encrypted record is its Finished, not its request.
      if (client_app_records_ == 0) tls13_ = true;
      return client_app_records_ >= (tls13_ ? 2 : 1);
    });
  }

  void ArmQuietTimer() {
    quiet_timer_.expires_after(std::chrono::milliseconds(kTlsDropQuietMs));
    quiet_timer_.async_wait([self = shared_from_this()](ErrorCode ec) {
      if (ec || self->closed_) return;
      if (self->up_.queued_bytes > 0 || self->up_.busy) return self->ArmQuietTimer();
      self->proxy_.dropped_.fetch_add(1);
      self->Cut(true);
    });
  }

  void Enqueue(Direction& d, ChunkKind kind, std::string_view data) {
    const Options& options = proxy_.options_;
    SteadyClock::time_point release = SteadyClock::now();
    if (options.rate_bytes_per_s > 0 && !data.empty()) {
      auto transmit = std::chrono::nanoseconds(static_cast<int64_t>(
          static_cast<double>(data.size()) * 1e9 / static_cast<double>(options.rate_bytes_per_s)));
      d.link_free = std::max(d.link_free, release) +
                    std::chrono::duration_cast<SteadyClock::duration>(transmit);
      release = d.link_free;
    }
    release += std::chrono::milliseconds(options.delay_ms);
    d.queue.push_back(Chunk{kind, std::string(data), release});
    d.queued_bytes += data.size();
    Pump(d);
  }

  void Pump(Direction& d) {
    if (closed_ || d.busy || d.queue.empty()) return;
    if (d.queue.front().release > SteadyClock::now()) {
      d.busy = true;
      d.timer.expires_at(d.queue.front().release);
      d.timer.async_wait([self = shared_from_this(), &d](ErrorCode ec) {
        d.busy = false;
        if (ec || self->closed_) return;
        self->Pump(d);
      });
      return;
    }
    Chunk chunk = std::move(d.queue.front());
    d.queue.pop_front();
    d.queued_bytes -= chunk.data.size();
    switch (chunk.kind) {
      case ChunkKind::kData:
        d.busy = true;
        d.in_flight = std::move(chunk.data);
        asio::async_write(*d.to, asio::buffer(d.in_flight),
                          [self = shared_from_this(), &d](ErrorCode ec, size_t n) {
                            d.busy = false;
                            if (self->closed_) return;
                            if (ec) return self->Cut(false);
                            (d.up ? self->proxy_.up_bytes_ : self->proxy_.down_bytes_).fetch_add(n);
                            self->Read(d);
                            self->Pump(d);
                          });
        return;
      case ChunkKind::kEof: {
        ErrorCode ignored;
        d.to->shutdown(tcp::socket::shutdown_send, ignored);
        d.finished = true;
        if (up_.finished && down_.finished) Close();
        return;
      }
      case ChunkKind::kReset:
        return Cut(true);
    }
  }

  Impl& proxy_;
  const uint64_t id_;
  const bool drop_response_;
  tcp::socket client_;
  tcp::socket server_;
  tcp::resolver resolver_;
  asio::steady_timer quiet_timer_;
  Direction up_;
  Direction down_;
  bool closed_ = false;
  bool seen_client_bytes_ = false;
  bool tls_ = false;
  bool tls13_ = false;
  uint64_t client_app_records_ = 0;
  bool dropping_ = false;
};

std::vector<std::shared_ptr<FaultProxy::Impl::Pair>> FaultProxy::Impl::Snapshot() const {
  std::vector<std::shared_ptr<Pair>> out;
  out.reserve(pairs_.size());
  for (const auto& [id, pair] : pairs_) out.push_back(pair);
  return out;
}

Status FaultProxy::Impl::Start() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (running_ || stopped_) return FailedPrecondition("the fault proxy was already started");
  const std::string where = options_.listen_host + ":" + std::to_string(options_.listen_port);
  ErrorCode ec;
  tcp::resolver resolver(ioc_);
  auto endpoints = resolver.resolve(options_.listen_host, std::to_string(options_.listen_port),
                                    tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return InvalidArgument("cannot resolve the listen address " + where + ": " + ec.message());
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  if (acceptor_.open(endpoint.protocol(), ec) ||
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor_.bind(endpoint, ec) ||
      acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
    return Unavailable("cannot listen on " + where + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  Accept();
  ArmResetTimer();
  running_ = true;
  thread_ = std::thread([this] {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "cairn-faultproxy: %s\n", e.what());
      }
    }
  });
  return Status::Ok();
}

void FaultProxy::Impl::Accept() {
  acceptor_.async_accept([this](ErrorCode ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (!ec) {
      connections_.fetch_add(1);
      bool drop = drops_remaining_ > 0;
      if (drop) --drops_remaining_;
      uint64_t id = next_id_++;
      auto pair = std::make_shared<Pair>(*this, std::move(socket), id, drop);
      pairs_[id] = pair;
      open_.store(pairs_.size());
      pair->Begin();
    }
    Accept();
  });
}

void FaultProxy::Impl::ArmResetTimer() {
  ++reset_generation_;
  reset_timer_.cancel();
  if (options_.reset_every_ms > 0) ScheduleReset(reset_generation_);
}

void FaultProxy::Impl::ScheduleReset(uint64_t generation) {
  reset_timer_.expires_after(std::chrono::milliseconds(options_.reset_every_ms));
  reset_timer_.async_wait([this, generation](ErrorCode ec) {
    if (ec || generation != reset_generation_) return;
    for (const auto& pair : Snapshot()) pair->Cut(true);
    ScheduleReset(generation);
  });
}

void FaultProxy::Impl::SetOptions(const Options& options) {
  auto apply = [this, options] {
    std::string listen_host = std::move(options_.listen_host);
    uint16_t listen_port = options_.listen_port;
    options_ = options;
    options_.listen_host = std::move(listen_host);
    options_.listen_port = listen_port;
    drops_remaining_ = options_.drop_first_responses;
    ArmResetTimer();
  };
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (!running_) return apply();
  std::promise<void> done;
  asio::post(ioc_, [&] {
    apply();
    done.set_value();
  });
  done.get_future().wait();
}

void FaultProxy::Impl::Stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (!running_) return;
  asio::post(ioc_, [this] {
    ErrorCode ignored;
    acceptor_.close(ignored);
    ++reset_generation_;
    reset_timer_.cancel();
    for (const auto& pair : Snapshot()) pair->Close();
    ioc_.stop();
  });
  thread_.join();
  running_ = false;
  stopped_ = true;
}

FaultProxy::FaultProxy(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
FaultProxy::~FaultProxy() {
  try {
    Stop();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; joining failed
  }
}
Status FaultProxy::Start() { return impl_->Start(); }
uint16_t FaultProxy::port() const { return impl_->port(); }
void FaultProxy::SetOptions(const Options& options) { impl_->SetOptions(options); }
FaultProxy::Stats FaultProxy::stats() const { return impl_->stats(); }
void FaultProxy::Stop() { impl_->Stop(); }

}  // namespace cairn
