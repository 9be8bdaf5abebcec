#include "store/background_writes.h"

#include <boost/asio/post.hpp>
#include <memory>

namespace cairn::server {

BackgroundWrites::BackgroundWrites(size_t threads) : pool_(threads) {}

BackgroundWrites::~BackgroundWrites() { pool_.join(); }

std::future<Status> BackgroundWrites::Start(BlobFile& file, uint64_t offset,
                                            std::string_view bytes) {
  auto write = std::make_shared<std::packaged_task<Status()>>(
      [&file, offset, bytes] { return file.WriteAt(offset, bytes); });
  std::future<Status> done = write->get_future();
  boost::asio::post(pool_, [write] { (*write)(); });
  return done;
}

}  // namespace cairn::server
