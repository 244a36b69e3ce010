// Polymarket trading front-end of the simulator. Order ids are the EIP-712 order digests, as at
// the venue; engine order ids stay internal. Every error text that a client may match on is the
// venue's wording where known (POLYMARKET.md §5.3, the NautilusTrader samples).
#include "arbor/sim/polymarket_trading.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <span>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/venue/polymarket/clob_auth.h"
#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/signature_recovery.h"
#include "simdjson.h"

namespace arbor::sim {
namespace pm = venue::polymarket;
namespace {

__extension__ typedef __int128 int128;

constexpr char kUnauthorized[] = "Unauthorized/Invalid api key";
constexpr char kEndCursor[] = "LTE=";
constexpr size_t kMaxBatchOrders = 15;
constexpr size_t kPageSize = 100;
// The allowance the simulator reports: every account has approved the exchanges.
constexpr char kAllowance[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";

std::array<uint8_t, 32> Hmac(std::string_view key, std::string_view message) {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &len);
  return out;
}

std::string Base64(std::span<const uint8_t> bytes, bool url_safe) {
  const char* alphabet = url_safe
                             ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                             : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const uint32_t v = uint32_t{bytes[i]} << 16;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += "==";
  } else if (bytes.size() - i == 2) {
    const uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += '=';
  }
  return out;
}

std::string Cursor(size_t offset) {
  const std::string text = absl::StrCat(offset);
  return Base64(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()), false);
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(ToAbsl(s), out);
}

// Decodes a pagination cursor: base64 of a decimal offset ("MA==" = 0). Returns false for
// anything that is not a multiple of the page size written that way.
bool ParseCursor(std::string_view cursor, size_t* offset) {
  if (cursor.empty()) {
    *offset = 0;
    return true;
  }
  if (cursor.size() % 4 != 0 || cursor.size() > 32) return false;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  uint32_t bits = 0;
  int nbits = 0;
  for (char c : cursor) {
    if (c == '=') break;
    const size_t pos = kAlphabet.find(c);
    if (pos == std::string_view::npos) return false;
    bits = (bits << 6 | static_cast<uint32_t>(pos)) & 0xFFFFFF;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      text += static_cast<char>(bits >> nbits & 0xFF);
    }
  }
  uint64_t n = 0;
  if (!ParseU64(text, &n) || n % kPageSize != 0 || Cursor(n) != cursor) return false;
  *offset = n;
  return true;
}

std::string Uuid(std::span<const uint8_t> b) {
  char buf[37];
  std::snprintf(buf, sizeof(buf),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return buf;
}

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(ToAbsl(s)); }

// 6-decimal fixed point with the venue's 4-place rendering in REST order/trade objects.
template <typename T>
std::string Fixed4(T v) {
  return v.ToFixedString(4);
}

HttpReply Unauthorized() { return HttpReply::Error(401, kUnauthorized); }

const char* TifName(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::kGtc:
      return "GTC";
    case TimeInForce::kGtd:
      return "GTD";
    case TimeInForce::kFok:
      return "FOK";
    case TimeInForce::kFak:
      return "FAK";
  }
  return "GTC";
}

// A refused order in the venue's response shape. A single POST /order says success:false with a
// null orderID; a leg of a POST /orders batch says success:true with an empty orderID
// (POLYMARKET.md §6), so clients must check orderID, not only success.
std::string FailedOrderJson(std::string_view message, bool batch_leg = false) {
  JsonWriter w;
  w.BeginObject().Key("success").Bool(batch_leg).Key("errorMsg").String(message).Key("orderID");
  if (batch_leg) {
    w.String("");
  } else {
    w.Null();
  }
  w.Key("status")
      .String("")
      .Key("takingAmount")
      .String("")
      .Key("makingAmount")
      .String("")
      .Key("transactionsHashes")
      .BeginArray()
      .EndArray()
      .Key("tradeIDs")
      .BeginArray()
      .EndArray()
      .EndObject();
  return w.str();
}

std::string TxHash(std::string_view trade_id) {
  return pm::ToHex(pm::Keccak256(absl::StrCat("arbor-sim-trade:", ToAbsl(trade_id))));
}

}  // namespace

// One order of a POST /order(s) body, parsed strictly.
struct PolymarketTrading::ParsedOrder {
  pm::OrderV2 order;
  std::string signature;  // 0x hex
  std::string owner;
  TimeInForce tif = TimeInForce::kGtc;
  bool post_only = false;
};

namespace {

using simdjson::ondemand::object;
using simdjson::ondemand::value;

absl::Status FieldError(std::string_view field, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid order payload: ", ToAbsl(field), " ", ToAbsl(what)));
}

absl::StatusOr<std::string_view> StringField(value v, std::string_view field) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return FieldError(field, "must be a string");
  return s;
}

