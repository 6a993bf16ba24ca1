#include "xclear/journal_json.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace xclear {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Result<std::string> OptionalString(const Object& object, const std::string& key) {
  if (!object.has(key) || object.isNull(key)) return std::string();
  const Poco::Dynamic::Var value = object.get(key);
  if (!value.isString()) return Status::InvalidArgument(key + ": expected a string");
  return value.extract<std::string>();
}

// `where` is the posting's path, e.g. "postings[2]"; errors name the field under it.
Result<Posting> PostingFromJson(const Object& object, const Participants& participants,
                                const std::string& where) {
  for (const auto& [key, unused] : object) {
    if (key != "account" && key != "debit" && key != "credit") {
      return Status::InvalidArgument(where + ": unknown key \"" + key + "\"");
    }
  }
  auto account_text = OptionalString(object, "account");
  if (!account_text.ok()) return account_text.status().WithContext(where);
  if (account_text->empty()) return Status::InvalidArgument(where + ".account is required");
  auto account = AccountId::Parse(*account_text, participants);
  if (!account.ok()) return account.status().WithContext(where + ".account");
  const bool debit = object.has("debit");
  if (debit == object.has("credit")) {
    return Status::InvalidArgument(where + ": give exactly one of \"debit\" or \"credit\"");
  }
  const std::string field = where + (debit ? ".debit" : ".credit");
  if (!object.get(debit ? "debit" : "credit").isString()) {
    return Status::InvalidArgument(field + ": write amounts as strings such as \"12.34\"");
  }
  auto amount = Money::Parse(object.get(debit ? "debit" : "credit").extract<std::string>());
  if (!amount.ok()) return amount.status().WithContext(field);
  return Posting{*account, debit ? Side::kDebit : Side::kCredit, *amount};
}

Status CheckDraftKeys(const Object& object) {
  static const char* const kAllowed[] = {
      "kind", "effective_date", "idempotency_key", "source_reference", "memo", "postings"};
  for (const auto& [key, unused] : object) {
    bool known = false;
    for (const char* allowed : kAllowed) known = known || key == allowed;
    if (!known) return Status::InvalidArgument("unknown key \"" + key + "\"");
  }
  return Status::Ok();
}

}  // namespace

Result<EntryDraft> DraftFromJson(const Object& object, const Participants& participants,
                                 const std::string& actor) {
  XCLEAR_RETURN_IF_ERROR(CheckDraftKeys(object));
  EntryDraft draft;
  draft.actor = actor;
  XCLEAR_ASSIGN_OR_RETURN(const std::string kind, OptionalString(object, "kind"));
  if (!kind.empty()) {
    XCLEAR_ASSIGN_OR_RETURN(draft.kind, ParseEntryKind(kind));
    if (draft.kind != EntryKind::kManual) {
      // Claims, payments, prepayments and reversals carry records of their own (claims,
      // payment details, the reversed entry) and are made by their own commands.
      return Status::InvalidArgument("kind: only \"manual\" entries can be posted directly; \"" +
                                     kind + "\" entries are recorded by their own commands");
    }
  }
  XCLEAR_ASSIGN_OR_RETURN(const std::string date, OptionalString(object, "effective_date"));
  auto effective = Date::Parse(date);
  if (!effective.ok()) return effective.status().WithContext("effective_date");
  draft.effective_date = *effective;
  XCLEAR_ASSIGN_OR_RETURN(draft.idempotency_key, OptionalString(object, "idempotency_key"));
  XCLEAR_ASSIGN_OR_RETURN(draft.source_reference, OptionalString(object, "source_reference"));
  XCLEAR_ASSIGN_OR_RETURN(draft.memo, OptionalString(object, "memo"));
  const Array::Ptr postings = object.has("postings") ? object.getArray("postings") : nullptr;
  if (!postings) return Status::InvalidArgument("postings: expected an array");
  for (size_t i = 0; i < postings->size(); ++i) {
    const std::string where = "postings[" + std::to_string(i) + "]";
    const Object::Ptr posting = postings->getObject(static_cast<unsigned>(i));
    if (!posting) return Status::InvalidArgument(where + ": expected an object");
    XCLEAR_ASSIGN_OR_RETURN(const Posting parsed, PostingFromJson(*posting, participants, where));
    draft.postings.push_back(parsed);
  }
  return draft;
}

