// libFuzzer target: the streaming reader of JSON declarations (declarations/json_claim_reader.h)
// against Poco's JSON parser, the one it replaced. Whatever the input: no crash or sanitizer
// report; when the reader accepts the text, Poco parses it too (with its numbers written as 0:
// Poco refuses numbers beyond 64 bits, which JSON allows), as an array with as many
// elements, and every claim the reader returned has, field by field, the strings Poco read; an
// element the reader called misshapen is one that Poco's reading shows is not a claim object.
// A key twice inside a nested value (skipped by the reader, refused by Poco) must have flagged
// its element.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "../../declarations/json_claim_reader.h"
#include "fuzz_check.h"
#include "xclear/json.h"

using xclear::fuzzing::Check;

namespace {

// Poco's reading of element `i`: its seven fields and the optional reversal_of (empty when
// absent) when it is a claim object, or nothing.
using Fields = std::array<std::string, xclear::kClaimFieldsAll>;
bool PocoClaim(const Poco::JSON::Array& array, unsigned i, Fields& fields) {
  const Poco::JSON::Object::Ptr object = array.getObject(i);
  if (!object) return false;
  const bool reversal = object->has(xclear::kClaimFields[xclear::kReversalOfField]);
  if (object->size() != xclear::kClaimFieldsRequired + (reversal ? 1 : 0)) return false;
  fields = {};
  for (size_t field = 0; field < xclear::kClaimFieldsAll; ++field) {
    if (!object->has(xclear::kClaimFields[field])) {
      if (field < xclear::kClaimFieldsRequired) return false;
      continue;
    }
    const Poco::Dynamic::Var value = object->get(xclear::kClaimFields[field]);
    if (!value.isString()) return false;
    fields[field] = value.extract<std::string>();
  }
  return true;
}

// `text` with every number outside a string written as 0. Poco refuses numbers beyond 64 bits
// (and some beyond a double's range), which RFC 8259 allows: such a text is JSON, and the
// reader, which only skips numbers, rightly accepts it.
std::string NumbersAsZero(std::string_view text) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) {
        out.push_back(text[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '-' || (c >= '0' && c <= '9')) {
      while (i + 1 < text.size() &&
             std::string_view("0123456789+-.eE").find(text[i + 1]) != std::string_view::npos)
        ++i;
      out.push_back('0');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  xclear::declarations_internal::JsonClaimReader reader(text);
  std::vector<std::pair<uint64_t, Fields>> claims;
  std::vector<xclear::RowError> errors;
  xclear::ClaimFieldValues fields;
  uint64_t row = 0;
  while (reader.Next(fields, row, errors)) {
    Fields copy;
    for (size_t i = 0; i < copy.size(); ++i) copy[i] = std::string(fields[i]);
    claims.emplace_back(row, copy);
  }
  Check(claims.size() <= reader.bytes_total() / 126 + 1, "more claims than the bytes can hold");
  if (!reader.status().ok()) return 0;
  auto parsed = xclear::ParseJson(text);
  if (!parsed.ok()) parsed = xclear::ParseJson(NumbersAsZero(text));
  if (!parsed.ok() && parsed.status().message().starts_with("duplicate key")) {
    // Poco refuses a key twice in any object; the reader refuses it in a claim object and skips
    // nested values whole (where a string should be). So some element must have been flagged.
    Check(!errors.empty(), "a key given twice in a claim object was accepted");
    return 0;
  }
  Check(parsed.ok(), "the reader accepted a text that Poco refuses");
  Check(parsed->type() == typeid(Poco::JSON::Array::Ptr), "accepted a text that is not an array");
  const auto array = parsed->extract<Poco::JSON::Array::Ptr>();
  Check(array->size() == reader.elements(), "the element counts differ");
  std::set<uint64_t> returned;
  for (const auto& [claim_row, claim_fields] : claims) {
    Fields poco;
    Check(PocoClaim(*array, static_cast<unsigned>(claim_row - 2), poco),
          "returned an element that is not a claim object");
    Check(poco == claim_fields, "a field differs from Poco's reading");
    returned.insert(claim_row);
  }
  std::set<uint64_t> flagged;
  for (const xclear::RowError& error : errors) flagged.insert(error.row);
  for (unsigned i = 0; i < array->size(); ++i) {
    Fields poco;
    const uint64_t element_row = i + 2;
    Check(returned.count(element_row) + flagged.count(element_row) == 1,
          "an element was neither returned nor flagged, or both");
    Check(PocoClaim(*array, i, poco) == (returned.count(element_row) == 1),
          "a claim object was flagged, or a misshapen one returned");
  }
  return 0;
}
