// The row sources of a declaration (row_sources.h) and the Declarations entry points that pick
// one: a CSV file or text (header mapped by row_validator.cc), the JSON API's claims (streamed by
// json_claim_reader.cc), or rows given as values.
#include "row_sources.h"

#include "json_claim_reader.h"
#include "row_validator.h"

namespace xclear {

namespace declarations_internal {
namespace {

class CsvRowSource final : public Declarations::RowSource {
 public:
  CsvRowSource(std::unique_ptr<CsvReader> reader, std::string_view reversal_column)
      : reader_(std::move(reader)), reversal_column_(reversal_column) {}
  bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) override {
    while (reader_->Next(record_)) {
      row = reader_->record_number();
      if (!header_read_) {
        header_read_ = true;
        auto map = MapHeader(record_, reversal_column_);
        if (!map.ok()) {
          errors.push_back({row, "", map.status().message()});
          return false;
        }
        map_ = *map;
        continue;
      }
      if (record_.size() == 1 && record_[0].empty()) continue;  // a blank line
      ++rows_;
      if (record_.size() != map_.columns) {
        errors.push_back({row, "",
                          "has " + std::to_string(record_.size()) + " fields; the header has " +
                              std::to_string(map_.columns)});
        continue;
      }
      for (size_t field = 0; field < kClaimFieldsAll; ++field) {
        const size_t at = map_.index[field];
        fields[field] = at == ColumnMap::kAbsent ? std::string_view() : record_[at];
      }
      return true;
    }
    if (!header_read_ && reader_->status().ok()) errors.push_back({1, "", "the file is empty"});
    return false;
  }
  Status status() const override { return reader_->status(); }
  bool national() const override { return map_.national; }
  uint64_t bytes() const override { return reader_->bytes_consumed(); }
  uint64_t bytes_total() const override { return reader_->bytes_total(); }
  // A claim's row has 7 fields, each at least one character, and 6 commas: 13 bytes.
  uint64_t claims_max() const override {
    return reader_->bytes_total() == 0 ? 0 : reader_->bytes_total() / 13 + 1;
  }

 private:
  std::unique_ptr<CsvReader> reader_;
  std::string_view reversal_column_;
  std::vector<std::string_view> record_;
  ColumnMap map_;
  bool header_read_ = false;
};

class VectorRowSource final : public Declarations::RowSource {
 public:
  explicit VectorRowSource(const std::vector<std::vector<std::string>>& rows) : input_(rows) {}
  bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) override {
    while (next_ < input_.size()) {
      const auto& values = input_[next_++];
      row = next_ + 1;
      ++rows_;
      if (values.size() != kClaimFieldsRequired && values.size() != kClaimFieldsAll) {
        errors.push_back({row, "",
                          "has " + std::to_string(values.size()) +
                              " fields; 7 are needed (8 with reversal_of)"});
        continue;
      }
      fields[kReversalOfField] = {};
      for (size_t field = 0; field < values.size(); ++field) fields[field] = values[field];
      return true;
    }
    return false;
  }

  uint64_t claims_max() const override { return input_.size(); }

 private:
  const std::vector<std::vector<std::string>>& input_;
  size_t next_ = 0;
};

// The JSON API's array of claim objects, read as it streams (json_claim_reader.h).
class JsonRowSource final : public Declarations::RowSource {
 public:
  explicit JsonRowSource(std::string_view text) : reader_(text) {}
  bool Next(ClaimFieldValues& fields, uint64_t& row, std::vector<RowError>& errors) override {
    const bool read = reader_.Next(fields, row, errors);
    rows_ = reader_.elements();
    return read;
  }
  Status status() const override { return reader_.status(); }
  uint64_t bytes() const override { return reader_.bytes_consumed(); }
  uint64_t bytes_total() const override { return reader_.bytes_total(); }
  // A claim object names its seven keys (83 bytes), quotes them and their values (28),
  // separates them (13) and has its braces (2): at least 126 bytes.
  uint64_t claims_max() const override { return reader_.bytes_total() / 126 + 1; }

 private:
  JsonClaimReader reader_;
};

}  // namespace

std::unique_ptr<Declarations::RowSource> CsvRows(std::unique_ptr<CsvReader> reader,
                                                 std::string_view reversal_column) {
  return std::make_unique<CsvRowSource>(std::move(reader), reversal_column);
}

std::unique_ptr<Declarations::RowSource> ValueRows(
    const std::vector<std::vector<std::string>>& rows) {
  return std::make_unique<VectorRowSource>(rows);
}

std::unique_ptr<Declarations::RowSource> JsonRows(std::string_view text) {
  return std::make_unique<JsonRowSource>(text);
}

}  // namespace declarations_internal

using namespace declarations_internal;

Result<DeclarationReport> Declarations::DeclareCsvFile(uint32_t treatment,
                                                       const std::filesystem::path& file,
                                                       const std::string& actor,
                                                       const ProgressCallback& progress) {
  XCLEAR_ASSIGN_OR_RETURN(auto reader, CsvReader::OpenFile(file));
  auto source = CsvRows(std::move(reader), config_.rules.national_reversal_column);
  source->name = file.filename().string();
  return Declare(treatment, *source, actor, progress);
}

Result<DeclarationReport> Declarations::DeclareCsvText(uint32_t treatment, std::string_view text,
                                                       const std::string& actor,
                                                       const std::string& source_name) {
  auto source = CsvRows(CsvReader::FromString(text), config_.rules.national_reversal_column);
  source->name = source_name;
  return Declare(treatment, *source, actor, {});
}

Result<DeclarationReport> Declarations::DeclareJson(uint32_t treatment, std::string_view json_text,
                                                    const std::string& actor,
                                                    const std::string& source_name) {
  auto source = JsonRows(json_text);
  source->name = source_name;
  XCLEAR_ASSIGN_OR_RETURN(DeclarationReport report, Declare(treatment, *source, actor, {}));
  // Text that is not a JSON array of objects refuses the request itself, not rows of it (the
  // declaration was refused whole: nothing was recorded).
  if (!source->status().ok()) return source->status();
  return report;
}

Result<DeclarationReport> Declarations::DeclareRows(
    uint32_t treatment, const std::vector<std::vector<std::string>>& rows, const std::string& actor,
    const std::string& source_name) {
  auto source = ValueRows(rows);
  source->name = source_name;
  return Declare(treatment, *source, actor, {});
}

}  // namespace xclear
