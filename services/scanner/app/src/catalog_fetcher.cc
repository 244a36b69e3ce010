#include "arbor/scanner/catalog_fetcher.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace arbor::scanner {

absl::StatusOr<FetchedCatalog> FetchCatalog(const std::vector<ShardStub>& shards,
                                            absl::Duration rpc_deadline) {
  FetchedCatalog out;
  absl::flat_hash_set<std::string> markets;
  absl::flat_hash_set<std::string> events;
  for (const ShardStub& shard : shards) {
    std::string token;
    // A shard never has more than a few hundred pages; the bound stops a server that keeps
    // returning the same token from looping us forever.
    for (int page = 0; page < 10'000; ++page) {
      arbor::v1::ListMarketsRequest request;
      request.set_page_size(5'000);
      request.set_page_token(token);
      arbor::v1::ListMarketsResponse response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoNanoseconds(rpc_deadline));
      grpc::Status s = shard.stub->ListMarkets(&context, request, &response);
      if (!s.ok()) {
        return absl::UnavailableError(absl::StrCat("ListMarkets on ", shard.address, ": ",
                                                   s.error_message(), " (code ",
                                                   static_cast<int>(s.error_code()), ")"));
      }
      ++out.pages;
      for (arbor::v1::Market& m : *response.mutable_markets()) {
        if (markets.insert(absl::StrCat(m.venue(), ":", m.market_id())).second) {
          out.markets.push_back(std::move(m));
        }
      }
      for (arbor::v1::Event& e : *response.mutable_events()) {
        if (events.insert(absl::StrCat(e.venue(), ":", e.event_id())).second) {
          out.events.push_back(std::move(e));
        }
      }
      if (response.next_page_token().empty()) break;
      if (response.next_page_token() == token) {
        return absl::DataLossError(
            absl::StrCat("ListMarkets on ", shard.address, " repeated page token ", token));
      }
      token = response.next_page_token();
    }
  }
  return out;
}

}  // namespace arbor::scanner
