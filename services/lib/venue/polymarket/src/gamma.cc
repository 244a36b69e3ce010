#include "arbor/venue/polymarket/gamma.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "json_util.h"

namespace arbor::venue::polymarket {

using internal::FieldError;
using internal::FieldReader;
using internal::JsonContext;
using internal::JsonKind;
using internal::PathNode;
using internal::Scalar;
namespace od = simdjson::ondemand;

namespace {

// Parses the JSON text held in a JSON-encoded list ("[\"Yes\", \"No\"]") and calls
// fn(scalar, path) for each element. Errors name the outer field and the inner position.
template <typename Fn>
absl::Status ForEachEncodedElement(std::string_view encoded, const PathNode* path,
                                   std::string_view key, uint32_t outer_offset, Fn&& fn) {
  absl::Status status = internal::ParseDocument(encoded, [&](JsonContext& ctx, od::value& root) {
    od::array array;
    absl::Status s = internal::GetArray(ctx, root, path, key, &array);
    if (!s.ok()) return s;
    return internal::ForEachElement(ctx, array, path, key, [&](int index, od::value& element) {
      const PathNode node{path, key, index};
      absl::StatusOr<Scalar> token = internal::Token(ctx, element, &node, "");
      if (!token.ok()) return token.status();
      return fn(*token, &node);
    });
  });
  if (status.ok()) return status;
  return FieldError(path, key, outer_offset,
                    absl::StrCat("invalid JSON-encoded list: ", status.message()));
}

class GammaParser {
 public:
  explicit GammaParser(JsonContext* ctx) : ctx_(ctx) {}

