// Contract tests for the arbor.v1 gRPC/protobuf API (proto/arbor/v1).
//
// Round-trips representative hot-path messages through the wire format and checks the API's
// conventions mechanically with the descriptor API, so a future edit that breaks them fails CI:
//   * every `*_micros` field is int64 (fixed point, never double);
//   * no float/double anywhere under Order, Fill, Position, Balance, OpportunityLeg, PriceLevel;
//   * doubles exist only on an explicit allow-list of model outputs;
//   * every `*_nanos` field is int64; every enum's zero value is `<ENUM>_UNSPECIFIED`;
//   * the services expose the documented RPCs with the documented streaming shape.

#include <set>
#include <string>
#include <vector>

#include "arbor/v1/book.pb.h"
#include "arbor/v1/common.pb.h"
#include "arbor/v1/control.pb.h"
#include "arbor/v1/control_service.grpc.pb.h"
#include "arbor/v1/control_service.pb.h"
#include "arbor/v1/execution.pb.h"
#include "arbor/v1/executor_service.grpc.pb.h"
#include "arbor/v1/executor_service.pb.h"
#include "arbor/v1/feed_service.grpc.pb.h"
#include "arbor/v1/feed_service.pb.h"
#include "arbor/v1/market.pb.h"
#include "arbor/v1/opportunity.pb.h"
#include "arbor/v1/scanner_service.grpc.pb.h"
#include "arbor/v1/scanner_service.pb.h"
#include "gtest/gtest.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

constexpr char kPackage[] = "arbor.v1";

// One message per .proto file. Taking each descriptor also forces the linker to keep every
// generated translation unit, so the generated pool knows all files.
std::vector<const FileDescriptor*> AllApiFiles() {
  return {
      arbor::v1::InstrumentId::descriptor()->file(),
      arbor::v1::Market::descriptor()->file(),
      arbor::v1::BookSnapshot::descriptor()->file(),
      arbor::v1::Opportunity::descriptor()->file(),
      arbor::v1::Order::descriptor()->file(),
      arbor::v1::PolicyLimits::descriptor()->file(),
      arbor::v1::StreamBooksRequest::descriptor()->file(),
      arbor::v1::StreamOpportunitiesRequest::descriptor()->file(),
      arbor::v1::SubmitOpportunityRequest::descriptor()->file(),
      arbor::v1::ApplyPolicyLimitsRequest::descriptor()->file(),
  };
}

void CollectMessages(const Descriptor* d, std::vector<const Descriptor*>* out) {
  out->push_back(d);
  for (int i = 0; i < d->nested_type_count(); ++i) CollectMessages(d->nested_type(i), out);
}

std::vector<const Descriptor*> AllApiMessages() {
  std::vector<const Descriptor*> out;
  for (const FileDescriptor* f : AllApiFiles()) {
    for (int i = 0; i < f->message_type_count(); ++i) CollectMessages(f->message_type(i), &out);
  }
  return out;
}

std::vector<const EnumDescriptor*> AllApiEnums() {
  std::vector<const EnumDescriptor*> out;
  for (const FileDescriptor* f : AllApiFiles()) {
    for (int i = 0; i < f->enum_type_count(); ++i) out.push_back(f->enum_type(i));
  }
  for (const Descriptor* d : AllApiMessages()) {
    for (int i = 0; i < d->enum_type_count(); ++i) out.push_back(d->enum_type(i));
  }
  return out;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsFloatingPoint(const FieldDescriptor* f) {
  return f->type() == FieldDescriptor::TYPE_DOUBLE || f->type() == FieldDescriptor::TYPE_FLOAT;
}

// Appends the full names of float/double fields reachable from `d` (through message-typed fields).
void FindFloatingPoint(const Descriptor* d, std::set<const Descriptor*>* seen,
                       std::vector<std::string>* out) {
  if (!seen->insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (IsFloatingPoint(f)) out->push_back(f->full_name());
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) FindFloatingPoint(f->message_type(), seen, out);
  }
}

arbor::v1::InstrumentId MakeInstrument(arbor::v1::Venue venue, const std::string& symbol) {
  arbor::v1::InstrumentId id;
  id.set_venue(venue);
  id.set_symbol(symbol);
  return id;
}

TEST(ApiContractTest, AllFilesAreInPackageAndRegistered) {
  const std::vector<const FileDescriptor*> files = AllApiFiles();
  ASSERT_EQ(files.size(), 10u);
  std::set<std::string> names;
  for (const FileDescriptor* f : files) {
    EXPECT_EQ(f->package(), kPackage) << f->name();
    EXPECT_EQ(f->syntax(), FileDescriptor::SYNTAX_PROTO3) << f->name();
    EXPECT_TRUE(EndsWith(f->name(), ".proto"));
    EXPECT_EQ(f->name().rfind("arbor/v1/", 0), 0u) << f->name();
    names.insert(f->name());
  }
  EXPECT_EQ(names.size(), files.size()) << "each file must be listed once";
}

