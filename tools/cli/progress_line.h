// What `cairn sync` (uploads) and `cairn evidence fetch` share to show a transfer's progress on a
// terminal: sizes in MiB, the rate since the start, and one line redrawn in place.
#ifndef CAIRN_TOOLS_CLI_PROGRESS_LINE_H_
#define CAIRN_TOOLS_CLI_PROGRESS_LINE_H_

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace cairn::cli {

// "12.0 MiB".
std::string MiB(uint64_t bytes);

// A transfer's rate, measured from the first call.
class TransferRate {
 public:
  // Bytes per second since the first call with `done` bytes so far; 0 for the first half second.
  double Update(uint64_t done);

 private:
  bool started_ = false;
  std::chrono::steady_clock::time_point start_;
  uint64_t start_done_ = 0;
};

// "LABEL [#####-----] 1.0 MiB of 4.0 MiB", then "  3.2 MiB/s  ETA 0:01" when `rate` is known
// (`left`: the bytes the ETA is for).
std::string ProgressText(std::string_view label, uint64_t done, uint64_t size, double rate,
                         uint64_t left);

// One line on a terminal, redrawn in place over what a longer previous one left.
class RedrawnLine {
 public:
  explicit RedrawnLine(std::ostream& out) : out_(out) {}
  void Draw(std::string line);
  // Ends the line once something was drawn.
  void Finish();

 private:
  std::ostream& out_;
  size_t drawn_ = 0;
};

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_PROGRESS_LINE_H_
