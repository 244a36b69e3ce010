#include "arbor/venue/polymarket/rest_parsers.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "json_util.h"

namespace arbor::venue::polymarket {

using internal::FieldError;
using internal::FieldReader;
using internal::JsonContext;
using internal::JsonKind;
using internal::PathNode;
using internal::Scalar;
namespace od = simdjson::ondemand;

std::vector<book::Level> BookSummary::BidLevels() const {
  std::vector<book::Level> out;
  out.reserve(bids.size());
  for (const SummaryLevel& l : bids) out.push_back(l.level);
  return out;
}

std::vector<book::Level> BookSummary::AskLevels() const {
  std::vector<book::Level> out;
  out.reserve(asks.size());
  for (const SummaryLevel& l : asks) out.push_back(l.level);
  return out;
}

namespace {

// A string or number token kept as written.
absl::StatusOr<RawScalar> RawOf(const Scalar& s, const PathNode* path, std::string_view key) {
  if (s.kind == JsonKind::kString) return RawScalar{std::string(s.text), true};
  if (s.kind == JsonKind::kNumber) return RawScalar{std::string(s.text), false};
  return FieldError(
      path, key, s.offset,
      absl::StrCat("expected string or number, got ", internal::JsonKindName(s.kind)));
}

class RestParser {
 public:
  explicit RestParser(JsonContext* ctx) : ctx_(ctx) {}

