#include "arbor/relations/market_text.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::relations {
namespace {

namespace dom = simdjson::dom;

std::string EntryName(size_t index, std::string_view id) {
  std::string name = absl::StrCat("markets[", index, "]");
  if (!id.empty()) absl::StrAppend(&name, " (market_id \"", ToAbsl(id), "\")");
  return name;
}

absl::Status EntryError(size_t index, std::string_view id, std::string_view field,
                        std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("markets: ", EntryName(index, id), ".", ToAbsl(field), ": ", ToAbsl(what)));
}

absl::StatusOr<MarketText> ParseEntry(dom::element e, size_t index) {
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("markets: ", EntryName(index, ""), ": not an object"));
  }
  MarketText m;
  for (dom::key_value_pair f : obj) {
    if (f.key == "market_id") {
      std::string_view id;
      if (f.value.get_string().get(id) == simdjson::SUCCESS) m.market_id = std::string(id);
    }
  }
  absl::flat_hash_set<std::string> seen;
  for (dom::key_value_pair f : obj) {
    const std::string key(f.key);
    if (!seen.insert(key).second) return EntryError(index, m.market_id, key, "given twice");
    std::string* text = nullptr;
    if (key == "market_id") {
      text = &m.market_id;
    } else if (key == "event_id") {
      text = &m.event_id;
    } else if (key == "question") {
      text = &m.question;
    } else if (key == "slug") {
      text = &m.slug;
    } else if (key == "neg_risk_market_id") {
      text = &m.neg_risk_market_id;
    } else if (key == "end_unix_nanos") {
      int64_t n = 0;
      if (f.value.type() != dom::element_type::INT64 ||
          f.value.get_int64().get(n) != simdjson::SUCCESS) {
        return EntryError(index, m.market_id, key, "not an integer (Unix ns)");
      }
      if (n < 0) return EntryError(index, m.market_id, key, "must be >= 0");
      m.end_unix_nanos = n;
      continue;
    } else if (key == "neg_risk") {
      bool b = false;
      if (f.value.get_bool().get(b) != simdjson::SUCCESS) {
        return EntryError(index, m.market_id, key, "not a boolean");
      }
      m.neg_risk = b;
      continue;
    } else if (key == "outcomes") {
      dom::array arr;
      if (f.value.get_array().get(arr) != simdjson::SUCCESS) {
        return EntryError(index, m.market_id, key, "not an array of strings");
      }
      for (dom::element o : arr) {
        std::string_view s;
        if (o.get_string().get(s) != simdjson::SUCCESS) {
          return EntryError(index, m.market_id, key, "not an array of strings");
        }
        m.outcomes.emplace_back(s);
      }
      continue;
    } else {
      return EntryError(index, m.market_id, key,
                        "unknown key (market_id, event_id, question, slug, end_unix_nanos, "
                        "neg_risk, neg_risk_market_id, outcomes)");
    }
    std::string_view s;
    if (f.value.get_string().get(s) != simdjson::SUCCESS) {
      return EntryError(index, m.market_id, key, "not a string");
    }
    *text = std::string(s);
  }
  for (const char* required : {"market_id", "question"}) {
    const std::string& value = std::string_view(required) == "market_id" ? m.market_id : m.question;
    if (value.empty()) {
      return EntryError(index, m.market_id, required,
                        seen.contains(std::string(required)) ? "empty" : "missing");
    }
  }
  return m;
}

}  // namespace

MarketText MarketTextFromProto(const v1::Market& market) {
  MarketText m;
  m.market_id = market.market_id();
  m.event_id = market.event_id();
  m.question = market.question();
  m.slug = market.slug();
  m.end_unix_nanos = market.end_unix_nanos();
  m.neg_risk = market.neg_risk().neg_risk();
  m.neg_risk_market_id = market.neg_risk().neg_risk_market_id();
  m.outcomes.assign(market.outcomes().begin(), market.outcomes().end());
  return m;
}

bool IsYesNoMarket(const MarketText& market) {
  if (market.outcomes.empty()) return true;
  return market.outcomes.size() == 2 && absl::EqualsIgnoreCase(market.outcomes[0], "yes") &&
         absl::EqualsIgnoreCase(market.outcomes[1], "no");
}

absl::StatusOr<std::vector<MarketText>> ParseMarketTexts(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("markets: invalid JSON: ", simdjson::error_message(err)));
  }
  dom::array entries;
  if (root.get_array().get(entries) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("markets: top level must be an array of market objects");
  }
  std::vector<MarketText> out;
  absl::flat_hash_set<std::string> ids;
  size_t index = 0;
  for (dom::element e : entries) {
    absl::StatusOr<MarketText> m = ParseEntry(e, index);
    if (!m.ok()) return m.status();
    if (!ids.insert(m->market_id).second) {
      return EntryError(index, m->market_id, "market_id", "duplicate market_id");
    }
    out.push_back(*std::move(m));
    ++index;
  }
  return out;
}

std::string WriteMarketTextsJson(const std::vector<MarketText>& markets) {
  std::string out = "[";
  for (size_t i = 0; i < markets.size(); ++i) {
    const MarketText& m = markets[i];
    JsonWriter w;
    w.BeginObject()
        .Key("market_id")
        .String(m.market_id)
        .Key("event_id")
        .String(m.event_id)
        .Key("question")
        .String(m.question)
        .Key("slug")
        .String(m.slug)
        .Key("end_unix_nanos")
        .Int(m.end_unix_nanos)
        .Key("neg_risk")
        .Bool(m.neg_risk)
        .Key("neg_risk_market_id")
        .String(m.neg_risk_market_id)
        .Key("outcomes")
        .BeginArray();
    for (const std::string& o : m.outcomes) w.String(o);
    w.EndArray().EndObject();
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", w.str());
  }
  absl::StrAppend(&out, markets.empty() ? "]\n" : "\n]\n");
  return out;
}

}  // namespace arbor::relations
