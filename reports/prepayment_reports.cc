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

}  // namespace xclear