  absl::Status Market(od::value& value, const PathNode* path, GammaMarket* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, path, "", &object));
    FieldReader r(*ctx_, path);
    std::optional<Money> liquidity_num;
    std::optional<Money> volume_num;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, path, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "id") return r.Text(v, key, &out->id);
          if (key == "question") return r.String(v, key, &out->question);
          if (key == "conditionId") return r.String(v, key, &out->condition_id);
          if (key == "questionID") return r.String(v, key, &out->question_id);
          if (key == "slug") return r.String(v, key, &out->slug);
          if (key == "description") return r.String(v, key, &out->description);
          if (key == "resolutionSource") return r.String(v, key, &out->resolution_source);
          if (key == "startDate") return r.String(v, key, &out->start_date);
          if (key == "endDate") return r.String(v, key, &out->end_date);
          if (key == "endDateIso") return r.String(v, key, &out->end_date_iso);
          if (key == "groupItemTitle") return r.String(v, key, &out->group_item_title);
          if (key == "negRiskMarketID") return r.String(v, key, &out->neg_risk_market_id);
          if (key == "negRiskRequestID") return r.String(v, key, &out->neg_risk_request_id);
          if (key == "feeType") return r.String(v, key, &out->fee_type);
          if (key == "sportsMarketType") return r.String(v, key, &out->sports_market_type);
          if (key == "gameId") return r.Text(v, key, &out->game_id);
          if (key == "marketType") return r.String(v, key, &out->market_type);
          if (key == "outcomes") return EncodedStrings(v, path, key, &out->outcomes);
          if (key == "clobTokenIds") return EncodedStrings(v, path, key, &out->clob_token_ids);
          if (key == "outcomePrices") return EncodedPrices(v, path, key, &out->outcome_prices);
          if (key == "liquidity") return r.OptMoneyRounded(v, key, &out->liquidity);
          if (key == "liquidityNum") return r.OptMoneyRounded(v, key, &liquidity_num);
          if (key == "volume") return r.OptMoneyRounded(v, key, &out->volume);
          if (key == "volumeNum") return r.OptMoneyRounded(v, key, &volume_num);
          if (key == "volume24hr") return r.OptMoneyRounded(v, key, &out->volume_24hr);
          if (key == "orderPriceMinTickSize") {
            return r.OptTick(v, key, &out->order_price_min_tick_size);
          }
          if (key == "orderMinSize") return r.OptSize(v, key, &out->order_min_size);
          if (key == "bestBid") return r.OptPriceRounded(v, key, &out->best_bid);
          if (key == "bestAsk") return r.OptPriceRounded(v, key, &out->best_ask);
          if (key == "lastTradePrice") return r.OptPriceRounded(v, key, &out->last_trade_price);
          if (key == "spread") return r.OptPriceRounded(v, key, &out->spread);
          if (key == "makerBaseFee") return r.OptInt(v, key, &out->maker_base_fee);
          if (key == "takerBaseFee") return r.OptInt(v, key, &out->taker_base_fee);
          if (key == "feeSchedule") return Fees(v, path, &out->fee_schedule);
          if (key == "active") return r.Bool(v, key, &out->active);
          if (key == "closed") return r.Bool(v, key, &out->closed);
          if (key == "archived") return r.Bool(v, key, &out->archived);
          if (key == "restricted") return r.Bool(v, key, &out->restricted);
          if (key == "acceptingOrders") return r.Bool(v, key, &out->accepting_orders);
          if (key == "enableOrderBook") return r.Bool(v, key, &out->enable_order_book);
          if (key == "negRisk") return r.Bool(v, key, &out->neg_risk);
          if (key == "negRiskOther") return r.Bool(v, key, &out->neg_risk_other);
          if (key == "feesEnabled") return r.Bool(v, key, &out->fees_enabled);
          if (key == "events") return EventRefs(v, path, &out->events);
          return absl::OkStatus();
        }));
    if (!out->liquidity.has_value()) out->liquidity = liquidity_num;
    if (!out->volume.has_value()) out->volume = volume_num;
    if (out->id.empty() && out->condition_id.empty()) {
      return internal::MissingField(path, "id");
    }
    return absl::OkStatus();
  }

  absl::Status Event(od::value& value, const PathNode* path, GammaEvent* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, path, "", &object));
    FieldReader r(*ctx_, path);
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, path, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "id") return r.Text(v, key, &out->id);
          if (key == "ticker") return r.String(v, key, &out->ticker);
          if (key == "slug") return r.String(v, key, &out->slug);
          if (key == "title") return r.String(v, key, &out->title);
          if (key == "description") return r.String(v, key, &out->description);
          if (key == "resolutionSource") return r.String(v, key, &out->resolution_source);
          if (key == "startDate") return r.String(v, key, &out->start_date);
          if (key == "endDate") return r.String(v, key, &out->end_date);
          if (key == "negRiskMarketID") return r.String(v, key, &out->neg_risk_market_id);
          if (key == "active") return r.Bool(v, key, &out->active);
          if (key == "closed") return r.Bool(v, key, &out->closed);
          if (key == "archived") return r.Bool(v, key, &out->archived);
          if (key == "negRisk") return r.Bool(v, key, &out->neg_risk);
          if (key == "enableNegRisk") return r.Bool(v, key, &out->enable_neg_risk);
          if (key == "negRiskAugmented") return r.Bool(v, key, &out->neg_risk_augmented);
          if (key == "liquidity") return r.OptMoneyRounded(v, key, &out->liquidity);
          if (key == "volume") return r.OptMoneyRounded(v, key, &out->volume);
          if (key == "markets") {
            out->markets.clear();
            return Array(v, path, key, [&](od::value& element, const PathNode* node) {
              out->markets.emplace_back();
              return Market(element, node, &out->markets.back());
            });
          }
          if (key == "tags") return Tags(v, path, key, &out->tags);
          return absl::OkStatus();
        }));
    if (out->id.empty()) return internal::MissingField(path, "id");
    return absl::OkStatus();
  }

  absl::Status Tags(od::value& v, const PathNode* path, std::string_view key,
                    std::vector<GammaTag>* out) {
    out->clear();
    ARBOR_ASSIGN_OR_RETURN(const Scalar token, internal::Token(*ctx_, v, path, key));
    if (token.kind == JsonKind::kNull) return absl::OkStatus();
    return Array(v, path, key, [&](od::value& element, const PathNode* node) {
      out->emplace_back();
      return Tag(element, node, &out->back());
    });
  }

  absl::Status Tag(od::value& value, const PathNode* path, GammaTag* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, path, "", &object));
    FieldReader r(*ctx_, path);
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, path, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "id") return r.Text(v, key, &out->id);
          if (key == "label") return r.String(v, key, &out->label);
          if (key == "slug") return r.String(v, key, &out->slug);
          return absl::OkStatus();
        }));
    if (out->id.empty()) return internal::MissingField(path, "id");
    return absl::OkStatus();
  }

  absl::Status Search(od::value& value, GammaSearchResult* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, nullptr, "", &object));
    return internal::ForEachField(
        *ctx_, object, nullptr, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "events") {
            out->events.clear();
            return Array(v, nullptr, key, [&](od::value& element, const PathNode* node) {
              out->events.emplace_back();
              return Event(element, node, &out->events.back());
            });
          }
          if (key == "tags") return Tags(v, nullptr, key, &out->tags);
          if (key == "pagination") return Pagination(v, out);
          return absl::OkStatus();
        });
  }

  // Calls fn(element, path) for each element of the array at `v`.
  template <typename Fn>
  absl::Status Array(od::value& v, const PathNode* path, std::string_view key, Fn&& fn) {
    od::array array;
    ARBOR_RETURN_IF_ERROR(internal::GetArray(*ctx_, v, path, key, &array));
    return internal::ForEachElement(*ctx_, array, path, key, [&](int index, od::value& element) {
      const PathNode node{path, key, index};
      return fn(element, &node);
    });
  }

 private:
  absl::Status Pagination(od::value& v, GammaSearchResult* out) {
    static constexpr PathNode kNode{nullptr, "pagination", -1};
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, v, nullptr, "pagination", &object));
    FieldReader r(*ctx_, &kNode);
    return internal::ForEachField(*ctx_, object, &kNode,
                                  [&](std::string_view key, od::value& f) -> absl::Status {
                                    if (key == "hasMore") return r.Bool(f, key, &out->has_more);
                                    if (key == "totalResults") {
                                      return r.OptInt(f, key, &out->total_results);
                                    }
                                    return absl::OkStatus();
                                  });
  }

  // A list given either as a JSON-encoded string or as a JSON array of strings; null -> empty.
  absl::Status EncodedStrings(od::value& v, const PathNode* path, std::string_view key,
                              std::vector<std::string>* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar token, internal::Token(*ctx_, v, path, key));
    out->clear();
    if (token.kind != JsonKind::kString) return internal::ReadStringArray(*ctx_, v, path, key, out);
    // An owned copy: the inner parse must not alias the outer parser's string buffer.
    const std::string encoded(token.text);
    return ForEachEncodedElement(encoded, path, key, token.offset,
                                 [&](const Scalar& s, const PathNode* node) -> absl::Status {
                                   absl::StatusOr<std::string_view> text =
                                       internal::AsString(s, node, "");
                                   if (!text.ok()) return text.status();
                                   out->emplace_back(*text);
                                   return absl::OkStatus();
                                 });
  }

  // outcomePrices: JSON-encoded list of decimal strings (or numbers), each rounded half-up.
  absl::Status EncodedPrices(od::value& v, const PathNode* path, std::string_view key,
                             std::vector<Price>* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar token, internal::Token(*ctx_, v, path, key));
    out->clear();
    auto add = [&](const Scalar& s, const PathNode* node) -> absl::Status {
      absl::StatusOr<int64_t> micros = internal::AsMicrosRounded(s, node, "");
      if (!micros.ok()) return micros.status();
      if (*micros < 0 || *micros > kFixedScale) {
        return FieldError(node, "", s.offset,
                          absl::StrCat("price ", Abbreviate(s.text, 24), " outside [0, 1]"));
      }
      out->push_back(Price::FromMicros(*micros));
      return absl::OkStatus();
    };
    if (token.kind == JsonKind::kNull) return absl::OkStatus();
    if (token.kind == JsonKind::kString) {
      const std::string encoded(token.text);
      return ForEachEncodedElement(encoded, path, key, token.offset, add);
    }
    return Array(v, path, key, [&](od::value& element, const PathNode* node) {
      absl::StatusOr<Scalar> s = internal::Token(*ctx_, element, node, "");
      if (!s.ok()) return s.status();
      return add(*s, node);
    });
  }

  absl::Status Fees(od::value& v, const PathNode* path, std::optional<FeeSchedule>* out) {
    constexpr std::string_view kKey = "feeSchedule";
    ARBOR_ASSIGN_OR_RETURN(const Scalar token, internal::Token(*ctx_, v, path, kKey));
    out->reset();
    if (token.kind == JsonKind::kNull) return absl::OkStatus();
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, v, path, kKey, &object));
    const PathNode node{path, kKey, -1};
    FeeSchedule schedule;
    bool has_rate = false;
    bool has_exponent = false;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, &node, [&](std::string_view key, od::value& f) -> absl::Status {
          if (key == "rate") {
            has_rate = true;
            return Rate(f, &node, key, &schedule.rate_micros);
          }
          if (key == "rebateRate") return Rate(f, &node, key, &schedule.rebate_rate_micros);
          if (key == "exponent") {
            has_exponent = true;
            return Exponent(f, &node, &schedule.exponent);
          }
          if (key == "takerOnly")
            return FieldReader(*ctx_, &node).Bool(f, key, &schedule.taker_only);
          return absl::OkStatus();
        }));
    if (!has_rate) return internal::MissingField(&node, "rate");
    if (!has_exponent) return internal::MissingField(&node, "exponent");
    *out = schedule;
    return absl::OkStatus();
  }

  absl::Status Rate(od::value& v, const PathNode* path, std::string_view key, int64_t* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, key));
    ARBOR_ASSIGN_OR_RETURN(const int64_t micros, internal::AsMicros(s, path, key));
    if (micros < 0 || micros > kFixedScale) {
      return FieldError(path, key, s.offset,
                        absl::StrCat("rate ", Abbreviate(s.text, 24), " outside [0, 1]"));
    }
    *out = micros;
    return absl::OkStatus();
  }

  absl::Status Exponent(od::value& v, const PathNode* path, int* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, "exponent"));
    ARBOR_ASSIGN_OR_RETURN(const int64_t e, internal::AsInt64(s, path, "exponent"));
    if (e < 0 || e > FeeSchedule::kMaxExponent) {
      return FieldError(
          path, "exponent", s.offset,
          absl::StrCat("exponent ", e, " outside [0, ", FeeSchedule::kMaxExponent, "]"));
    }
    *out = static_cast<int>(e);
    return absl::OkStatus();
  }

  absl::Status EventRefs(od::value& v, const PathNode* path, std::vector<GammaEventRef>* out) {
    out->clear();
    ARBOR_ASSIGN_OR_RETURN(const Scalar token, internal::Token(*ctx_, v, path, "events"));
    if (token.kind == JsonKind::kNull) return absl::OkStatus();
    return Array(v, path, "events", [&](od::value& element, const PathNode* node) {
      out->emplace_back();
      return EventRef(element, node, &out->back());
    });
  }

  absl::Status EventRef(od::value& value, const PathNode* path, GammaEventRef* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, path, "", &object));
    FieldReader r(*ctx_, path);
    return internal::ForEachField(*ctx_, object, path,
                                  [&](std::string_view key, od::value& f) -> absl::Status {
                                    if (key == "id") return r.Text(f, key, &out->id);
                                    if (key == "ticker") return r.String(f, key, &out->ticker);
                                    if (key == "slug") return r.String(f, key, &out->slug);
                                    if (key == "title") return r.String(f, key, &out->title);
                                    return absl::OkStatus();
                                  });
  }

  JsonContext* ctx_;
};

