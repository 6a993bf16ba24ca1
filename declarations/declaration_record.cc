// The record of a declaration: its ledger entries (claims_declared for its claims,
// claim_reversal for its reversals) and its declarations-table record, committed with its
// claims in one atomic ledger commit.
#include "claim_codec.h"
#include "declaration_runs.h"
#include "xclear/declarations.h"
#include "xclear/encoding.h"

namespace xclear {

using namespace declarations_internal;

namespace {

void PutString(std::string& out, std::string_view text) {
  encoding::PutFixed32(out, static_cast<uint32_t>(text.size()));
  out.append(text);
}

// declaration := treatment:fixed32 entry_sequence:fixed64 declared_ms:fixed64 rows:fixed64
//                recorded:fixed64 duplicates:fixed64 late:fixed64 fund:fixed64 total:fixed64
//                digest:32 actor:str source:str [reversals]
// reversals   := count:fixed64 fund:fixed64 total:fixed64 entry_sequence:fixed64 digest:32
//                (written by every declaration since reversals exist; absent: none)
std::string EncodeDeclaration(const DeclarationReport& report, const Instant& declared_at,
                              const std::string& actor) {
  std::string out;
  const auto put64 = [&out](uint64_t value) { encoding::PutFixed64(out, value); };
  const auto fen64 = [](const Money& money) { return money.fen().convert_to<uint64_t>(); };
  encoding::PutFixed32(out, report.treatment);
  put64(report.entry_sequence);
  put64(static_cast<uint64_t>(declared_at.unix_millis()));
  put64(report.rows);
  put64(report.recorded);
  put64(report.duplicates);
  put64(report.late);
  put64(fen64(report.fund_amount));
  put64(fen64(report.total_amount));
  out.append(reinterpret_cast<const char*>(report.digest.data()), 32);
  PutString(out, actor);
  PutString(out, report.source);
  put64(report.reversals);
  put64(fen64(report.reversed_fund));
  put64(fen64(report.reversed_total));
  put64(report.reversal_entry_sequence);
  out.append(reinterpret_cast<const char*>(report.reversals_digest.data()), 32);
  return out;
}

// The entry of a declaration's claims (kClaimsDeclared), or of its reversals (kClaimReversal:
// the same postings with debit and credit swapped), per insured province.
EntryDraft DeclarationEntry(const DeclarationReport& report, EntryKind kind,
                            const std::map<uint32_t, Fen>& by_insured, const Instant& now,
                            const std::string& actor) {
  const bool reversal = kind == EntryKind::kClaimReversal;
  const std::string id = DeclarationIdToHex(report.declaration_id);
  EntryDraft draft;
  draft.kind = kind;
  draft.effective_date = now.CstDate();
  draft.actor = actor;
  draft.idempotency_key = (reversal ? "declaration-reversals:" : "declaration:") + id;
  draft.source_reference = "declaration " + id;
  if (reversal) {
    draft.memo = std::to_string(report.reversals) + " reversals from " + report.source;
  } else {
    draft.memo = std::to_string(report.recorded) + " claims from " + report.source;
  }
  if (report.late > 0) draft.memo += ", " + std::to_string(report.late) + " late";
  const Side dr = reversal ? Side::kCredit : Side::kDebit;
  const Side cr = reversal ? Side::kDebit : Side::kCredit;
  const uint32_t treatment = report.treatment;
  for (const auto& [insured, fen] : by_insured) {
    if (fen == 0) continue;
    const Money amount = Money::FromFen(fen);
    draft.postings.push_back({AccountId::Receivable(treatment, insured), dr, amount});
    draft.postings.push_back({AccountId::Bank(treatment), cr, amount});
    draft.postings.push_back({AccountId::Expense(insured), dr, amount});
    draft.postings.push_back({AccountId::Payable(insured, treatment), cr, amount});
  }
  return draft;
}

}  // namespace

Status Declarations::CommitDeclaration(DeclarationReport& report, RunResults& results,
                                       const std::string& actor) {
  const Instant now = clock_.Now();
  CommitRequest request;
  int claims_entry = -1, reversals_entry = -1;
  EntryDraft entry = DeclarationEntry(report, EntryKind::kClaimsDeclared,
                                      results.claims.fund_by_insured, now, actor);
  if (!entry.postings.empty()) {
    claims_entry = static_cast<int>(request.entries.size());
    request.entries.push_back(std::move(entry));
  }
  entry = DeclarationEntry(report, EntryKind::kClaimReversal, results.reversals.fund_by_insured,
                           now, actor);
  if (!entry.postings.empty()) {
    reversals_entry = static_cast<int>(request.entries.size());
    request.entries.push_back(std::move(entry));
  }
  request.writes = std::move(results.writes);
  request.files = results.files;
  for (const auto& [key, late] : results.late_aggregates) {
    request.writes.push_back({Table::kLateAggregates,
                              EncodeLateAggregateKey(key, report.declaration_id),
                              EncodeAggregate(late)});
  }
  request.complete = [&](const std::vector<AppendResult>& entries,
                         std::vector<TableWrite>& writes) {
    const auto sequence_of = [&entries](int index) {
      return index < 0 ? uint64_t{0} : entries[static_cast<size_t>(index)].sequence;
    };
    report.entry_sequence = sequence_of(claims_entry);
    report.reversal_entry_sequence = sequence_of(reversals_entry);
    writes.push_back({Table::kDeclarations, DeclarationKey(report.declaration_id),
                      EncodeDeclaration(report, now, actor)});
    for (const auto& [key, delta] : results.aggregates) {
      const std::string encoded_key = EncodeAggregateKey(key);
      XCLEAR_ASSIGN_OR_RETURN(const auto stored, ledger_.Get(Table::kClaimAggregates, encoded_key));
      Aggregate total;
      if (stored && !DecodeAggregate(*stored, total)) {
        return Status::Corruption("a claim aggregate record is malformed");
      }
      total.Add(delta);
      writes.push_back({Table::kClaimAggregates, encoded_key, EncodeAggregate(total)});
    }
    return Status::Ok();
  };
  auto committed = ledger_.Commit(request);
  if (!committed.ok()) return committed.status();
  return Status::Ok();
}

}  // namespace xclear
