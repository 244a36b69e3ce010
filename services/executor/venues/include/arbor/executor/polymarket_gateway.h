// File: arbor/executor/polymarket_gateway.h
//
// PolymarketGateway: the executor's VenueGateway for Polymarket's CLOB in `live` and `sim` mode,
// over venue::polymarket::TradingClient (L2-authenticated REST) and OrderSigner (EIP-712 V2
// orders). Every order is a deterministic function of its OrderRequest:
//
//   salt       = keccak256(client_order_id)[0..8) big-endian, masked to 53 bits
//   timestamp  = request.created_unix_ms            expiration = 0 (no GTD)
//   amounts    = LimitOrderAmounts(side, price, size, tick)  (every TIF; exact micros)
//
// so the order hash, which is the venue's order id, is recomputed from the persisted request
// after a crash (OrderId()), and resending the same request can never create a second order
// (the venue refuses a duplicate hash; Place then reports the existing order).
//
//   ARBOR_ASSIGN_OR_RETURN(auto gw, PolymarketGateway::Create(http, &clock, std::move(config)));
//   std::vector<exec::VenueOrderReport> reports = gw->Place(legs);   // one POST /orders
//
// Secrets (the wallet key and the L2 API credentials) arrive in the config; they are handed to
// the signer / trading client, the config's copies are cleansed, and they are never logged or
// put in a Status or a report. The gateway keeps one copy of the installed L2 credentials for
// the user channel (credentials(), PolymarketUserStream), cleansed when it is destroyed.
//
// Thread-safe: every method may be called concurrently (the only mutable state is the NegRisk
// flag cache, behind its own mutex).
//
// Exchange: an order is signed for the NegRisk exchange exactly when the venue says its token is
// NegRisk (GET /neg-risk, cached per token), whatever OrderRequest::neg_risk says: a binary-lane
// bundle on one outcome of a NegRisk event must go to the NegRisk exchange too, or the venue
// answers "invalid signature". Likewise the tick: a price off the request's tick (the engine
// assumes 0.01) is checked against the venue's tick for the token (GET /tick-size, cached).
// Blocking: network I/O; call from executor I/O threads, never from a hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/net/http_client.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/public_client.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "arbor/venue/polymarket/trading_client.h"

namespace arbor::executor {

// PolymarketOrderFills
//
// The fills of order `order_id` (compared case-insensitively) among `trades`: its taker leg
// (trade price / size, maker = false) and its maker_orders leg (that leg's price /
// matched_amount, maker = true), at most once per trade id and role; FAILED trades are skipped.
// Fees are the taker-fee formula on each leg's fee_rate_bps with `fee_exponent` (0 without a
// rate), rounded up. PolymarketGateway's REST reports and PolymarketUserStream's pushed fills are
// both built here, so one match yields the same VenueFill (trade id, price, size, fee, maker flag,
// time) either way and the engine's de-duplication by (trade id, order) holds.
std::vector<exec::VenueFill> PolymarketOrderFills(
    std::string_view order_id, absl::Span<const venue::polymarket::TradeEvent> trades,
    int fee_exponent);

struct PolymarketGatewayConfig {
  net::Origin clob;
  // Secret: the wallet key as 64 hex digits (a key file's content; "0x" and whitespace allowed).
  std::string private_key_hex;
  // Secret: L2 API credentials. Empty api_key: created or derived with L1 auth (api_key_nonce).
  venue::polymarket::ApiCredentials api_credentials;
  uint64_t api_key_nonce = 0;
  uint64_t chain_id = venue::polymarket::kPolygonChainId;
  int exchange_version = 2;  // GET /version; selects the EIP-712 domain
  venue::polymarket::SignatureType signature_type = venue::polymarket::SignatureType::kEoa;
  // The maker for signature types 1-3 (proxy, Safe, deposit wallet), "0x" + 40 hex; must be
  // empty for kEoa (maker = signer = the key's address).
  std::string funder_address;
  // The exponent of the fee formula C * rate * (p(1-p))^exponent. Trade rows carry only the rate
  // (fee_rate_bps), so the exponent is configured (1 on every live schedule seen so far).
  int fee_exponent = 1;
  // Trades are listed from the order's timestamp minus this margin (venue clock skew).
  absl::Duration trade_lookback = absl::Minutes(10);
  // Paging safety stop for open orders / trades.
  size_t max_pages = 1000;
};

class PolymarketGateway final : public exec::VenueGateway {
 public:
  // Create
  //
  // Parses the key, builds the exchange domains and installs the API credentials (creating or
  // deriving them over the network when config.api_credentials.api_key is empty). `http` and
  // `clock` must outlive the gateway. Errors: InvalidArgument for a bad key, funder address,
  // signature type / funder combination, chain or exchange version, or fee exponent (messages
  // never contain key material); the TradingClient's errors when credentials cannot be created.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PolymarketGateway>> Create(
      net::HttpClient* http, const Clock* clock, PolymarketGatewayConfig config);

