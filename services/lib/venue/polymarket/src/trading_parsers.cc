#include "arbor/venue/polymarket/trading_parsers.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
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

// A plain non-negative decimal integer that fits int64, else nullopt.
std::optional<int64_t> BaseUnits(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  int64_t v = 0;
  if (!absl::SimpleAtoi(ToAbsl(text), &v)) return std::nullopt;
  return v;
}

class TradingParser {
 public:
  explicit TradingParser(JsonContext* ctx) : ctx_(ctx) {}

  absl::Status Order(od::value& value, const PathNode* path, OrderResponse* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, path, "", &object));
    FieldReader r(*ctx_, path);
    return internal::ForEachField(*ctx_, object, path,
                                  [&](std::string_view key, od::value& v) -> absl::Status {
                                    if (key == "success") return r.Bool(v, key, &out->success);
                                    if (key == "errorMsg") return r.Text(v, key, &out->error_msg);
                                    if (key == "orderID") return r.String(v, key, &out->order_id);
                                    if (key == "status") return r.String(v, key, &out->status);
                                    if (key == "takingAmount")
                                      return r.OptMoneyRounded(v, key, &out->taking_amount);
                                    if (key == "makingAmount")
                                      return r.OptMoneyRounded(v, key, &out->making_amount);
                                    if (key == "transactionsHashes")
                                      return r.StringArray(v, key, &out->transactions_hashes);
                                    if (key == "tradeIDs")
                                      return r.StringArray(v, key, &out->trade_ids);
                                    return absl::OkStatus();
                                  });
  }

  absl::Status Cancel(od::value& value, CancelResponse* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, nullptr, "", &object));
    FieldReader r(*ctx_, nullptr);
    return internal::ForEachField(*ctx_, object, nullptr,
                                  [&](std::string_view key, od::value& v) -> absl::Status {
                                    if (key == "canceled")
                                      return r.StringArray(v, key, &out->canceled);
                                    if (key == "not_canceled")
                                      return StringMap(v, nullptr, key, &out->not_canceled);
                                    return absl::OkStatus();
                                  });
  }

  absl::Status Balance(od::value& value, BalanceAllowance* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, nullptr, "", &object));
    FieldReader r(*ctx_, nullptr);
    bool has_balance = false;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, nullptr, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "balance") {
            has_balance = true;
            return r.Text(v, key, &out->balance);
          }
          if (key == "allowance") return r.Text(v, key, &out->allowance);
          if (key == "allowances") return StringMap(v, nullptr, key, &out->allowances);
          return absl::OkStatus();
        }));
    if (!has_balance) return internal::MissingField(nullptr, "balance");
    out->balance_base_units = BaseUnits(out->balance);
    out->allowance_base_units = BaseUnits(out->allowance);
    return absl::OkStatus();
  }

  absl::Status Credentials(od::value& value, ApiCredentials* out) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, value, nullptr, "", &object));
    bool has_key = false, has_secret = false, has_passphrase = false;
    ARBOR_RETURN_IF_ERROR(internal::ForEachField(
        *ctx_, object, nullptr, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key == "apiKey") {
            has_key = true;
            return Id(v, nullptr, key, &out->api_key);
          }
          if (key == "secret") {
            has_secret = true;
            return Id(v, nullptr, key, &out->secret);
          }
          if (key == "passphrase") {
            has_passphrase = true;
            return Id(v, nullptr, key, &out->passphrase);
          }
          return absl::OkStatus();
        }));
    if (!has_key) return internal::MissingField(nullptr, "apiKey");
    if (!has_secret) return internal::MissingField(nullptr, "secret");
    if (!has_passphrase) return internal::MissingField(nullptr, "passphrase");
    return absl::OkStatus();
  }

 private:
  // An object of string values (or null = empty), kept in document order.
  absl::Status StringMap(od::value& v, const PathNode* path, std::string_view key,
                         std::vector<std::pair<std::string, std::string>>* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, key));
    if (s.kind == JsonKind::kNull) return absl::OkStatus();
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(*ctx_, v, path, key, &object));
    const PathNode node{path, key, -1};
    FieldReader r(*ctx_, &node);
    return internal::ForEachField(*ctx_, object, &node,
                                  [&](std::string_view k, od::value& value) -> absl::Status {
                                    out->emplace_back(std::string(k), std::string());
                                    return r.Text(value, k, &out->back().second);
                                  });
  }

  absl::Status Id(od::value& v, const PathNode* path, std::string_view key, std::string* out) {
    ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(*ctx_, v, path, key));
    ARBOR_ASSIGN_OR_RETURN(const std::string_view text, internal::AsString(s, path, key));
    if (text.empty()) return FieldError(path, key, s.offset, "empty");
    out->assign(text.data(), text.size());
    return absl::OkStatus();
  }

  JsonContext* ctx_;
};

}  // namespace

