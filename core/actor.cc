#include "xclear/actor.h"

#include <algorithm>
#include <array>

#include "xclear/text.h"

namespace xclear {
namespace {

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

struct Permission {
  Operation operation;
  std::string_view name;
  bool province;
  bool operator_role;
  bool auditor;
};

// Who may do what (SPEC §11, §13). One row per operation; nothing else grants a role anything.
constexpr std::array<Permission, 15> kPolicy = {{
    {Operation::kRead, "read", true, true, true},
    {Operation::kReadNational, "read the national views", false, true, true},
    {Operation::kDeclare, "declare claims", true, false, false},
    {Operation::kFileExplanation, "file an explanation", true, false, false},
    {Operation::kConfirm, "confirm a statement", true, false, false},
    {Operation::kRecordPayment, "record a payment", true, true, false},
    {Operation::kPayNotice, "pay a notice", true, false, false},
    {Operation::kRequestTopUp, "request a top-up", true, true, false},
    {Operation::kRunClearing, "run the clearing", false, true, false},
    {Operation::kRunAdjustment, "run the annual adjustment", false, true, false},
    {Operation::kRunTopUpCheck, "run the top-up check", false, true, false},
    {Operation::kBackup, "take a backup", false, true, false},
    {Operation::kActForProvince, "act for a province from the console", false, true, false},
    {Operation::kPostManual, "post or reverse a manual entry", false, true, false},
    {Operation::kAdminister, "administer the ledger and its tokens", false, true, false},
}};

const Permission& Row(Operation operation) {
  for (const Permission& row : kPolicy) {
    if (row.operation == operation) return row;
  }
  return kPolicy.front();  // unreachable: every operation has its row (tested)
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kProvince:
      return "province";
    case Role::kOperator:
      return "operator";
    case Role::kAuditor:
      return "auditor";
  }
  return "auditor";
}

Result<Role> ParseRole(std::string_view text) {
  if (text == "province") return Role::kProvince;
  if (text == "operator") return Role::kOperator;
  if (text == "auditor") return Role::kAuditor;
  return Status::InvalidArgument("role must be province, operator or auditor, got " +
                                 QuoteText(text, 20));
}

std::string Actor::ToString() const {
  if (role == Role::kProvince) return "province:" + std::to_string(province) + "/" + name;
  return std::string(RoleName(role)) + "/" + name;
}

Result<Actor> Actor::Parse(std::string_view text) {
  const auto malformed = [&] {
    return Status::InvalidArgument(
        "actor " + QuoteText(text, 80) +
        " is not province:<code>/<name>, operator/<name> or auditor/<name>");
  };
  Actor actor;
  std::string_view rest = text;
  if (rest.starts_with("province:")) {
    rest.remove_prefix(9);
    const size_t slash = rest.find('/');
    const std::string_view code = rest.substr(0, slash);
    if (code.size() != 6 ||
        !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return malformed();
    actor.role = Role::kProvince;
    actor.province = static_cast<uint32_t>(std::stoul(std::string(code)));
    actor.name = slash == std::string_view::npos ? "unnamed" : std::string(rest.substr(slash + 1));
  } else {
    const size_t separator = rest.find_first_of("/:");
    if (separator == std::string_view::npos) return malformed();
    auto role = ParseRole(rest.substr(0, separator));
    if (!role.ok() || *role == Role::kProvince) return malformed();
    actor.role = *role;
    actor.name = std::string(rest.substr(separator + 1));
  }
  if (!ValidName(actor.name)) return malformed();
  return actor;
}

std::string_view OperationName(Operation operation) { return Row(operation).name; }

bool Permits(Role role, Operation operation) {
  const Permission& row = Row(operation);
  switch (role) {
    case Role::kProvince:
      return row.province;
    case Role::kOperator:
      return row.operator_role;
    case Role::kAuditor:
      return row.auditor;
  }
  return false;
}

Status CheckPermitted(const Actor& actor, Operation operation) {
  if (Permits(actor.role, operation)) return Status::Ok();
  return Status::Refused("the " + std::string(RoleName(actor.role)) + " role may not " +
                         std::string(OperationName(operation)));
}

}  // namespace xclear
