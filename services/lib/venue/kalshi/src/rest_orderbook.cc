#include "arbor/venue/kalshi/rest_orderbook.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "json_util.h"
#include "simdjson.h"

namespace arbor::venue::kalshi {
namespace {

namespace od = simdjson::ondemand;
using internal::FieldPath;
using internal::JsonCtx;

// Ranks mirror the WebSocket decoder: fixed-point beats legacy dollars beats cents.
constexpr int kRankCents = 1;
constexpr int kRankDollars = 2;
constexpr int kRankFixedPoint = 3;

struct SideSlot {
  std::vector<PriceLevel> levels;
  int rank = 0;
};

absl::Status ReadSide(od::value& v, const JsonCtx& ctx, std::string_view path, int rank,
                      SideSlot* slot) {
  if (rank < slot->rank) return absl::OkStatus();
  bool is_null = false;
  ARBOR_RETURN_IF_ERROR(internal::ConsumeNull(v, ctx, FieldPath{path}, &is_null));
  if (is_null) {
    slot->levels.clear();
  } else {
    ARBOR_RETURN_IF_ERROR(internal::ReadLevels(v, ctx, path, rank == kRankCents, &slot->levels));
  }
  slot->rank = rank;
  return absl::OkStatus();
}

// Reads one orderbook object. In `orderbook_fp` the keys are yes_dollars/no_dollars with *_fp
// counts; in the older `orderbook` they are yes_dollars (integer counts) and yes (cents).
absl::Status ReadBook(od::value& v, const JsonCtx& ctx, bool fixed_point, SideSlot* yes,
                      SideSlot* no) {
  const std::string_view prefix = fixed_point ? "orderbook_fp" : "orderbook";
  od::object obj;
  simdjson::error_code error = v.get_object().get(obj);
  if (error == simdjson::INCORRECT_TYPE) {
    return internal::TypeError(v, ctx, FieldPath{prefix}, "an object");
  }
  if (error != simdjson::SUCCESS) {
    return internal::JsonError(ctx, FieldPath{prefix}, internal::Location(v), error);
  }
  const int dollars_rank = fixed_point ? kRankFixedPoint : kRankDollars;
  for (auto result : obj) {
    od::field field;
    error = std::move(result).get(field);
    if (error != simdjson::SUCCESS) {
      return internal::JsonError(ctx, FieldPath{prefix}, internal::Location(ctx), error);
    }
    std::string_view key;
    error = field.unescaped_key().get(key);
    if (error != simdjson::SUCCESS) {
      return internal::JsonError(ctx, FieldPath{prefix}, internal::Location(ctx), error);
    }
    od::value& item = field.value();
    if (key == "yes_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadSide(item, ctx, fixed_point ? "orderbook_fp.yes_dollars" : "orderbook.yes_dollars",
                   dollars_rank, yes));
    } else if (key == "no_dollars") {
      ARBOR_RETURN_IF_ERROR(
          ReadSide(item, ctx, fixed_point ? "orderbook_fp.no_dollars" : "orderbook.no_dollars",
                   dollars_rank, no));
    } else if (!fixed_point && key == "yes") {
      ARBOR_RETURN_IF_ERROR(ReadSide(item, ctx, "orderbook.yes", kRankCents, yes));
    } else if (!fixed_point && key == "no") {
      ARBOR_RETURN_IF_ERROR(ReadSide(item, ctx, "orderbook.no", kRankCents, no));
    }
  }
  return absl::OkStatus();
}

absl::Status SortAndCheck(std::vector<PriceLevel>* levels, std::string_view side) {
  std::sort(levels->begin(), levels->end(),
            [](const PriceLevel& a, const PriceLevel& b) { return a.price > b.price; });
  for (size_t i = 1; i < levels->size(); ++i) {
    if ((*levels)[i].price == (*levels)[i - 1].price) {
      return absl::InvalidArgumentError(absl::StrCat("kalshi rest orderbook: ", std::string(side),
                                                     " price ", (*levels)[i].price.ToString(),
                                                     " listed twice"));
    }
  }
  return absl::OkStatus();
}

FieldSchema SchemaForRank(int rank) {
  if (rank == kRankCents) return FieldSchema::kLegacyCents;
  if (rank == kRankDollars) return FieldSchema::kLegacyDollars;
  return FieldSchema::kFixedPoint;
}

}  // namespace

absl::StatusOr<RestOrderbook> ParseRestOrderbook(std::string_view body) {
  const simdjson::padded_string padded(body.data(), body.size());
  JsonCtx ctx{"rest orderbook", padded.data(), padded.size(), nullptr};
  od::parser parser;
  od::document doc;
  simdjson::error_code error = parser.iterate(padded).get(doc);
  if (error != simdjson::SUCCESS) {
    return internal::FrameError(ctx, nullptr,
                                absl::StrCat("malformed JSON: ", simdjson::error_message(error)));
  }
  ctx.doc = &doc;
  od::object root;
  error = doc.get_object().get(root);
  if (error != simdjson::SUCCESS) {
    return internal::FrameError(
        ctx, internal::Location(ctx),
        error == simdjson::INCORRECT_TYPE
            ? std::string("body is not a JSON object")
            : absl::StrCat("malformed JSON: ", simdjson::error_message(error)));
  }
  SideSlot yes;
  SideSlot no;
  bool have_book = false;
  for (auto result : root) {
    od::field field;
    error = std::move(result).get(field);
    if (error != simdjson::SUCCESS) {
      return internal::JsonError(ctx, FieldPath{"body"}, internal::Location(ctx), error);
    }
    std::string_view key;
    error = field.unescaped_key().get(key);
    if (error != simdjson::SUCCESS) {
      return internal::JsonError(ctx, FieldPath{"body"}, internal::Location(ctx), error);
    }
    if (key == "orderbook_fp" || key == "orderbook") {
      bool is_null = false;
      ARBOR_RETURN_IF_ERROR(internal::ConsumeNull(field.value(), ctx, FieldPath{key}, &is_null));
      if (is_null) continue;
      ARBOR_RETURN_IF_ERROR(ReadBook(field.value(), ctx, key == "orderbook_fp", &yes, &no));
      have_book = true;
    }
  }
  if (!internal::AtDocumentEnd(doc)) {
    return internal::FrameError(ctx, internal::Location(ctx),
                                "trailing content after the JSON object");
  }
  if (!have_book) {
    return internal::FrameError(ctx, nullptr, "neither orderbook_fp nor orderbook present");
  }
  RestOrderbook out;
  out.yes = std::move(yes.levels);
  out.no = std::move(no.levels);
  ARBOR_RETURN_IF_ERROR(SortAndCheck(&out.yes, "yes"));
  ARBOR_RETURN_IF_ERROR(SortAndCheck(&out.no, "no"));
  int lowest = kRankFixedPoint;
  if (yes.rank != 0) lowest = std::min(lowest, yes.rank);
  if (no.rank != 0) lowest = std::min(lowest, no.rank);
  out.schema = SchemaForRank(lowest);
  return out;
}

}  // namespace arbor::venue::kalshi
