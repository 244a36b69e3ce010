#include "arbor/feed/catalog_loader.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/log.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::feed {
namespace {

absl::Status LoadPolymarket(venue::polymarket::PublicClient* client, const CatalogOptions& options,
                            Catalog* out) {
  for (size_t page = 0;; ++page) {
    if (page >= options.max_pages) {
      return absl::OutOfRangeError(
          absl::StrCat("Gamma /events did not end after ", options.max_pages, " pages"));
    }
    ++out->stats.requests;
    ARBOR_ASSIGN_OR_RETURN(
        std::vector<venue::polymarket::GammaEvent> events,
        client->GetGammaEvents(page * options.gamma_page_size, options.gamma_page_size));
    for (const auto& event : events) {
      ++out->stats.gamma_events;
      if (absl::StatusOr<int> added = out->universe.AddGammaEvent(event); !added.ok()) {
        ++out->stats.skipped_records;
        ARBOR_LOG(kWarning, "catalog", "skipped Gamma event")
            .Field("event", event.id)
            .Field("error", FromAbsl(added.status().message()));
      }
    }
    if (events.size() < options.gamma_page_size) break;
  }
  for (size_t page = 0;; ++page) {
    if (page >= options.max_pages) {
      return absl::OutOfRangeError(
          absl::StrCat("Gamma /markets did not end after ", options.max_pages, " pages"));
    }
    ++out->stats.requests;
    ARBOR_ASSIGN_OR_RETURN(
        std::vector<venue::polymarket::GammaMarket> markets,
        client->GetGammaMarkets(page * options.gamma_page_size, options.gamma_page_size));
    for (const auto& market : markets) {
      ++out->stats.gamma_markets;
      // Known from its event already: the event's context (tags, NegRisk id) is richer.
      if (!market.clob_token_ids.empty() &&
          out->universe.Find(Venue::kPolymarket, market.clob_token_ids.front()) != nullptr) {
        continue;
      }
      if (absl::StatusOr<int> added = out->universe.AddGammaMarket(market, {}); !added.ok()) {
        ++out->stats.skipped_records;
        ARBOR_LOG(kWarning, "catalog", "skipped Gamma market")
            .Field("market", market.id)
            .Field("error", FromAbsl(added.status().message()));
      }
    }
    if (markets.size() < options.gamma_page_size) break;
  }
  return absl::OkStatus();
}

absl::Status LoadKalshi(const venue::kalshi::RestClient* client, const CatalogOptions& options,
                        Catalog* out) {
  venue::kalshi::MarketsQuery query;
  query.status = options.kalshi_status;
  query.limit = options.kalshi_page_size;
  ++out->stats.requests;
  ARBOR_ASSIGN_OR_RETURN(std::vector<venue::kalshi::RestMarket> markets,
                         client->GetAllMarkets(query));
  for (const auto& market : markets) {
    ++out->stats.kalshi_markets;
    if (absl::Status added = out->universe.AddKalshiMarket(market, ""); !added.ok()) {
      ++out->stats.skipped_records;
      ARBOR_LOG(kWarning, "catalog", "skipped Kalshi market")
          .Field("ticker", market.ticker)
          .Field("error", FromAbsl(added.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Catalog> LoadCatalog(venue::polymarket::PublicClient* polymarket,
                                    const venue::kalshi::RestClient* kalshi,
                                    const CatalogOptions& options) {
  if (options.gamma_page_size == 0 || options.max_pages == 0) {
    return absl::InvalidArgumentError("catalog page size and max_pages must be positive");
  }
  Catalog catalog;
  if (polymarket != nullptr) ARBOR_RETURN_IF_ERROR(LoadPolymarket(polymarket, options, &catalog));
  if (kalshi != nullptr) ARBOR_RETURN_IF_ERROR(LoadKalshi(kalshi, options, &catalog));
  return catalog;
}

}  // namespace arbor::feed