Result<std::vector<EntryDraft>> DraftsFromJsonText(const std::string& text,
                                                   const Participants& participants,
                                                   const std::string& actor) {
  XCLEAR_ASSIGN_OR_RETURN(const Poco::Dynamic::Var parsed, ParseJson(text));
  if (parsed.type() != typeid(Object::Ptr)) {
    return Status::InvalidArgument("expected a JSON object (one entry, or {\"entries\": [...]})");
  }
  const Object::Ptr root = parsed.extract<Object::Ptr>();
  std::vector<EntryDraft> drafts;
  try {
    if (!root->has("entries")) {
      XCLEAR_ASSIGN_OR_RETURN(EntryDraft draft, DraftFromJson(*root, participants, actor));
      drafts.push_back(std::move(draft));
      return drafts;
    }
    const Array::Ptr entries = root->getArray("entries");
    if (!entries || root->size() != 1) {
      return Status::InvalidArgument("\"entries\" must be the only key and hold an array");
    }
    for (size_t i = 0; i < entries->size(); ++i) {
      const std::string where = "entries[" + std::to_string(i) + "]";
      const Object::Ptr object = entries->getObject(static_cast<unsigned>(i));
      if (!object) return Status::InvalidArgument(where + ": expected an object");
      auto draft = DraftFromJson(*object, participants, actor);
      if (!draft.ok()) return draft.status().WithContext(where);
      drafts.push_back(std::move(draft).value());
    }
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("a value has the wrong type: " + e.displayText());
  }
  return drafts;
}

Object::Ptr EntryToJson(const JournalEntry& entry) {
  Object::Ptr out = NewObject();
  out->set("sequence", static_cast<Poco::UInt64>(entry.sequence));
  out->set("recorded_at", entry.recorded_at.ToString());
  out->set("effective_date", entry.effective_date.ToString());
  out->set("kind", std::string(EntryKindName(entry.kind)));
  out->set("actor", entry.actor);
  out->set("idempotency_key", entry.idempotency_key);
  out->set("source_reference", entry.source_reference);
  out->set("memo", entry.memo);
  if (entry.reverses_sequence != 0) {
    out->set("reverses_sequence", static_cast<Poco::UInt64>(entry.reverses_sequence));
  }
  Array::Ptr postings = new Array();
  for (const Posting& posting : entry.postings) {
    Object::Ptr item = NewObject();
    item->set("account", posting.account.ToString());
    item->set(posting.side == Side::kDebit ? "debit" : "credit", posting.amount.ToString());
    postings->add(item);
  }
  out->set("postings", postings);
  out->set("hash", DigestToHex(entry.hash));
  return out;
}

Object::Ptr VerifyReportToJson(const VerifyReport& report) {
  Object::Ptr out = NewObject();
  out->set("ok", report.ok);
  out->set("entries_checked", static_cast<Poco::UInt64>(report.entries_checked));
  out->set("postings_checked", static_cast<Poco::UInt64>(report.postings_checked));
  out->set("accounts_checked", static_cast<Poco::UInt64>(report.accounts_checked));
  out->set("facts_checked", static_cast<Poco::UInt64>(report.facts_checked));
  if (!report.ok) {
    out->set("first_bad_sequence", static_cast<Poco::UInt64>(report.first_bad_sequence));
    out->set("reason", report.reason);
  }
  return out;
}

Object::Ptr BackupInfoToJson(const BackupInfo& info) {
  Object::Ptr out = NewObject();
  out->set("directory", info.directory.string());
  out->set("head_sequence", static_cast<Poco::UInt64>(info.head.sequence));
  out->set("head_hash", DigestToHex(info.head.hash));
  out->set("head_recorded_at", info.head.recorded_at.ToString());
  out->set("facts", static_cast<Poco::UInt64>(info.facts));
  out->set("created_at", info.created_at.ToString());
  out->set("files", static_cast<Poco::UInt64>(info.files));
  out->set("bytes", static_cast<Poco::UInt64>(info.bytes));
  return out;
}

Object::Ptr StatusToJson(const Status& status) {
  Object::Ptr out = NewObject();
  out->set("ok", status.ok());
  if (!status.ok()) {
    Object::Ptr error = NewObject();
    error->set("code", std::string(ErrorCodeName(status.code())));
    error->set("message", status.message());
    out->set("error", error);
  }
  return out;
}

}  // namespace xclear
