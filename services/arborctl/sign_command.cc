#include "sign_command.h"

#include <openssl/crypto.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/venue/polymarket/clob_auth.h"
#include "arbor/venue/polymarket/decimal.h"
#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/order_amounts.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "simdjson.h"

namespace arbor::arborctl {
namespace {

namespace od = simdjson::ondemand;
namespace pm = venue::polymarket;

constexpr char kSignUsage[] =
    "usage: arborctl sign --key-file FILE < requests.jsonl\n"
    "  Signs Polymarket CLOB V2/V3 orders, one JSON request per stdin line (see\n"
    "  docs/polymarket_signing.md); FILE holds the hex private key.\n"
    "  Exit codes: 0 every request signed, 1 usage or key error, 2 at least one request\n"
    "  rejected (its {\"error\":...} line is printed).\n";

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": ", ToAbsl(what)));
}

// The text of a JSON string, or the raw token of a JSON number (so no double is involved).
absl::StatusOr<std::string_view> TextOrNumber(od::value value, std::string_view field) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return FieldError(field, "invalid JSON");
  if (type == od::json_type::string) {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) return FieldError(field, "bad string");
    return s;
  }
  if (type == od::json_type::number) {
    std::string_view raw = value.raw_json_token();
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\r' || raw.back() == '\n')) {
      raw.remove_suffix(1);
    }
    return raw;
  }
  return FieldError(field, "expected a string or a number");
}

absl::StatusOr<uint64_t> Uint(od::value value, std::string_view field) {
  ARBOR_ASSIGN_OR_RETURN(const std::string_view text, TextOrNumber(value, field));
  if (text.empty() || text.size() > 20) return FieldError(field, "expected an unsigned integer");
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return FieldError(field, "expected an unsigned integer");
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return FieldError(field, "integer out of range");
    v = v * 10 + d;
  }
  return v;
}

struct Request {
  std::optional<uint64_t> chain_id;
  std::optional<uint64_t> version;
  std::optional<bool> neg_risk;
  std::string tick_size;
  std::string price;
  std::string size;
  std::string side;
  std::optional<uint64_t> signature_type;
  std::string maker;
  std::string token_id;
  std::optional<uint64_t> salt;
  std::optional<uint64_t> timestamp;
  std::string kind = "limit";
  uint64_t expiration = 0;
  std::string metadata;
  std::string builder;
  // Auth requests ("auth":"l1"|"l2").
  std::string auth;
  std::optional<uint64_t> nonce;
  std::string secret;
  std::string api_key;
  std::string passphrase;
  std::string method;
  std::string path;
  std::string body;
};

absl::Status SetText(od::value value, std::string_view field, std::string* out) {
  ARBOR_ASSIGN_OR_RETURN(const std::string_view text, TextOrNumber(value, field));
  out->assign(text);
  return absl::OkStatus();
}

absl::Status SetString(od::value value, std::string_view field, std::string* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return FieldError(field, "expected a string");
  }
  out->assign(s);
  return absl::OkStatus();
}

absl::StatusOr<Request> ParseRequest(od::parser& parser, const std::string& line) {
  const simdjson::padded_string padded(line);
  od::document doc;
  od::object object;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("request: not a JSON object");
  }
  Request r;
  for (auto field_result : object) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("request: malformed JSON");
    }
    od::value v = field.value();
    if (key == "chain_id") {
      ARBOR_ASSIGN_OR_RETURN(r.chain_id, Uint(v, key));
    } else if (key == "version") {
      ARBOR_ASSIGN_OR_RETURN(r.version, Uint(v, key));
    } else if (key == "neg_risk") {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return FieldError(key, "expected a boolean");
      r.neg_risk = b;
    } else if (key == "tick_size") {
      ARBOR_RETURN_IF_ERROR(SetText(v, key, &r.tick_size));
    } else if (key == "price") {
      ARBOR_RETURN_IF_ERROR(SetText(v, key, &r.price));
    } else if (key == "size") {
      ARBOR_RETURN_IF_ERROR(SetText(v, key, &r.size));
    } else if (key == "side") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.side));
    } else if (key == "signature_type") {
      ARBOR_ASSIGN_OR_RETURN(r.signature_type, Uint(v, key));
    } else if (key == "maker") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.maker));
    } else if (key == "token_id") {
      ARBOR_RETURN_IF_ERROR(SetText(v, key, &r.token_id));
    } else if (key == "salt") {
      ARBOR_ASSIGN_OR_RETURN(r.salt, Uint(v, key));
    } else if (key == "timestamp") {
      ARBOR_ASSIGN_OR_RETURN(r.timestamp, Uint(v, key));
    } else if (key == "kind") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.kind));
    } else if (key == "expiration") {
      ARBOR_ASSIGN_OR_RETURN(r.expiration, Uint(v, key));
    } else if (key == "metadata") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.metadata));
    } else if (key == "builder") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.builder));
    } else if (key == "auth") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.auth));
    } else if (key == "nonce") {
      ARBOR_ASSIGN_OR_RETURN(r.nonce, Uint(v, key));
    } else if (key == "secret") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.secret));
    } else if (key == "api_key") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.api_key));
    } else if (key == "passphrase") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.passphrase));
    } else if (key == "method") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.method));
    } else if (key == "path") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.path));
    } else if (key == "body") {
      ARBOR_RETURN_IF_ERROR(SetString(v, key, &r.body));
    } else {
      return FieldError(key, "unknown field");
    }
  }
  return r;
}

