// Who asks: the typed actor every write records, and the one table of who may do what.
//
// An actor is a role, a province (for the province role) and a name. Its text, recorded in every
// ledger entry and fact, is "province:110000/beijing-finance", "operator/month-end" or
// "auditor/nao-1"; the CLI and the HTTP service write the same form. Domain code that needs to
// know who asks takes an Actor, never a string it splits.
//
// The policy (SPEC §11, §13): a province declares, files explanations, confirms and pays only as
// itself, and reads only its own pairs and books; the operator runs the jobs and reads all;
// auditors read all and write nothing. Permits() is the table of role × operation, read by the
// routes of the HTTP service and by the CLI's commands alike; the province a province may act
// for (itself) is checked where the province is known (the path, the body, the pair).
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xclear/status.h"

namespace xclear {

enum class Role { kProvince, kOperator, kAuditor };
std::string_view RoleName(Role role);  // "province", "operator", "auditor"
Result<Role> ParseRole(std::string_view text);

struct Actor {
  Role role = Role::kAuditor;
  uint32_t province = 0;  // kProvince only
  std::string name;       // 1–64 of [A-Za-z0-9_.-]

  static Actor Operator(std::string name) { return {Role::kOperator, 0, std::move(name)}; }
  static Actor Province(uint32_t code, std::string name) {
    return {Role::kProvince, code, std::move(name)};
  }
  bool IsProvince(uint32_t code) const { return role == Role::kProvince && province == code; }

  // "province:110000/beijing-finance", "operator/month-end", "auditor/nao-1".
  std::string ToString() const;
  // Parses ToString()'s form, and the older "operator:alice" / "province:110000" forms that
  // ledgers written before 2026-12 carry (name "unnamed" for the latter). Errors name the text.
  static Result<Actor> Parse(std::string_view text);
};

// Every operation a caller can ask for, through the API or the CLI.
enum class Operation {
  kRead,             // read one's own pairs and books (a province) or everything (others)
  kReadNational,     // the national views: all positions, all deadlines, the whole journal
  kDeclare,          // declare claims (as the treatment province)
  kFileExplanation,  // file a late-declaration explanation (as the treatment province)
  kConfirm,          // confirm a clearing statement (as a party of it)
  kRecordPayment,    // record a payment (as the payer; the operator for the national account)
  kPayNotice,        // record the payment of a prepayment notice (as its payer)
  kRequestTopUp,     // request an emergency top-up (the treatment province, or the operator)
  kRunClearing,      // the month-end clearing job
  kRunAdjustment,    // the annual prepayment adjustment
  kRunTopUpCheck,    // the top-up check over all pairs
  kBackup,           // an online backup
  kActForProvince,   // from the operator's console (CLI): declare a province's file, file its
                     // explanation, confirm or pay for it — the API lets a province do these
                     // only as itself, and the operator never
  kPostManual,       // a manual journal entry or a generic reversal of one (CLI)
  kAdminister,       // ledger init, restore, tokens (CLI, on the machine)
};
std::string_view OperationName(Operation operation);  // "declare", "run clearing", …

// The table: may `role` ask for `operation` at all?
bool Permits(Role role, Operation operation);
// Ok, or PermissionDenied-like Refused naming the role and the operation.
Status CheckPermitted(const Actor& actor, Operation operation);

}  // namespace xclear
