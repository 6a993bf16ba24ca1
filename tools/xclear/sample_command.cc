// `xclear sample`: builds a ledger from a generated national month so that a new user sees every
// kind of entry, the trial balance and a passing verify in one command. Amounts are integer fen
// from a seeded integer generator (no floating point), so the same seed gives the same ledger.
#include <cstdio>

#include "cli.h"
#include "xclear/journal_json.h"
#include "xclear/reports.h"

namespace xclear::cli {
namespace {

// SplitMix64: tiny, fast, and identical on every platform (unlike std:: distributions).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t bound) { return Next() % bound; }

 private:
  uint64_t state_;
};

// Relative pull of a treatment province (percent): the big medical centres draw most patients.
uint64_t DestinationWeight(uint32_t code) {
  switch (code) {
    case 110000: case 310000: case 440000: return 600;  // Beijing, Shanghai, Guangdong
    case 320000: case 330000: case 460000: return 300;  // Jiangsu, Zhejiang, Hainan
    default: return 100;
  }
}

// Neighbours (same region: the first digit of the division code) exchange three times as much.
uint64_t ProximityWeight(uint32_t treatment, uint32_t insured) {
  return treatment / 100000 == insured / 100000 ? 3 : 1;
}

Posting Line(const AccountId& account, Side side, const Fen& fen) {
  return Posting{account, side, Money::FromFen(fen)};
}

EntryDraft NewDraft(EntryKind kind, const Date& date, const std::string& actor, std::string key,
                    std::string memo) {
  EntryDraft draft;
  draft.kind = kind;
  draft.effective_date = date;
  draft.actor = actor;
  draft.source_reference = key;
  draft.idempotency_key = std::move(key);
  draft.memo = std::move(memo);
  return draft;
}

// One claims entry per treatment province T: Dr T:receivable:I / Cr T:bank, Dr I:expense /
// Cr I:payable:T for every insured province I. Returns the pair amounts for the later entries.
std::map<std::pair<uint32_t, uint32_t>, Fen> AddClaims(const Participants& units,
                                                        const YearMonth& month, uint64_t seed,
                                                        std::vector<EntryDraft>& drafts) {
  Random random(seed);
  std::map<std::pair<uint32_t, uint32_t>, Fen> pairs;  // (insured, treatment) → fen
  const Date declared = month.AddMonths(1).FirstDay().AddDays(9);
  for (const Participant& treatment : units.units()) {
    EntryDraft draft = NewDraft(EntryKind::kClaimsDeclared, declared,
                                "province:" + std::to_string(treatment.code),
                                "sample:claims:" + month.ToString() + ":" + std::to_string(treatment.code),
                                "generated claims of " + month.ToString());
    for (const Participant& insured : units.units()) {
      if (insured.code == treatment.code) continue;
      // ≈ 500 000 CNY × weights, ± 50 %, in whole fen.
      const Fen base = Fen(50'000'000) * DestinationWeight(treatment.code) / 100 *
                       ProximityWeight(treatment.code, insured.code);
      const Fen fen = base / 2 + Fen(random.Below(base.convert_to<uint64_t>()));
      pairs[{insured.code, treatment.code}] = fen;
      draft.postings.push_back(Line(AccountId::Receivable(treatment.code, insured.code), Side::kDebit, fen));
      draft.postings.push_back(Line(AccountId::Bank(treatment.code), Side::kCredit, fen));
      draft.postings.push_back(Line(AccountId::Expense(insured.code), Side::kDebit, fen));
      draft.postings.push_back(Line(AccountId::Payable(insured.code, treatment.code), Side::kCredit, fen));
    }
    drafts.push_back(std::move(draft));
  }
  return pairs;
}

// Per insured province: a prepayment of two months' flow to every treatment province, and a
// payment of 60 % of the month's claims.
void AddPrepaymentsAndPayments(const std::map<std::pair<uint32_t, uint32_t>, Fen>& pairs,
                               const YearMonth& month, std::vector<EntryDraft>& drafts) {
  std::map<uint32_t, EntryDraft> prepayments;
  std::map<uint32_t, EntryDraft> payments;
  const Date prepaid = Date::FromYmd(month.year(), 1, 31).value();
  const Date paid = month.AddMonths(2).FirstDay().AddDays(14);
  for (const auto& [pair, fen] : pairs) {
    const auto [insured, treatment] = pair;
    const std::string actor = "province:" + std::to_string(insured);
    if (prepayments.count(insured) == 0) {
      prepayments.emplace(insured, NewDraft(EntryKind::kPrepaymentPaid, prepaid, actor,
                                            "sample:prepayment:" + std::to_string(month.year()) + ":" + std::to_string(insured),
                                            "annual prepayment, two months of flow"));
      payments.emplace(insured, NewDraft(EntryKind::kClaimPayment, paid, actor,
                                         "sample:payment:" + month.ToString() + ":" + std::to_string(insured),
                                         "partial payment of " + month.ToString()));
    }
    const Fen prepayment = fen * 2;
    auto& advance = prepayments.at(insured).postings;
    advance.push_back(Line(AccountId::PrepaymentAdvanced(insured, treatment), Side::kDebit, prepayment));
    advance.push_back(Line(AccountId::Bank(insured), Side::kCredit, prepayment));
    advance.push_back(Line(AccountId::Bank(treatment), Side::kDebit, prepayment));
    advance.push_back(Line(AccountId::PrepaymentHeld(treatment, insured), Side::kCredit, prepayment));
    const Fen payment = fen * 60 / 100;
    auto& pay = payments.at(insured).postings;
    pay.push_back(Line(AccountId::Payable(insured, treatment), Side::kDebit, payment));
    pay.push_back(Line(AccountId::Bank(insured), Side::kCredit, payment));
    pay.push_back(Line(AccountId::Bank(treatment), Side::kDebit, payment));
    pay.push_back(Line(AccountId::Receivable(treatment, insured), Side::kCredit, payment));
  }
  for (auto& [code, draft] : prepayments) drafts.push_back(std::move(draft));
  for (auto& [code, draft] : payments) drafts.push_back(std::move(draft));
}

Status Sample(Context& context) {
  YearMonth month = YearMonth::Of(context.clock->Now().CstDate()).AddMonths(-1);
  if (context.args->Has("month")) {
    XCLEAR_ASSIGN_OR_RETURN(month, YearMonth::Parse(context.args->Get("month")));
  }
  const std::string seed_text = context.args->Get("seed", "2026");
  if (seed_text.empty() || seed_text.find_first_not_of("0123456789") != std::string::npos ||
      seed_text.size() > 18) {
    return Status::InvalidArgument("--seed must be a whole number");
  }
  const std::filesystem::path out_dir = context.args->Get("out", "sample-output");
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) return Status::IoError("cannot create " + out_dir.string() + ": " + error.message());

