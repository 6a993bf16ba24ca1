// The JSON form of journal entries, shared by the CLI and the HTTP service.
//
// A draft:   {"kind": "manual", "effective_date": "2026-10-15", "idempotency_key": "...",
//             "source_reference": "...", "memo": "...",
//             "postings": [{"account": "110000:receivable:130000", "debit": "12.34"},
//                          {"account": "110000:bank", "credit": "12.34"}, ...]}
// An entry adds "sequence", "recorded_at", "actor", "reverses_sequence" and "hash".
// Amounts are strings with at most two decimals (never JSON numbers: no floating point).
#pragma once

#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "xclear/journal.h"
#include "xclear/json.h"  // JsonToString, ParseJson
#include "xclear/ledger.h"

namespace xclear {

// Parses one draft object; `actor` is set by the caller (it is never taken from the request).
// Errors name the field, e.g. "postings[2].debit: amount \"1.001\" has 3 decimals".
Result<EntryDraft> DraftFromJson(const Poco::JSON::Object& object, const Participants& participants,
                                 const std::string& actor);
// Parses either one draft object or {"entries": [draft, ...]}.
Result<std::vector<EntryDraft>> DraftsFromJsonText(const std::string& text,
                                                   const Participants& participants,
                                                   const std::string& actor);

Poco::JSON::Object::Ptr EntryToJson(const JournalEntry& entry);
Poco::JSON::Object::Ptr VerifyReportToJson(const VerifyReport& report);
// directory, head_sequence, head_hash, head_recorded_at, facts, created_at, files, bytes.
Poco::JSON::Object::Ptr BackupInfoToJson(const BackupInfo& info);
Poco::JSON::Object::Ptr StatusToJson(const Status& status);

}  // namespace xclear
