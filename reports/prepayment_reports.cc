// The positions report (prepayment, outstanding, usage and warning per pair).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "xclear/journal_json.h"
#include "xclear/reports.h"

namespace xclear {

std::string RenderPositions(const std::vector<Position>& positions, uint64_t as_of,
                            const Digest& as_of_hash, const Participants& participants,
                            ReportFormat format) {
  Money prepayment, outstanding;
  uint64_t yellow = 0, red = 0;
  for (const Position& position : positions) {
    prepayment += position.prepayment;
    outstanding += position.outstanding;
    if (position.warning == Warning::kYellow) ++yellow;
    if (position.warning == Warning::kRed) ++red;
  }
  const std::string hash = DigestToHex(as_of_hash);
  if (format == ReportFormat::kCsv || format == ReportFormat::kXlsx) {  // XLSX: from the CSV
    std::string out =
        "insured,insured_name,treatment,treatment_name,prepayment,outstanding,usage_percent,"
        "warning,as_of_sequence,as_of_hash\r\n";
    for (const Position& position : positions) {
      out += std::to_string(position.insured) + ',' +
             CsvField(PartyDisplayName(participants, position.insured)) + ',' +
             std::to_string(position.treatment) + ',' +
             CsvField(PartyDisplayName(participants, position.treatment)) + ',' +
             position.prepayment.ToString() + ',' + position.outstanding.ToString() + ',' +
             position.usage_percent + ',' + std::string(WarningName(position.warning)) + ',' +
             std::to_string(as_of) + ',' + hash + "\r\n";
    }
    out += "total,,,," + prepayment.ToString() + ',' + outstanding.ToString() + ",," +
           std::to_string(yellow) + " yellow " + std::to_string(red) + " red," +
           std::to_string(as_of) + ',' + hash + "\r\n";
    return out;
  }
  if (format == ReportFormat::kJson) {
    Poco::JSON::Object::Ptr root = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    root->set("report", "positions");
    root->set("as_of_sequence", static_cast<Poco::UInt64>(as_of));
    root->set("as_of_hash", hash);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array();
    for (const Position& position : positions) {
      Poco::JSON::Object::Ptr line = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      line->set("insured", std::to_string(position.insured));
      line->set("treatment", std::to_string(position.treatment));
      line->set("prepayment", position.prepayment.ToString());
      line->set("outstanding", position.outstanding.ToString());
      line->set("usage_percent", position.usage_percent);
      line->set("warning", std::string(WarningName(position.warning)));
      list->add(line);
    }
    root->set("positions", list);
    root->set("yellow_count", static_cast<Poco::UInt64>(yellow));
    root->set("red_count", static_cast<Poco::UInt64>(red));
    root->set("total_prepayment", prepayment.ToString());
    root->set("total_outstanding", outstanding.ToString());
    return JsonToString(root, 2) + "\n";
  }
  std::string out = "Positions as of entry " + std::to_string(as_of) + " (hash " + hash +
                    "): " + std::to_string(positions.size()) + " pairs, " + std::to_string(yellow) +
                    " yellow, " + std::to_string(red) + " red\n";
  for (const Position& position : positions) {
    out +=
        "  " + std::to_string(position.insured) + " -> " + std::to_string(position.treatment) +
        ": prepayment " + position.prepayment.ToString() + ", outstanding " +
        position.outstanding.ToString() + ", usage " +
        (position.usage_percent.empty() ? std::string("unbounded") : position.usage_percent + "%") +
        ", " + std::string(WarningName(position.warning)) + "\n";
  }
  return out;
}

std::string RenderPrepaymentReport(const Adjustment& adjustment, bool issued,
                                   const std::vector<Position>& positions,
                                   const std::map<std::string, Money>& notice_paid, uint64_t as_of,
                                   const Digest& as_of_hash, const Participants& participants,
                                   ReportFormat format) {
  std::map<std::pair<uint32_t, uint32_t>, const Position*> position_of;
  for (const Position& position : positions) {
    position_of[{position.insured, position.treatment}] = &position;
  }
  const std::string hash = DigestToHex(as_of_hash);
  const std::string year = std::to_string(adjustment.year);
  const std::string status = issued ? "issued" : "preview";
  struct Line {
    const AdjustmentLine* line;
    Position now;
    Money paid;
  };
  std::vector<Line> lines;
  Money base, target, at_adjustment, adjust, paid, prepayment, outstanding;
  for (const AdjustmentLine& line : adjustment.lines) {
    const auto found = position_of.find({line.insured, line.treatment});
    Line item{&line, found == position_of.end() ? Position() : *found->second, Money()};
    const std::string notice = "adjustment-" + year + "-" + std::to_string(line.insured) + "-" +
                               std::to_string(line.treatment);
    const auto paid_it = notice_paid.find(notice);
    if (paid_it != notice_paid.end()) item.paid = paid_it->second;
    base += line.base;
    target += line.target;
    at_adjustment += line.current;
    adjust += line.adjustment;
    paid += item.paid;
    prepayment += item.now.prepayment;
    outstanding += item.now.outstanding;
    lines.push_back(item);
  }
  if (format == ReportFormat::kCsv || format == ReportFormat::kXlsx) {  // XLSX: from the CSV
    std::string out =
        "insured,insured_name,treatment,treatment_name,base,target,prepayment_at_adjustment,"
        "adjustment,notice_paid,prepayment,outstanding,usage_percent,warning,year,status,"
        "as_of_sequence,as_of_hash\r\n";
    const std::string tail =
        "," + year + "," + status + "," + std::to_string(as_of) + "," + hash + "\r\n";
    for (const Line& item : lines) {
      const AdjustmentLine& line = *item.line;
      out += std::to_string(line.insured) + ',' +
             CsvField(PartyDisplayName(participants, line.insured)) + ',' +
             std::to_string(line.treatment) + ',' +
             CsvField(PartyDisplayName(participants, line.treatment)) + ',' + line.base.ToString() +
             ',' + line.target.ToString() + ',' + line.current.ToString() + ',' +
             line.adjustment.ToString() + ',' + item.paid.ToString() + ',' +
             item.now.prepayment.ToString() + ',' + item.now.outstanding.ToString() + ',' +
             item.now.usage_percent + ',' + std::string(WarningName(item.now.warning)) + tail;
    }
    out += "total,,,," + base.ToString() + ',' + target.ToString() + ',' +
           at_adjustment.ToString() + ',' + adjust.ToString() + ',' + paid.ToString() + ',' +
           prepayment.ToString() + ',' + outstanding.ToString() + ",," + tail;
    return out;
  }
  if (format == ReportFormat::kJson) {
    Poco::JSON::Object::Ptr root = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    root->set("report", "prepayment");
    root->set("year", adjustment.year);
    root->set("status", status);
    root->set("as_of_sequence", static_cast<Poco::UInt64>(as_of));
    root->set("as_of_hash", hash);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array();
    for (const Line& item : lines) {
      const AdjustmentLine& line = *item.line;
      Poco::JSON::Object::Ptr pair = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      pair->set("insured", std::to_string(line.insured));
      pair->set("treatment", std::to_string(line.treatment));
      pair->set("base", line.base.ToString());
      pair->set("target", line.target.ToString());
      pair->set("prepayment_at_adjustment", line.current.ToString());
      pair->set("adjustment", line.adjustment.ToString());
      pair->set("notice_paid", item.paid.ToString());
      pair->set("prepayment", item.now.prepayment.ToString());
      pair->set("outstanding", item.now.outstanding.ToString());
      pair->set("usage_percent", item.now.usage_percent);
      pair->set("warning", std::string(WarningName(item.now.warning)));
      list->add(pair);
    }
    root->set("pairs", list);
    root->set("total_base", base.ToString());
    root->set("total_target", target.ToString());
    root->set("total_adjustment", adjust.ToString());
    root->set("total_prepayment", prepayment.ToString());
    return JsonToString(root, 2) + "\n";
  }
  std::string out = "Prepayments " + year + " (" + status + ", as of entry " +
                    std::to_string(as_of) + "): base " + base.ToString() + ", target " +
                    target.ToString() + ", prepayment now " + prepayment.ToString() + "\n";
  for (const Line& item : lines) {
    const AdjustmentLine& line = *item.line;
    if (line.base.is_zero() && line.current.is_zero() && item.now.prepayment.is_zero()) continue;
    out +=
        "  " + std::to_string(line.insured) + " -> " + std::to_string(line.treatment) + ": base " +
        line.base.ToString() + ", target " + line.target.ToString() + ", adjustment " +
        line.adjustment.ToString() + " (paid " + item.paid.ToString() + "), prepayment " +
        item.now.prepayment.ToString() + ", usage " +
        (item.now.usage_percent.empty() ? std::string("unbounded") : item.now.usage_percent + "%") +
        ", " + std::string(WarningName(item.now.warning)) + "\n";
  }
  return out;
}

}  // namespace xclear
