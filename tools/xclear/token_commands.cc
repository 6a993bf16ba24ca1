// Token subcommands for the HTTP service: token-issue, token-list, token-revoke.
#include <Poco/JSON/Array.h>

#include <cstdio>

#include "cli.h"
#include "xclear/access.h"
#include "xclear/journal_json.h"
#include "xclear/views_json.h"

namespace xclear::cli {
namespace {

const std::filesystem::path& TokenFile(const Context& context) {
  return context.config.service.token_file;
}

Status IssueTokenCommand(Context& context) {
  Principal principal;
  principal.name = context.args->Get("name");
  XCLEAR_ASSIGN_OR_RETURN(principal.role, ParseRole(context.args->Get("role")));
  if (principal.role == Role::kProvince) {
    if (!context.args->Has("province"))
      return Status::InvalidArgument("--province CODE is required for a province token");
    XCLEAR_ASSIGN_OR_RETURN(principal.province,
                            context.config.participants.ParseCode(context.args->Get("province")));
  } else if (context.args->Has("province")) {
    return Status::InvalidArgument("--province is only for --role province");
  }
  XCLEAR_ASSIGN_OR_RETURN(
      const std::string token,
      IssueToken(TokenFile(context), context.config.participants, principal, context.clock->Now()));
  auto json = NewJsonObject();
  json->set("name", principal.name);
  json->set("role", std::string(RoleName(principal.role)));
  json->set("province",
            principal.province == 0 ? std::string() : std::to_string(principal.province));
  json->set("token", token);
  json->set("token_file", TokenFile(context).string());
  context.Print(token + "\n(" + principal.Actor() + "; shown once: only its SHA-256 is kept in " +
                    TokenFile(context).string() + ")",
                JsonToString(json));
  return Status::Ok();
}

Status ListTokens(Context& context) {
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<TokenRecord> records,
                          LoadTokenFile(TokenFile(context), context.config.participants));
  std::string text;
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array();
  for (const TokenRecord& record : records) {
    text += record.principal.Actor() + " issued " + record.issued_at.ToString() + " sha256 " +
            record.sha256_hex.substr(0, 12) + "…\n";
    auto item = NewJsonObject();
    item->set("name", record.principal.name);
    item->set("role", std::string(RoleName(record.principal.role)));
    item->set("actor", record.principal.Actor());
    item->set("issued_at", record.issued_at.ToString());
    list->add(item);
  }
  auto json = NewJsonObject();
  json->set("tokens", list);
  context.Print(text.empty() ? "no tokens in " + TokenFile(context).string() : text,
                JsonToString(json));
  return Status::Ok();
}

Status RevokeTokenCommand(Context& context) {
  const std::string name = context.args->Get("name");
  XCLEAR_RETURN_IF_ERROR(RevokeToken(TokenFile(context), context.config.participants, name));
  auto json = NewJsonObject();
  json->set("revoked", name);
  context.Print("revoked " + name + " (the service stops accepting it within a second)",
                JsonToString(json));
  return Status::Ok();
}

}  // namespace

std::vector<Command> TokenCommands() {
  return {
      {"token-issue",
       "issue a bearer token for the HTTP service and print it once",
       "xclear token-issue --name NAME --role province|operator|auditor [--province CODE] "
       "[--json]\n"
       "  Adds NAME to service.token_file with the token's SHA-256 only; the token itself is\n"
       "  printed once and never stored. Give it to the caller over a secure channel.",
       {"name", "role", "province"},
       {},
       IssueTokenCommand},
      {"token-list",
       "list the principals that hold service tokens (never the tokens)",
       "xclear token-list [--json]",
       {},
       {},
       ListTokens},
      {"token-revoke",
       "revoke a service token by name",
       "xclear token-revoke --name NAME [--json]",
       {"name"},
       {},
       RevokeTokenCommand},
  };
}

}  // namespace xclear::cli
