#include "arbor/venue/kalshi/rest_parsers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "simdjson.h"

namespace arbor::venue::kalshi {
namespace {

namespace dom = simdjson::dom;

// One JSON object being read, with its location for error messages ("markets[3]").
class Obj {
 public:
  Obj(dom::object o, std::string_view what, std::string path)
      : o_(o), what_(what), path_(std::move(path)) {}

  absl::Status Error(std::string_view key, std::string_view why) const {
    return absl::InvalidArgumentError(absl::StrCat("kalshi ", ToAbsl(what_), ": field '",
                                                   path_.empty() ? "" : path_ + ".", ToAbsl(key),
                                                   "': ", ToAbsl(why)));
  }

  // The member `key`, or false when absent or null.
  bool Find(std::string_view key, dom::element* out) const {
    return o_[key].get(*out) == simdjson::SUCCESS && !out->is_null();
  }

  absl::Status String(std::string_view key, bool required, std::string* out) const {
    dom::element e;
    if (!Find(key, &e)) return required ? Error(key, "missing") : absl::OkStatus();
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) return Error(key, "expected a string");
    if (required && v.empty()) return Error(key, "empty");
    *out = std::string(v);
    return absl::OkStatus();
  }

  absl::Status Bool(std::string_view key, bool* out) const {
    dom::element e;
    if (!Find(key, &e)) return absl::OkStatus();
    if (e.get_bool().get(*out) != simdjson::SUCCESS) return Error(key, "expected a boolean");
    return absl::OkStatus();
  }

  absl::Status Int(std::string_view key, int64_t* out) const {
    dom::element e;
    if (!Find(key, &e)) return absl::OkStatus();
    if (e.get_int64().get(*out) != simdjson::SUCCESS) return Error(key, "expected an integer");
    return absl::OkStatus();
  }

  // A decimal string `key` into T; returns false when absent.
  template <typename T>
  absl::StatusOr<bool> Decimal(std::string_view key, T* out) const {
    dom::element e;
    if (!Find(key, &e)) return false;
    std::string_view text;
    if (e.get_string().get(text) != simdjson::SUCCESS) {
      return Error(key, "expected a decimal string");
    }
    absl::StatusOr<T> v = T::Parse(text);
    if (!v.ok()) return Error(key, FromAbsl(v.status().message()));
    *out = *v;
    return true;
  }

  // An integer `key` scaled by `micros_per_unit` into T; returns false when absent.
  template <typename T>
  absl::StatusOr<bool> Scaled(std::string_view key, int64_t micros_per_unit, T* out) const {
    dom::element e;
    if (!Find(key, &e)) return false;
    int64_t v = 0;
    if (e.get_int64().get(v) != simdjson::SUCCESS) return Error(key, "expected an integer");
    if (v > INT64_MAX / micros_per_unit || v < INT64_MIN / micros_per_unit) {
      return Error(key, "out of range");
    }
    *out = T::FromMicros(v * micros_per_unit);
    return true;
  }

  // `<base>_dollars` (string), else legacy `<base>` in cents (integer).
  template <typename T>
  absl::Status Dollars(std::string_view base, T* out) const {
    ARBOR_ASSIGN_OR_RETURN(bool found, Decimal(absl::StrCat(ToAbsl(base), "_dollars"), out));
    if (found) return absl::OkStatus();
    return Scaled(base, 10'000, out).status();
  }

  // `<base>_fp` (string), else legacy `<base>` in whole contracts (integer).
  absl::Status Count(std::string_view base, Quantity* out) const {
    ARBOR_ASSIGN_OR_RETURN(bool found, Decimal(absl::StrCat(ToAbsl(base), "_fp"), out));
    if (found) return absl::OkStatus();
    return Scaled(base, 1'000'000, out).status();
  }

  absl::Status Side(std::string_view key, kalshi::Side* out) const {
    std::string v;
    ARBOR_RETURN_IF_ERROR(String(key, true, &v));
    if (v == "yes") {
      *out = kalshi::Side::kYes;
    } else if (v == "no") {
      *out = kalshi::Side::kNo;
    } else {
      return Error(key, absl::StrCat("expected 'yes' or 'no', got '", v, "'"));
    }
    return absl::OkStatus();
  }

  absl::Status Action(std::string_view key, kalshi::Action* out) const {
    std::string v;
    ARBOR_RETURN_IF_ERROR(String(key, true, &v));
    if (v == "buy") {
      *out = kalshi::Action::kBuy;
    } else if (v == "sell") {
      *out = kalshi::Action::kSell;
    } else {
      return Error(key, absl::StrCat("expected 'buy' or 'sell', got '", v, "'"));
    }
    return absl::OkStatus();
  }

  // The member object `key`.
  absl::StatusOr<Obj> Child(std::string_view key) const {
    dom::element e;
    if (!Find(key, &e)) return Error(key, "missing");
    dom::object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) return Error(key, "expected an object");
    return Obj(o, what_, path_.empty() ? std::string(key) : absl::StrCat(path_, ".", ToAbsl(key)));
  }

