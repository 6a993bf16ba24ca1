// A streaming reader of the JSON API's declarations: an array of claim objects whose values are
// strings, read element by element straight from the request body, without building a document
// (Poco's parser built one: a map node and a Dynamic::Var per field made a JSON declaration half
// as fast as the same claims as CSV).
//
// Fields are string_views into the body, or into a scratch area for strings with escapes, valid
// until the next call to Next(). The grammar is RFC 8259's, strictly: UTF-8 only, no control
// characters in strings, no trailing commas, no comments, nothing after the array but white
// space; nested values (where a string was expected) are skipped, at most kDepthMax deep.
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xclear/declarations.h"
#include "xclear/status.h"

namespace xclear::declarations_internal {

class JsonClaimReader {
 public:
  static constexpr size_t kDepthMax = 64;

  explicit JsonClaimReader(std::string_view text) : text_(text) {}

  // The next claim object, its fields in kClaimFields order. An element that is not a claim
  // (not an object, an unknown key, a value that is not a string, a missing field) is not
  // returned: its errors go to `errors` and reading goes on. Returns false at the end of the
  // array, or when the text is not what the API accepts (status(): the byte, line and column).
  // `row` is the element's number counted as a CSV file's rows are: the first element is row 2.
  // The optional reversal_of (kReversalOfField) is empty when the object does not have it.
  bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors);

  const Status& status() const { return status_; }
  uint64_t elements() const { return elements_; }  // array elements read so far
  uint64_t bytes_consumed() const { return position_; }
  uint64_t bytes_total() const { return text_.size(); }

 private:
  enum class Phase { kStart, kFirst, kAfterElement, kDone };

  void SkipSpace();
  bool Fail(std::string what);  // records a syntax error at position_; returns false
  bool Expect(char c, const char* what);
  // A string at position_ (which holds the opening quote). Plain strings are views into the
  // text; strings with escapes are decoded into scratch_ and returned as {offset, size} there.
  bool ReadString(std::string_view& plain, std::pair<size_t, size_t>& decoded, bool& escaped);
  bool SkipValue();  // any JSON value
  bool SkipNumber();
  bool SkipLiteral();
  bool ReadObject(ClaimFieldValues& fields, uint64_t row, std::vector<RowError>& errors,
                  bool& shaped);

  std::string_view text_;
  size_t position_ = 0;
  Phase phase_ = Phase::kStart;
  uint64_t elements_ = 0;
  Status status_;
  std::string scratch_;
};

}  // namespace xclear::declarations_internal