absl::Status ParseInner(object obj, pm::OrderV2* o, std::string* signature) {
  bool seen_salt = false, seen_maker = false, seen_signer = false, seen_token = false,
       seen_maker_amount = false, seen_taker_amount = false, seen_side = false,
       seen_sig_type = false, seen_ts = false, seen_sig = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("Invalid order payload: bad key in order");
    }
    value v;
    if (field.value().get(v) != simdjson::SUCCESS) return FieldError(key, "is malformed");
    if (key == "salt") {
      uint64_t salt = 0;
      if (v.get_uint64().get(salt) != simdjson::SUCCESS) {
        return FieldError(key, "must be a non-negative integer number");
      }
      o->salt = salt;
      seen_salt = true;
    } else if (key == "maker" || key == "signer") {
      ARBOR_ASSIGN_OR_RETURN(std::string_view s, StringField(v, key));
      absl::StatusOr<pm::Address> a = pm::ParseAddress(s, key);
      if (!a.ok()) return FieldError(key, "is not an address");
      (key == "maker" ? o->maker : o->signer) = *a;
      (key == "maker" ? seen_maker : seen_signer) = true;
    } else if (key == "taker") {
      // The official client may include a zero taker; it is not part of the V2 signed struct.
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return FieldError(key, "must be a string");
    } else if (key == "tokenId") {
      ARBOR_ASSIGN_OR_RETURN(std::string_view s, StringField(v, key));
      o->token_id = std::string(s);
      seen_token = true;
    } else if (key == "makerAmount" || key == "takerAmount") {
      ARBOR_ASSIGN_OR_RETURN(std::string_view s, StringField(v, key));
      uint64_t amount = 0;
      if (!ParseU64(s, &amount) ||
          amount > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return FieldError(key, "must be a decimal integer string");
      }
      (key == "makerAmount" ? o->maker_amount : o->taker_amount) = static_cast<int64_t>(amount);
      (key == "makerAmount" ? seen_maker_amount : seen_taker_amount) = true;
    } else if (key == "side") {
      std::string_view s;
      uint64_t n = 0;
      if (v.get_string().get(s) == simdjson::SUCCESS) {
        if (s != "BUY" && s != "SELL") return FieldError(key, "must be BUY or SELL");
        o->side = s == "BUY" ? pm::OrderSide::kBuy : pm::OrderSide::kSell;
      } else if (v.get_uint64().get(n) == simdjson::SUCCESS && n <= 1) {
        o->side = n == 0 ? pm::OrderSide::kBuy : pm::OrderSide::kSell;
      } else {
        return FieldError(key, "must be BUY or SELL");
      }
      seen_side = true;
    } else if (key == "signatureType") {
      uint64_t n = 0;
      if (v.get_uint64().get(n) != simdjson::SUCCESS || n > 3) {
        return FieldError(key, "must be 0, 1, 2 or 3");
      }
      o->signature_type = static_cast<pm::SignatureType>(n);
      seen_sig_type = true;
    } else if (key == "timestamp" || key == "expiration") {
      ARBOR_ASSIGN_OR_RETURN(std::string_view s, StringField(v, key));
      uint64_t n = 0;
      if (!ParseU64(s, &n)) return FieldError(key, "must be a decimal integer string");
      (key == "timestamp" ? o->timestamp_ms : o->expiration) = n;
      if (key == "timestamp") seen_ts = true;
    } else if (key == "metadata" || key == "builder") {
      ARBOR_ASSIGN_OR_RETURN(std::string_view s, StringField(v, key));
      absl::StatusOr<pm::Bytes32> b = pm::ParseBytes32Hex(s, key);
      if (!b.ok()) return FieldError(key, "must be 0x + 64 hex digits");
      (key == "metadata" ? o->metadata : o->builder) = *b;
    } else if (key == "signature") {
      ARBOR_ASSIGN_OR_RETURN(std::string_view s, StringField(v, key));
      *signature = std::string(s);
      seen_sig = true;
    } else {
      return FieldError(key, "is not a V2 order field");
    }
  }
  const std::pair<bool, const char*> required[] = {{seen_salt, "salt"},
                                                   {seen_maker, "maker"},
                                                   {seen_signer, "signer"},
                                                   {seen_token, "tokenId"},
                                                   {seen_maker_amount, "makerAmount"},
                                                   {seen_taker_amount, "takerAmount"},
                                                   {seen_side, "side"},
                                                   {seen_sig_type, "signatureType"},
                                                   {seen_ts, "timestamp"},
                                                   {seen_sig, "signature"}};
  for (const auto& [seen, name] : required) {
    if (!seen) return FieldError(name, "is missing");
  }
  return absl::OkStatus();
}

absl::Status ParseOrderObject(object obj, PolymarketTrading::ParsedOrder* out) {
  bool seen_order = false, seen_owner = false;
  out->tif = TimeInForce::kGtc;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("Invalid order payload: bad key");
    }
    value v;
    if (field.value().get(v) != simdjson::SUCCESS) return FieldError(key, "is malformed");
    if (key == "order") {
      object inner;
      if (v.get_object().get(inner) != simdjson::SUCCESS)
        return FieldError(key, "must be an object");
      ARBOR_RETURN_IF_ERROR(ParseInner(inner, &out->order, &out->signature));
      seen_order = true;
    } else if (key == "owner") {
      ARBOR_ASSIGN_OR_RETURN(std::string_view s, StringField(v, key));
      out->owner = std::string(s);
      seen_owner = true;
    } else if (key == "orderType") {
      ARBOR_ASSIGN_OR_RETURN(std::string_view s, StringField(v, key));
      if (s == "GTC") {
        out->tif = TimeInForce::kGtc;
      } else if (s == "GTD") {
        out->tif = TimeInForce::kGtd;
      } else if (s == "FOK") {
        out->tif = TimeInForce::kFok;
      } else if (s == "FAK") {
        out->tif = TimeInForce::kFak;
      } else {
        return FieldError(key, "must be GTC, GTD, FOK or FAK");
      }
    } else if (key == "postOnly" || key == "deferExec") {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return FieldError(key, "must be a boolean");
      if (key == "postOnly") out->post_only = b;
    } else {
      return FieldError(key, "is not a field of the order payload");
    }
  }
  if (!seen_order) return FieldError("order", "is missing");
  if (!seen_owner) return FieldError("owner", "is missing");
  return absl::OkStatus();
}

}  // namespace

PolymarketTrading::PolymarketTrading(Exchange& exchange, const Clock& clock,
                                     PolymarketTradingOptions options)
    : exchange_(exchange), clock_(clock), options_(std::move(options)) {
  exchange_.AddTradeListener([this](const MarketEngine& e, const Trade& t) { OnTrade(e, t); });
  exchange_.AddOrderDoneListener(
      [this](const MarketEngine& e, const Order& o) { OnOrderDone(e, o); });
}

int64_t PolymarketTrading::NowS() const { return absl::ToUnixSeconds(clock_.Now()); }

const PolymarketApiKey* PolymarketTrading::FindApiKey(std::string_view key) const {
  auto it = keys_.find(ToAbsl(key));
  return it == keys_.end() ? nullptr : &it->second;
}

