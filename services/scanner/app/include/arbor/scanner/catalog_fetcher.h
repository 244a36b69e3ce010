// File: arbor/scanner/catalog_fetcher.h
//
// FetchCatalog: the scanner's market catalog, read from every feed shard's FeedShard.ListMarkets
// (each shard lists the markets it serves, with their instruments, fee schedules, grids and
// events). The union over shards is the catalog the lanes run on.
//
//   absl::StatusOr<FetchedCatalog> c = FetchCatalog(stubs, absl::Seconds(10));
//   if (c.ok()) engine.ReplaceCatalog(c->markets, c->events);
//
// All-or-nothing: if any shard fails, the error names it and nothing is returned (a partial
// catalog would silently stop the lanes evaluating a shard's markets).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/v1/feed_service.grpc.pb.h"

namespace arbor::scanner {

struct FetchedCatalog {
  std::vector<arbor::v1::Market> markets;  // unique by (venue, market_id)
  std::vector<arbor::v1::Event> events;    // unique by (venue, event_id)
  size_t pages = 0;
};

// One entry per shard: its stub and address (for error messages).
struct ShardStub {
  std::string address;
  arbor::v1::FeedShard::StubInterface* stub = nullptr;
};

// FetchCatalog
//
// Pages through ListMarkets (page_size 5000, open markets only) on every shard, each call with
// `rpc_deadline`. Errors: the first failing call's status, prefixed with the shard address.
[[nodiscard]] absl::StatusOr<FetchedCatalog> FetchCatalog(const std::vector<ShardStub>& shards,
                                                          absl::Duration rpc_deadline);

}  // namespace arbor::scanner