// Parses a root value with fn(parser, root).
template <typename Fn>
absl::Status ParseRoot(std::string_view json, Fn&& fn) {
  return internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    GammaParser parser(&ctx);
    return fn(parser, root);
  });
}

}  // namespace

absl::StatusOr<GammaMarket> ParseGammaMarket(std::string_view json) {
  GammaMarket out;
  ARBOR_RETURN_IF_ERROR(ParseRoot(
      json, [&](GammaParser& p, od::value& root) { return p.Market(root, nullptr, &out); }));
  return out;
}

absl::StatusOr<std::vector<GammaMarket>> ParseGammaMarkets(std::string_view json) {
  std::vector<GammaMarket> out;
  ARBOR_RETURN_IF_ERROR(ParseRoot(json, [&](GammaParser& p, od::value& root) {
    return p.Array(root, nullptr, "", [&](od::value& element, const PathNode* node) {
      out.emplace_back();
      return p.Market(element, node, &out.back());
    });
  }));
  return out;
}

absl::StatusOr<GammaEvent> ParseGammaEvent(std::string_view json) {
  GammaEvent out;
  ARBOR_RETURN_IF_ERROR(ParseRoot(
      json, [&](GammaParser& p, od::value& root) { return p.Event(root, nullptr, &out); }));
  return out;
}

absl::StatusOr<std::vector<GammaEvent>> ParseGammaEvents(std::string_view json) {
  std::vector<GammaEvent> out;
  ARBOR_RETURN_IF_ERROR(ParseRoot(json, [&](GammaParser& p, od::value& root) {
    return p.Array(root, nullptr, "", [&](od::value& element, const PathNode* node) {
      out.emplace_back();
      return p.Event(element, node, &out.back());
    });
  }));
  return out;
}

absl::StatusOr<std::vector<GammaTag>> ParseGammaTags(std::string_view json) {
  std::vector<GammaTag> out;
  ARBOR_RETURN_IF_ERROR(ParseRoot(json, [&](GammaParser& p, od::value& root) {
    return p.Array(root, nullptr, "", [&](od::value& element, const PathNode* node) {
      out.emplace_back();
      return p.Tag(element, node, &out.back());
    });
  }));
  return out;
}

absl::StatusOr<GammaSearchResult> ParseGammaSearch(std::string_view json) {
  GammaSearchResult out;
  ARBOR_RETURN_IF_ERROR(
      ParseRoot(json, [&](GammaParser& p, od::value& root) { return p.Search(root, &out); }));
  return out;
}

}  // namespace arbor::venue::polymarket
