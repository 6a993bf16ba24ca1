// The canonical JSON of a clearing statement: the stored form and the JSON report.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <sstream>

#include "xclear/clearing.h"

namespace xclear {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr NewObject() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Object::Ptr ViewToJson(const SettlementView& view) {
  auto out = NewObject();
  out->set("payments", static_cast<Poco::UInt64>(view.payments));
  out->set("moved", view.moved.ToString());
  return out;
}

Result<Money> AmountField(const Object& object, const std::string& key) {
  if (!object.has(key)) return Status::Corruption("statement lacks \"" + key + "\"");
  auto money = Money::Parse(object.getValue<std::string>(key), MoneyParseOptions{true});
  if (!money.ok())
    return Status::Corruption("statement field " + key + ": " + money.status().message());
  return money;
}

uint32_t CodeField(const Object& object, const std::string& key) {
  return static_cast<uint32_t>(std::stoul(object.getValue<std::string>(key)));
}

Result<SettlementView> ViewFromJson(const Object::Ptr& object) {
  if (!object) return Status::Corruption("statement lacks a settlement view");
  SettlementView view;
  view.payments = object->getValue<uint64_t>("payments");
  XCLEAR_ASSIGN_OR_RETURN(view.moved, AmountField(*object, "moved"));
  return view;
}

Result<StatementPair> PairFromJson(const Object& object) {
  StatementPair pair;
  pair.insured = CodeField(object, "insured_province");
  pair.treatment = CodeField(object, "treatment_province");
  pair.claim_count = object.getValue<uint64_t>("claim_count");
  XCLEAR_ASSIGN_OR_RETURN(pair.fund_amount, AmountField(object, "fund_amount"));
  // Statements issued before reversals existed have no reversal fields: none were cleared.
  const bool reversals = object.has("reversal_count");
  if (reversals) {
    pair.reversal_count = object.getValue<uint64_t>("reversal_count");
    XCLEAR_ASSIGN_OR_RETURN(pair.reversed_fund, AmountField(object, "reversed_fund"));
  }
  pair.amount = pair.fund_amount - pair.reversed_fund;
  const Object::Ptr categories = object.getObject("by_category");
  if (!categories) return Status::Corruption("statement pair lacks by_category");
  for (const Category category : kCategories) {
    const Object::Ptr line = categories->getObject(std::string(CategoryName(category)));
    if (!line) return Status::Corruption("statement pair lacks a category");
    const size_t index = static_cast<size_t>(category) - 1;
    pair.count_by_category[index] = line->getValue<uint64_t>("claim_count");
    XCLEAR_ASSIGN_OR_RETURN(pair.fund_by_category[index], AmountField(*line, "fund_amount"));
    if (reversals) {
      pair.reversals_by_category[index] = line->getValue<uint64_t>("reversal_count");
      XCLEAR_ASSIGN_OR_RETURN(pair.reversed_by_category[index],
                              AmountField(*line, "reversed_fund"));
    }
  }
  return pair;
}

}  // namespace

std::string StatementToJson(const Statement& statement, const Participants& participants) {
  auto root = NewObject();
  root->set("statement", "clearing");
  root->set("month", statement.month.ToString());
  root->set("round", static_cast<Poco::UInt64>(statement.round));
  root->set("issued_at", statement.issued_at.ToString());
  root->set("issued_by", statement.issued_by);
  root->set("settlement_mode", std::string(SettlementModeName(statement.mode)));
  auto control = NewObject();
  control->set("claim_count", static_cast<Poco::UInt64>(statement.claim_count));
  control->set("fund_amount", statement.fund_amount.ToString());
  control->set("total_amount", statement.total_amount.ToString());
  control->set("reversal_count", static_cast<Poco::UInt64>(statement.reversal_count));
  control->set("reversed_fund", statement.reversed_fund.ToString());
  control->set("reversed_total", statement.reversed_total.ToString());
  control->set("amount", statement.amount.ToString());
  control->set("claims_digest", DigestToHex(statement.claims_digest));
  root->set("control", control);
  root->set("gross", ViewToJson(statement.gross));
  root->set("net", ViewToJson(statement.net));
  Array::Ptr pairs = new Array();
  for (const StatementPair& pair : statement.pairs) {
    auto item = NewObject();
    item->set("insured_province", std::to_string(pair.insured));
    item->set("treatment_province", std::to_string(pair.treatment));
    item->set("claim_count", static_cast<Poco::UInt64>(pair.claim_count));
    item->set("fund_amount", pair.fund_amount.ToString());
    item->set("reversal_count", static_cast<Poco::UInt64>(pair.reversal_count));
    item->set("reversed_fund", pair.reversed_fund.ToString());
    item->set("amount", pair.amount.ToString());
    auto categories = NewObject();
    for (const Category category : kCategories) {
      const size_t index = static_cast<size_t>(category) - 1;
      auto line = NewObject();
      line->set("claim_count", static_cast<Poco::UInt64>(pair.count_by_category[index]));
      line->set("fund_amount", pair.fund_by_category[index].ToString());
      line->set("reversal_count", static_cast<Poco::UInt64>(pair.reversals_by_category[index]));
      line->set("reversed_fund", pair.reversed_by_category[index].ToString());
      categories->set(std::string(CategoryName(category)), line);
    }
    item->set("by_category", categories);
    pairs->add(item);
  }
  root->set("pairs", pairs);
  Array::Ptr provinces = new Array();
  for (const StatementProvince& province : statement.provinces) {
    auto item = NewObject();
    item->set("province", std::to_string(province.province));
    const Participant* unit = participants.Find(province.province);
    item->set("name", unit == nullptr ? std::string() : unit->name);
    item->set("payable", province.payable.ToString());
    item->set("receivable", province.receivable.ToString());
    item->set("net", province.net.ToString());
    provinces->add(item);
  }
  root->set("provinces", provinces);
  Array::Ptr declarations = new Array();
  for (const uint64_t id : statement.declarations) declarations->add(DeclarationIdToHex(id));
  root->set("declarations", declarations);
  std::ostringstream out;
  root->stringify(out, 0);
  return out.str();
}