// Builds and signs one request; appends the output object to *out.
absl::Status SignRequest(const pm::Secp256k1Signer& key, const Request& r, std::string* out) {
  if (!r.chain_id) return FieldError("chain_id", "missing");
  if (!r.version) return FieldError("version", "missing");
  if (!r.neg_risk) return FieldError("neg_risk", "missing");
  if (!r.signature_type) return FieldError("signature_type", "missing");
  if (!r.salt) return FieldError("salt", "missing");
  if (!r.timestamp) return FieldError("timestamp", "missing");
  for (const auto& [name, value] :
       {std::pair<std::string_view, const std::string*>{"tick_size", &r.tick_size},
        {"price", &r.price},
        {"size", &r.size},
        {"side", &r.side},
        {"maker", &r.maker},
        {"token_id", &r.token_id}}) {
    if (value->empty()) return FieldError(name, "missing");
  }
  if (*r.version != 2 && *r.version != 3) return FieldError("version", "must be 2 or 3");
  if (*r.signature_type > 3) return FieldError("signature_type", "must be 0, 1, 2 or 3");
  ARBOR_ASSIGN_OR_RETURN(
      const pm::ExchangeDomain domain,
      pm::MakeExchangeDomain(*r.chain_id, static_cast<int>(*r.version), *r.neg_risk));
  ARBOR_ASSIGN_OR_RETURN(const pm::TickSize tick, pm::ParseTickSize(r.tick_size));
  pm::OrderSide side;
  if (r.side == "BUY") {
    side = pm::OrderSide::kBuy;
  } else if (r.side == "SELL") {
    side = pm::OrderSide::kSell;
  } else {
    return FieldError("side", "must be BUY or SELL");
  }
  absl::StatusOr<Price> price = Price::Parse(r.price);
  if (!price.ok()) return FieldError("price", FromAbsl(price.status().message()));
  // Sizes beyond 6 decimals are floored (only 2 decimals are used).
  absl::StatusOr<int64_t> size_micros = pm::ParseDecimalMicrosRounded(r.size, Rounding::kDown);
  if (!size_micros.ok()) return FieldError("size", FromAbsl(size_micros.status().message()));
  const Quantity size = Quantity::FromMicros(*size_micros);
  absl::StatusOr<pm::RawAmounts> amounts;
  if (r.kind == "limit") {
    amounts = pm::LimitOrderAmounts(side, *price, size, tick);
  } else if (r.kind == "market") {
    amounts = pm::MarketOrderAmounts(side, *price, size, tick);
  } else {
    return FieldError("kind", "must be limit or market");
  }
  if (!amounts.ok()) return amounts.status();

  pm::OrderV2 order;
  order.salt = *r.salt;
  ARBOR_ASSIGN_OR_RETURN(order.maker, pm::ParseAddress(r.maker, "maker"));
  order.signature_type = static_cast<pm::SignatureType>(*r.signature_type);
  order.signer = order.signature_type == pm::SignatureType::kPoly1271 ? order.maker : key.address();
  order.token_id = r.token_id;
  order.maker_amount = amounts->maker_amount;
  order.taker_amount = amounts->taker_amount;
  order.side = side;
  order.timestamp_ms = *r.timestamp;
  order.expiration = r.expiration;
  if (!r.metadata.empty()) {
    ARBOR_ASSIGN_OR_RETURN(order.metadata, pm::ParseBytes32Hex(r.metadata, "metadata"));
  }
  if (!r.builder.empty()) {
    ARBOR_ASSIGN_OR_RETURN(order.builder, pm::ParseBytes32Hex(r.builder, "builder"));
  }
  pm::SignedOrderV2 signed_order;
  ARBOR_RETURN_IF_ERROR(pm::OrderSigner(&key).Sign(domain, order, &signed_order));
  out->append("{\"order\":");
  pm::AppendOrderJson(order, signed_order, out);
  out->append(",\"hash\":\"");
  pm::AppendHex(signed_order.hash, out);
  out->append("\"}\n");
  return absl::OkStatus();
}