void PolymarketTrading::Attach(HttpServer& clob) {
  clob.Route("POST", "/auth/api-key", [this](const HttpRequest& r) { return CreateApiKey(r); });
  clob.Route("GET", "/auth/derive-api-key",
             [this](const HttpRequest& r) { return CreateApiKey(r); });
  auto l2 = [this](HttpReply (PolymarketTrading::*fn)(const HttpRequest&, const Caller&)) {
    return [this, fn](const HttpRequest& r) {
      absl::StatusOr<Caller> caller = L2(r);
      if (!caller.ok()) return Unauthorized();
      return (this->*fn)(r, *caller);
    };
  };
  clob.Route("POST", "/order", l2(&PolymarketTrading::PostOrder));
  clob.Route("POST", "/orders", l2(&PolymarketTrading::PostOrders));
  clob.Route("DELETE", "/order", l2(&PolymarketTrading::CancelOne));
  clob.Route("DELETE", "/orders", l2(&PolymarketTrading::CancelMany));
  clob.Route("DELETE", "/cancel-all", l2(&PolymarketTrading::CancelAll));
  clob.Route("DELETE", "/cancel-market-orders", l2(&PolymarketTrading::CancelMarket));
  clob.Route("GET", "/data/orders", l2(&PolymarketTrading::OpenOrders));
  clob.RoutePrefix("GET", "/data/order/", l2(&PolymarketTrading::OneOrder));
  clob.Route("GET", "/data/trades", l2(&PolymarketTrading::Trades));
  clob.Route("GET", "/balance-allowance", l2(&PolymarketTrading::BalanceAllowance));
  clob.Route("GET", "/balance-allowance/update", l2(&PolymarketTrading::BalanceAllowance));
  clob.Route("POST", "/v1/heartbeats", l2(&PolymarketTrading::Heartbeat));
}

// ---- Authentication ---------------------------------------------------------------------

absl::StatusOr<const PolymarketApiKey*> PolymarketTrading::L1(const HttpRequest& r) {
  const std::string_view address_text = r.Header("poly_address");
  const std::string_view signature_text = r.Header("poly_signature");
  const std::string_view timestamp = r.Header("poly_timestamp");
  std::string_view nonce_text = r.Header("poly_nonce");
  if (nonce_text.empty()) nonce_text = "0";
  ARBOR_ASSIGN_OR_RETURN(pm::Address address, pm::ParseAddress(address_text, "POLY_ADDRESS"));
  ARBOR_ASSIGN_OR_RETURN(pm::EcdsaSignature signature,
                         pm::ParseSignatureHex(signature_text, "POLY_SIGNATURE"));
  uint64_t ts = 0;
  uint64_t nonce = 0;
  if (!ParseU64(timestamp, &ts)) return absl::InvalidArgumentError("POLY_TIMESTAMP: not a number");
  if (!ParseU64(nonce_text, &nonce)) return absl::InvalidArgumentError("POLY_NONCE: not a number");
  const int64_t skew = NowS() - static_cast<int64_t>(ts);
  if (skew > options_.max_auth_skew_s || -skew > options_.max_auth_skew_s) {
    return absl::InvalidArgumentError("POLY_TIMESTAMP: stale or in the future");
  }
  const pm::Bytes32 digest =
      pm::TypedDataDigest(pm::ClobAuthDomainSeparator(options_.chain_id),
                          pm::HashClobAuth(address, timestamp, nonce, pm::kClobAuthMessage));
  ARBOR_ASSIGN_OR_RETURN(pm::Address recovered, pm::RecoverSigner(digest, signature));
  if (recovered != address) {
    return absl::PermissionDeniedError("POLY_SIGNATURE: not signed by POLY_ADDRESS");
  }
  const std::string lower = pm::ToHex(address);
  const std::string seed = absl::StrCat(lower, "|", nonce);
  const std::string& secret = options_.credential_secret;
  PolymarketApiKey k;
  k.key = Uuid(Hmac(secret, absl::StrCat("key|", seed)));
  k.secret = Base64(Hmac(secret, absl::StrCat("secret|", seed)), true);
  const auto pass = Hmac(secret, absl::StrCat("passphrase|", seed));
  k.passphrase = pm::ToHex(pass).substr(2);
  k.address = lower;
  const std::string key_id = k.key;
  auto it = keys_.try_emplace(key_id, std::move(k)).first;
  if (funded_.insert(lower).second && options_.initial_balance > Money()) {
    exchange_.ledger().Deposit(lower, options_.initial_balance);
  }
  return &it->second;
}

HttpReply PolymarketTrading::CreateApiKey(const HttpRequest& r) {
  absl::StatusOr<const PolymarketApiKey*> key = L1(r);
  if (!key.ok()) return HttpReply::Error(401, "Invalid L1 Request headers");
  JsonWriter w;
  w.BeginObject()
      .Key("apiKey")
      .String((*key)->key)
      .Key("secret")
      .String((*key)->secret)
      .Key("passphrase")
      .String((*key)->passphrase)
      .EndObject();
  return HttpReply::Json(200, w.str());
}

absl::StatusOr<PolymarketTrading::Caller> PolymarketTrading::L2(const HttpRequest& r) const {
  const PolymarketApiKey* key = FindApiKey(r.Header("poly_api_key"));
  if (key == nullptr) return absl::UnauthenticatedError("unknown api key");
  if (r.Header("poly_passphrase") != key->passphrase) {
    return absl::UnauthenticatedError("bad passphrase");
  }
  if (Lower(r.Header("poly_address")) != key->address) {
    return absl::UnauthenticatedError("address does not own the key");
  }
  const std::string_view timestamp = r.Header("poly_timestamp");
  uint64_t ts = 0;
  if (!ParseU64(timestamp, &ts)) return absl::UnauthenticatedError("bad timestamp");
  const int64_t skew = NowS() - static_cast<int64_t>(ts);
  if (skew > options_.max_auth_skew_s || -skew > options_.max_auth_skew_s) {
    return absl::UnauthenticatedError("stale timestamp");
  }
  absl::StatusOr<std::unique_ptr<pm::L2Signer>> signer =
      pm::L2Signer::Create(key->address, key->key, key->secret, key->passphrase);
  if (!signer.ok()) return signer.status();
  const std::string expected = (*signer)->Signature(timestamp, r.method, r.path, r.body);
  const std::string_view got = r.Header("poly_signature");
  if (got.size() != expected.size() ||
      CRYPTO_memcmp(got.data(), expected.data(), expected.size()) != 0) {
    return absl::UnauthenticatedError("bad signature");
  }
  return Caller{key};
}

// ---- Orders -----------------------------------------------------------------------------

