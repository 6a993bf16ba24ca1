#include "xclear/json.h"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "xclear/text.h"

namespace xclear {
namespace {

// Poco's default handler, plus the set of keys seen in each open object.
class StrictHandler final : public Poco::JSON::ParseHandler {
 public:
  void startObject() override {
    keys_.emplace_back();
    ParseHandler::startObject();
  }
  void endObject() override {
    keys_.pop_back();
    ParseHandler::endObject();
  }
  void key(const std::string& k) override {
    if (!keys_.empty() && !keys_.back().insert(k).second) {
      duplicate_ = k;
      has_duplicate_ = true;
      throw Poco::JSON::JSONException("duplicate key");
    }
    ParseHandler::key(k);
  }
  void reset() override {
    keys_.clear();
    duplicate_.clear();
    has_duplicate_ = false;
    ParseHandler::reset();
  }
  // The key given twice (it may be the empty key "").
  const std::optional<std::string> duplicate() const {
    return has_duplicate_ ? std::optional<std::string>(duplicate_) : std::nullopt;
  }

 private:
  std::vector<std::set<std::string>> keys_;
  std::string duplicate_;
  bool has_duplicate_ = false;
};

}  // namespace

Result<Poco::Dynamic::Var> ParseJson(std::string_view text) {
  Poco::JSON::ParseHandler::Ptr handler = new StrictHandler();  // reference-counted by Poco
  const auto& strict = static_cast<const StrictHandler&>(*handler);
  Poco::JSON::Parser parser(handler);
  try {
    return parser.parse(std::string(text));
  } catch (const Poco::Exception& error) {
    if (const auto duplicate = strict.duplicate()) {
      return Status::InvalidArgument("duplicate key " + QuoteText(*duplicate, 64) +
                                     " in one object; each key may appear once");
    }
    return Status::InvalidArgument("not valid JSON: " + ReplaceInvalidUtf8(error.message()));
  }
}

Result<Poco::JSON::Object::Ptr> ParseJsonObject(std::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  if (parsed->type() != typeid(Poco::JSON::Object::Ptr) ||
      parsed->extract<Poco::JSON::Object::Ptr>().isNull()) {
    return Status::InvalidArgument("a JSON object expected");
  }
  return parsed->extract<Poco::JSON::Object::Ptr>();
}

std::string JsonToString(const Poco::JSON::Object::Ptr& object, unsigned indent) {
  std::ostringstream out;
  object->stringify(out, indent);
  return ReplaceInvalidUtf8(out.str());
}

std::string JsonToString(const Poco::JSON::Array::Ptr& array, unsigned indent) {
  std::ostringstream out;
  array->stringify(out, indent);
  return ReplaceInvalidUtf8(out.str());
}

}  // namespace xclear