  absl::Status Book(od::value& value, const PathNode* path, BookSummary* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, path, "", &object));
    bool has_market = false;
    bool has_asset = false;
    bool has_timestamp = false;
    bool has_bids = false;
    bool has_asks = false;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, path, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "market") {
            has_market = true;
            return Id(v, path, key, &out->market);
          }
          if (key == "asset_id") {
            has_asset = true;
            return Id(v, path, key, &out->asset_id);
          }
          if (key == "hash") return FieldReader(*ctx_, path).String(v, key, &out->hash);
          if (key == "timestamp") {
            has_timestamp = true;
            return Timestamp(v, path, out);
          }
          if (key == "bids") {
            has_bids = true;
            return Levels(v, path, key, &out->bids);
          }
          if (key == "asks") {
            has_asks = true;
            return Levels(v, path, key, &out->asks);
          }
          if (key == "min_order_size") return MinOrderSize(v, path, out);
          if (key == "tick_size") return TickSize(v, path, out);
          if (key == "neg_risk") return NegRisk(v, path, out);
          if (key == "last_trade_price") return LastTradePrice(v, path, out);
          return absl::OkStatus();
        }));
    if (!has_market) return internal::MissingField(path, "market");
    if (!has_asset) return internal::MissingField(path, "asset_id");
    if (!has_timestamp) return internal::MissingField(path, "timestamp");
    if (!has_bids) return internal::MissingField(path, "bids");
    if (!has_asks) return internal::MissingField(path, "asks");
    return absl::OkStatus();
  }

  absl::Status Market(od::value& value, const PathNode* path, ClobMarket* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, path, "", &object));
    bool has_condition = false;
    bool has_tick = false;
    bool has_tokens = false;
    FieldReader r(*ctx_, path);
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, path, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "condition_id") {
            has_condition = true;
            return Id(v, path, key, &out->condition_id);
          }
          if (key == "minimum_tick_size") {
            has_tick = true;
            return Tick(v, path, key, &out->minimum_tick_size);
          }
          if (key == "tokens") {
            has_tokens = true;
            return Tokens(v, path, &out->tokens);
          }
          if (key == "question_id") return r.String(v, key, &out->question_id);
          if (key == "question") return r.String(v, key, &out->question);
          if (key == "description") return r.String(v, key, &out->description);
          if (key == "market_slug") return r.String(v, key, &out->market_slug);
          if (key == "end_date_iso") return r.String(v, key, &out->end_date_iso);
          if (key == "game_start_time") return r.String(v, key, &out->game_start_time);
          if (key == "accepting_order_timestamp") {
            return r.String(v, key, &out->accepting_order_timestamp);
          }
          if (key == "neg_risk_market_id") return r.String(v, key, &out->neg_risk_market_id);
          if (key == "neg_risk_request_id") return r.String(v, key, &out->neg_risk_request_id);
          if (key == "fpmm") return r.String(v, key, &out->fpmm);
          if (key == "active") return r.Bool(v, key, &out->active);
          if (key == "closed") return r.Bool(v, key, &out->closed);
          if (key == "archived") return r.Bool(v, key, &out->archived);
          if (key == "accepting_orders") return r.Bool(v, key, &out->accepting_orders);
          if (key == "enable_order_book") return r.Bool(v, key, &out->enable_order_book);
          if (key == "neg_risk") return r.Bool(v, key, &out->neg_risk);
          if (key == "is_50_50_outcome") return r.Bool(v, key, &out->is_50_50_outcome);
          if (key == "minimum_order_size") return r.OptSize(v, key, &out->minimum_order_size);
          if (key == "maker_base_fee") return r.OptInt(v, key, &out->maker_base_fee_bps);
          if (key == "taker_base_fee") return r.OptInt(v, key, &out->taker_base_fee_bps);
          if (key == "seconds_delay") return r.OptInt(v, key, &out->seconds_delay);
          if (key == "tags") return r.StringArray(v, key, &out->tags);
          return absl::OkStatus();
        }));
    if (!has_condition) return internal::MissingField(path, "condition_id");
    if (!has_tick) return internal::MissingField(path, "minimum_tick_size");
    if (!has_tokens) return internal::MissingField(path, "tokens");
    return absl::OkStatus();
  }

  absl::Status MarketsPage(od::value& value, ClobMarketsPage* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, nullptr, "", &object));
    bool has_data = false;
    bool has_cursor = false;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, nullptr, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "data") {
            has_data = true;
            return Array(v, nullptr, key, [&](od::value& element, const PathNode* node) {
              out->data.emplace_back();
              return Market(element, node, &out->data.back());
            });
          }
          if (key == "next_cursor") {
            has_cursor = true;
            return FieldReader(*ctx_, nullptr).String(v, key, &out->next_cursor);
          }
          if (key == "limit") return Int(v, key, &out->limit);
          if (key == "count") return Int(v, key, &out->count);
          return absl::OkStatus();
        }));
    if (!has_data) return internal::MissingField(nullptr, "data");
    if (!has_cursor) return internal::MissingField(nullptr, "next_cursor");
    return absl::OkStatus();
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

  absl::Status Id(od::value& v, const PathNode* path, std::string_view key, std::string* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, key));
    ARBOR_ASSIGN_OR_RETURN(const std::string_view text, internal::AsString(s, path, key));
    if (text.empty()) return FieldError(path, key, s.offset, "empty");
    out->assign(text.data(), text.size());
    return absl::OkStatus();
  }

  absl::Status Tick(od::value& v, const PathNode* path, std::string_view key, Price* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, key));
    ARBOR_ASSIGN_OR_RETURN(*out, internal::AsTick(s, path, key));
    return absl::OkStatus();
  }

  absl::Status Int(od::value& v, std::string_view key, int64_t* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, nullptr, key));
    ARBOR_ASSIGN_OR_RETURN(*out, internal::AsInt64(s, nullptr, key));
    return absl::OkStatus();
  }

 private:
  absl::Status Timestamp(od::value& v, const PathNode* path, BookSummary* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, "timestamp"));
    ARBOR_ASSIGN_OR_RETURN(out->timestamp, RawOf(s, path, "timestamp"));
    ARBOR_ASSIGN_OR_RETURN(out->timestamp_ms, internal::AsInt64(s, path, "timestamp"));
    return absl::OkStatus();
  }

  absl::Status Levels(od::value& v, const PathNode* path, std::string_view key,
                      std::vector<SummaryLevel>* out) {
    out->clear();
    return Array(v, path, key, [&](od::value& element, const PathNode* node) {
      out->emplace_back();
      return Level(element, node, &out->back());
    });
  }

  absl::Status Level(od::value& element, const PathNode* node, SummaryLevel* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, element, node, "", &object));
    bool has_price = false;
    bool has_size = false;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, node, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "price") {
            has_price = true;
            return LevelPrice(v, node, out);
          }
          if (key == "size") {
            has_size = true;
            return LevelSize(v, node, out);
          }
          return absl::OkStatus();
        }));
    if (!has_price) return internal::MissingField(node, "price");
    if (!has_size) return internal::MissingField(node, "size");
    return absl::OkStatus();
  }

  absl::Status LevelPrice(od::value& v, const PathNode* node, SummaryLevel* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, node, "price"));
    ARBOR_ASSIGN_OR_RETURN(out->level.price, internal::AsPrice(s, node, "price"));
    out->price_text.assign(s.text.data(), s.text.size());
    return absl::OkStatus();
  }

  absl::Status LevelSize(od::value& v, const PathNode* node, SummaryLevel* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, node, "size"));
    ARBOR_ASSIGN_OR_RETURN(out->level.size, internal::AsSize(s, node, "size"));
    out->size_text.assign(s.text.data(), s.text.size());
    return absl::OkStatus();
  }

  absl::Status MinOrderSize(od::value& v, const PathNode* path, BookSummary* out) {
    constexpr std::string_view kKey = "min_order_size";
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, kKey));
    if (s.kind == JsonKind::kNull) return absl::OkStatus();
    ARBOR_ASSIGN_OR_RETURN(out->min_order_size_text, RawOf(s, path, kKey));
    ARBOR_ASSIGN_OR_RETURN(out->min_order_size, internal::AsOptionalSize(s, path, kKey));
    return absl::OkStatus();
  }

  absl::Status TickSize(od::value& v, const PathNode* path, BookSummary* out) {
    constexpr std::string_view kKey = "tick_size";
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, kKey));
    if (s.kind == JsonKind::kNull) return absl::OkStatus();
    ARBOR_ASSIGN_OR_RETURN(out->tick_size_text, RawOf(s, path, kKey));
    if (internal::IsNullOrEmpty(s)) return absl::OkStatus();
    ARBOR_ASSIGN_OR_RETURN(out->tick_size, internal::AsTick(s, path, kKey));
    return absl::OkStatus();
  }

  absl::Status NegRisk(od::value& v, const PathNode* path, BookSummary* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, "neg_risk"));
    if (s.kind == JsonKind::kNull) return absl::OkStatus();
    ARBOR_ASSIGN_OR_RETURN(out->neg_risk, internal::AsBool(s, path, "neg_risk"));
    return absl::OkStatus();
  }

  absl::Status LastTradePrice(od::value& v, const PathNode* path, BookSummary* out) {
    constexpr std::string_view kKey = "last_trade_price";
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, kKey));
    if (s.kind == JsonKind::kNull) return absl::OkStatus();
    ARBOR_ASSIGN_OR_RETURN(out->last_trade_price_text, RawOf(s, path, kKey));
    ARBOR_ASSIGN_OR_RETURN(out->last_trade_price, internal::AsOptionalPrice(s, path, kKey));
    return absl::OkStatus();
  }

  absl::Status Tokens(od::value& v, const PathNode* path, std::vector<ClobToken>* out) {
    out->clear();
    return Array(v, path, "tokens", [&](od::value& element, const PathNode* node) {
      out->emplace_back();
      return Token(element, node, &out->back());
    });
  }

  absl::Status Token(od::value& element, const PathNode* node, ClobToken* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, element, node, "", &object));
    bool has_id = false;
    FieldReader r(*ctx_, node);
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, node, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "token_id") {
            // Real pages carry placeholder tokens with "" ids (markets whose tokens are not
            // deployed yet); keep them and let the caller skip empty ids.
            has_id = true;
            return r.String(v, key, &out->token_id);
          }
          if (key == "outcome") return r.String(v, key, &out->outcome);
          if (key == "price") return r.OptPriceRounded(v, key, &out->price);
          if (key == "winner") return r.Bool(v, key, &out->winner);
          return absl::OkStatus();
        }));
    if (!has_id) return internal::MissingField(node, "token_id");
    return absl::OkStatus();
  }

  JsonContext* ctx_;
};

