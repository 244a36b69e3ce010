// File: arbor/feed/catalog_loader.h
//
// LoadCatalog: builds the market universe a feed shard filters and shards (issue 4 item 1) from
// the venues' catalog APIs — Gamma `/events` then `/markets` (paged by offset until a short
// page) for Polymarket, and Kalshi `GET /markets` (cursor-paged) for Kalshi. Events come first
// so markets that belong to an event get the event's id, tags and NegRisk grouping; a market
// seen in `/markets` whose tokens are already known from an event is not re-added.
//
// Fees: every Polymarket instrument carries its Gamma market's `feesEnabled` / `feeSchedule`
// (Instrument::fees_enabled / fee_schedule; enabled without a schedule stays unknown). Kalshi
// instruments' fee model is unknown: GET /markets has no fee fields (they are the series'), and
// the loader reads no series.
//
// A venue whose client is null is skipped. Individual malformed catalog records are skipped and
// counted (CatalogStats); a failing request fails the load (the caller keeps its old universe).
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "arbor/feed/universe.h"
#include "arbor/venue/kalshi/rest_client.h"
#include "arbor/venue/polymarket/public_client.h"

namespace arbor::feed {

struct CatalogOptions {
  size_t gamma_page_size = 500;  // Gamma's documented maximum page
  size_t max_pages = 1000;       // per listing; more is an error (a paging loop)
  int kalshi_page_size = 1000;
  // Kalshi `status` filter for GET /markets ("open" = tradable now; empty = every market).
  std::string kalshi_status = "open";
};

struct CatalogStats {
  size_t gamma_events = 0;
  size_t gamma_markets = 0;
  size_t kalshi_markets = 0;
  size_t skipped_records = 0;  // records the universe refused (logged, not fatal)
  size_t requests = 0;
};

struct Catalog {
  Universe universe;
  CatalogStats stats;
};

[[nodiscard]] absl::StatusOr<Catalog> LoadCatalog(venue::polymarket::PublicClient* polymarket,
                                                  const venue::kalshi::RestClient* kalshi,
                                                  const CatalogOptions& options = {});

}  // namespace arbor::feed
