#include <algorithm>

#include "xclear/reports.h"

namespace xclear {

Result<std::vector<DeadlineItem>> OpenObligations(const Settlement& settlement,
                                                  const Prepayments& prepayments,
                                                  std::optional<uint32_t> province,
                                                  const Date& today) {
  XCLEAR_ASSIGN_OR_RETURN(std::vector<DeadlineItem> items, settlement.Deadlines(province));
  XCLEAR_ASSIGN_OR_RETURN(std::vector<DeadlineItem> notices, prepayments.Deadlines(province));
  for (DeadlineItem& item : notices) items.push_back(std::move(item));
  FinishDeadlines(items, today);
  return items;
}

Result<PrepaymentReportData> GatherPrepaymentReport(const Ledger& ledger,
                                                    const Prepayments& prepayments, int year,
                                                    std::optional<uint32_t> province) {
  PrepaymentReportData data;
  const LedgerHead head = ledger.Head();
  data.as_of = head.sequence;
  data.as_of_hash = head.hash;
  XCLEAR_ASSIGN_OR_RETURN(const auto issued, prepayments.AdjustmentOf(year));
  data.issued = issued.has_value();
  if (issued) {
    data.adjustment = *issued;
  } else {
    XCLEAR_ASSIGN_OR_RETURN(data.adjustment, prepayments.PreviewAdjustment(year));
  }
  XCLEAR_ASSIGN_OR_RETURN(data.positions, prepayments.Positions(head.sequence, province));
  XCLEAR_ASSIGN_OR_RETURN(const std::vector<Notice> notices, prepayments.Notices(province));
  for (const Notice& notice : notices) data.notice_paid[notice.id] = notice.paid;
  if (province) {
    std::erase_if(data.adjustment.lines, [&](const AdjustmentLine& line) {
      return line.insured != *province && line.treatment != *province;
    });
  }
  return data;
}

Statement StatementForProvince(const Statement& statement, uint32_t province) {
  Statement view = statement;
  std::erase_if(view.pairs, [&](const StatementPair& pair) {
    return pair.insured != province && pair.treatment != province;
  });
  std::erase_if(view.provinces,
                [&](const StatementProvince& row) { return row.province != province; });
  return view;
}

TrialBalance TrialBalanceForProvince(const TrialBalance& trial, uint32_t province) {
  TrialBalance view;
  view.as_of_sequence = trial.as_of_sequence;
  view.as_of_hash = trial.as_of_hash;
  for (const AccountBalance& balance : trial.accounts) {
    if (balance.account.owner == province) view.accounts.push_back(balance);
  }
  const auto total = trial.province_totals.find(province);
  if (total != trial.province_totals.end()) {
    view.province_totals.emplace(province, total->second);
    view.total = total->second;
  }
  return view;
}

}  // namespace xclear