absl::StatusOr<PolymarketTrading::OrderRecord*> PolymarketTrading::Admit(const ParsedOrder& p,
                                                                         const Caller& c) {
  const pm::OrderV2& o = p.order;
  if (p.owner != c.key->key) {
    return absl::PermissionDeniedError("the order owner has to be the owner of the API KEY");
  }
  if (o.signature_type == pm::SignatureType::kPoly1271) {
    return absl::InvalidArgumentError(
        "signature type 3 (POLY_1271 deposit wallet) is not supported by the simulator");
  }
  const std::string signer = pm::ToHex(o.signer);
  const std::string maker = pm::ToHex(o.maker);
  if (signer != c.key->address) {
    return absl::PermissionDeniedError(
        "the order signer address has to be the address of the API KEY");
  }
  if (o.signature_type == pm::SignatureType::kEoa && maker != signer) {
    return absl::InvalidArgumentError("invalid maker: an EOA order's maker must be its signer");
  }
  const int market = exchange_.MarketOfToken(o.token_id);
  if (market < 0) return absl::NotFoundError("Invalid token id");
  const SimMarket& sm = exchange_.universe().markets[static_cast<size_t>(market)];
  if (sm.status != MarketStatus::kOpen) {
    // The simulator's wording (the venue's own message for a closed market is not recorded).
    return absl::FailedPreconditionError(
        absl::StrCat("market ", sm.condition_id, " is closed: not accepting orders"));
  }
  const bool neg_risk = sm.event_index >= 0;
  ARBOR_ASSIGN_OR_RETURN(
      pm::ExchangeDomain domain,
      pm::MakeExchangeDomain(options_.chain_id, options_.exchange_version, neg_risk));
  ARBOR_ASSIGN_OR_RETURN(pm::OrderV2Struct st, pm::ToOrderStruct(o));
  const pm::Bytes32 digest = pm::TypedDataDigest(domain.separator, pm::HashOrderV2(st));
  absl::StatusOr<pm::EcdsaSignature> sig = pm::ParseSignatureHex(p.signature, "signature");
  if (!sig.ok()) return absl::InvalidArgumentError("invalid signature");
  absl::StatusOr<pm::Address> recovered = pm::RecoverSigner(digest, *sig);
  if (!recovered.ok() || *recovered != o.signer) {
    return absl::InvalidArgumentError("invalid signature");
  }
  const std::string id = pm::ToHex(digest);
  if (orders_.contains(id)) {
    return absl::AlreadyExistsError(absl::StrCat("order ", id, " is invalid. Duplicated."));
  }
  const int64_t now_ms = absl::ToUnixMillis(clock_.Now());
  const int64_t age = now_ms - static_cast<int64_t>(o.timestamp_ms);
  if (age > options_.max_order_age_ms || -age > options_.max_order_age_ms) {
    return absl::InvalidArgumentError("invalid order timestamp: too old or in the future");
  }
  // Funding of proxy / Safe makers: the first signer to trade for a maker owns it.
  if (maker != signer) {
    const auto bound = funder_signer_.try_emplace(maker, signer);
    if (!bound.second && bound.first->second != signer) {
      return absl::PermissionDeniedError("invalid maker: funder is controlled by another signer");
    }
    if (funded_.insert(maker).second && options_.initial_balance > Money()) {
      exchange_.ledger().Deposit(maker, options_.initial_balance);
    }
  }

  // Amounts -> price and size.
  MarketEngine& engine = exchange_.engine(market);
  const MarketConfig& cfg = engine.config();
  const bool buy = o.side == pm::OrderSide::kBuy;
  const int64_t cash = buy ? o.maker_amount : o.taker_amount;
  const int64_t shares = buy ? o.taker_amount : o.maker_amount;
  if (cash <= 0 || shares <= 0) {
    return absl::InvalidArgumentError("invalid amounts: makerAmount and takerAmount must be > 0");
  }
  const bool market_order = p.tif == TimeInForce::kFok || p.tif == TimeInForce::kFak;
  const int64_t tick = cfg.tick.micros();
  const int64_t step = cfg.size_step.micros();
  int64_t size = shares;
  int64_t price = 0;
  if (market_order) {
    // Market orders are built from a pUSD amount and a worst price, so the implied price is
    // rarely exact: take the size down to the step and the price to the nearest tick.
    size = shares / step * step;
    const int64_t implied = internal::MulDivRound(cash, kFixedScale, shares, Rounding::kHalfUp);
    price = (implied + tick / 2) / tick * tick;
  } else {
    if (shares % step != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid amounts, the size must be a multiple of ", cfg.size_step.ToString()));
    }
    const int128 num = static_cast<int128>(cash) * kFixedScale;
    if (num % shares != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid amounts, the price must be a multiple of the tick size ", cfg.tick.ToString()));
    }
    price = static_cast<int64_t>(num / shares);
  }
  if (size <= 0) return absl::InvalidArgumentError("invalid amounts: size below the minimum");
  if (price % tick != 0 || price < tick || price > kFixedScale - tick) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid price (", Price::FromMicros(price).ToString(),
                     "), min: ", cfg.tick.ToString(), " - max: ", Complement(cfg.tick).ToString()));
  }
  const int outcome = engine.token(0) == o.token_id ? 0 : 1;
  OrderRequest req;
  req.account = maker;
  req.outcome = outcome;
  req.side = buy ? Side::kBuy : Side::kSell;
  req.price = Price::FromMicros(price);
  req.size = Quantity::FromMicros(size);
  req.tif = p.tif;
  if (p.tif == TimeInForce::kGtd) {
    if (o.expiration == 0 || static_cast<int64_t>(o.expiration) * 1000 <= now_ms + 60'000) {
      return absl::InvalidArgumentError(
          "invalid expiration: a GTD order must expire more than one minute from now");
    }
    req.expires_at_ms = static_cast<int64_t>(o.expiration) * 1000;
  } else if (o.expiration != 0 && p.tif == TimeInForce::kGtc) {
    return absl::InvalidArgumentError("invalid expiration: a GTC order must have expiration 0");
  }
  if (p.post_only) {
    if (market_order) return absl::InvalidArgumentError("postOnly is only valid for GTC and GTD");
    const auto same = engine.Levels(outcome, buy ? Side::kSell : Side::kBuy);
    bool crosses =
        !same.empty() && (buy ? same.front().first <= req.price : same.front().first >= req.price);
    if (!crosses && cfg.cross_matching) {
      const auto other = engine.Levels(1 - outcome, buy ? Side::kBuy : Side::kSell);
      crosses = !other.empty() && (buy ? other.front().first >= Complement(req.price)
                                       : other.front().first <= Complement(req.price));
    }
    if (crosses) {
      return absl::FailedPreconditionError("invalid post-only order: order crosses book");
    }
  }

  auto rec = std::make_unique<OrderRecord>();
  rec->id = id;
  rec->market = market;
  rec->outcome = outcome;
  rec->signer = signer;
  rec->maker = maker;
  rec->owner = c.key->key;
  rec->side = req.side;
  rec->price = req.price;
  rec->size = req.size;
  rec->order_type = TifName(p.tif);
  rec->expiration = o.expiration;
  rec->created_s = now_ms / 1000;
  OrderRecord* raw = rec.get();
  // Registered before Place so the trade listener can attribute fills made during matching.
  orders_.emplace(id, std::move(rec));
  // The engine id is only known after Place; fills of the taker during Place are attributed by
  // the pending pointer.
  pending_ = raw;
  pending_frames_.clear();
  absl::StatusOr<PlaceResult> placed = engine.Place(req, now_ms);
  pending_ = nullptr;
  std::vector<std::pair<const OrderRecord*, std::string>> frames;
  frames.swap(pending_frames_);
  if (!placed.ok()) {
    orders_.erase(id);
    if (placed.status().code() == absl::StatusCode::kFailedPrecondition) {
      return absl::FailedPreconditionError("not enough balance / allowance");
    }
    return placed.status();
  }
  raw->engine_id = placed->order_id;
  raw->state = placed->state;
  by_engine_id_[raw->engine_id] = raw;
  orders_by_signer_[signer].push_back(raw);
  // The stream shows the placement before the fills it caused.
  if (raw->state == OrderState::kLive || !placed->trades.empty()) {
    Emit(*raw, OrderEvent(*raw, "PLACEMENT"));
  }
  for (auto& [order, frame] : frames) Emit(*order, std::move(frame));
  if (p.tif == TimeInForce::kFok && placed->trades.empty()) {
    raw->state = OrderState::kCanceled;
    return absl::FailedPreconditionError(
        "order couldn't be fully filled. FOK orders are fully filled or killed.");
  }
  if (p.tif == TimeInForce::kFak && placed->trades.empty()) {
    raw->state = OrderState::kCanceled;
    return absl::FailedPreconditionError(
        "no orders found to match with FAK order. FAK orders are partially filled or killed if "
        "no match is found.");
  }
  return raw;
}

