// The `cairn-server` command handlers. Each takes the parsed invocation and returns the exit
// code (server_cli.h); the table in main.cc maps names to them. Thread-safety: main's thread
// only.
#ifndef CAIRN_SERVER_COMMANDS_H_
#define CAIRN_SERVER_COMMANDS_H_

#include "server_cli.h"

namespace cairn::server::cli {

// cmd_serve.cc
int RunServe(Invocation& inv);
int RunFingerprint(Invocation& inv);

// cmd_accounts.cc
int RunUserAdd(Invocation& inv);
int RunUserEmail(Invocation& inv);
int RunUserList(Invocation& inv);
int RunEnrolCode(Invocation& inv);
int RunDeviceList(Invocation& inv);
int RunDeviceRevoke(Invocation& inv);

// cmd_issuers.cc
int RunIssuerAdd(Invocation& inv);
int RunIssuerList(Invocation& inv);
int RunIssuerToken(Invocation& inv);

// cmd_catalog.cc
int RunCatalogPublish(Invocation& inv);
int RunCatalogImport(Invocation& inv);

// cmd_outbox.cc
int RunOutboxList(Invocation& inv);
int RunOutboxShow(Invocation& inv);
int RunOutboxRetry(Invocation& inv);

// cmd_badges.cc
int RunBadgeList(Invocation& inv);
int RunBadgeShow(Invocation& inv);
int RunBadgeRevoke(Invocation& inv);
int RunIssuerRotateKey(Invocation& inv);

}  // namespace cairn::server::cli

#endif  // CAIRN_SERVER_COMMANDS_H_
