// The one JSON reader and writer of xclear (bodies, config, calendars, token files, stored
// records, CLI output).
//
// Reading is strict where Poco's parser is lenient: a key that appears twice in one object is
// refused (naming the key) instead of "last one wins", so `"fund_amount":"10.00",
// "fund_amount":"90.00"` can never record 90.00. Writing always yields valid UTF-8, whatever
// bytes a quoted input carried. Thread safety: pure functions.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <string_view>

#include "xclear/status.h"

namespace xclear {

// Parses a JSON text (object, array or scalar). Fails with invalid_argument "not valid JSON: …"
// (the parser's reason, valid UTF-8) or "duplicate key \"k\" in one object". Object keys are
// sorted as Poco's default handler sorts them.
Result<Poco::Dynamic::Var> ParseJson(std::string_view text);

// ParseJson, and the result must be an object: else "a JSON object expected".
Result<Poco::JSON::Object::Ptr> ParseJsonObject(std::string_view text);

// Serializes with keys in the object's order, no insignificant whitespace when indent is 0;
// any invalid UTF-8 inside a string is replaced by U+FFFD, so the text is always valid JSON.
std::string JsonToString(const Poco::JSON::Object::Ptr& object, unsigned indent = 0);
std::string JsonToString(const Poco::JSON::Array::Ptr& array, unsigned indent = 0);

}  // namespace xclear