bool PolymarketTrading::PlaceOne(const ParsedOrder& p, const Caller& c, bool batch,
                                 std::string* json) {
  absl::StatusOr<OrderRecord*> rec = Admit(p, c);
  if (!rec.ok()) {
    *json = FailedOrderJson(FromAbsl(rec.status().message()), batch);
    return false;
  }
  const OrderRecord& o = **rec;
  const Money cash = o.cash;
  const bool matched = !o.trade_ids.empty();
  JsonWriter w;
  w.BeginObject()
      .Key("success")
      .Bool(true)
      .Key("errorMsg")
      .String("")
      .Key("orderID")
      .String(o.id)
      .Key("status")
      .String(matched ? "matched" : (o.state == OrderState::kLive ? "live" : "unmatched"))
      .Key("takingAmount")
      .String(matched ? (o.side == Side::kBuy ? o.filled.ToString() : cash.ToString()) : "")
      .Key("makingAmount")
      .String(matched ? (o.side == Side::kBuy ? cash.ToString() : o.filled.ToString()) : "")
      .Key("transactionsHashes")
      .BeginArray();
  for (const std::string& tid : o.trade_ids) w.String(TxHash(tid));
  w.EndArray().Key("tradeIDs").BeginArray();
  for (const std::string& tid : o.trade_ids) w.String(tid);
  w.EndArray().EndObject();
  *json = w.str();
  return true;
}

HttpReply PolymarketTrading::PostOrder(const HttpRequest& r, const Caller& c) {
  simdjson::padded_string body(r.body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  object obj;
  if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    return HttpReply::Error(400, "Invalid order payload");
  }
  ParsedOrder p;
  if (absl::Status st = ParseOrderObject(obj, &p); !st.ok()) {
    return HttpReply::Error(400, FromAbsl(st.message()));
  }
  std::string json;
  const bool ok = PlaceOne(p, c, false, &json);
  return HttpReply::Json(ok ? 200 : 400, std::move(json));
}

HttpReply PolymarketTrading::PostOrders(const HttpRequest& r, const Caller& c) {
  simdjson::padded_string body(r.body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::array arr;
  if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(arr) != simdjson::SUCCESS) {
    return HttpReply::Error(400, "Invalid order payload: expected an array of orders");
  }
  std::vector<ParsedOrder> parsed;
  for (auto item : arr) {
    object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) {
      return HttpReply::Error(400, "Invalid order payload: expected an array of orders");
    }
    ParsedOrder p;
    if (absl::Status st = ParseOrderObject(obj, &p); !st.ok()) {
      return HttpReply::Error(400, FromAbsl(st.message()));
    }
    parsed.push_back(std::move(p));
    if (parsed.size() > kMaxBatchOrders) {
      return HttpReply::Error(400, "Too many orders in payload, max: 15");
    }
  }
  std::string out = "[";
  for (size_t i = 0; i < parsed.size(); ++i) {
    std::string json;
    PlaceOne(parsed[i], c, true, &json);
    if (i > 0) out += ',';
    out += json;
  }
  out += ']';
  return HttpReply::Json(200, std::move(out));
}

// ---- Cancels ----------------------------------------------------------------------------

std::string PolymarketTrading::CancelIds(const std::vector<std::string>& ids, const Caller& c) {
  std::vector<std::string> canceled;
  std::vector<std::pair<std::string, std::string>> not_canceled;
  for (const std::string& id : ids) {
    auto it = orders_.find(id);
    if (it == orders_.end() || it->second->signer != c.key->address) {
      not_canceled.emplace_back(id, "order not found");
      continue;
    }
    OrderRecord& o = *it->second;
    if (o.state != OrderState::kLive) {
      not_canceled.emplace_back(id, "already canceled or matched");
      continue;
    }
    if (absl::Status st = exchange_.engine(o.market).Cancel(o.maker, o.engine_id); !st.ok()) {
      not_canceled.emplace_back(id, "already canceled or matched");
      continue;
    }
    canceled.push_back(id);
  }
  JsonWriter w;
  w.BeginObject().Key("canceled").BeginArray();
  for (const std::string& id : canceled) w.String(id);
  w.EndArray().Key("not_canceled").BeginObject();
  for (const auto& [id, reason] : not_canceled) w.Key(id).String(reason);
  w.EndObject().EndObject();
  return w.str();
}