  PolymarketGateway(const PolymarketGateway&) = delete;
  PolymarketGateway& operator=(const PolymarketGateway&) = delete;
  ~PolymarketGateway() override;

  Venue venue() const override { return Venue::kPolymarket; }

  // Place
  //
  // Signs every request and sends them in POST /orders batches of at most 15 (one request for
  // up to 15 legs). Per leg: kOpen (resting, possibly partly filled), kFilled, kCanceled (FAK /
  // FOK remainder killed, possibly with fills), kRejected (the venue refused it, or it was not
  // sent because the request is invalid: reason starts with "not sent: "), kUnknown (5xx,
  // timeout or drop after send: reconcile with Query, never resend). A leg the venue refuses as
  // a duplicate hash is the same order sent before: its Query report is returned. Fills of
  // matched legs are read from GET /data/trades.
  std::vector<exec::VenueOrderReport> Place(absl::Span<const exec::OrderRequest> orders) override;

  // Cancel
  //
  // DELETE /order for `venue_order_id`, or the recomputed hash when it is empty; then the
  // order's state: kCanceled (with any fills), kFilled, kOpen (the venue refused or throttled
  // the cancel; `reason` / `retry_after` say why), kNotFound, or kUnknown.
  exec::VenueOrderReport Cancel(const exec::OrderRequest& order,
                                std::string_view venue_order_id) override;

  // Query
  //
  // GET /data/order/{id} (id = venue_order_id, or the hash recomputed from `order`) plus our
  // trades on that order. The real venue answers /data/order only for active orders: a finished
  // order is then recognised by its trades (kFilled when fully filled, else kCanceled), and a
  // finished order without any trade is indistinguishable from one never sent (kNotFound; it is
  // not live either way). Errors: Unavailable (transport, 5xx, timeout), ResourceExhausted (429),
  // Unauthenticated.
  [[nodiscard]] absl::StatusOr<exec::VenueOrderReport> Query(
      const exec::OrderRequest& order, std::string_view venue_order_id) override;

  // OpenOrders
  //
  // GET /data/orders (every page) with each order's fills. client_order_id is empty: the venue
  // does not know our ids. Errors: as Query.
  [[nodiscard]] absl::StatusOr<std::vector<exec::VenueOrderReport>> OpenOrders() override;

  // Balance
  //
  // total = the collateral (pUSD) balance; available = total minus what open BUY orders commit
  // (price x unfilled size, rounded up; fees not included). Errors: as Query; InvalidArgument
  // for a balance the venue sends in an unrecognised form.
  [[nodiscard]] absl::StatusOr<exec::CashBalance> Balance() override;
  // GET /balance-allowance?asset_type=CONDITIONAL&token_id=… (the signer's token balance).
  [[nodiscard]] absl::StatusOr<int64_t> PositionOf(std::string_view symbol) override;