  // Calls `fn(Obj)` for each object of the array `key` (absent or null = empty).
  template <typename Fn>
  absl::Status Each(std::string_view key, Fn fn) const {
    dom::element e;
    if (!Find(key, &e)) return absl::OkStatus();
    dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) return Error(key, "expected an array");
    size_t i = 0;
    for (dom::element item : a) {
      const std::string path = absl::StrCat(ToAbsl(key), "[", i, "]");
      dom::object o;
      if (item.get_object().get(o) != simdjson::SUCCESS) return Error(path, "expected an object");
      ARBOR_RETURN_IF_ERROR(fn(Obj(o, what_, path)));
      ++i;
    }
    return absl::OkStatus();
  }

 private:
  dom::object o_;
  std::string_view what_;
  std::string path_;
};

// Parses `body` as a JSON object and calls `fn(Obj)` on it. The parser lives for the call.
template <typename T, typename Fn>
absl::StatusOr<T> WithRoot(std::string_view body, std::string_view what, Fn fn) {
  dom::parser parser;
  dom::element root;
  if (const simdjson::error_code ec = parser.parse(body.data(), body.size()).get(root);
      ec != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi ", ToAbsl(what), ": malformed JSON: ", simdjson::error_message(ec)));
  }
  dom::object o;
  if (root.get_object().get(o) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi ", ToAbsl(what), ": expected a JSON object"));
  }
  T out{};
  ARBOR_RETURN_IF_ERROR(fn(Obj(o, what, ""), &out));
  return out;
}

absl::Status ReadMarket(const Obj& o, RestMarket* m) {
  ARBOR_RETURN_IF_ERROR(o.String("ticker", true, &m->ticker));
  ARBOR_RETURN_IF_ERROR(o.String("event_ticker", false, &m->event_ticker));
  ARBOR_RETURN_IF_ERROR(o.String("market_type", false, &m->market_type));
  ARBOR_RETURN_IF_ERROR(o.String("title", false, &m->title));
  ARBOR_RETURN_IF_ERROR(o.String("status", false, &m->status));
  ARBOR_RETURN_IF_ERROR(o.Dollars("yes_bid", &m->yes_bid));
  ARBOR_RETURN_IF_ERROR(o.Dollars("yes_ask", &m->yes_ask));
  ARBOR_RETURN_IF_ERROR(o.Dollars("no_bid", &m->no_bid));
  ARBOR_RETURN_IF_ERROR(o.Dollars("no_ask", &m->no_ask));
  ARBOR_RETURN_IF_ERROR(o.Dollars("last_price", &m->last_price));
  ARBOR_RETURN_IF_ERROR(o.Count("yes_bid_size", &m->yes_bid_size));
  ARBOR_RETURN_IF_ERROR(o.Count("yes_ask_size", &m->yes_ask_size));
  ARBOR_RETURN_IF_ERROR(o.Count("volume", &m->volume));
  ARBOR_RETURN_IF_ERROR(o.Count("volume_24h", &m->volume_24h));
  ARBOR_RETURN_IF_ERROR(o.Count("open_interest", &m->open_interest));
  ARBOR_RETURN_IF_ERROR(o.Dollars("liquidity", &m->liquidity));
  ARBOR_RETURN_IF_ERROR(o.String("close_time", false, &m->close_time));
  ARBOR_RETURN_IF_ERROR(o.String("price_level_structure", false, &m->price_level_structure));
  ARBOR_RETURN_IF_ERROR(o.String("result", false, &m->result));
  return o.Each("price_ranges", [m](const Obj& r) -> absl::Status {
    PriceRange range;
    for (auto [key, out] : {std::pair<const char*, Price*>{"start", &range.start},
                            {"end", &range.end},
                            {"step", &range.step}}) {
      ARBOR_ASSIGN_OR_RETURN(bool found, r.Decimal(key, out));
      if (!found) return r.Error(key, "missing");
    }
    m->price_ranges.push_back(range);
    return absl::OkStatus();
  });
}

