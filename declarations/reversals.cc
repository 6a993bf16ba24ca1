// CheckReversals: a reversal row cancels one claim of the declaring province.
//
// - The original is recorded (in the ledger, or as a new claim of the same declaration, in
//   either order), is the declaring province's own, and is a claim, not a reversal.
// - It is not reversed already: not in the ledger (its claim_links "reversed by" record), not
//   by an earlier row of the declaration.
// - The reversal has the original's insured province, category and amounts exactly (a partial
//   refund is a reversal and a new claim for what remains), and its settled_on (the day of the
//   cancellation) is not before the original's.
// - A reversal already recorded (the declaration sent again) is a duplicate when it cancels the
//   same claim; naming another claim is a conflict.
#include "reversals.h"

#include <unordered_map>

#include "claim_codec.h"
#include "claim_index.h"
#include "claim_links.h"
#include "xclear/text.h"

namespace xclear::declarations_internal {
namespace {

std::string Fen2(uint64_t fen) { return Money::FromFen(Fen(fen)).ToString(); }

// The field in which `reversal` differs from `original`, with the reason; empty when none does.
RowError CompareWithOriginal(const PendingReversal& reversal, const ClaimValueView& original) {
  const ClaimValueView ours(reversal.value);
  const std::string of = " of the reversed claim " + QuoteText(reversal.original, 64);
  if (ours.insured() != original.insured()) {
    return {reversal.row, "insured_province",
            "the reversal's insured province " + std::to_string(ours.insured()) +
                " is not the insured province " + std::to_string(original.insured()) + of};
  }
  if (ours.category() != original.category()) {
    return {reversal.row, "category",
            "the reversal's category " + std::string(CategoryName(ours.category())) +
                " is not the category " + std::string(CategoryName(original.category())) + of};
  }
  if (ours.total_fen() != original.total_fen()) {
    return {reversal.row, "total_amount",
            "the reversal's total_amount " + Fen2(ours.total_fen()) + " is not the total_amount " +
                Fen2(original.total_fen()) + of +
                " (a partial refund is a reversal and a new claim for what remains)"};
  }
  if (ours.fund_fen() != original.fund_fen()) {
    return {reversal.row, "fund_amount",
            "the reversal's fund_amount " + Fen2(ours.fund_fen()) + " is not the fund_amount " +
                Fen2(original.fund_fen()) + of +
                " (a partial refund is a reversal and a new claim for what remains)"};
  }
  if (ours.settled_on() < original.settled_on()) {
    return {reversal.row, "settled_on",
            "the reversal's settled_on " + ours.settled_on().ToString() +
                " is before the settlement it cancels (" + original.settled_on().ToString() + ")"};
  }
  return {};
}

}  // namespace

Status CheckReversals(const Ledger& ledger, RunWriter& writer, uint32_t treatment, bool refused,
                      const std::vector<PendingReversal>& reversals, std::vector<RowError>& errors,
                      std::vector<TableWrite>& links) {
  // Each reversal's original: a new claim of this declaration (then nothing in the ledger can
  // have reversed it), else a recorded one, read for all of them at once.
  std::vector<std::optional<std::string>> originals(reversals.size());
  std::vector<bool> in_ledger(reversals.size(), false);
  std::vector<std::string_view> wanted;
  std::vector<size_t> wanted_for;
  for (size_t i = 0; i < reversals.size(); ++i) {
    if (writer.recorded_reversal_rows().count(reversals[i].row) > 0) continue;
    if (!refused) {
      XCLEAR_ASSIGN_OR_RETURN(originals[i], writer.FindNewClaim(reversals[i].original));
      if (originals[i]) continue;
    }
    wanted.emplace_back(reversals[i].original);
    wanted_for.push_back(i);
  }
  XCLEAR_ASSIGN_OR_RETURN(auto stored, FindStoredClaimValues(ledger, wanted));
  for (size_t k = 0; k < wanted.size(); ++k) {
    if (!stored[k]) continue;
    originals[wanted_for[k]] = std::move(stored[k]);
    in_ledger[wanted_for[k]] = true;
  }

  std::unordered_map<std::string_view, uint64_t> reversed_here;  // original → row
  const auto fail = [&](const PendingReversal& reversal, std::string reason) {
    errors.push_back({reversal.row, "reversal_of", std::move(reason)});
  };
  for (size_t i = 0; i < reversals.size(); ++i) {
    const PendingReversal& reversal = reversals[i];
    const std::string original_id = QuoteText(reversal.original, 64);
    // Recorded already: the declaration sent again (the claim pipeline compared the fields).
    if (writer.recorded_reversal_rows().count(reversal.row) > 0) {
      XCLEAR_ASSIGN_OR_RETURN(const auto cancels, FindReversalOf(ledger, reversal.id));
      if (cancels && *cancels != reversal.original) {
        fail(reversal, "the reversal " + QuoteText(reversal.id, 64) +
                           " is already recorded as cancelling " + QuoteText(*cancels, 64) +
                           ", not " + original_id);
      }
      continue;
    }
    const auto [earlier, first] = reversed_here.emplace(reversal.original, reversal.row);
    if (!first) {
      fail(reversal, original_id + " is reversed twice in this declaration (also row " +
                         std::to_string(earlier->second) + ")");
      continue;
    }
    const std::optional<std::string>& value = originals[i];
    if (!value) {
      if (!refused) {
        fail(reversal, original_id + " is not a recorded claim (nor a claim of this declaration)");
      }
      continue;
    }
    if (value->size() != kClaimValueBytes) {
      return Status::Corruption("claim " + reversal.original + " is stored malformed");
    }
    const ClaimValueView original(*value);
    if (original.treatment() != treatment) {
      // Which province holds it is that province's business.
      fail(reversal, original_id + " is not a claim of province " + std::to_string(treatment) +
                         "; a province reverses only its own settlements");
      continue;
    }
    if (original.reversal()) {
      fail(reversal, original_id + " is itself a reversal; a reversal cannot be reversed");
      continue;
    }
    if (in_ledger[i]) {
      XCLEAR_ASSIGN_OR_RETURN(const auto reversed_by, FindReversedBy(ledger, reversal.original));
      if (reversed_by) {
        fail(reversal, original_id + " is already reversed by " + QuoteText(*reversed_by, 64));
        continue;
      }
    }
    RowError mismatch = CompareWithOriginal(reversal, original);
    if (mismatch.row != 0) {
      errors.push_back(std::move(mismatch));
      continue;
    }
    AddReversalLinks(reversal.original, reversal.id, links);
  }
  return Status::Ok();
}

}  // namespace xclear::declarations_internal