// Reads the single field `key` of a root object with fn(value, scalar).
template <typename Fn>
absl::Status SingleField(std::string_view json, std::string_view key, Fn&& fn) {
  return internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    od::object object;
    absl::Status status = internal::GetObject(ctx, root, nullptr, "", &object);
    if (!status.ok()) return status;
    bool found = false;
    status = internal::ForEachField(
        ctx, object, nullptr, [&](std::string_view k, od::value& v) -> absl::Status {
          if (k != key) return absl::OkStatus();
          found = true;
          absl::StatusOr<Scalar> s = internal::Token(ctx, v, nullptr, k);
          if (!s.ok()) return s.status();
          return fn(*s);
        });
    if (!status.ok()) return status;
    if (!found) return internal::MissingField(nullptr, key);
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<BookSummary> ParseBookSummary(std::string_view json) {
  BookSummary out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    return RestParser(&ctx).Book(root, nullptr, &out);
  }));
  return out;
}

absl::StatusOr<std::vector<BookSummary>> ParseBookSummaries(std::string_view json) {
  std::vector<BookSummary> out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    RestParser parser(&ctx);
    return parser.Array(root, nullptr, "", [&](od::value& element, const PathNode* node) {
      out.emplace_back();
      return parser.Book(element, node, &out.back());
    });
  }));
  return out;
}