absl::Status ReadEvent(const Obj& o, RestEvent* e) {
  ARBOR_RETURN_IF_ERROR(o.String("event_ticker", true, &e->event_ticker));
  ARBOR_RETURN_IF_ERROR(o.String("series_ticker", false, &e->series_ticker));
  ARBOR_RETURN_IF_ERROR(o.String("title", false, &e->title));
  ARBOR_RETURN_IF_ERROR(o.String("sub_title", false, &e->sub_title));
  ARBOR_RETURN_IF_ERROR(o.String("category", false, &e->category));
  return o.Bool("mutually_exclusive", &e->mutually_exclusive);
}

absl::Status ReadOrder(const Obj& o, RestOrder* r) {
  ARBOR_RETURN_IF_ERROR(o.String("order_id", true, &r->order_id));
  ARBOR_RETURN_IF_ERROR(o.String("client_order_id", false, &r->client_order_id));
  ARBOR_RETURN_IF_ERROR(o.String("ticker", true, &r->ticker));
  ARBOR_RETURN_IF_ERROR(o.Side("side", &r->side));
  ARBOR_RETURN_IF_ERROR(o.Action("action", &r->action));
  ARBOR_RETURN_IF_ERROR(o.String("type", false, &r->type));
  ARBOR_RETURN_IF_ERROR(o.String("status", true, &r->status));
  ARBOR_RETURN_IF_ERROR(o.Dollars("yes_price", &r->yes_price));
  ARBOR_RETURN_IF_ERROR(o.Dollars("no_price", &r->no_price));
  ARBOR_RETURN_IF_ERROR(o.Count("initial_count", &r->initial_count));
  ARBOR_RETURN_IF_ERROR(o.Count("fill_count", &r->fill_count));
  ARBOR_RETURN_IF_ERROR(o.Count("remaining_count", &r->remaining_count));
  ARBOR_RETURN_IF_ERROR(o.Dollars("taker_fees", &r->taker_fees));
  ARBOR_RETURN_IF_ERROR(o.Dollars("maker_fees", &r->maker_fees));
  ARBOR_RETURN_IF_ERROR(o.Dollars("taker_fill_cost", &r->taker_fill_cost));
  ARBOR_RETURN_IF_ERROR(o.Dollars("maker_fill_cost", &r->maker_fill_cost));
  return o.String("created_time", false, &r->created_time);
}

absl::Status ReadFill(const Obj& o, RestFill* f) {
  ARBOR_RETURN_IF_ERROR(o.String("fill_id", false, &f->fill_id));
  ARBOR_RETURN_IF_ERROR(o.String("trade_id", true, &f->trade_id));
  ARBOR_RETURN_IF_ERROR(o.String("order_id", true, &f->order_id));
  ARBOR_RETURN_IF_ERROR(o.String("ticker", false, &f->ticker));
  if (f->ticker.empty()) ARBOR_RETURN_IF_ERROR(o.String("market_ticker", true, &f->ticker));
  ARBOR_RETURN_IF_ERROR(o.Side("side", &f->side));
  ARBOR_RETURN_IF_ERROR(o.Action("action", &f->action));
  ARBOR_RETURN_IF_ERROR(o.Count("count", &f->count));
  ARBOR_RETURN_IF_ERROR(o.Dollars("yes_price", &f->yes_price));
  ARBOR_RETURN_IF_ERROR(o.Dollars("no_price", &f->no_price));
  ARBOR_RETURN_IF_ERROR(o.Bool("is_taker", &f->is_taker));
  // fee_cost: a dollar string in the current API; an integer is read as legacy cents.
  dom::element fee;
  if (o.Find("fee_cost", &fee)) {
    ARBOR_RETURN_IF_ERROR(fee.is_string() ? o.Decimal("fee_cost", &f->fee_cost).status()
                                          : o.Scaled("fee_cost", 10'000, &f->fee_cost).status());
  }
  return o.String("created_time", false, &f->created_time);
}

absl::Status ReadPosition(const Obj& o, RestPosition* p) {
  ARBOR_RETURN_IF_ERROR(o.String("ticker", true, &p->ticker));
  ARBOR_RETURN_IF_ERROR(o.Count("position", &p->position));
  ARBOR_RETURN_IF_ERROR(o.Dollars("fees_paid", &p->fees_paid));
  ARBOR_RETURN_IF_ERROR(o.Dollars("total_traded", &p->total_traded));
  return o.Int("resting_orders_count", &p->resting_orders_count);
}

template <typename T, typename ReadFn>
absl::StatusOr<RestPage<T>> ParsePage(std::string_view body, std::string_view what,
                                      std::string_view key, ReadFn read) {
  return WithRoot<RestPage<T>>(body, what, [&](const Obj& root, RestPage<T>* page) {
    ARBOR_RETURN_IF_ERROR(root.Each(key, [&](const Obj& item) -> absl::Status {
      T value;
      ARBOR_RETURN_IF_ERROR(read(item, &value));
      page->items.push_back(std::move(value));
      return absl::OkStatus();
    }));
    return root.String("cursor", false, &page->cursor);
  });
}

}  // namespace

std::string_view TimeInForceName(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::kGoodTillCanceled:
      return "good_till_canceled";
    case TimeInForce::kImmediateOrCancel:
      return "immediate_or_cancel";
    case TimeInForce::kFillOrKill:
      return "fill_or_kill";
  }
  return "good_till_canceled";
}