  // OrderId
  //
  // The venue order id ("0x" + 64 lower-case hex EIP-712 digest) the request is placed under.
  // Errors: InvalidArgument when the request cannot be signed (see Place's "not sent" cases).
  [[nodiscard]] absl::StatusOr<std::string> OrderId(const exec::OrderRequest& order) const;

  // The deterministic salt of an order with this client_order_id (< 2^53, so it survives any
  // JSON parser that reads numbers as doubles).
  static uint64_t SaltFor(std::string_view client_order_id);

  // The signer's address (EIP-55), e.g. for ground-truth lookups in tests.
  const std::string& address() const { return key_->address_checksummed(); }
  // The orders' maker address (EIP-55): the signer for kEoa / kPoly1271 (the deposit wallet),
  // the funder for proxy / Safe signatures. The venue's trade rows carry it as `maker_address`.
  std::string maker_address() const;
  // The fee exponent the fills are computed with (config.fee_exponent).
  int fee_exponent() const { return config_.fee_exponent; }
  // Secret: the L2 API credentials the gateway installed (given in the config, or created /
  // derived), for authenticating the user channel (PolymarketUserStream). Never log them.
  const venue::polymarket::ApiCredentials& credentials() const { return credentials_; }

 private:
  struct Built;
  struct Fills;

  PolymarketGateway(const Clock* clock, PolymarketGatewayConfig config,
                    std::unique_ptr<venue::polymarket::Secp256k1Signer> key);

  absl::StatusOr<Built> Build(const exec::OrderRequest& order) const;
  // Our fills on `order_id` among `trades` (taker and maker legs; failed trades skipped).
  Fills FillsOf(std::string_view order_id,
                absl::Span<const venue::polymarket::TradeEvent> trades) const;
  // GET /data/trades from `since_unix_ms` - lookback (0 = everything), optionally one market.
  absl::StatusOr<std::vector<venue::polymarket::TradeEvent>> Trades(int64_t since_unix_ms,
                                                                    std::string_view market);
  // The report for order `id` of `shares` shares given its row (if the venue still lists it)
  // and our fills on it.
  exec::VenueOrderReport Report(std::string_view client_order_id, std::string_view id,
                                int64_t shares, const venue::polymarket::OrderEvent* row,
                                Fills fills) const;
  // Query with an optional known id, for reuse by Place / Cancel.
  absl::StatusOr<exec::VenueOrderReport> QueryId(const exec::OrderRequest& order,
                                                 std::string_view id);

  const Clock* clock_;
  PolymarketGatewayConfig config_;  // secrets cleared in Create
  std::unique_ptr<venue::polymarket::Secp256k1Signer> key_;
  venue::polymarket::Address maker_{};
  venue::polymarket::Address signer_{};
  venue::polymarket::ExchangeDomain domain_{};
  venue::polymarket::ExchangeDomain neg_risk_domain_{};
  std::unique_ptr<venue::polymarket::TradingClient> client_;
  venue::polymarket::ApiCredentials credentials_;  // secret; cleansed by the destructor
  // The venue's NegRisk flag per token (GET /neg-risk), which selects the exchange an order is
  // signed for; a token's flag never changes, so it is asked once.
  absl::StatusOr<bool> NegRiskOf(const std::string& token_id) const;
  // The venue's tick for a token (GET /tick-size), asked when `price_micros` is not on the
  // request's tick (the engine assumes 0.01) and cached; asked again when a price is not on the
  // cached tick either (the venue makes a token's tick finer near 0 and 1).
  absl::StatusOr<int64_t> VenueTickMicros(const std::string& token_id, int64_t price_micros) const;
  std::unique_ptr<venue::polymarket::PublicClient> public_;
  mutable absl::Mutex venue_facts_mu_;
  mutable absl::flat_hash_map<std::string, bool> neg_risk_ ABSL_GUARDED_BY(venue_facts_mu_);
  mutable absl::flat_hash_map<std::string, int64_t> tick_ ABSL_GUARDED_BY(venue_facts_mu_);
};

}  // namespace arbor::executor
