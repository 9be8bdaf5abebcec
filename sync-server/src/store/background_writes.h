// BackgroundWrites: file writes on threads of their own, so that the blob store can check a run
// of chunks (hash them) while the same bytes go to the disk. A direct write (blob_files.h) waits
// for the device, which for a MiB takes about as long as hashing it; side by side, a piece
// costs the longer of the two instead of their sum (decision 0009, "Throughput").
//
// The write threads only write: they never wait for anything else, so a caller that waits for
// its write cannot deadlock with another. More writes than threads queue.
//
// Thread-safety: Start() may be called from any thread.
#ifndef CAIRN_SERVER_STORE_BACKGROUND_WRITES_H_
#define CAIRN_SERVER_STORE_BACKGROUND_WRITES_H_

#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <cstdint>
#include <future>
#include <string_view>

#include "cairn/status.h"
#include "store/blob_files.h"

namespace cairn::server {

class BackgroundWrites {
 public:
  explicit BackgroundWrites(size_t threads);
  // Waits for the writes in flight.
  ~BackgroundWrites();
  BackgroundWrites(const BackgroundWrites&) = delete;
  BackgroundWrites& operator=(const BackgroundWrites&) = delete;

  // Starts file.WriteAt(offset, bytes); the future holds its status. `file` and `bytes` must stay
  // valid, and `file` unused by others, until the future is ready.
  std::future<Status> Start(BlobFile& file, uint64_t offset, std::string_view bytes);

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_BACKGROUND_WRITES_H_