TEST(ApiContractTest, OpportunityRoundTrips) {
  arbor::v1::Opportunity opp;
  opp.set_opportunity_id("opp-binary-6f1c2e");
  opp.set_lane(arbor::v1::LANE_BINARY);
  opp.set_size_sets_micros(100'000'000);          // 100 sets
  opp.set_total_cost_micros(97'000'000);          // 0.97 per set
  opp.set_total_fees_micros(1'250'000);           // 1.25 USD
  opp.set_worst_case_payoff_micros(100'000'000);  // every outcome pays 1 per set
  opp.set_guaranteed_profit_micros(1'750'000);    // 100 - 97 - 1.25
  opp.set_expected_profit_micros(1'750'000);
  opp.set_guaranteed(true);
  opp.set_confidence(1.0);
  opp.set_group_key("binary:0xabc");
  opp.add_market_ids("0xabc");
  opp.set_created_unix_nanos(1'767'225'600'000'000'000);
  opp.set_expires_unix_nanos(1'767'225'600'500'000'000);

  const char* symbols[] = {"111", "222"};
  const int64_t prices[] = {480'000, 490'000};
  for (int i = 0; i < 2; ++i) {
    arbor::v1::OpportunityLeg* leg = opp.add_legs();
    leg->set_leg_index(static_cast<uint32_t>(i));
    leg->set_action(arbor::v1::LEG_ACTION_ORDER);
    *leg->mutable_instrument_id() = MakeInstrument(arbor::v1::VENUE_POLYMARKET, symbols[i]);
    leg->set_side(arbor::v1::SIDE_BUY);
    leg->set_limit_price_micros(prices[i]);
    leg->set_size_micros(100'000'000);
    leg->set_expected_vwap_micros(prices[i] - 5'000);
    leg->set_worst_price_micros(prices[i]);
    leg->set_fee_micros(625'000);
    leg->set_time_in_force(arbor::v1::TIME_IN_FORCE_FOK);
    leg->set_cash_flow_micros(-48'500'000);
    arbor::v1::SourceBook* src = opp.add_source_books();
    *src->mutable_instrument_id() = leg->instrument_id();
    src->set_sequence(1'000 + static_cast<uint64_t>(i));
    src->set_book_epoch(42);
  }

  std::string wire;
  ASSERT_TRUE(opp.SerializeToString(&wire));
  arbor::v1::Opportunity back;
  ASSERT_TRUE(back.ParseFromString(wire));

  EXPECT_EQ(back.opportunity_id(), "opp-binary-6f1c2e");
  EXPECT_EQ(back.lane(), arbor::v1::LANE_BINARY);
  EXPECT_EQ(back.size_sets_micros(), 100'000'000);
  EXPECT_EQ(back.worst_case_payoff_micros() - back.total_cost_micros() - back.total_fees_micros(),
            back.guaranteed_profit_micros());
  EXPECT_TRUE(back.guaranteed());
  EXPECT_EQ(back.expires_unix_nanos(), 1'767'225'600'500'000'000);
  ASSERT_EQ(back.legs_size(), 2);
  EXPECT_EQ(back.legs(1).instrument_id().venue(), arbor::v1::VENUE_POLYMARKET);
  EXPECT_EQ(back.legs(1).instrument_id().symbol(), "222");
  EXPECT_EQ(back.legs(1).side(), arbor::v1::SIDE_BUY);
  EXPECT_EQ(back.legs(1).limit_price_micros(), 490'000);
  EXPECT_EQ(back.legs(1).expected_vwap_micros(), 485'000);
  EXPECT_EQ(back.legs(0).time_in_force(), arbor::v1::TIME_IN_FORCE_FOK);
  EXPECT_EQ(back.legs(0).cash_flow_micros(), -48'500'000);
  ASSERT_EQ(back.source_books_size(), 2);
  EXPECT_EQ(back.source_books(1).sequence(), 1'001u);
  EXPECT_EQ(back.group_key(), "binary:0xabc");
  EXPECT_EQ(back.SerializeAsString(), wire);

  // The stream wrapper carries exactly one payload.
  arbor::v1::OpportunityUpdate update;
  *update.mutable_opportunity() = back;
  arbor::v1::OpportunityUpdate update_back;
  ASSERT_TRUE(update_back.ParseFromString(update.SerializeAsString()));
  EXPECT_EQ(update_back.payload_case(), arbor::v1::OpportunityUpdate::kOpportunity);
  EXPECT_EQ(update_back.opportunity().legs_size(), 2);
}

TEST(ApiContractTest, BookSnapshotRoundTrips) {
  arbor::v1::BookSnapshot snap;
  *snap.mutable_instrument_id() =
      MakeInstrument(arbor::v1::VENUE_KALSHI, "KXFEDDECISION-25DEC-H0:YES");
  // Best first on both sides; prices on a deci-cent grid.
  const int64_t bid_prices[] = {531'000, 530'000, 520'000};
  const int64_t ask_prices[] = {534'000, 540'000};
  for (int64_t p : bid_prices) {
    arbor::v1::PriceLevel* l = snap.add_bids();
    l->set_price_micros(p);
    l->set_size_micros(250'000'000);
  }
  for (int64_t p : ask_prices) {
    arbor::v1::PriceLevel* l = snap.add_asks();
    l->set_price_micros(p);
    l->set_size_micros(12'340'000);
  }
  snap.set_sequence(77);
  snap.set_book_epoch(1'767'225'000'000'000'000);
  snap.set_ts_event_unix_nanos(1'767'225'600'000'000'000);
  snap.set_ts_receipt_unix_nanos(1'767'225'600'000'150'000);
  snap.set_venue_hash("d41d8cd9");
  snap.set_status(arbor::v1::BOOK_STATUS_LIVE);
  snap.set_reason(arbor::v1::SNAPSHOT_REASON_COALESCED);
  snap.set_venue_sequence(9'001);

  arbor::v1::BookUpdate update;
  *update.mutable_snapshot() = snap;
  std::string wire;
  ASSERT_TRUE(update.SerializeToString(&wire));
  arbor::v1::BookUpdate back_update;
  ASSERT_TRUE(back_update.ParseFromString(wire));
  ASSERT_EQ(back_update.payload_case(), arbor::v1::BookUpdate::kSnapshot);
  const arbor::v1::BookSnapshot& back = back_update.snapshot();

  EXPECT_EQ(back.instrument_id().venue(), arbor::v1::VENUE_KALSHI);
  EXPECT_EQ(back.instrument_id().symbol(), "KXFEDDECISION-25DEC-H0:YES");
  ASSERT_EQ(back.bids_size(), 3);
  ASSERT_EQ(back.asks_size(), 2);
  EXPECT_EQ(back.bids(0).price_micros(), 531'000);
  EXPECT_EQ(back.bids(2).price_micros(), 520'000);
  EXPECT_EQ(back.asks(0).price_micros(), 534'000);
  EXPECT_EQ(back.asks(1).size_micros(), 12'340'000);
  EXPECT_LT(back.bids(0).price_micros(), back.asks(0).price_micros()) << "not crossed";
  EXPECT_EQ(back.sequence(), 77u);
  EXPECT_EQ(back.book_epoch(), 1'767'225'000'000'000'000u);
  EXPECT_EQ(back.ts_receipt_unix_nanos() - back.ts_event_unix_nanos(), 150'000);
  EXPECT_EQ(back.venue_hash(), "d41d8cd9");
  EXPECT_EQ(back.status(), arbor::v1::BOOK_STATUS_LIVE);
  EXPECT_EQ(back.reason(), arbor::v1::SNAPSHOT_REASON_COALESCED);
  EXPECT_EQ(back.venue_sequence(), 9'001u);
  EXPECT_FALSE(back.truncated());
}

TEST(ApiContractTest, BookDeltaFlagsMatchNautilus) {
  EXPECT_EQ(arbor::v1::BOOK_DELTA_FLAG_LAST, 1 << 7);
  EXPECT_EQ(arbor::v1::BOOK_DELTA_FLAG_SNAPSHOT, 1 << 5);
  EXPECT_EQ(arbor::v1::FIXED_POINT_SCALE_MICROS, 1'000'000);
}

TEST(ApiContractTest, EveryMicrosFieldIsInt64) {
  int checked = 0;
  for (const Descriptor* d : AllApiMessages()) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (!EndsWith(f->name(), "_micros")) continue;
      ++checked;
      EXPECT_EQ(f->type(), FieldDescriptor::TYPE_INT64)
          << f->full_name() << " is " << f->type_name() << "; *_micros fields must be int64";
    }
  }
  EXPECT_GT(checked, 50) << "the walk must actually reach the API's fixed-point fields";
}

TEST(ApiContractTest, EveryNanosFieldIsInt64) {
  for (const Descriptor* d : AllApiMessages()) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (!EndsWith(f->name(), "_nanos")) continue;
      EXPECT_EQ(f->type(), FieldDescriptor::TYPE_INT64) << f->full_name();
    }
  }
}

TEST(ApiContractTest, LedgerMessagesHaveNoFloatingPoint) {
  const Descriptor* roots[] = {
      arbor::v1::Order::descriptor(),          arbor::v1::Fill::descriptor(),
      arbor::v1::Position::descriptor(),       arbor::v1::Balance::descriptor(),
      arbor::v1::OpportunityLeg::descriptor(), arbor::v1::PriceLevel::descriptor(),
  };
  for (const Descriptor* root : roots) {
    std::set<const Descriptor*> seen;
    std::vector<std::string> found;
    FindFloatingPoint(root, &seen, &found);
    EXPECT_TRUE(found.empty()) << root->full_name() << " reaches float/double field "
                               << (found.empty() ? "" : found.front());
  }
}

TEST(ApiContractTest, DoublesOnlyOnAllowListedModelOutputs) {
  const std::set<std::string> allowed = {
      "arbor.v1.Opportunity.probability",         "arbor.v1.Opportunity.probability_ci_low",
      "arbor.v1.Opportunity.probability_ci_high", "arbor.v1.Opportunity.probability_ci_level",
      "arbor.v1.Opportunity.confidence",          "arbor.v1.Opportunity.projection_divergence",
      "arbor.v1.Opportunity.projection_gap",
  };
  for (const Descriptor* d : AllApiMessages()) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (!IsFloatingPoint(f)) continue;
      EXPECT_EQ(f->type(), FieldDescriptor::TYPE_DOUBLE) << f->full_name() << ": no float32";
      EXPECT_TRUE(allowed.count(f->full_name()) == 1)
          << f->full_name() << " is floating point but not an allow-listed model output";
    }
  }
}

TEST(ApiContractTest, EnumZeroValuesAreUnspecified) {
  for (const EnumDescriptor* e : AllApiEnums()) {
    ASSERT_GT(e->value_count(), 0);
    const auto* zero = e->FindValueByNumber(0);
    ASSERT_NE(zero, nullptr) << e->full_name();
    EXPECT_TRUE(EndsWith(zero->name(), "_UNSPECIFIED")) << e->full_name() << ": " << zero->name();
  }
}

TEST(ApiContractTest, FieldNamesAreSnakeCase) {
  for (const Descriptor* d : AllApiMessages()) {
    for (int i = 0; i < d->field_count(); ++i) {
      const std::string& name = d->field(i)->name();
      for (char c : name) {
        EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
            << d->field(i)->full_name();
      }
    }
  }
}

TEST(ApiContractTest, ServicesExposeDocumentedRpcs) {
  struct Expectation {
    const char* service;
    std::vector<std::string> methods;
    const char* server_streaming;  // nullptr if none
  };
  const Expectation expectations[] = {
      {arbor::v1::FeedShard::service_full_name(),
       {"StreamBooks", "GetBook", "ListInstruments", "ListMarkets", "GetHealth", "ApplyFeedPolicy"},
       "StreamBooks"},
      {arbor::v1::Scanner::service_full_name(),
       {"StreamOpportunities", "ListOpportunities", "GetHealth"},
       "StreamOpportunities"},
      {arbor::v1::Executor::service_full_name(),
       {"SubmitOpportunity", "GetExecution", "ListExecutions", "ListOrders", "GetOrder",
        "ListPositions", "ListBalances", "ListFills", "SetKillSwitch", "ListKillSwitches",
        "GetSafeMode", "AcknowledgeSafeMode", "GetTradingState", "SetTradingState", "GetHealth"},
       nullptr},
      {arbor::v1::Control::service_full_name(),
       {"ApplyPolicyLimits", "GetStageMetrics", "GetStatus"},
       nullptr},
  };
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const Expectation& e : expectations) {
    const auto* service = pool->FindServiceByName(e.service);
    ASSERT_NE(service, nullptr) << e.service;
    EXPECT_EQ(service->method_count(), static_cast<int>(e.methods.size())) << e.service;
    for (const std::string& m : e.methods) {
      const auto* method = service->FindMethodByName(m);
      ASSERT_NE(method, nullptr) << e.service << "." << m;
      EXPECT_FALSE(method->client_streaming()) << method->full_name();
      const bool streaming = e.server_streaming != nullptr && m == e.server_streaming;
      EXPECT_EQ(method->server_streaming(), streaming) << method->full_name();
      EXPECT_EQ(method->input_type()->file()->package(), kPackage);
    }
  }
}

}  // namespace