absl::StatusOr<OrderResponse> ParseOrderResponse(std::string_view json) {
  OrderResponse out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    return TradingParser(&ctx).Order(root, nullptr, &out);
  }));
  return out;
}

absl::StatusOr<std::vector<OrderResponse>> ParseBatchOrderResponse(std::string_view json) {
  std::vector<OrderResponse> out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    TradingParser p(&ctx);
    od::array array;
    ARBOR_RETURN_IF_ERROR(internal::GetArray(ctx, root, nullptr, "", &array));
    return internal::ForEachElement(ctx, array, nullptr, "", [&](int index, od::value& element) {
      const PathNode node{nullptr, "", index};
      out.emplace_back();
      return p.Order(element, &node, &out.back());
    });
  }));
  return out;
}

absl::StatusOr<CancelResponse> ParseCancelResponse(std::string_view json) {
  CancelResponse out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    return TradingParser(&ctx).Cancel(root, &out);
  }));
  return out;
}

absl::StatusOr<BalanceAllowance> ParseBalanceAllowance(std::string_view json) {
  BalanceAllowance out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    return TradingParser(&ctx).Balance(root, &out);
  }));
  return out;
}

absl::StatusOr<ApiCredentials> ParseApiCredentials(std::string_view json) {
  ApiCredentials out;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    return TradingParser(&ctx).Credentials(root, &out);
  }));
  return out;
}

absl::StatusOr<std::string> ParseHeartbeatResponse(std::string_view json) {
  std::string id;
  bool found = false;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(ctx, root, nullptr, "", &object));
    FieldReader r(ctx, nullptr);
    return internal::ForEachField(ctx, object, nullptr,
                                  [&](std::string_view key, od::value& v) -> absl::Status {
                                    if (key != "heartbeat_id") return absl::OkStatus();
                                    found = true;
                                    return r.Text(v, key, &id);
                                  });
  }));
  if (!found) return internal::MissingField(nullptr, "heartbeat_id");
  return id;
}

absl::StatusOr<std::string> ParseErrorBody(std::string_view json) {
  std::string message;
  bool found = false;
  ARBOR_RETURN_IF_ERROR(internal::ParseDocument(json, [&](JsonContext& ctx, od::value& root) {
    od::object object;
    ARBOR_RETURN_IF_ERROR(internal::GetObject(ctx, root, nullptr, "", &object));
    return internal::ForEachField(
        ctx, object, nullptr, [&](std::string_view key, od::value& v) -> absl::Status {
          if (key != "error") return absl::OkStatus();
          found = true;
          ARBOR_ASSIGN_OR_RETURN(const Scalar s, internal::Token(ctx, v, nullptr, key));
          if (s.kind == JsonKind::kString || s.kind == JsonKind::kNumber) {
            message.assign(s.text.data(), s.text.size());
            return absl::OkStatus();
          }
          if (s.kind != JsonKind::kObject) {
            return FieldError(nullptr, key, s.offset, "expected a string or an object");
          }
          od::object nested;
          ARBOR_RETURN_IF_ERROR(internal::GetObject(ctx, v, nullptr, key, &nested));
          const PathNode node{nullptr, key, -1};
          FieldReader nr(ctx, &node);
          return internal::ForEachField(ctx, nested, &node,
                                        [&](std::string_view k, od::value& nv) -> absl::Status {
                                          if (k == "message") return nr.Text(nv, k, &message);
                                          return absl::OkStatus();
                                        });
        });
  }));
  if (!found) return internal::MissingField(nullptr, "error");
  return message;
}

}  // namespace arbor::venue::polymarket
