#include "row_validator.h"

#include "xclear/text.h"

namespace xclear::declarations_internal {
namespace {

constexpr const char* kNationalFields[] = {"setl_id",        "mdtrtarea_admvs", "insuplc_admdvs",
                                           "setl_time",      "med_type",        "medfee_sumamt",
                                           "fund_pay_sumamt"};

std::string Quote(std::string_view text) { return QuoteText(text); }

bool ParseSixDigits(std::string_view text, uint32_t& code) {
  if (text.size() != 6) return false;
  code = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    code = code * 10 + static_cast<uint32_t>(c - '0');
  }
  return true;
}

// settled_on is a date; the national setl_time is a date-time whose CST date counts.
Result<Date> ParseSettledOn(std::string_view text, bool national) {
  if (national && text.size() > 10) {
    auto instant = Instant::Parse(text);
    if (!instant.ok()) return instant.status();
    return instant->CstDate();
  }
  return Date::Parse(text);
}

}  // namespace

Result<ColumnMap> MapHeader(const std::vector<std::string_view>& header,
                            std::string_view reversal_column) {
  ColumnMap map;
  map.columns = header.size();
  const auto find = [&](std::string_view name) -> std::optional<size_t> {
    std::optional<size_t> found;
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) {
        if (found) return header.size();  // repeated
        found = i;
      }
    }
    return found;
  };
  size_t national_found = 0;
  for (const char* name : kNationalFields) national_found += find(name).has_value() ? 1 : 0;
  map.national = national_found == 7;
  const auto& names = map.national ? kNationalFields : kClaimFields;
  std::string missing;
  for (size_t field = 0; field < 7; ++field) {
    const auto position = find(names[field]);
    if (!position) {
      missing += missing.empty() ? "" : ", ";
      missing += names[field];
      continue;
    }
    if (*position == header.size()) {
      return Status::InvalidArgument(std::string("column ") + names[field] + " appears twice");
    }
    map.index[field] = *position;
  }
  const std::string_view reversal_name =
      map.national ? reversal_column : std::string_view(kClaimFields[kReversalOfField]);
  const auto reversal = find(reversal_name);
  if (reversal && *reversal == header.size()) {
    return Status::InvalidArgument("column " + std::string(reversal_name) + " appears twice");
  }
  map.index[kReversalOfField] = reversal ? *reversal : ColumnMap::kAbsent;
  if (!missing.empty()) {
    return Status::InvalidArgument("the header lacks the column(s) " + missing +
                                   " (expected claim_id, treatment_province, insured_province, "
                                   "settled_on, category, total_amount, fund_amount, or the "
                                   "national platform's setl_id, mdtrtarea_admvs, insuplc_admdvs, "
                                   "setl_time, med_type, medfee_sumamt, fund_pay_sumamt)");
  }
  return map;
}

RowValidator::RowValidator(uint32_t treatment, const Config& config, Instant now,
                           std::map<int32_t, Instant> explanations)
    : treatment_(treatment),
      config_(config),
      now_(now),
      today_(now.CstDate()),
      explanations_(std::move(explanations)),
      amount_max_fen_(config.rules.claim_amount_max.fen().convert_to<uint64_t>()) {
  for (const Participant& unit : config.participants.units()) configured_[unit.code / 10000] = true;
  for (const auto& [code, name] : config.rules.med_type_categories) {
    med_types_.emplace(code, ParseCategory(name).value());
  }
}

bool RowValidator::ParseProvince(std::string_view text, bool national, uint32_t& code) const {
  if (!ParseSixDigits(text, code)) return false;
  if (national) code = code / 10000 * 10000;
  return code % 10000 == 0 && code >= 110000 && configured_[code / 10000];
}

bool RowValidator::ParseAmount(std::string_view text, uint64_t& fen, std::string& reason) const {
  // One grammar: the fast mode of Money::Parse, and Parse itself for the reason (or for a value
  // the fast mode does not take).
  if (Money::ParseFenFast(text, amount_max_fen_, fen)) return true;
  MoneyParseOptions options;
  options.max_abs_fen = config_.rules.claim_amount_max.fen();
  auto money = Money::Parse(text, options);
  if (!money.ok()) {
    reason = money.status().message();
    return false;
  }
  fen = money->fen().convert_to<uint64_t>();
  return true;
}

