// The declaration deadline, the year-end cut-off and late-declaration explanations (情况说明):
// facts "explanation:<T>:<YYYY-MM>" whose payload is the reason, unique per (T, M).
#include "explanations.h"

#include "xclear/declarations.h"

namespace xclear {
namespace {

std::string ExplanationPrefix(uint32_t treatment) {
  return treatment == 0 ? "explanation:" : "explanation:" + std::to_string(treatment) + ":";
}

std::string ExplanationKey(uint32_t treatment, const YearMonth& month) {
  return ExplanationPrefix(treatment) + month.ToString();
}

}  // namespace

Instant DeclarationDeadline(const YearMonth& month, const RuleConfig& rules) {
  const YearMonth next = month.AddMonths(1);
  return Instant::EndOfDay(
      Date::FromYmd(next.year(), next.month(), rules.declaration_deadline_day).value());
}

Instant YearEndCutoff(const YearMonth& month, const RuleConfig& rules) {
  return Instant::EndOfDay(
      Date::FromYmd(month.year() + 1, rules.year_end_cutoff_month, rules.year_end_cutoff_day)
          .value());
}

namespace declarations_internal {

Result<std::map<int32_t, Instant>> ExplanationsFiled(const Ledger& ledger, uint32_t treatment) {
  std::map<int32_t, Instant> explanations;
  XCLEAR_RETURN_IF_ERROR(ledger.ForEachFact(ExplanationPrefix(treatment), [&](const Fact& fact) {
    auto month = YearMonth::Parse(fact.key.substr(fact.key.size() - 7));
    if (month.ok()) explanations[month->Ordinal()] = fact.recorded_at;
    return Status::Ok();
  }));
  return explanations;
}

}  // namespace declarations_internal

Result<Explanation> Declarations::FileExplanation(uint32_t treatment, const YearMonth& month,
                                                  const std::string& reason,
                                                  const std::string& actor) {
  if (!config_.participants.Contains(treatment)) {
    return Status::InvalidArgument("province " + std::to_string(treatment) +
                                   " is not a configured participant");
  }
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("the explanation needs a reason");
  }
  const Instant now = clock_.Now();
  if (month > YearMonth::Of(now.CstDate())) {
    return Status::Refused("month " + month.ToString() +
                           " has not begun; an explanation is filed "
                           "during the month or before its declaration deadline");
  }
  const Instant deadline = DeclarationDeadline(month, config_.rules);
  if (now > deadline) {
    return Status::Refused("the late-declaration explanation for " + month.ToString() +
                           " had to be filed by " + deadline.ToString() +
                           " (before the declaration deadline)");
  }
  CommitRequest request;
  request.facts.push_back(
      {FactKind::kLateExplanation, ExplanationKey(treatment, month), actor, reason});
  XCLEAR_ASSIGN_OR_RETURN(const CommitResult result, ledger_.Commit(request));
  const Fact& fact = result.facts.front();
  return Explanation{treatment, month, fact.payload, fact.actor, fact.recorded_at, fact.sequence};
}

Result<std::optional<Explanation>> Declarations::FindExplanation(uint32_t treatment,
                                                                 const YearMonth& month) const {
  XCLEAR_ASSIGN_OR_RETURN(const auto fact, ledger_.FindFact(ExplanationKey(treatment, month)));
  if (!fact) return std::optional<Explanation>();
  return std::optional<Explanation>(
      Explanation{treatment, month, fact->payload, fact->actor, fact->recorded_at, fact->sequence});
}

Result<std::vector<Explanation>> Declarations::ListExplanations(uint32_t treatment) const {
  std::vector<Explanation> out;
  XCLEAR_RETURN_IF_ERROR(ledger_.ForEachFact(ExplanationPrefix(treatment), [&](const Fact& fact) {
    // key: explanation:<T>:<YYYY-MM>
    const std::string_view key = fact.key;
    const size_t colon = key.rfind(':');
    auto month = YearMonth::Parse(key.substr(colon + 1));
    auto province = config_.participants.ParseCode(key.substr(12, colon - 12));
    if (!month.ok() || !province.ok())
      return Status::Corruption("explanation key " + fact.key + " is malformed");
    out.push_back({*province, *month, fact.payload, fact.actor, fact.recorded_at, fact.sequence});
    return Status::Ok();
  }));
  return out;
}

}  // namespace xclear