HttpReply PolymarketTrading::CancelOne(const HttpRequest& r, const Caller& c) {
  simdjson::padded_string body(r.body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  std::string_view id;
  if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
      doc["orderID"].get_string().get(id) != simdjson::SUCCESS) {
    return HttpReply::Error(400, "Invalid payload: expected {\"orderID\": ...}");
  }
  return HttpReply::Json(200, CancelIds({std::string(id)}, c));
}

HttpReply PolymarketTrading::CancelMany(const HttpRequest& r, const Caller& c) {
  simdjson::padded_string body(r.body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::array arr;
  if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(arr) != simdjson::SUCCESS) {
    return HttpReply::Error(400, "Invalid payload: expected [orderID, ...]");
  }
  std::vector<std::string> ids;
  for (auto item : arr) {
    std::string_view id;
    if (item.get_string().get(id) != simdjson::SUCCESS) {
      return HttpReply::Error(400, "Invalid payload: expected [orderID, ...]");
    }
    ids.emplace_back(id);
  }
  return HttpReply::Json(200, CancelIds(ids, c));
}

std::vector<const PolymarketTrading::OrderRecord*> PolymarketTrading::LiveOrdersOf(
    std::string_view address) const {
  std::vector<const OrderRecord*> out;
  auto it = orders_by_signer_.find(ToAbsl(address));
  if (it == orders_by_signer_.end()) return out;
  for (const OrderRecord* o : it->second) {
    if (o->state == OrderState::kLive) out.push_back(o);
  }
  return out;
}

HttpReply PolymarketTrading::CancelAll(const HttpRequest&, const Caller& c) {
  std::vector<std::string> ids;
  for (const OrderRecord* o : LiveOrdersOf(c.key->address)) ids.push_back(o->id);
  return HttpReply::Json(200, CancelIds(ids, c));
}

HttpReply PolymarketTrading::CancelMarket(const HttpRequest& r, const Caller& c) {
  std::string market_filter;
  std::string asset_filter;
  if (!r.body.empty()) {
    simdjson::padded_string body(r.body);
    simdjson::ondemand::parser parser;
    simdjson::ondemand::document doc;
    object obj;
    if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(obj) != simdjson::SUCCESS) {
      return HttpReply::Error(400, "Invalid payload: expected {\"market\"?, \"asset_id\"?}");
    }
    for (auto field : obj) {
      std::string_view key;
      std::string_view v;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
          field.value().get_string().get(v) != simdjson::SUCCESS) {
        return HttpReply::Error(400, "Invalid payload: expected {\"market\"?, \"asset_id\"?}");
      }
      if (key == "market") market_filter = Lower(v);
      if (key == "asset_id") asset_filter = std::string(v);
    }
  }
  std::vector<std::string> ids;
  for (const OrderRecord* o : LiveOrdersOf(c.key->address)) {
    const MarketEngine& e = exchange_.engine(o->market);
    if (!market_filter.empty() && Lower(e.config().condition_id) != market_filter) continue;
    if (!asset_filter.empty() && e.token(o->outcome) != asset_filter) continue;
    ids.push_back(o->id);
  }
  return HttpReply::Json(200, CancelIds(ids, c));
}

// ---- Queries ----------------------------------------------------------------------------

void PolymarketTrading::AppendOrderJson(const OrderRecord& o, std::string* out) const {
  const MarketEngine& e = exchange_.engine(o.market);
  JsonWriter w;
  w.BeginObject().Key("associate_trades").BeginArray();
  for (const std::string& t : o.trade_ids) w.String(t);
  w.EndArray()
      .Key("id")
      .String(o.id)
      .Key("status")
      .String(o.state == OrderState::kLive     ? "LIVE"
              : o.state == OrderState::kFilled ? "MATCHED"
                                               : "CANCELED")
      .Key("market")
      .String(e.config().condition_id)
      .Key("original_size")
      .String(Fixed4(o.size))
      .Key("outcome")
      .String(o.outcome == 0 ? "Yes" : "No")
      .Key("maker_address")
      .String(o.maker)
      .Key("owner")
      .String(o.owner)
      .Key("price")
      .String(Fixed4(o.price))
      .Key("side")
      .String(o.side == Side::kBuy ? "BUY" : "SELL")
      .Key("size_matched")
      .String(Fixed4(o.filled))
      .Key("asset_id")
      .String(e.token(o.outcome))
      .Key("expiration")
      .String(absl::StrCat(o.expiration))
      .Key("order_type")
      .String(o.order_type)
      .Key("created_at")
      .Int(o.created_s)
      .EndObject();
  *out += w.str();
}

HttpReply PolymarketTrading::OpenOrders(const HttpRequest& r, const Caller& c) {
  size_t offset = 0;
  if (!ParseCursor(r.Query("next_cursor"), &offset)) {
    return HttpReply::Error(400, "invalid next_cursor");
  }
  const std::string market = Lower(r.Query("market"));
  const std::string_view asset = r.Query("asset_id");
  const std::string id = Lower(r.Query("id"));
  std::vector<const OrderRecord*> matching;
  for (const OrderRecord* o : LiveOrdersOf(c.key->address)) {
    const MarketEngine& e = exchange_.engine(o->market);
    if (!market.empty() && Lower(e.config().condition_id) != market) continue;
    if (!asset.empty() && e.token(o->outcome) != asset) continue;
    if (!id.empty() && o->id != id) continue;
    matching.push_back(o);
  }
  std::string out = "{\"data\":[";
  const size_t end = std::min(matching.size(), offset + kPageSize);
  for (size_t i = offset; i < end; ++i) {
    if (i > offset) out += ',';
    AppendOrderJson(*matching[i], &out);
  }
  absl::StrAppend(&out, "],\"next_cursor\":\"", end < matching.size() ? Cursor(end) : kEndCursor,
                  "\",\"limit\":", kPageSize, ",\"count\":", end > offset ? end - offset : 0, "}");
  return HttpReply::Json(200, std::move(out));
}

HttpReply PolymarketTrading::OneOrder(const HttpRequest& r, const Caller& c) {
  const std::string id =
      Lower(std::string_view(r.path).substr(std::string_view("/data/order/").size()));
  auto it = orders_.find(id);
  if (it == orders_.end() || it->second->signer != c.key->address) {
    return HttpReply::Json(200, "null");
  }
  std::string out;
  AppendOrderJson(*it->second, &out);
  return HttpReply::Json(200, std::move(out));
}

