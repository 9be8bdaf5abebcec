#include "http/http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/compression.h"
#include "cairn/v1/sync.pb.h"
#include "http/file_range_body.h"
#include "http/log.h"
#include "http/read_ahead_stream.h"

namespace cairn::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// Responses smaller than this are sent as they are: compressing them saves next to nothing.
constexpr size_t kCompressMinBytes = 1024;
// Bounds on reading and discarding the body of a refused request (see the header comment).
constexpr uint64_t kDrainMaxBytes = uint64_t{64} << 20;
constexpr auto kDrainMaxTime = std::chrono::seconds(30);
constexpr auto kDrainIdleTimeout = std::chrono::seconds(5);
constexpr auto kShutdownTimeout = std::chrono::seconds(5);
// The read buffer of a streamed chunk upload (the upload itself holds one chunk). With a
// Content-Length the body is read straight from the TLS stream in reads this large (many TLS
// records each), not one record at a time through the HTTP parser.
constexpr size_t kUploadReadBytes = size_t{64} * 1024;
constexpr size_t kUploadPieceBytes = size_t{1} << 20;
// Pieces of a body of known length in memory at once, per upload: one being read, one being
// stored, one lent to the upload while its write finishes (BlobWriter::AppendLent) and the
// rest waiting, so that a store that pauses (an fsync) does not stop the reads at once.
constexpr size_t kUploadPieces = 5;
// While a body of known length is read, the TLS stream's own reads (one record each) are served
// from reads of the socket this large (ReadAheadStream).
constexpr size_t kUploadReadAheadBytes = size_t{256} * 1024;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Errors that only mean the peer went away; not worth a log line above debug.
bool IsDisconnect(const beast::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated ||
         ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == http::error::end_of_stream || ec == http::error::partial_message;
}

class Session;

// A chunk upload's body of known length in flight (Session::StartUploadPipe): pieces of
// kUploadPieceBytes read from the stream and not yet stored. Used on the session's strand only;
// the piece being stored is read by the store pool meanwhile and not touched here.
struct UploadPipe {
  // A piece's memory, aligned so that the store can write whole chunks in it straight to the
  // disk (BlobFile::WriteAt); a read puts body byte N at N % kUploadPieceBytes.
  struct FreeAligned {
    void operator()(char* memory) const { std::free(memory); }  // NOLINT(*-no-malloc)
  };
  using Piece = std::unique_ptr<char, FreeAligned>;
  struct Filled {
    size_t piece;
    size_t begin;
    size_t bytes;
  };

  std::array<Piece, kUploadPieces> pieces;  // allocated when first used
  std::vector<size_t> free;                 // pieces to read into
  std::deque<Filled> filled;                // read and not yet stored, in body order
  uint64_t left = 0;                        // body bytes not yet read
  uint64_t offset = 0;                      // body bytes read
  bool reading = false;                     // a read into a piece is in flight
  bool storing = false;                     // filled.front() is being stored
  std::optional<size_t> lent;               // stored, its bytes still read by the upload
  std::optional<beast::error_code> cut;     // the stream failed
  Status refused;                           // the upload refused a piece
};

// What sessions share with the server and each other. Held by shared_ptr from every session,
// so that it outlives them however the io_context is torn down.
struct Shared {
  Shared(Service& s, Metrics& m, ssl::context& t, HttpServerOptions o, asio::io_context& i,
         asio::thread_pool::executor_type st)
      : service(s), metrics(m), tls(t), options(std::move(o)), ioc(i), store(std::move(st)) {}

  // Registers a new session; 0 when the server is stopping (the session should just end).
  uint64_t Add(const std::weak_ptr<Session>& session) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (stopping) return 0;
    const uint64_t id = ++next_id;
    sessions.emplace(id, session);
    return id;
  }

  void Remove(uint64_t id) {
    const std::lock_guard<std::mutex> lock(mutex);
    if (id != 0) sessions.erase(id);
    StopIfDrainedLocked();
  }

  // Called with `mutex` held.
  void StopIfDrainedLocked() {
    if (stopping && listener_closed && sessions.empty() && !destroying) ioc.stop();
  }

  Service& service;
  Metrics& metrics;
  ssl::context& tls;
  const HttpServerOptions options;
  asio::io_context& ioc;
  // Threads for a chunk upload's blocking work (hashing, writing, fsync), so that the io
  // threads go on reading its body meanwhile.
  asio::thread_pool::executor_type store;

  std::mutex mutex;
  std::map<uint64_t, std::weak_ptr<Session>> sessions;  // GUARDED_BY(mutex)
  uint64_t next_id = 0;                                 // GUARDED_BY(mutex)
  bool stopping = false;                                // GUARDED_BY(mutex)
  bool listener_closed = false;                         // GUARDED_BY(mutex)
  bool destroying = false;                              // GUARDED_BY(mutex)
};