absl::StatusOr<RestPage<RestMarket>> ParseMarketsPage(std::string_view body) {
  return ParsePage<RestMarket>(body, "markets", "markets", ReadMarket);
}

absl::StatusOr<RestMarket> ParseMarketReply(std::string_view body) {
  return WithRoot<RestMarket>(body, "market", [](const Obj& root, RestMarket* m) {
    ARBOR_ASSIGN_OR_RETURN(Obj o, root.Child("market"));
    return ReadMarket(o, m);
  });
}

absl::StatusOr<RestPage<RestEvent>> ParseEventsPage(std::string_view body) {
  return ParsePage<RestEvent>(body, "events", "events", ReadEvent);
}

absl::StatusOr<RestEventDetail> ParseEventReply(std::string_view body) {
  return WithRoot<RestEventDetail>(body, "event", [](const Obj& root, RestEventDetail* d) {
    ARBOR_ASSIGN_OR_RETURN(Obj o, root.Child("event"));
    ARBOR_RETURN_IF_ERROR(ReadEvent(o, &d->event));
    return root.Each("markets", [d](const Obj& item) -> absl::Status {
      RestMarket m;
      ARBOR_RETURN_IF_ERROR(ReadMarket(item, &m));
      d->markets.push_back(std::move(m));
      return absl::OkStatus();
    });
  });
}

absl::StatusOr<RestOrder> ParseOrderReply(std::string_view body) {
  return WithRoot<RestOrder>(body, "order", [](const Obj& root, RestOrder* r) {
    ARBOR_ASSIGN_OR_RETURN(Obj o, root.Child("order"));
    return ReadOrder(o, r);
  });
}

absl::StatusOr<RestCancel> ParseCancelReply(std::string_view body) {
  return WithRoot<RestCancel>(body, "cancel", [](const Obj& root, RestCancel* c) {
    ARBOR_ASSIGN_OR_RETURN(Obj o, root.Child("order"));
    ARBOR_RETURN_IF_ERROR(ReadOrder(o, &c->order));
    return root.Count("reduced_by", &c->reduced_by);
  });
}

absl::StatusOr<RestPage<RestOrder>> ParseOrdersPage(std::string_view body) {
  return ParsePage<RestOrder>(body, "orders", "orders", ReadOrder);
}

absl::StatusOr<RestPage<RestFill>> ParseFillsPage(std::string_view body) {
  return ParsePage<RestFill>(body, "fills", "fills", ReadFill);
}

absl::StatusOr<RestPage<RestPosition>> ParsePositionsPage(std::string_view body) {
  return ParsePage<RestPosition>(body, "positions", "market_positions", ReadPosition);
}

absl::StatusOr<RestBalance> ParseBalance(std::string_view body) {
  return WithRoot<RestBalance>(body, "balance", [](const Obj& root, RestBalance* b) {
    dom::element e;
    if (!root.Find("balance_dollars", &e) && !root.Find("balance", &e)) {
      return root.Error("balance", "missing");
    }
    ARBOR_RETURN_IF_ERROR(root.Dollars("balance", &b->balance));
    return root.Dollars("portfolio_value", &b->portfolio_value);
  });
}

absl::StatusOr<RestError> ParseError(std::string_view body) {
  return WithRoot<RestError>(body, "error", [](const Obj& root, RestError* e) -> absl::Status {
    dom::element inner;
    const bool nested = root.Find("error", &inner);
    if (nested && inner.is_string()) {
      e->message = std::string(inner.get_string().value_unsafe());
      return absl::OkStatus();
    }
    if (nested && inner.is_object()) {
      ARBOR_ASSIGN_OR_RETURN(Obj o, root.Child("error"));
      ARBOR_RETURN_IF_ERROR(o.String("code", false, &e->code));
      ARBOR_RETURN_IF_ERROR(o.String("message", false, &e->message));
    } else {
      ARBOR_RETURN_IF_ERROR(root.String("code", false, &e->code));
      ARBOR_RETURN_IF_ERROR(root.String("message", false, &e->message));
    }
    if (e->code.empty() && e->message.empty()) return root.Error("error", "no code or message");
    return absl::OkStatus();
  });
}

}  // namespace arbor::venue::kalshi