void PolymarketTrading::AppendTradeJson(const TradeRecord& t, std::string_view caller,
                                        std::string* out) const {
  const MarketEngine& e = exchange_.engine(t.market);
  const Trade& tr = t.trade;
  auto order_of = [this](const std::string& id) -> const OrderRecord* {
    auto it = orders_.find(id);
    return it == orders_.end() ? nullptr : it->second.get();
  };
  const OrderRecord* taker = t.taker_order.empty() ? nullptr : order_of(t.taker_order);
  const OrderRecord* maker = t.maker_order.empty() ? nullptr : order_of(t.maker_order);
  const bool is_taker = taker != nullptr && taker->signer == caller;
  const std::string fee_bps = absl::StrCat(e.config().fees.rate_micros / 100);
  const std::string time = IsoTime(t.match_time_s);
  JsonWriter w;
  w.BeginObject()
      .Key("id")
      .String(t.id)
      .Key("taker_order_id")
      .String(taker != nullptr ? taker->id : absl::StrCat(tr.taker_order_id))
      .Key("market")
      .String(e.config().condition_id)
      .Key("asset_id")
      .String(e.token(tr.taker_outcome))
      .Key("side")
      .String(tr.taker_side == Side::kBuy ? "BUY" : "SELL")
      .Key("size")
      .String(Fixed4(tr.size))
      .Key("fee_rate_bps")
      .String(fee_bps)
      .Key("price")
      .String(Fixed4(tr.taker_price))
      .Key("status")
      .String("CONFIRMED")
      .Key("match_time")
      .String(time)
      .Key("last_update")
      .String(time)
      .Key("outcome")
      .String(tr.taker_outcome == 0 ? "Yes" : "No")
      .Key("bucket_index")
      .Int(0)
      .Key("owner")
      .String(taker != nullptr ? taker->owner : "")
      .Key("maker_address")
      .String(taker != nullptr ? taker->maker : tr.taker_account)
      .Key("transaction_hash")
      .String(TxHash(t.id))
      .Key("maker_orders")
      .BeginArray()
      .BeginObject()
      .Key("asset_id")
      .String(e.token(tr.maker_outcome))
      .Key("fee_rate_bps")
      .String("0")
      .Key("maker_address")
      .String(maker != nullptr ? maker->maker : tr.maker_account)
      .Key("matched_amount")
      .String(Fixed4(tr.size))
      .Key("order_id")
      .String(maker != nullptr ? maker->id : absl::StrCat(tr.maker_order_id))
      .Key("outcome")
      .String(tr.maker_outcome == 0 ? "Yes" : "No")
      .Key("owner")
      .String(maker != nullptr ? maker->owner : "")
      .Key("price")
      .String(Fixed4(tr.maker_price))
      .Key("side")
      .String(maker != nullptr ? (maker->side == Side::kBuy ? "BUY" : "SELL") : "")
      .EndObject()
      .EndArray()
      .Key("trader_side")
      .String(is_taker ? "TAKER" : "MAKER")
      .EndObject();
  *out += w.str();
}

HttpReply PolymarketTrading::Trades(const HttpRequest& r, const Caller& c) {
  size_t offset = 0;
  if (!ParseCursor(r.Query("next_cursor"), &offset)) {
    return HttpReply::Error(400, "invalid next_cursor");
  }
  const std::string market = Lower(r.Query("market"));
  const std::string_view asset = r.Query("asset_id");
  const std::string_view id = r.Query("id");
  std::vector<const TradeRecord*> matching;
  if (auto it = trades_by_signer_.find(c.key->address); it != trades_by_signer_.end()) {
    for (size_t i : it->second) {
      const TradeRecord& t = trades_[i];
      const MarketEngine& e = exchange_.engine(t.market);
      if (!market.empty() && Lower(e.config().condition_id) != market) continue;
      if (!asset.empty() && e.token(t.trade.taker_outcome) != asset &&
          e.token(t.trade.maker_outcome) != asset) {
        continue;
      }
      if (!id.empty() && t.id != id) continue;
      matching.push_back(&t);
    }
  }
  std::string out = "{\"data\":[";
  const size_t end = std::min(matching.size(), offset + kPageSize);
  for (size_t i = offset; i < end; ++i) {
    if (i > offset) out += ',';
    AppendTradeJson(*matching[i], c.key->address, &out);
  }
  absl::StrAppend(&out, "],\"next_cursor\":\"", end < matching.size() ? Cursor(end) : kEndCursor,
                  "\",\"limit\":", kPageSize, ",\"count\":", end > offset ? end - offset : 0, "}");
  return HttpReply::Json(200, std::move(out));
}

HttpReply PolymarketTrading::BalanceAllowance(const HttpRequest& r, const Caller& c) {
  const std::string_view type = r.Query("asset_type");
  // The signer's own address; a proxy / Safe funder's balance is not reported here.
  const std::string& account = c.key->address;
  const Ledger& ledger = exchange_.ledger();
  int64_t balance = 0;
  if (type == "COLLATERAL") {
    balance = ledger.Cash(account).micros();
  } else if (type == "CONDITIONAL") {
    const std::string_view token = r.Query("token_id");
    if (exchange_.MarketOfToken(token) < 0) return HttpReply::Error(400, "Invalid token id");
    balance = ledger.Position(account, token).micros();
  } else {
    return HttpReply::Error(400, "Invalid asset type: expected COLLATERAL or CONDITIONAL");
  }
  if (r.path == "/balance-allowance/update") return HttpReply::Json(200, "\"\"");
  return HttpReply::Json(
      200, absl::StrCat("{\"balance\":\"", balance, "\",\"allowance\":\"", kAllowance, "\"}"));
}