// One TLS connection. Every member function runs on the connection's strand, except
// AppendToUpload and FinishUploadNow, which a chunk upload runs on the store pool while the
// strand leaves upload_ alone (UploadPipe).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket), shared->tls), shared_(std::move(shared)) {
    shared_->metrics.ConnectionOpened();
    beast::error_code ec;
    const tcp::endpoint remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) peer_ = remote.address().to_string() + ":" + std::to_string(remote.port());
  }

  ~Session() {
    shared_->metrics.ConnectionClosed();
    shared_->Remove(id_);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start() {
    id_ = shared_->Add(weak_from_this());
    if (id_ == 0) return;  // stopping: the socket closes as this session goes
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::DoHandshake, shared_from_this()));
  }

  // From HttpServer::Stop(), posted to the strand.
  void Shutdown() {
    closing_ = true;
    const bool idle = state_ == State::kHandshake || (state_ == State::kReadingHeader && parser_ &&
                                                      !parser_->got_some() && buffer_.size() == 0);
    if (idle) {
      beast::error_code ec;
      beast::get_lowest_layer(stream_).socket().cancel(ec);
    }
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  enum class State : uint8_t { kHandshake, kReadingHeader, kBusy, kClosing };

  const HttpServerOptions& options() const { return shared_->options; }

  void DoHandshake() {
    state_ = State::kHandshake;
    beast::get_lowest_layer(stream_).expires_after(options().handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      // Scanners and clients that do not trust the certificate end here; not an error of ours.
      log::Debug("tls handshake failed", {{"peer", peer_}, {"error", ec.message()}});
      return;
    }
    if (closing_) return DoClose();
    DoReadHeader();
  }

  void DoReadHeader() {
    state_ = State::kReadingHeader;
    response_.reset();
    drain_after_write_ = false;
    if (buffer_.capacity() > size_t{64} * 1024 && buffer_.size() == 0) buffer_.shrink_to_fit();
    parser_.emplace();
    parser_->header_limit(options().header_limit);
    // No limit yet: the parser would refuse a large Content-Length as a read error, before we
    // could answer it. OnReadHeader() sets the limit.
    parser_->body_limit(boost::none);
    beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnReadHeader, shared_from_this()));
  }

  void OnReadHeader(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    state_ = State::kBusy;
    start_ = SteadyClock::now();
    const auto& header = parser_->get();
    route_ = RouteOf(header.target());
    method_ = std::string(header.method_string());
    accept_ = std::string(header[http::field::accept]);
    // Blob chunks stream into the Service as they arrive, whatever their size.
    if (Service::IsChunkUpload(header.method_string(), header.target())) {
      return StartChunkUpload();
    }

    const boost::optional<uint64_t> length = parser_->content_length();
    if (length && *length > options().body_limit) {
      const bool expects_continue = beast::iequals(header[http::field::expect], "100-continue");
      // A client that waits for "100 Continue" sends nothing more; any other sends the body,
      // which is read and discarded so that it sees the answer.
      drain_after_write_ = !expects_continue;
      drain_remaining_ = *length - std::min<uint64_t>(*length, buffer_.size());
      return RespondTooLarge();
    }
    parser_->body_limit(options().body_limit);
    if (beast::iequals(header[http::field::expect], "100-continue") && !parser_->is_done()) {
      interim_.emplace(http::status::continue_, header.version());
      interim_->set(http::field::server, "cairn");
      beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
      return http::async_write(
          stream_, *interim_,
          beast::bind_front_handler(&Session::OnWriteContinue, shared_from_this()));
    }
    DoReadBody();
  }

  void OnWriteContinue(beast::error_code ec, size_t /*bytes*/) {
    interim_.reset();
    if (ec) {
      if (upload_) (void)EndUpload(Unavailable("the connection ended: " + ec.message()));
      return OnReadError(ec);
    }
    if (upload_) return DoReadChunkBody();
    DoReadBody();
  }

  // --- POST /v1/blobs/{sha}/chunks/{first}: the body is fed to a ChunkUpload as it arrives,
  // through a buffer_body parser, so memory stays at one chunk plus one read buffer. ---

  void StartChunkUpload() {
    const auto& header = parser_->get();
    const bool keep_alive = header.keep_alive();
    const boost::optional<uint64_t> length = parser_->content_length();
    const bool expects_continue = beast::iequals(header[http::field::expect], "100-continue");
    accepts_zstd_ = AcceptsZstd(header[http::field::accept_encoding]);
    // An answer before the body: the unread body is drained (bounded) unless the client waits
    // for 100 Continue, and the connection then closes.
    const auto refuse = [&](Response response) {
      const bool body_follows = !parser_->is_done();
      drain_after_write_ = body_follows && !expects_continue;
      drain_remaining_ =
          length ? *length - std::min<uint64_t>(*length, buffer_.size()) : kDrainMaxBytes;
      Send(std::move(response), keep_alive && !body_follows);
    };
    const std::string encoding = Lower(Trim(header[http::field::content_encoding]));
    if (!encoding.empty() && encoding != "identity") {
      return refuse(ErrorResponse(
          accept_,
          InvalidArgument("chunk bytes are sent without Content-Encoding (they are verified "
                          "against their hashes as they arrive), not '" +
                          encoding + "'"),
          HttpRefinement::kUnsupportedMediaType));
    }
    Request head;
    head.method = method_;
    head.target = std::string(header.target());
    head.authorization = std::string(header[http::field::authorization]);
    head.content_type = std::string(header[http::field::content_type]);
    head.accept = accept_;
    ChunkUploadStart start;
    try {
      start = shared_->service.BeginChunks(
          head, length ? std::optional<uint64_t>(*length) : std::nullopt);
    } catch (const std::exception& e) {
      log::Error("request handler threw", {{"route", route_}, {"error", e.what()}});
      return refuse(
          ErrorResponse(accept_, Internal(std::string("the server failed: ") + e.what())));
    }
    if (!start.upload) return refuse(std::move(start.response));
    upload_ = std::move(start.upload);
    upload_keep_alive_ = keep_alive;
    const unsigned version = header.version();
    if (length && !parser_->chunked()) {
      // The length is known: read exactly the body from the stream, in large reads.
      parser_.reset();
      StartUploadPipe(*length);
    } else {
      chunk_parser_.emplace(std::move(*parser_));
      parser_.reset();
      // The upload refuses bytes past the blob's end, so the parser needs no limit of its own.
      chunk_parser_->body_limit(boost::none);
      upload_buffer_.resize(kUploadReadBytes);
    }
    const bool body_follows = pipe_ ? pipe_->left > 0 : !chunk_parser_->is_done();
    if (expects_continue && body_follows) {
      interim_.emplace(http::status::continue_, version);
      interim_->set(http::field::server, "cairn");
      beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
      return http::async_write(
          stream_, *interim_,
          beast::bind_front_handler(&Session::OnWriteContinue, shared_from_this()));
    }
    DoReadChunkBody();
  }

  void DoReadChunkBody() {
    if (pipe_) return PumpUpload();
    if (chunk_parser_->is_done()) return Send(EndUpload(Status()), upload_keep_alive_);
    auto& body = chunk_parser_->get().body();
    body.data = upload_buffer_.data();
    body.size = upload_buffer_.size();
    body.more = true;
    beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
    http::async_read_some(stream_, buffer_, *chunk_parser_,
                          beast::bind_front_handler(&Session::OnReadChunkBody, shared_from_this()));
  }

  void OnReadChunkBody(beast::error_code ec, size_t /*bytes*/) {
    if (ec == http::error::need_buffer) ec = {};
    const size_t got = upload_buffer_.size() - chunk_parser_->get().body().size;
    bytes_in_ += got;
    if (got > 0) {
      Status appended = AppendToUpload(std::string_view(upload_buffer_.data(), got));
      if (!appended.ok()) {
        // Stop reading; drain what the client still sends (bounded) so that it sees why.
        const boost::optional<uint64_t> remaining = chunk_parser_->content_length_remaining();
        drain_after_write_ = !chunk_parser_->is_done();
        drain_remaining_ = remaining ? *remaining : kDrainMaxBytes;
        return Send(EndUpload(appended), /*keep_alive=*/false);
      }
    }
    if (ec) {
      // Cut mid-body: every chunk verified so far is made durable and kept.
      Response ended = EndUpload(Unavailable("the body was cut: " + ec.message()));
      if (ec.category() == beast::error_code(http::error::partial_message).category() &&
          ec != http::error::partial_message) {
        return Send(std::move(ended), /*keep_alive=*/false);  // malformed chunked encoding
      }
      return OnReadError(ec);
    }
    DoReadChunkBody();
  }

  // --- A chunk body of known length: a pipeline (UploadPipe). Pieces are read from the TLS
  // stream on this strand while earlier ones are stored on the store pool, one at a time and in
  // order. Nothing in flight and nothing left to do: the upload ends (also on the pool, since
  // it fsyncs) and its answer is sent. ---

  void StartUploadPipe(uint64_t length) {
    pipe_.emplace();
    pipe_->left = length;
    stream_.next_layer().ReadAhead(kUploadReadAheadBytes);
    for (size_t i = 0; i < pipe_->pieces.size(); ++i) pipe_->free.push_back(i);
    // What was read with the header comes first (Beast reads at most 64 KiB at a time, so it
    // fits in the pieces).
    while (buffer_.size() > 0 && pipe_->left > 0 && !pipe_->free.empty()) {
      const auto begin = static_cast<size_t>(pipe_->offset % kUploadPieceBytes);
      const auto take = static_cast<size_t>(
          std::min<uint64_t>({buffer_.size(), pipe_->left, kUploadPieceBytes - begin}));
      const size_t piece = TakeFreePiece();
      std::memcpy(pipe_->pieces[piece].get() + begin, buffer_.data().data(), take);
      buffer_.consume(take);
      PieceRead(piece, begin, take);
    }
  }

  size_t TakeFreePiece() {
    const size_t piece = pipe_->free.back();
    pipe_->free.pop_back();
    UploadPipe::Piece& memory = pipe_->pieces[piece];
    if (!memory) {
      memory.reset(static_cast<char*>(std::aligned_alloc(4096, kUploadPieceBytes)));
      if (!memory) throw std::bad_alloc();
    }
    return piece;
  }

  void PieceRead(size_t piece, size_t begin, size_t bytes) {
    pipe_->left -= bytes;
    pipe_->offset += bytes;
    bytes_in_ += bytes;
    if (bytes > 0) {
      pipe_->filled.push_back({piece, begin, bytes});
    } else {
      pipe_->free.push_back(piece);
    }
  }

  void PumpUpload() {
    UploadPipe& pipe = *pipe_;
    const bool stopped = !pipe.refused.ok() || pipe.cut;
    if (!pipe.reading && !stopped && pipe.left > 0 && !pipe.free.empty()) ReadPiece();
    if (!pipe.storing && pipe.refused.ok() && !pipe.filled.empty()) StorePiece();
    if (pipe.reading || pipe.storing) return;
    if (!pipe.refused.ok()) {
      // Append refused the body: answer why, draining (bounded) what the client still sends.
      drain_after_write_ = pipe.left > 0;
      drain_remaining_ = pipe.left;
      return FinishUpload(pipe.refused, [this](Response response) {
        Send(std::move(response), /*keep_alive=*/false);
      });
    }
    if (pipe.cut) {
      // Cut mid-body: every chunk verified so far is made durable and kept.
      const beast::error_code ec = *pipe.cut;
      return FinishUpload(Unavailable("the body was cut: " + ec.message()),
                          [this, ec](const Response& /*unsent*/) { OnReadError(ec); });
    }
    if (pipe.left == 0 && pipe.filled.empty()) {
      return FinishUpload(
          Status(), [this](Response response) { Send(std::move(response), upload_keep_alive_); });
    }
  }

  // Reads the next piece. Reads end on multiples of kUploadPieceBytes of the body and put each
  // byte at its body offset modulo that size, so that whole chunks lie at aligned addresses,
  // which the store writes without copying.
  void ReadPiece() {
    UploadPipe& pipe = *pipe_;
    const size_t piece = TakeFreePiece();
    const auto begin = static_cast<size_t>(pipe.offset % kUploadPieceBytes);
    const auto want = static_cast<size_t>(std::min<uint64_t>(pipe.left, kUploadPieceBytes - begin));
    pipe.reading = true;
    beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
    // The idle timeout is renewed as bytes arrive (every TLS record): on a slow link one read
    // of a piece can take longer than it.
    asio::async_read(
        stream_, asio::buffer(pipe.pieces[piece].get() + begin, want),
        [this, want](const beast::error_code& ec, size_t done) -> size_t {
          if (ec || done >= want) return 0;
          beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
          return want - done;
        },
        [self = shared_from_this(), piece, begin](beast::error_code ec, size_t got) {
          self->OnPieceRead(piece, begin, ec, got);
        });
  }

  void OnPieceRead(size_t piece, size_t begin, beast::error_code ec, size_t got) {
    pipe_->reading = false;
    PieceRead(piece, begin, got);
    if (ec) pipe_->cut = ec;
    PumpUpload();
  }

  // Stores the oldest piece read on the store pool; the answer comes back to this strand.
  void StorePiece() {
    UploadPipe& pipe = *pipe_;
    pipe.storing = true;
    const UploadPipe::Filled& next = pipe.filled.front();
    const std::string_view data(pipe.pieces[next.piece].get() + next.begin, next.bytes);
    asio::post(shared_->store, [self = shared_from_this(), data] {
      Status stored = self->AppendToUpload(data, /*lent=*/true);
      asio::post(self->stream_.get_executor(), [self, stored = std::move(stored)]() mutable {
        self->OnPieceStored(std::move(stored));
      });
    });
  }

  void OnPieceStored(Status stored) {
    UploadPipe& pipe = *pipe_;
    pipe.storing = false;
    // This piece stays lent to the upload until the next one is stored; the one lent before is
    // free again.
    if (pipe.lent) pipe.free.push_back(*pipe.lent);
    pipe.lent = pipe.filled.front().piece;
    pipe.filled.pop_front();
    if (!stored.ok()) pipe.refused = std::move(stored);
    PumpUpload();
  }

  // Ends the upload on the store pool (Finish makes the chunks durable: fsync and a database
  // write) and hands its answer to `then` on this strand.
  template <typename Then>
  void FinishUpload(Status ended, Then then) {
    asio::post(shared_->store, [self = shared_from_this(), ended = std::move(ended),
                                then = std::move(then)]() mutable {
      Response response = self->FinishUploadNow(ended);
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response), then = std::move(then)]() mutable {
                   self->upload_.reset();
                   self->stream_.next_layer().ReadAhead(0);
                   self->pipe_.reset();  // up to kUploadPieces MiB: not kept by idle connections
                   then(std::move(response));
                 });
    });
  }

  Status AppendToUpload(std::string_view bytes, bool lent = false) {
    try {
      return lent ? upload_->AppendLent(bytes) : upload_->Append(bytes);
    } catch (const std::exception& e) {
      return Internal(std::string("the server failed: ") + e.what());
    }
  }

  // The upload's answer (`ended` OK: the body is complete).
  Response FinishUploadNow(const Status& ended) {
    try {
      return upload_->Finish(ended);
    } catch (const std::exception& e) {
      log::Error("request handler threw", {{"route", route_}, {"error", e.what()}});
      return ErrorResponse(accept_, Internal(std::string("the server failed: ") + e.what()));
    }
  }

  // Ends the upload on this strand and returns its answer (the chunked-body path).
  Response EndUpload(const Status& ended) {
    Response response = FinishUploadNow(ended);
    upload_.reset();
    chunk_parser_.reset();
    pipe_.reset();
    upload_buffer_ = {};  // not kept by idle connections
    return response;
  }

  void DoReadBody() {
    if (parser_->is_done()) return HandleRequest();
    beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::OnReadBody, shared_from_this()));
  }

  void OnReadBody(beast::error_code ec, size_t /*bytes*/) {
    if (ec == http::error::body_limit) {
      // Chunked, or longer than its Content-Length said: the length of the rest is unknown.
      drain_after_write_ = true;
      drain_remaining_ = kDrainMaxBytes;
      return RespondTooLarge();
    }
    if (ec) return OnReadError(ec);
    DoReadBody();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == ssl::error::stream_truncated ||
        ec == asio::error::eof) {
      // The client closed between requests. Its side is gone: a close_notify exchange would
      // only wait for an answer that never comes, keeping the socket in CLOSE-WAIT.
      state_ = State::kClosing;
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                         ignored);
      beast::get_lowest_layer(stream_).socket().close(ignored);
      return;
    }
    if (ec == asio::error::operation_aborted) return DoClose();  // Shutdown() while idle
    if (ec == beast::error::timeout) return;                     // socket already closed
    if (ec.category() == beast::error_code(http::error::header_limit).category() &&
        ec != http::error::partial_message && ec != http::error::need_more) {
      // A malformed request: answer it and close, since where the next one starts is unknown.
      const bool too_big = ec == http::error::header_limit;
      if (parser_ && !parser_->is_header_done()) {
        route_ = "other";
        method_.clear();
      }
      start_ = SteadyClock::now();
      state_ = State::kBusy;
      const Status status = too_big
                                ? TooLarge("the request headers are larger than " +
                                           std::to_string(options().header_limit / 1024) + " KiB")
                                : InvalidArgument("malformed HTTP request: " + ec.message());
      return Send(ErrorResponse(accept_, status, HttpRefinement::kHeaderFieldsTooLarge),
                  /*keep_alive=*/false);
    }
    if (!IsDisconnect(ec)) {
      log::Warn("read failed", {{"peer", peer_}, {"error", ec.message()}});
    }
  }

  void RespondTooLarge() {
    const Status status =
        TooLarge("the request body is larger than the server's limit of " +
                 std::to_string(options().body_limit >> 20) +
                 " MiB; send fewer changes per request (compressing with zstd also helps)");
    Send(ErrorResponse(accept_, status), /*keep_alive=*/false);
  }

  void HandleRequest() {
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    bytes_in_ = message.body().size();

    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.authorization = std::string(message[http::field::authorization]);
    request.content_type = std::string(message[http::field::content_type]);
    request.accept = std::string(message[http::field::accept]);
    request.range = std::string(message[http::field::range]);
    accepts_zstd_ = AcceptsZstd(message[http::field::accept_encoding]);
    const bool keep_alive = message.keep_alive();

    const std::string encoding = Lower(Trim(message[http::field::content_encoding]));
    if (encoding == "zstd") {
      Result<std::string> body = ZstdDecompress(message.body(), options().body_limit);
      if (!body.ok()) {
        const bool too_large = body.status().code() == Code::kTooLarge;
        const Status status = too_large
                                  ? TooLarge("the request body decompresses to more than " +
                                             std::to_string(options().body_limit >> 20) +
                                             " MiB; send fewer changes per request")
                                  : InvalidArgument(
                                        "the request body is not valid zstd (Content-Encoding: "
                                        "zstd): " +
                                        body.status().message());
        return Send(ErrorResponse(request.accept, status), keep_alive);
      }
      request.body = std::move(body).value();
    } else if (encoding.empty() || encoding == "identity") {
      request.body = std::move(message.body());
    } else {
      return Send(ErrorResponse(request.accept,
                                InvalidArgument("Content-Encoding '" + encoding +
                                                "' is not supported; send zstd or no encoding"),
                                HttpRefinement::kUnsupportedMediaType),
                  keep_alive);
    }

    Response response;
    try {
      response = shared_->service.Handle(request);
    } catch (const std::exception& e) {
      // Nothing below should throw; a library failure (e.g. out of memory) becomes a 500.
      log::Error("request handler threw", {{"route", route_}, {"error", e.what()}});
      response =
          ErrorResponse(request.accept, Internal(std::string("the server failed: ") + e.what()));
    }
    Send(std::move(response), keep_alive);
  }

  void Send(Response response, bool keep_alive) {
    if (response.file) return SendFile(std::move(response), keep_alive);
    status_ = response.status;
    auto& out = response_.emplace();
    out.version(11);
    out.result(static_cast<unsigned>(response.status));
    out.set(http::field::server, "cairn");
    out.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) out.insert(name, value);
    if (response.body.size() >= kCompressMinBytes) {
      out.set(http::field::vary, "Accept-Encoding");
      if (accepts_zstd_) {
        std::string compressed = ZstdCompress(response.body);
        if (compressed.size() < response.body.size()) {
          response.body = std::move(compressed);
          out.set(http::field::content_encoding, "zstd");
        }
      }
    }
    out.body() = std::move(response.body);
    bytes_out_ = out.body().size();
    out.keep_alive(keep_alive && !closing_ && !drain_after_write_);
    out.prepare_payload();
    state_ = State::kBusy;
    beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
    http::async_write(stream_, out,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  // A response whose body is a range of a file (a blob), read in pieces as it is sent.
  void SendFile(Response response, bool keep_alive) {
    auto& out = file_response_.emplace();
    const Response::FileRange& range = *response.file;
    if (Status opened = out.body().Open(range.path, range.offset, range.length); !opened.ok()) {
      file_response_.reset();
      log::Error("cannot send a blob", {{"error", opened.message()}});
      return Send(ErrorResponse(accept_, Internal("the server cannot read the blob")), keep_alive);
    }
    status_ = response.status;
    out.version(11);
    out.result(static_cast<unsigned>(response.status));
    out.set(http::field::server, "cairn");
    out.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) out.insert(name, value);
    bytes_out_ = range.length;
    out.keep_alive(keep_alive && !closing_ && !drain_after_write_);
    out.prepare_payload();
    state_ = State::kBusy;
    beast::get_lowest_layer(stream_).expires_after(options().idle_timeout);
    http::async_write(stream_, out,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t /*bytes*/) {
    const double seconds = SecondsSince(start_);
    shared_->metrics.CountRequest(route_, status_, seconds, bytes_in_, bytes_out_);
    log::Info("request", {{"method", method_},
                          {"route", route_},
                          {"status", status_},
                          {"ms", seconds * 1000},
                          {"bytes_in", bytes_in_},
                          {"bytes_out", bytes_out_},
                          {"peer", peer_}});
    const bool keep_alive =
        (response_ && response_->keep_alive()) || (file_response_ && file_response_->keep_alive());
    response_.reset();
    file_response_.reset();
    bytes_in_ = 0;
    bytes_out_ = 0;
    accept_.clear();
    accepts_zstd_ = false;
    if (ec) {
      if (!IsDisconnect(ec)) log::Warn("write failed", {{"peer", peer_}, {"error", ec.message()}});
      return;
    }
    if (drain_after_write_) return DoDrain();
    if (!keep_alive || closing_) return DoClose();
    DoReadHeader();
  }

  // Reads and discards what the client still sends of a refused body, within bounds.
  void DoDrain() {
    state_ = State::kClosing;
    drain_deadline_ = SteadyClock::now() + kDrainMaxTime;
    const uint64_t buffered = buffer_.size();
    buffer_.consume(buffer_.size());
    drain_remaining_ -= std::min(drain_remaining_, buffered);
    drain_remaining_ = std::min(drain_remaining_, kDrainMaxBytes);
    drain_buffer_.resize(size_t{16} * 1024);
    ContinueDrain();
  }

  void ContinueDrain() {
    if (drain_remaining_ == 0 || SteadyClock::now() > drain_deadline_) return DoClose();
    beast::get_lowest_layer(stream_).expires_after(kDrainIdleTimeout);
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            beast::bind_front_handler(&Session::OnDrain, shared_from_this()));
  }

  void OnDrain(beast::error_code ec, size_t bytes) {
    if (ec) {
      if (ec == beast::error::timeout) return;
      return DoClose();
    }
    drain_remaining_ -= std::min<uint64_t>(drain_remaining_, bytes);
    ContinueDrain();
  }

  void DoClose() {
    state_ = State::kClosing;
    beast::get_lowest_layer(stream_).expires_after(kShutdownTimeout);
    stream_.async_shutdown(beast::bind_front_handler(&Session::OnShutdown, shared_from_this()));
  }

  void OnShutdown(beast::error_code /*ec*/) {
    // The peer may have closed first or never answer the close_notify; either way we are done,
    // and the socket closes as the session goes.
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  beast::ssl_stream<ReadAheadStream<beast::tcp_stream>> stream_;
  std::shared_ptr<Shared> shared_;
  uint64_t id_ = 0;
  std::string peer_ = "?";
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> interim_;
  std::optional<http::response<http::string_body>> response_;
  std::optional<http::response<FileRangeBody>> file_response_;
  // A streamed chunk upload in progress (StartChunkUpload).
  std::optional<http::request_parser<http::buffer_body>> chunk_parser_;
  std::unique_ptr<ChunkUpload> upload_;
  std::vector<char> upload_buffer_;
  // A chunk upload with a Content-Length in progress (read without the parser).
  std::optional<UploadPipe> pipe_;
  bool upload_keep_alive_ = false;
  State state_ = State::kHandshake;
  bool closing_ = false;

  // The exchange in progress.
  SteadyClock::time_point start_{};
  std::string route_ = "other";
  std::string method_;
  std::string accept_;
  bool accepts_zstd_ = false;
  int status_ = 0;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;

  bool drain_after_write_ = false;
  uint64_t drain_remaining_ = 0;
  SteadyClock::time_point drain_deadline_{};
  std::vector<char> drain_buffer_;
};

}  // namespace

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const auto usage = [&](std::string_view why) {
    return InvalidArgument("listen address '" + std::string(text) + "' " + std::string(why) +
                           "; use HOST:PORT, e.g. 127.0.0.1:8443, 0.0.0.0:8443 or [::1]:8443");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return usage("has no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return usage("has an IPv6 host without brackets");
  }
  if (host.empty()) return usage("has no host");
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return usage("has no valid port");
  }
  const unsigned long port = std::stoul(std::string(port_text));
  if (port > 65535) return usage("has a port above 65535");
  return ListenAddress{std::string(host), static_cast<uint16_t>(port)};
}

