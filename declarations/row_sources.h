// Where a declaration's rows come from (internal to declarations/): a CSV file or text, the JSON
// API's array of claim objects, or rows given as values. Defined in row_sources.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "xclear/csv_reader.h"
#include "xclear/declarations.h"

namespace xclear {

// Rows in canonical field order, from a CSV file or text, or from the JSON API.
class Declarations::RowSource {
 public:
  virtual ~RowSource() = default;
  // False at the end. Row-level problems (wrong field count, a bad header) go to `errors`;
  // a problem that ends reading (malformed quoting, I/O) is status().
  virtual bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) = 0;
  virtual Status status() const { return Status::Ok(); }
  virtual bool national() const { return false; }
  virtual uint64_t bytes() const { return 0; }
  virtual uint64_t bytes_total() const { return 0; }
  // At least as many claims as the source can hold (0: unknown), so that a small declaration
  // does not reserve a run for millions.
  virtual uint64_t claims_max() const { return 0; }
  uint64_t rows() const { return rows_; }  // data rows read so far, well-formed or not
  std::string name;

 protected:
  uint64_t rows_ = 0;
};

namespace declarations_internal {

// A CSV reader's records under its header (SPEC or national names; `reversal_column` is the
// national header's reversal_of column).
std::unique_ptr<Declarations::RowSource> CsvRows(std::unique_ptr<CsvReader> reader,
                                                 std::string_view reversal_column);
// Rows given as 7 or 8 values each (kClaimFields order); `rows` must outlive the source.
std::unique_ptr<Declarations::RowSource> ValueRows(
    const std::vector<std::vector<std::string>>& rows);
// The JSON API's claims, streamed from `text` (which must outlive the source).
std::unique_ptr<Declarations::RowSource> JsonRows(std::string_view text);

}  // namespace declarations_internal
}  // namespace xclear