absl::StatusOr<ClobMarket> ParseClobMarket(std::string_view json) {
  ClobMarket out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    return RestParser(&ctx).Market(root, nullptr, &out);
  }));
  return out;
}

absl::StatusOr<ClobMarketsPage> ParseClobMarketsPage(std::string_view json) {
  ClobMarketsPage out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    return RestParser(&ctx).MarketsPage(root, &out);
  }));
  return out;
}

absl::StatusOr<Price> ParseTickSizeResponse(std::string_view json) {
  Price tick;
  ARBOR_RETURN_IF_ERROR(SingleField(json, "minimum_tick_size", [&](const Scalar& s) {
    absl::StatusOr<Price> p = internal::AsTick(s, nullptr, "minimum_tick_size");
    if (!p.ok()) return p.status();
    tick = *p;
    return absl::OkStatus();
  }));
  return tick;
}

absl::StatusOr<bool> ParseNegRiskResponse(std::string_view json) {
  bool neg_risk = false;
  ARBOR_RETURN_IF_ERROR(SingleField(json, "neg_risk", [&](const Scalar& s) {
    absl::StatusOr<bool> b = internal::AsBool(s, nullptr, "neg_risk");
    if (!b.ok()) return b.status();
    neg_risk = *b;
    return absl::OkStatus();
  }));
  return neg_risk;
}

absl::StatusOr<int64_t> ParseFeeRateResponse(std::string_view json) {
  int64_t bps = 0;
  ARBOR_RETURN_IF_ERROR(SingleField(json, "base_fee", [&](const Scalar& s) {
    absl::StatusOr<int64_t> v = internal::AsInt64(s, nullptr, "base_fee");
    if (!v.ok()) return v.status();
    if (*v < 0) return FieldError(nullptr, "base_fee", s.offset, "negative fee");
    bps = *v;
    return absl::OkStatus();
  }));
  return bps;
}

}  // namespace arbor::venue::polymarket