std::string HttpsUrl(std::string_view host, uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  return "https://" + std::string(v6 ? "[" : "") + std::string(host) + (v6 ? "]" : "") + ":" +
         std::to_string(port);
}

std::string_view RouteOf(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  // Blob and submission routes carry ids: label them by their pattern, so that hostile paths
  // cannot grow the metrics table.
  const auto segments = [](std::string_view rest) {
    return static_cast<size_t>(std::count(rest.begin(), rest.end(), '/')) + 1;
  };
  if (constexpr std::string_view kBlobs = "/v1/blobs/"; path.starts_with(kBlobs)) {
    const std::string_view rest = path.substr(kBlobs.size());
    const size_t n = segments(rest);
    if (n == 1) return "/v1/blobs/{sha256}";
    if (n == 2 && rest.ends_with("/status")) return "/v1/blobs/{sha256}/status";
    if (n == 3 && rest.find("/chunks/") != std::string_view::npos) {
      return "/v1/blobs/{sha256}/chunks/{first}";
    }
    return "other";
  }
  if (constexpr std::string_view kSubmissions = "/v1/submissions/";
      path.starts_with(kSubmissions)) {
    const std::string_view rest = path.substr(kSubmissions.size());
    if (segments(rest) == 2 && rest.ends_with("/status")) return "/v1/submissions/{id}/status";
    return "other";
  }
  if (constexpr std::string_view kIssuer = "/v1/issuer/submissions"; path.starts_with(kIssuer)) {
    const std::string_view rest = path.substr(kIssuer.size());
    if (rest.empty()) return kIssuer;
    const size_t n = rest.starts_with('/') ? segments(rest.substr(1)) : 0;
    if (n == 1) return "/v1/issuer/submissions/{id}";
    if (n == 2 && rest.ends_with("/assessment")) return "/v1/issuer/submissions/{id}/assessment";
    if (n == 2 && rest.ends_with("/decision")) return "/v1/issuer/submissions/{id}/decision";
    if (n == 3 && rest.find("/evidence/") != std::string_view::npos) {
      return "/v1/issuer/submissions/{id}/evidence/{sha256}";
    }
    return "other";
  }
  static constexpr std::array<std::string_view, 5> kRoutes = {"/v1/enrol", "/v1/push", "/v1/pull",
                                                              "/healthz", "/metrics"};
  for (const std::string_view route : kRoutes) {
    if (path == route) return route;
  }
  return "other";
}

