// Operations of the running service: the operator's online backup. The service holds the ledger
// open (RocksDB allows one writer process), so a backup while it runs is taken by the service.
#include "routes.h"
#include "xclear/journal_json.h"

namespace xclear::service {
namespace {

// Writes a verified copy of the ledger into storage.backup_dir while requests go on; the answer
// names its directory and the head it holds. The body must be empty or {} (the target directory
// is the server's configuration, never the caller's choice).
Response RunBackup(const Request& request, Domain& domain) {
  XCLEAR_HTTP_ASSIGN(const auto body, BodyObject(request));
  if (body->size() != 0) {
    return StatusResponse(Status::InvalidArgument(
        "body: a backup takes no fields (it is written to the configured storage.backup_dir)"));
  }
  XCLEAR_HTTP_ASSIGN(const BackupInfo info, domain.ledger.Backup(domain.config.storage.backup_dir));
  return JsonResponse(200, BackupInfoToJson(info));
}

}  // namespace

std::vector<Route> OperationRoutes() {
  return {
      {"POST", "/v1/jobs/backup", Operation::kBackup, RunBackup},
  };
}

}  // namespace xclear::service
