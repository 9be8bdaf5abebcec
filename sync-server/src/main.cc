// cairn-server: the Cairn sync server and its administration. See `cairn-server help` and
// docs/operations.md.
#include <cstdlib>
#include <exception>
#include <iostream>

#include "commands.h"

namespace cairn::server::cli {

// The command table. Order is the order of `cairn-server help`. A command is one or two words;
// `params` are its positional parameters, `options` the option names it accepts (besides --data
// and --help) and `usage` how they read in its usage line.
std::span<const CommandSpec> Commands() {
  static constexpr CommandSpec kCommands[] = {
      {"serve", "", "listen tls-cert tls-key config threads port-file public-url",
       "[--listen HOST:PORT] [--tls-cert FILE --tls-key FILE] [--config FILE] [--threads N] "
       "[--port-file FILE] [--public-url https://HOST[:PORT]]",
       "serve the sync API over HTTPS until SIGTERM or SIGINT", &RunServe},
      {"user add", "", "name role email",
       "--name NAME --role educator|assessor|issuer-admin|recognizer|admin [--email ADDRESS]",
       "add a user; prints the new user's id. An educator's e-mail is hashed into their "
       "credentials",
       &RunUserAdd},
      {"user email", "USER ADDRESS", "", "",
       "set a user's e-mail address ('' removes it); credentials issued from now on carry its "
       "salted hash",
       &RunUserEmail},
      {"user list", "", "", "", "list users: id, name, role, e-mail", &RunUserList},
      {"enrol-code", "USER", "", "",
       "a one-time code that enrols one device of USER (an id or a unique name); prints the code",
       &RunEnrolCode},
      {"device list", "", "", "", "list enrolled devices: id, user, name, actor, created, revoked",
       &RunDeviceList},
      {"device revoke", "DEVICE_ID", "", "", "revoke a device's token; its next request gets 401",
       &RunDeviceRevoke},
      {"fingerprint", "", "tls-cert config", "[--tls-cert FILE] [--config FILE]",
       "print the SHA-256 fingerprint of the server certificate (made if missing)",
       &RunFingerprint},
      {"catalog publish", "FILE", "", "",
       "publish a catalog file (cairn.v1.Catalog, text format) to every device",
       &RunCatalogPublish},
      {"catalog import", "REPO", "ref", "[--ref REF]",
       "check an issuer's catalog repository (a path or a file:// or https:// URL) at REF "
       "(default HEAD) and publish what changed; every error is listed, nothing published if any",
       &RunCatalogImport},
      {"issuer add", "ISSUER_ID", "name webhook git secret-file max-attempts",
       "--name NAME [--webhook URL [--secret-file FILE] | --git REMOTE] [--max-attempts N]",
       "add an issuer (its id is the catalog's issuer id) and where its submissions go; prints "
       "its API token and webhook secret once",
       &RunIssuerAdd},
      {"issuer list", "", "", "", "list issuers: id, name, delivery target", &RunIssuerList},
      {"issuer token", "ISSUER_ID", "", "",
       "replace an issuer's API token (the old one stops working); prints the new one",
       &RunIssuerToken},
      {"issuer rotate-key", "ISSUER_ID", "", "",
       "make new signing keys for an issuer's credentials; the old ones stay published, so what "
       "they signed keeps verifying; prints the new key ids",
       &RunIssuerRotateKey},
      {"badge list", "", "user issuer", "[--user USER] [--issuer ISSUER_ID]",
       "list issued credentials: id, kind, title, issuer, user, issued, status", &RunBadgeList},
      {"badge show", "CREDENTIAL_ID", "", "", "show one credential: its URL, status, JSON and JWS",
       &RunBadgeShow},
      {"badge revoke", "CREDENTIAL_ID", "reason", "--reason TEXT",
       "revoke a credential: its status list says so at once, the educator's devices on their "
       "next sync",
       &RunBadgeRevoke},
      {"outbox list", "", "state", "[--state pending|delivered|dead]",
       "list forwarding deliveries: submission, issuer, state, attempts, last error",
       &RunOutboxList},
      {"outbox show", "SUBMISSION_ID", "config", "[--config FILE]",
       "show one delivery: its state, last error and the envelope it sends", &RunOutboxShow},
      {"outbox retry", "SUBMISSION_ID", "", "",
       "make a dead (or pending, or delivered) delivery pending and due now", &RunOutboxRetry},
  };
  return kCommands;
}

}  // namespace cairn::server::cli

int main(int argc, char** argv) {
  try {
    const std::span<const char* const> args(argv + 1, static_cast<size_t>(argc > 0 ? argc - 1 : 0));
    const int code = cairn::server::cli::RunServerCli(
        args, cairn::server::cli::Io{std::cout, std::cerr, std::getenv("CAIRN_SERVER_DATA")});
    std::cout.flush();
    return code;
  } catch (const std::exception& e) {
    // Nothing in Cairn throws; this catches library failures such as running out of memory.
    std::cerr << "cairn-server: error: internal failure: " << e.what() << "\n";
    return cairn::server::cli::kExitError;
  }
}
