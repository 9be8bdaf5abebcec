#include "progress_line.h"

#include <cstdio>

namespace cairn::cli {

std::string MiB(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}

double TransferRate::Update(uint64_t done) {
  const auto now = std::chrono::steady_clock::now();
  if (!started_) {
    started_ = true;
    start_ = now;
    start_done_ = done;
  }
  const double seconds = std::chrono::duration<double>(now - start_).count();
  return seconds > 0.5 ? static_cast<double>(done - start_done_) / seconds : 0.0;
}

std::string ProgressText(std::string_view label, uint64_t done, uint64_t size, double rate,
                         uint64_t left) {
  constexpr int kWidth = 24;
  const int filled = size == 0 ? kWidth : static_cast<int>(kWidth * done / size);
  std::string line = std::string(label) + " [" + std::string(filled, '#') +
                     std::string(kWidth - filled, '-') + "] " + MiB(done) + " of " + MiB(size);
  if (rate > 0) {
    const auto seconds = static_cast<uint64_t>(static_cast<double>(left) / rate);
    char tail[64];
    std::snprintf(tail, sizeof(tail), "  %.1f MiB/s  ETA %llu:%02llu", rate / (1 << 20),
                  static_cast<unsigned long long>(seconds / 60),
                  static_cast<unsigned long long>(seconds % 60));
    line += tail;
  }
  return line;
}

void RedrawnLine::Draw(std::string line) {
  const size_t width = line.size();
  if (line.size() < drawn_) line.append(drawn_ - line.size(), ' ');
  drawn_ = width;
  out_ << "\r" << line << std::flush;
}

void RedrawnLine::Finish() {
  if (drawn_ > 0) out_ << "\n";
}

}  // namespace cairn::cli