void AppendHeader(std::string_view name, std::string_view value, bool first, std::string* out) {
  if (!first) out->push_back(',');
  out->push_back('"');
  out->append(name);
  out->append("\":\"");
  AppendJsonEscaped(out, value);
  out->push_back('"');
}

// L1 (ClobAuth) or L2 (HMAC) headers; appends {"headers":{...}} to *out.
absl::Status AuthRequest(const pm::Secp256k1Signer& key, const Request& r, std::string* out) {
  if (!r.timestamp) return FieldError("timestamp", "missing");
  const std::string timestamp = std::to_string(*r.timestamp);
  out->append("{\"headers\":{");
  if (r.auth == "l1") {
    if (!r.chain_id) return FieldError("chain_id", "missing");
    ARBOR_ASSIGN_OR_RETURN(const pm::L1Headers h,
                           pm::BuildL1Headers(key, *r.chain_id, timestamp, r.nonce.value_or(0)));
    AppendHeader("POLY_ADDRESS", h.poly_address, true, out);
    AppendHeader("POLY_SIGNATURE", h.poly_signature, false, out);
    AppendHeader("POLY_TIMESTAMP", h.poly_timestamp, false, out);
    AppendHeader("POLY_NONCE", h.poly_nonce, false, out);
  } else if (r.auth == "l2") {
    if (r.method.empty()) return FieldError("method", "missing");
    if (r.path.empty()) return FieldError("path", "missing");
    ARBOR_ASSIGN_OR_RETURN(
        const std::unique_ptr<pm::L2Signer> signer,
        pm::L2Signer::Create(key.address_checksummed(), r.api_key, r.secret, r.passphrase));
    const pm::L2Headers h = signer->Headers(timestamp, r.method, r.path, r.body);
    AppendHeader("POLY_ADDRESS", h.poly_address, true, out);
    AppendHeader("POLY_SIGNATURE", h.poly_signature, false, out);
    AppendHeader("POLY_TIMESTAMP", h.poly_timestamp, false, out);
    AppendHeader("POLY_API_KEY", h.poly_api_key, false, out);
    AppendHeader("POLY_PASSPHRASE", h.poly_passphrase, false, out);
  } else {
    return FieldError("auth", "must be l1 or l2");
  }
  out->append("}}\n");
  return absl::OkStatus();
}

}  // namespace

int RunSign(const pm::Secp256k1Signer& key, std::istream& in, std::ostream& out, SignStats* stats) {
  SignStats local;
  od::parser parser;
  std::string line;
  std::string buffer;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    ++local.requests;
    buffer.clear();
    absl::Status status;
    absl::StatusOr<Request> request = ParseRequest(parser, line);
    if (!request.ok()) {
      status = request.status();
    } else if (!request->auth.empty()) {
      status = AuthRequest(key, *request, &buffer);
    } else {
      status = SignRequest(key, *request, &buffer);
    }
    if (status.ok()) {
      ++local.signed_orders;
    } else {
      ++local.errors;
      buffer.clear();
      buffer.append("{\"error\":\"");
      AppendJsonEscaped(&buffer, FromAbsl(status.message()));
      absl::StrAppend(&buffer, "\",\"line\":", line_no, "}\n");
    }
    out << buffer;
  }
  out.flush();
  if (stats != nullptr) *stats = local;
  return local.errors == 0 ? kSignExitOk : kSignExitRejected;
}

int SignMain(const std::vector<std::string>& args) {
  std::string key_file;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kSignUsage;
      return kSignExitOk;
    }
    if (args[i] == "--key-file" && i + 1 < args.size()) {
      key_file = args[++i];
    } else {
      std::cerr << "arborctl sign: unexpected argument '" << args[i] << "'\n" << kSignUsage;
      return kSignExitUsage;
    }
  }
  if (key_file.empty()) {
    std::cerr << kSignUsage;
    return kSignExitUsage;
  }
  std::ifstream in(key_file, std::ios::binary);
  if (!in) {
    std::cerr << "arborctl sign: cannot read key file " << key_file << "\n";
    return kSignExitUsage;
  }
  std::string key_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<std::unique_ptr<pm::Secp256k1Signer>> key = pm::Secp256k1Signer::FromHex(key_text);
  OPENSSL_cleanse(key_text.data(), key_text.size());
  if (!key.ok()) {
    std::cerr << "arborctl sign: key file " << key_file << ": " << key.status().message() << "\n";
    return kSignExitUsage;
  }
  return RunSign(**key, std::cin, std::cout);
}

}  // namespace arbor::arborctl