bool AcceptsZstd(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const size_t semicolon = item.find(';');
    const std::string coding = Lower(Trim(item.substr(0, semicolon)));
    if (coding != "zstd") continue;
    if (semicolon == std::string_view::npos) return true;
    // "q=0", "q=0.0", "q=0.000" refuse it; any other weight accepts it.
    std::string params = Lower(item.substr(semicolon + 1));
    params.erase(
        std::remove_if(params.begin(), params.end(), [](char c) { return c == ' ' || c == '\t'; }),
        params.end());
    const size_t q = params.find("q=");
    if (q == std::string::npos) return true;
    const std::string weight = params.substr(q + 2, params.find(';', q) - (q + 2));
    return weight.find_first_not_of("0.") != std::string::npos;
  }
  return false;
}

uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    // Linux refuses RLIM_INFINITY for open files; try a large finite number instead.
    if (raised.rlim_max == RLIM_INFINITY) raised.rlim_max = rlim_t{1} << 20;
    raised.rlim_cur = raised.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return raised.rlim_cur;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : limit.rlim_cur;
}

class HttpServer::Impl {
 public:
  Impl(Service& service, Metrics& metrics, ssl::context& tls, HttpServerOptions options)
      : ioc_(std::max(1, options.threads)),
        store_pool_(static_cast<size_t>(std::max(1, options.threads))),
        shared_(std::make_shared<Shared>(service, metrics, tls, std::move(options), ioc_,
                                         store_pool_.get_executor())),
        acceptor_(asio::make_strand(ioc_)),
        accept_retry_(acceptor_.get_executor()),
        drain_timer_(ioc_) {}