HttpReply PolymarketTrading::Heartbeat(const HttpRequest& r, const Caller& c) {
  simdjson::padded_string body(r.body.empty() ? std::string("{}") : r.body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  object obj;
  if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    return HttpReply::Error(400, "Invalid payload: expected {\"heartbeat_id\": ...}");
  }
  std::string_view given;
  value field;
  if (obj.find_field_unordered("heartbeat_id").get(field) == simdjson::SUCCESS) {
    simdjson::ondemand::json_type type;
    if (field.type().get(type) != simdjson::SUCCESS ||
        (type != simdjson::ondemand::json_type::null &&
         field.get_string().get(given) != simdjson::SUCCESS)) {
      return HttpReply::Error(400, "Invalid payload: heartbeat_id must be a string or null");
    }
  }
  HeartbeatState& hb = heartbeats_[c.key->address];
  if (!given.empty() && hb.armed && given != hb.last_id) {
    return HttpReply::Error(400, "Invalid heartbeat id");
  }
  hb.armed = true;
  hb.last_ms = absl::ToUnixMillis(clock_.Now());
  const std::string seed = absl::StrCat("heartbeat|", c.key->address, "|", next_heartbeat_++);
  hb.last_id = Uuid(Hmac(options_.credential_secret, seed));
  return HttpReply::Json(200, absl::StrCat("{\"heartbeat_id\":\"", hb.last_id, "\"}"));
}

void PolymarketTrading::Tick(int64_t now_ms) {
  for (auto& [address, hb] : heartbeats_) {
    if (!hb.armed || now_ms - hb.last_ms <= options_.heartbeat_timeout_ms) continue;
    hb.armed = false;
    hb.last_id.clear();
    for (const OrderRecord* o : LiveOrdersOf(address)) {
      // A failure means the order ended in the meantime; nothing to cancel then.
      (void)exchange_.engine(o->market).Cancel(o->maker, o->engine_id);
    }
  }
}

// ---- Listeners and the user channel -----------------------------------------------------

std::string PolymarketTrading::OrderEvent(const OrderRecord& o, std::string_view type) const {
  const MarketEngine& e = exchange_.engine(o.market);
  JsonWriter w;
  w.BeginObject()
      .Key("event_type")
      .String("order")
      .Key("type")
      .String(type)
      .Key("id")
      .String(o.id)
      .Key("asset_id")
      .String(e.token(o.outcome))
      .Key("market")
      .String(e.config().condition_id)
      .Key("owner")
      .String(o.owner)
      .Key("order_owner")
      .String(o.owner)
      .Key("maker_address")
      .String(o.maker)
      .Key("side")
      .String(o.side == Side::kBuy ? "BUY" : "SELL")
      .Key("price")
      .String(o.price.ToString())
      .Key("original_size")
      .String(o.size.ToString())
      .Key("size_matched")
      .String(o.filled.ToString())
      .Key("outcome")
      .String(o.outcome == 0 ? "Yes" : "No")
      .Key("order_type")
      .String(o.order_type)
      .Key("status")
      .String(o.state == OrderState::kLive     ? (o.filled > Quantity() ? "MATCHED" : "LIVE")
              : o.state == OrderState::kFilled ? "MATCHED"
                                               : "CANCELED")
      .Key("expiration")
      .String(absl::StrCat(o.expiration))
      .Key("associate_trades")
      .BeginArray();
  for (const std::string& t : o.trade_ids) w.String(t);
  w.EndArray()
      .Key("created_at")
      .String(absl::StrCat(o.created_s))
      .Key("timestamp")
      .String(absl::StrCat(absl::ToUnixMillis(clock_.Now())))
      .EndObject();
  return w.str();
}

void PolymarketTrading::Emit(const OrderRecord& o, std::string frame) {
  if (!sink_) return;
  if (pending_ != nullptr) {
    pending_frames_.emplace_back(&o, std::move(frame));
    return;
  }
  sink_(o.signer, exchange_.engine(o.market).config().condition_id, std::move(frame));
}

void PolymarketTrading::OnTrade(const MarketEngine& engine, const Trade& trade) {
  OrderRecord* taker = nullptr;
  OrderRecord* maker = nullptr;
  if (pending_ != nullptr && &exchange_.engine(pending_->market) == &engine) {
    // The taker of a trade during our own Place is the order being placed.
    if (!by_engine_id_.contains(trade.taker_order_id)) {
      pending_->engine_id = trade.taker_order_id;
      by_engine_id_[trade.taker_order_id] = pending_;
    }
  }
  if (auto it = by_engine_id_.find(trade.taker_order_id); it != by_engine_id_.end()) {
    taker = it->second;
  }
  if (auto it = by_engine_id_.find(trade.maker_order_id); it != by_engine_id_.end()) {
    maker = it->second;
  }
  if (taker == nullptr && maker == nullptr) return;
  TradeRecord t;
  t.id = absl::StrCat("sim-trade-", trade.trade_id);
  t.trade = trade;
  t.match_time_s = NowS();
  t.market = taker != nullptr ? taker->market : maker->market;
  if (taker != nullptr) {
    t.taker_order = taker->id;
    taker->filled = taker->filled + trade.size;
    taker->cash = taker->cash + trade.taker_cash;
    taker->trade_ids.push_back(t.id);
  }
  if (maker != nullptr) {
    t.maker_order = maker->id;
    maker->filled = maker->filled + trade.size;
    maker->cash = maker->cash + trade.maker_cash;
    maker->trade_ids.push_back(t.id);
  }
  trades_.push_back(t);
  const size_t index = trades_.size() - 1;
  if (taker != nullptr) trades_by_signer_[taker->signer].push_back(index);
  if (maker != nullptr && (taker == nullptr || maker->signer != taker->signer)) {
    trades_by_signer_[maker->signer].push_back(index);
  }
  if (!sink_) return;
  for (OrderRecord* o : {taker, maker}) {
    if (o == nullptr) continue;
    std::string frame;
    AppendTradeJson(t, o->signer, &frame);
    // The REST trade object plus the stream's event_type, status MATCHED.
    frame.pop_back();
    std::string::size_type pos = frame.find("\"status\":\"CONFIRMED\"");
    if (pos != std::string::npos) frame.replace(pos, 20, "\"status\":\"MATCHED\"");
    frame += ",\"event_type\":\"trade\",\"type\":\"TRADE\",\"timestamp\":\"";
    absl::StrAppend(&frame, absl::ToUnixMillis(clock_.Now()), "\"}");
    Emit(*o, std::move(frame));
    if (o == maker) Emit(*o, OrderEvent(*o, "UPDATE"));
  }
}

void PolymarketTrading::OnOrderDone(const MarketEngine&, const Order& order) {
  auto it = by_engine_id_.find(order.id);
  if (it == by_engine_id_.end()) return;
  OrderRecord& o = *it->second;
  o.state = order.state;
  o.filled = order.filled;
  if (order.state != OrderState::kFilled) Emit(o, OrderEvent(o, "CANCELLATION"));
}

}  // namespace arbor::sim