Result<Statement> StatementFromJson(std::string_view json) {
  try {
    const Object::Ptr root = Poco::JSON::Parser().parse(std::string(json)).extract<Object::Ptr>();
    Statement statement;
    XCLEAR_ASSIGN_OR_RETURN(statement.month,
                            YearMonth::Parse(root->getValue<std::string>("month")));
    statement.round = root->getValue<uint32_t>("round");
    XCLEAR_ASSIGN_OR_RETURN(statement.issued_at,
                            Instant::Parse(root->getValue<std::string>("issued_at")));
    statement.issued_by = root->getValue<std::string>("issued_by");
    statement.mode = root->getValue<std::string>("settlement_mode") == "net"
                         ? SettlementMode::kNet
                         : SettlementMode::kGross;
    const Object::Ptr control = root->getObject("control");
    if (!control) return Status::Corruption("statement lacks control totals");
    statement.claim_count = control->getValue<uint64_t>("claim_count");
    XCLEAR_ASSIGN_OR_RETURN(statement.fund_amount, AmountField(*control, "fund_amount"));
    XCLEAR_ASSIGN_OR_RETURN(statement.total_amount, AmountField(*control, "total_amount"));
    if (control->has("reversal_count")) {
      statement.reversal_count = control->getValue<uint64_t>("reversal_count");
      XCLEAR_ASSIGN_OR_RETURN(statement.reversed_fund, AmountField(*control, "reversed_fund"));
      XCLEAR_ASSIGN_OR_RETURN(statement.reversed_total, AmountField(*control, "reversed_total"));
    }
    statement.amount = statement.fund_amount - statement.reversed_fund;
    if (!DigestFromHex(control->getValue<std::string>("claims_digest"), statement.claims_digest)) {
      return Status::Corruption("statement digest is malformed");
    }
    XCLEAR_ASSIGN_OR_RETURN(statement.gross, ViewFromJson(root->getObject("gross")));
    XCLEAR_ASSIGN_OR_RETURN(statement.net, ViewFromJson(root->getObject("net")));
    const Array::Ptr pairs = root->getArray("pairs");
    for (size_t i = 0; pairs && i < pairs->size(); ++i) {
      XCLEAR_ASSIGN_OR_RETURN(StatementPair pair,
                              PairFromJson(*pairs->getObject(static_cast<unsigned>(i))));
      statement.pairs.push_back(std::move(pair));
    }
    const Array::Ptr provinces = root->getArray("provinces");
    for (size_t i = 0; provinces && i < provinces->size(); ++i) {
      const Object::Ptr item = provinces->getObject(static_cast<unsigned>(i));
      StatementProvince province;
      province.province = CodeField(*item, "province");
      XCLEAR_ASSIGN_OR_RETURN(province.payable, AmountField(*item, "payable"));
      XCLEAR_ASSIGN_OR_RETURN(province.receivable, AmountField(*item, "receivable"));
      XCLEAR_ASSIGN_OR_RETURN(province.net, AmountField(*item, "net"));
      statement.provinces.push_back(province);
    }
    const Array::Ptr declarations = root->getArray("declarations");
    for (size_t i = 0; declarations && i < declarations->size(); ++i) {
      statement.declarations.push_back(std::stoull(
          declarations->getElement<std::string>(static_cast<unsigned>(i)), nullptr, 16));
    }
    return statement;
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("a stored statement is malformed: ") + e.what());
  }
}

}  // namespace xclear