  ~Impl() {
    {
      const std::lock_guard<std::mutex> lock(shared_->mutex);
      shared_->destroying = true;
    }
    beast::error_code ignored;
    acceptor_.close(ignored);
    // Store work in flight ends before the Service it uses can go (after a ForceStop).
    store_pool_.join();
  }

  Status Listen() {
    const ListenAddress& address = shared_->options.listen;
    const std::string where = HttpsUrl(address.host, address.port);
    beast::error_code ec;
    tcp::endpoint endpoint;
    const asio::ip::address ip = asio::ip::make_address(address.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(ip, address.port);
    } else {
      tcp::resolver resolver(ioc_);
      const auto results =
          resolver.resolve(address.host, std::to_string(address.port), tcp::resolver::passive, ec);
      if (ec || results.empty()) {
        return InvalidArgument("cannot resolve the listen host '" + address.host +
                               "': " + (ec ? ec.message() : "no addresses") +
                               " (use an IP address such as 127.0.0.1 or 0.0.0.0)");
      }
      endpoint = results.begin()->endpoint();
    }
    const auto fail = [&](std::string_view step) {
      return Unavailable("cannot listen on " + where + ": " + std::string(step) + ": " +
                         ec.message() +
                         (ec == asio::error::address_in_use
                              ? " (another process has the port; stop it or choose another "
                                "--listen port)"
                              : ""));
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail("open");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("set SO_REUSEADDR");
    acceptor_.bind(endpoint, ec);
    if (ec) return fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    const tcp::endpoint local = acceptor_.local_endpoint(ec);
    if (ec) return fail("local_endpoint");
    port_ = local.port();
    return {};
  }

  uint16_t port() const { return port_; }

  void Run() {
    asio::dispatch(acceptor_.get_executor(), [this] { DoAccept(); });
    const int threads = std::max(1, shared_->options.threads);
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(threads - 1));
    for (int i = 1; i < threads; ++i) pool.emplace_back([this] { RunThread(); });
    RunThread();
    for (std::thread& thread : pool) thread.join();
  }