const RowValidator::Admission& RowValidator::AdmissionOf(const YearMonth& month) {
  const auto cached = admissions_.find(month.Ordinal());
  if (cached != admissions_.end()) return cached->second;
  Admission admission;
  const Instant deadline = DeclarationDeadline(month, config_.rules);
  const Instant cutoff = YearEndCutoff(month, config_.rules);
  const auto explanation = explanations_.find(month.Ordinal());
  const bool explained = explanation != explanations_.end() && explanation->second <= deadline;
  if (now_ <= deadline) {
    admission.accepted = true;
  } else if (explained && now_ <= cutoff) {
    admission.accepted = true;
    admission.late = true;
  } else if (explained) {
    admission.reason = "claims of " + month.ToString() + " are past the year-end cut-off " +
                       cutoff.ToString() + "; nothing more is accepted for " +
                       std::to_string(month.year());
  } else {
    admission.reason = "claims of " + month.ToString() + " were due by " + deadline.ToString() +
                       " and no late-declaration explanation was filed for " +
                       std::to_string(treatment_) + " by then";
  }
  return admissions_.emplace(month.Ordinal(), std::move(admission)).first->second;
}

bool RowValidator::ParseReversalAmount(std::string_view text, uint64_t& fen,
                                       std::string& reason) const {
  if (text.size() > 1 && text[0] == '-') {
    if (!ParseAmount(text.substr(1), fen, reason)) {
      reason = "as the negative of an amount, " + reason;
      return false;
    }
    return true;
  }
  return ParseAmount(text, fen, reason);
}

bool RowValidator::Validate(const ClaimFieldValues& fields, bool national, uint64_t row,
                            ValidRow& out, std::vector<RowError>& errors) {
  const size_t errors_before = errors.size();
  const auto fail = [&](const char* field, std::string reason) {
    errors.push_back({row, field, std::move(reason)});
  };
  const std::string_view id = fields[0];
  const Status id_status = ValidateClaimId(id);
  if (!id_status.ok()) fail("claim_id", "claim_id " + Quote(id) + " " + id_status.message());
  out.claim_id = id;
  out.reversal_of = fields[kReversalOfField];
  const bool reversal = !out.reversal_of.empty();
  if (reversal) {
    const Status original = ValidateClaimId(out.reversal_of);
    if (!original.ok()) {
      fail("reversal_of", "reversal_of " + Quote(out.reversal_of) + " " + original.message());
    } else if (out.reversal_of == id) {
      fail("reversal_of", "a settlement cannot reverse itself");
    }
  }

  uint32_t treatment = 0;
  if (!ParseProvince(fields[1], national, treatment)) {
    fail("treatment_province", Quote(fields[1]) + " is not a configured province code");
  } else if (treatment != treatment_) {
    fail("treatment_province", "the claim's treatment province " + std::to_string(treatment) +
                                   " is not the declaring province " + std::to_string(treatment_));
  }
  if (!ParseProvince(fields[2], national, out.insured)) {
    fail("insured_province", Quote(fields[2]) + " is not a configured province code");
  } else if (out.insured == treatment_) {
    fail("insured_province", "the insured province is the treatment province " +
                                 std::to_string(treatment_) +
                                 "; only cross-province claims are declared");
  }

  auto settled = ParseSettledOn(fields[3], national);
  if (!settled.ok()) {
    fail("settled_on", settled.status().message());
  } else if (*settled > today_) {
    fail("settled_on", "settled_on " + settled->ToString() + " is in the future (today is " +
                           today_.ToString() + " CST)");
  } else {
    out.settled_on = *settled;
    const Admission& admission = AdmissionOf(YearMonth::Of(out.settled_on));
    if (!admission.accepted) errors.push_back({row, "settled_on", admission.reason, true});
    out.late = admission.late;
  }

  if (national) {
    const auto mapped = med_types_.find(fields[4]);
    if (mapped == med_types_.end()) {
      fail("category",
           "med_type " + Quote(fields[4]) + " is not mapped to a category in the configuration");
    } else {
      out.category = mapped->second;
    }
  } else {
    auto category = ParseCategory(fields[4]);
    if (category.ok())
      out.category = *category;
    else
      fail("category", category.status().message());
  }

  std::string reason;
  // National exports write a reversal's amounts as the original's or as their negatives.
  const auto parse = [&](std::string_view text, uint64_t& fen) {
    return national && reversal ? ParseReversalAmount(text, fen, reason)
                                : ParseAmount(text, fen, reason);
  };
  const bool total_ok = parse(fields[5], out.total_fen);
  if (!total_ok) fail("total_amount", reason);
  const bool fund_ok = parse(fields[6], out.fund_fen);
  if (!fund_ok) fail("fund_amount", reason);
  if (total_ok && fund_ok && out.fund_fen > out.total_fen) {
    fail("fund_amount", "fund_amount " + std::string(fields[6]) + " exceeds total_amount " +
                            std::string(fields[5]));
  }
  return errors.size() == errors_before;
}

}  // namespace xclear::declarations_internal
