// cairn: the command-line client. See `cairn help`.
#include <cstdlib>
#include <exception>
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  try {
    const std::span<const char* const> args(argv + 1, static_cast<size_t>(argc > 0 ? argc - 1 : 0));
    const int code =
        cairn::cli::RunCli(args, cairn::cli::Io{std::cout, std::cerr, std::cin,
                                                std::getenv("CAIRN_HOME"), std::getenv("HOME")});
    std::cout.flush();
    return code;
  } catch (const std::exception& e) {
    // Nothing in Cairn throws; this catches library failures such as running out of memory.
    std::cerr << "cairn: internal error: " << e.what() << "\n";
    return cairn::cli::kExitError;
  }
}