  void Stop() {
    if (stop_requested_.exchange(true)) return;
    asio::dispatch(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      accept_retry_.cancel();
      std::vector<std::shared_ptr<Session>> sessions;
      {
        const std::lock_guard<std::mutex> lock(shared_->mutex);
        shared_->stopping = true;
        shared_->listener_closed = true;
        for (const auto& [id, weak] : shared_->sessions) {
          if (auto session = weak.lock()) sessions.push_back(std::move(session));
        }
        log::Info("draining", {{"connections", sessions.size()}});
        shared_->StopIfDrainedLocked();
      }
      for (const std::shared_ptr<Session>& session : sessions) {
        asio::post(session->executor(), [session] { session->Shutdown(); });
      }
      drain_timer_.expires_after(shared_->options.drain_timeout);
      drain_timer_.async_wait([this](beast::error_code ec) {
        if (ec) return;
        std::size_t left = 0;
        {
          const std::lock_guard<std::mutex> lock(shared_->mutex);
          left = shared_->sessions.size();
        }
        log::Warn("drain timeout; cutting the remaining connections", {{"connections", left}});
        ioc_.stop();
      });
    });
  }

  void ForceStop() { ioc_.stop(); }

  asio::io_context& io_context() { return ioc_; }

 private:
  void RunThread() {
    // Handlers catch what they can; this is the last line for library failures.
    while (true) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        log::Error("io thread caught an exception", {{"error", e.what()}});
      }
    }
  }

  void DoAccept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&Impl::OnAccept, this));
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open() || ec == asio::error::operation_aborted) return;
    if (ec) {
      const bool out_of_files = ec == asio::error::no_descriptors || ec.value() == ENFILE ||
                                ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
      log::Warn("accept failed", {{"error", ec.message()}});
      if (out_of_files) {
        // Retrying at once would spin; wait for connections to close.
        accept_retry_.expires_after(std::chrono::milliseconds(100));
        accept_retry_.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor_.is_open()) DoAccept();
        });
        return;
      }
      return DoAccept();
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    try {
      std::make_shared<Session>(std::move(socket), shared_)->Start();
    } catch (const std::exception& e) {
      log::Error("cannot start a session", {{"error", e.what()}});
    }
    DoAccept();
  }

  asio::io_context ioc_;
  asio::thread_pool store_pool_;
  std::shared_ptr<Shared> shared_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  asio::steady_timer drain_timer_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_requested_{false};
};

HttpServer::HttpServer(Service& service, Metrics& metrics, ssl::context& tls,
                       HttpServerOptions options)
    : impl_(std::make_unique<Impl>(service, metrics, tls, std::move(options))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Listen() { return impl_->Listen(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::ForceStop() { impl_->ForceStop(); }
asio::io_context& HttpServer::io_context() { return impl_->io_context(); }

}  // namespace cairn::server