  XCLEAR_ASSIGN_OR_RETURN(auto ledger, context.OpenLedger(true));
  std::vector<EntryDraft> drafts;
  const auto pairs = AddClaims(context.config.participants, month, std::stoull(seed_text), drafts);
  AddPrepaymentsAndPayments(pairs, month, drafts);
  XCLEAR_ASSIGN_OR_RETURN(const auto results, ledger->Append(drafts));
  size_t replayed = 0;
  for (const AppendResult& result : results) replayed += result.replayed ? 1 : 0;
  XCLEAR_ASSIGN_OR_RETURN(const VerifyReport report, ledger->Verify());
  if (!report.ok) return Status::Corruption("verify failed: " + report.reason);
  XCLEAR_ASSIGN_OR_RETURN(const TrialBalance trial, ledger->TrialBalanceAt(UINT64_MAX));
  const Participants& units = context.config.participants;
  XCLEAR_RETURN_IF_ERROR(WriteFile(out_dir / "trial_balance.csv", RenderTrialBalance(trial, units, ReportFormat::kCsv)));
  XCLEAR_RETURN_IF_ERROR(WriteFile(out_dir / "trial_balance.json", RenderTrialBalance(trial, units, ReportFormat::kJson)));
  XCLEAR_RETURN_IF_ERROR(WriteFile(out_dir / "trial_balance.txt", RenderTrialBalance(trial, units, ReportFormat::kText)));

  Fen gross = 0;
  for (const auto& [pair, fen] : pairs) gross += fen;
  char summary[512];
  std::snprintf(summary, sizeof summary,
                "sample month %s: %zu pairs, %s CNY of claims; %zu entries (%zu already recorded)\n"
                "verify: %llu entries, %llu postings, %llu accounts ok; head %llu %s\n"
                "trial balance written to %s/trial_balance.{csv,json,txt}",
                month.ToString().c_str(), pairs.size(), Money::FromFen(gross).ToString().c_str(),
                results.size(), replayed, static_cast<unsigned long long>(report.entries_checked),
                static_cast<unsigned long long>(report.postings_checked),
                static_cast<unsigned long long>(report.accounts_checked),
                static_cast<unsigned long long>(trial.as_of_sequence),
                DigestToHex(trial.as_of_hash).c_str(), out_dir.string().c_str());
  auto out = VerifyReportToJson(report);
  out->set("month", month.ToString());
  out->set("pairs", static_cast<Poco::UInt64>(pairs.size()));
  out->set("claims_amount", Money::FromFen(gross).ToString());
  out->set("out_dir", out_dir.string());
  context.Print(summary, JsonToString(out));
  return Status::Ok();
}

}  // namespace

std::vector<Command> SampleCommands() {
  return {{"sample", "build a ledger from a generated national month and write reports",
           "xclear sample [--month YYYY-MM] [--seed N] [--out DIR]\n"
           "  Records one claims entry per treatment province (all 992 pairs), the annual\n"
           "  prepayments and a partial payment per insured province, verifies the ledger and\n"
           "  writes the trial balance (csv, json, txt) into DIR (default sample-output).\n"
           "  Deterministic: the same seed and month give the same ledger; rerunning is a no-op.",
           {"month", "seed", "out"}, {}, Sample}};
}

}  // namespace xclear::cli
