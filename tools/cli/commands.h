// The `cairn` command handlers. Each takes the parsed invocation and returns the exit code
// (invocation.h); command_table.cc maps names to them.
#ifndef CAIRN_TOOLS_CLI_COMMANDS_H_
#define CAIRN_TOOLS_CLI_COMMANDS_H_

#include <span>

#include "invocation.h"

namespace cairn::cli {

// cmd_catalog.cc
int RunCatalogPublish(Invocation& inv);
int RunCatalogList(Invocation& inv);
int RunCatalogSearch(Invocation& inv);
int RunCatalogShow(Invocation& inv);

// cmd_pursuit.cc
int RunPursue(Invocation& inv);
int RunAnswer(Invocation& inv);
int RunReflect(Invocation& inv);
int RunEvidenceAdd(Invocation& inv);
int RunEvidenceList(Invocation& inv);
int RunEvidenceRemove(Invocation& inv);
int RunCheck(Invocation& inv);
int RunSubmit(Invocation& inv);

// cmd_capture.cc
int RunCapture(Invocation& inv);

// cmd_evidence_fetch.cc
int RunEvidenceFetch(Invocation& inv);

// cmd_store.cc
int RunInit(Invocation& inv);
int RunSync(Invocation& inv);
// Enrols the store at `db_path` with --server (--enrol, --pin, --ca-file, --device-name). A
// store `created` for this is removed again if enrolment fails, so the command can be re-run.
int EnrolStore(Invocation& inv, Device& device, const std::string& db_path, bool created);
int RunStatus(Invocation& inv);
int RunConflicts(Invocation& inv);
int RunResolve(Invocation& inv);
int RunLog(Invocation& inv);
int RunExport(Invocation& inv);
int RunImport(Invocation& inv);
int RunHelp(Invocation& inv);

// cmd_badges.cc
int RunBadgesList(Invocation& inv);
int RunBadgesShow(Invocation& inv);
int RunBadgesExport(Invocation& inv);
int RunBadgesVerify(Invocation& inv);
int RunBadgesName(Invocation& inv);

// cmd_demo.cc
int RunDemo(Invocation& inv);

// main.cc's body: parses argv[1..], finds the command and runs it.
int RunCli(std::span<const char* const> argv, Io io);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_COMMANDS_H_
