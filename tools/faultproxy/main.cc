// cairn-faultproxy: runs a FaultProxy until SIGTERM or SIGINT, then prints its counters as one
// JSON line. See faultproxy.h for what each fault does.
#include <pthread.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX sigwait, sigset_t

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include "faultproxy.h"

namespace {

constexpr char kUsage[] =
    "usage: cairn-faultproxy --listen HOST:PORT --target HOST:PORT [--delay-ms N]\n"
    "         [--reset-every-ms N] [--reset-after-bytes N] [--drop-first-responses N]\n"
    "         [--rate-bytes-per-s N] [--port-file FILE]\n"
    "Relays TCP from --listen to --target, injecting the faults asked for; prints\n"
    "\"listening on HOST:PORT\" once ready and its counters as JSON on SIGTERM/SIGINT.\n";

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseHostPort(std::string_view text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  *host = std::string(h);
  return ParseNumber(text.substr(colon + 1), port);
}

bool WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  return !ec;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "cairn-faultproxy: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  cairn::FaultProxy::Options options;
  std::string port_file;
  bool have_listen = false;
  bool have_target = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return Fail("missing value for " + std::string(flag));
    std::string_view value = argv[++i];
    bool ok = true;
    if (flag == "--listen") {
      ok = have_listen = ParseHostPort(value, &options.listen_host, &options.listen_port);
    } else if (flag == "--target") {
      ok = have_target = ParseHostPort(value, &options.target_host, &options.target_port);
    } else if (flag == "--delay-ms") {
      ok = ParseNumber(value, &options.delay_ms);
    } else if (flag == "--reset-every-ms") {
      ok = ParseNumber(value, &options.reset_every_ms);
    } else if (flag == "--reset-after-bytes") {
      ok = ParseNumber(value, &options.reset_after_bytes);
    } else if (flag == "--drop-first-responses") {
      ok = ParseNumber(value, &options.drop_first_responses);
    } else if (flag == "--rate-bytes-per-s") {
      ok = ParseNumber(value, &options.rate_bytes_per_s);
    } else if (flag == "--port-file") {
      port_file = std::string(value);
    } else {
      return Fail("unknown flag " + std::string(flag));
    }
    if (!ok) return Fail("bad value \"" + std::string(value) + "\" for " + std::string(flag));
  }
  if (!have_listen || !have_target) return Fail("--listen and --target are required");

  // Blocked before the relay thread starts, so that only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  cairn::FaultProxy proxy(options);
  cairn::Status status = proxy.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "cairn-faultproxy: %s\n", status.ToString().c_str());
    return 1;
  }
  std::string host = options.listen_host.find(':') != std::string::npos
                         ? "[" + options.listen_host + "]"
                         : options.listen_host;
  std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>(proxy.port()));
  std::fflush(stdout);
  if (!port_file.empty() && !WriteFileAtomically(port_file, std::to_string(proxy.port()) + "\n")) {
    std::fprintf(stderr, "cairn-faultproxy: cannot write the port file %s\n", port_file.c_str());
    return 1;
  }

  int received = 0;
  sigwait(&signals, &received);
  proxy.Stop();
  std::printf("%s\n", proxy.stats().ToJson().c_str());
  std::fflush(stdout);
  return 0;
}
