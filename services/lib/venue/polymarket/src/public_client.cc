#include "arbor/venue/polymarket/public_client.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/json_writer.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/net/rate_governor.h"
#include "simdjson.h"

namespace arbor::venue::polymarket {
namespace {

// Token ids are decimal, so they need no escaping in a query string; anything else is refused
// rather than sent.
absl::Status CheckTokenId(std::string_view token_id) {
  if (token_id.empty() || token_id.find_first_not_of("0123456789") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("token id must be a decimal string, got \"", Abbreviate(token_id), "\""));
  }
  return absl::OkStatus();
}

}  // namespace

PublicClient::PublicClient(net::HttpClient* http, net::Origin clob, net::Origin gamma,
                           const Clock* clock)
    : http_(http),
      clock_(clock != nullptr ? clock : &SystemClock::Get()),
      clob_(std::move(clob)),
      gamma_(std::move(gamma)) {}

absl::StatusOr<std::string> PublicClient::Call(const net::Origin& origin, std::string method,
                                               std::string target, std::string body) {
  net::HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = std::move(body);
  }
  ARBOR_ASSIGN_OR_RETURN(net::HttpResponse res, http_->Send(origin, req));
  if (res.status >= 200 && res.status < 300) return std::move(res.body);
  absl::Status status = net::StatusFromHttp(res.status, res.body);
  if (res.status == 429 && status.code() == absl::StatusCode::kResourceExhausted) {
    // Keep the venue's Retry-After so the caller waits as long as asked (an unparsable value is
    // dropped: the caller then falls back on its own backoff).
    if (std::optional<int64_t> seconds =
            ParseRetryAfterSeconds(res.Header("Retry-After"), clock_->Now())) {
      SetRetryAfterSeconds(status, *seconds);
    }
  }
  return status;
}

absl::StatusOr<BookSummary> PublicClient::GetBook(std::string_view token_id) {
  ARBOR_RETURN_IF_ERROR(CheckTokenId(token_id));
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call(clob_, "GET", absl::StrCat("/book?token_id=", ToAbsl(token_id))));
  return ParseBookSummary(body);
}

absl::StatusOr<std::vector<BookSummary>> PublicClient::GetBooks(
    absl::Span<const std::string> token_ids, size_t batch) {
  if (batch == 0) return absl::InvalidArgumentError("batch must be > 0");
  std::vector<BookSummary> out;
  for (size_t start = 0; start < token_ids.size(); start += batch) {
    JsonWriter w;
    w.BeginArray();
    for (size_t i = start; i < token_ids.size() && i < start + batch; ++i) {
      ARBOR_RETURN_IF_ERROR(CheckTokenId(token_ids[i]));
      w.BeginObject().Key("token_id").String(token_ids[i]).EndObject();
    }
    w.EndArray();
    ARBOR_ASSIGN_OR_RETURN(std::string body, Call(clob_, "POST", "/books", w.Take()));
    ARBOR_ASSIGN_OR_RETURN(std::vector<BookSummary> page, ParseBookSummaries(body));
    for (BookSummary& b : page) out.push_back(std::move(b));
  }
  return out;
}

absl::StatusOr<Price> PublicClient::GetTickSize(std::string_view token_id) {
  ARBOR_RETURN_IF_ERROR(CheckTokenId(token_id));
  ARBOR_ASSIGN_OR_RETURN(
      std::string body, Call(clob_, "GET", absl::StrCat("/tick-size?token_id=", ToAbsl(token_id))));
  return ParseTickSizeResponse(body);
}

absl::StatusOr<bool> PublicClient::GetNegRisk(std::string_view token_id) {
  ARBOR_RETURN_IF_ERROR(CheckTokenId(token_id));
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call(clob_, "GET", absl::StrCat("/neg-risk?token_id=", ToAbsl(token_id))));
  return ParseNegRiskResponse(body);
}

absl::StatusOr<int> PublicClient::GetVersion() {
  ARBOR_ASSIGN_OR_RETURN(std::string body, Call(clob_, "GET", "/version"));
  simdjson::padded_string padded(body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  int64_t version = 0;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc["version"].get_int64().get(version) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("GET /version: expected {\"version\": <int>}, got ", Abbreviate(body)));
  }
  if (version != 2 && version != 3) {
    return absl::FailedPreconditionError(
        absl::StrCat("GET /version: unsupported CLOB order version ", version));
  }
  return static_cast<int>(version);
}

absl::StatusOr<int64_t> PublicClient::GetFeeRate(std::string_view token_id) {
  ARBOR_RETURN_IF_ERROR(CheckTokenId(token_id));
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call(clob_, "GET", absl::StrCat("/fee-rate?token_id=", ToAbsl(token_id))));
  return ParseFeeRateResponse(body);
}

absl::StatusOr<ClobMarket> PublicClient::GetClobMarket(std::string_view condition_id) {
  if (condition_id.size() < 3 || condition_id.substr(0, 2) != "0x" ||
      condition_id.find_first_not_of("0123456789abcdefABCDEF", 2) != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("condition id must be 0x-hex, got \"", Abbreviate(condition_id), "\""));
  }
  ARBOR_ASSIGN_OR_RETURN(std::string body,
                         Call(clob_, "GET", absl::StrCat("/markets/", ToAbsl(condition_id))));
  return ParseClobMarket(body);
}

absl::StatusOr<ClobMarketsPage> PublicClient::GetMarketsPage(std::string_view cursor) {
  // Cursors are base64: only '+', '/' and '=' need escaping in a query.
  std::string target = "/markets?next_cursor=";
  for (const char c : cursor) {
    if (c == '=') {
      target += "%3D";
    } else if (c == '+') {
      target += "%2B";
    } else if (c == '/') {
      target += "%2F";
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_') {
      target += c;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("cursor must be base64, got \"", Abbreviate(cursor), "\""));
    }
  }
  ARBOR_ASSIGN_OR_RETURN(std::string body, Call(clob_, "GET", std::move(target)));
  return ParseClobMarketsPage(body);
}

absl::StatusOr<std::vector<GammaMarket>> PublicClient::GetGammaMarkets(size_t offset,
                                                                       size_t limit) {
  ARBOR_ASSIGN_OR_RETURN(
      std::string body,
      Call(gamma_, "GET", absl::StrCat("/markets?limit=", limit, "&offset=", offset)));
  return ParseGammaMarkets(body);
}

absl::StatusOr<std::vector<GammaMarket>> PublicClient::GetAllGammaMarkets(size_t page_size,
                                                                          size_t max_pages) {
  if (page_size == 0) return absl::InvalidArgumentError("page_size must be > 0");
  std::vector<GammaMarket> out;
  for (size_t page = 0; page < max_pages; ++page) {
    ARBOR_ASSIGN_OR_RETURN(std::vector<GammaMarket> markets,
                           GetGammaMarkets(page * page_size, page_size));
    const size_t got = markets.size();
    for (GammaMarket& m : markets) out.push_back(std::move(m));
    if (got < page_size) return out;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("Gamma paging stopped after ", max_pages, " pages of ", page_size));
}

absl::StatusOr<std::vector<GammaEvent>> PublicClient::GetGammaEvents(size_t offset, size_t limit) {
  ARBOR_ASSIGN_OR_RETURN(
      std::string body,
      Call(gamma_, "GET", absl::StrCat("/events?limit=", limit, "&offset=", offset)));
  return ParseGammaEvents(body);
}

}  // namespace arbor::venue::polymarket
