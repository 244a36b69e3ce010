#include "arbor/k8s/resource.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace arbor::k8s {
namespace {

using ::testing::HasSubstr;

TEST(ResourcePaths, CustomAndCoreGroups) {
  const GroupVersionResource tp{"arbor.dev", "v1alpha1", "tradingpolicies"};
  EXPECT_EQ(CollectionPath(tp, "trading"),
            "/apis/arbor.dev/v1alpha1/namespaces/trading/tradingpolicies");
  EXPECT_EQ(CollectionPath(tp, ""), "/apis/arbor.dev/v1alpha1/tradingpolicies");
  EXPECT_EQ(ObjectPath({tp, "trading", "x"}),
            "/apis/arbor.dev/v1alpha1/namespaces/trading/tradingpolicies/x");
  EXPECT_EQ(StatusPath({tp, "trading", "x"}),
            "/apis/arbor.dev/v1alpha1/namespaces/trading/tradingpolicies/x/status");
  const GroupVersionResource cm{"", "v1", "configmaps"};
  EXPECT_EQ(ObjectPath({cm, "ns", "c"}), "/api/v1/namespaces/ns/configmaps/c");
  EXPECT_EQ(CollectionPath(LeasesResource(), "ns"),
            "/apis/coordination.k8s.io/v1/namespaces/ns/leases");
  EXPECT_EQ(tp.ApiVersion(), "arbor.dev/v1alpha1");
  EXPECT_EQ(cm.ApiVersion(), "v1");
}

TEST(ResourcePaths, QueryEscape) {
  EXPECT_EQ(QueryEscape("app=arbor,tier in (a b)"), "app%3Darbor%2Ctier%20in%20%28a%20b%29");
  EXPECT_EQ(QueryEscape("abc-_.~9"), "abc-_.~9");
}

TEST(ObjectFields, KeysAndMetadataNeverThrow) {
  const Json obj = Json::parse(R"({"metadata":{"name":"n","namespace":"ns","uid":"u",
      "resourceVersion":"42","generation":3}})");
  EXPECT_EQ(ObjectKey(obj), "ns/n");
  EXPECT_EQ(ObjectKey(Json::parse(R"({"metadata":{"name":"cluster-wide"}})")), "cluster-wide");
  EXPECT_EQ(ResourceVersionOf(obj), "42");
  EXPECT_EQ(UidOf(obj), "u");
  EXPECT_EQ(GenerationOf(obj), 3);
  for (const char* odd : {"null", "[]", "5", R"({"metadata":7})", R"({"metadata":{"name":1}})"}) {
    const Json j = Json::parse(odd);
    EXPECT_EQ(NameOf(j), "") << odd;
    EXPECT_EQ(GenerationOf(j), 0) << odd;
    EXPECT_EQ(ResourceVersionOf(j), "") << odd;
  }
}

TEST(MicroTime, FormatHasSixDigitsAndZ) {
  const absl::Time t = absl::FromUnixMicros(1'767'225'600'123'456) + absl::Nanoseconds(999);
  EXPECT_EQ(FormatMicroTime(t), "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(FormatMicroTime(absl::FromUnixSeconds(1'767'225'600)), "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatMetaTime(t), "2026-01-01T00:00:00Z");
}

TEST(MicroTime, ParseRoundTripsAndAcceptsVariants) {
  const absl::Time t = absl::FromUnixMicros(1'767'225'600'123'456);
  absl::StatusOr<absl::Time> back = ParseTime(FormatMicroTime(t));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, t);
  EXPECT_EQ(*ParseTime("2026-01-01T00:00:00Z"), absl::FromUnixSeconds(1'767'225'600));
  EXPECT_EQ(*ParseTime("2026-01-01T02:00:00+02:00"), absl::FromUnixSeconds(1'767'225'600));
  EXPECT_EQ(ParseTime("yesterday").status().code(), absl::StatusCode::kInvalidArgument);
}

struct MappingCase {
  int http;
  const char* body;
  absl::StatusCode code;
  const char* reason;
};

TEST(StatusMapping, KubernetesStatusBodies) {
  const MappingCase cases[] = {
      {404, R"({"kind":"Status","reason":"NotFound","message":"x not found","code":404})",
       absl::StatusCode::kNotFound, "NotFound"},
      {409, R"({"kind":"Status","reason":"Conflict","message":"modified","code":409})",
       absl::StatusCode::kAborted, "Conflict"},
      {409, R"({"kind":"Status","reason":"AlreadyExists","message":"exists","code":409})",
       absl::StatusCode::kAlreadyExists, "AlreadyExists"},
      {410, R"({"kind":"Status","reason":"Expired","message":"too old","code":410})",
       absl::StatusCode::kOutOfRange, "Expired"},
      {422, R"({"kind":"Status","reason":"Invalid","message":"spec.x: bad","code":422})",
       absl::StatusCode::kInvalidArgument, "Invalid"},
      {429, "", absl::StatusCode::kResourceExhausted, "TooManyRequests"},
      {401, "", absl::StatusCode::kUnauthenticated, "Unauthorized"},
      {403, "", absl::StatusCode::kPermissionDenied, "Forbidden"},
      {500, "oops", absl::StatusCode::kInternal, "InternalError"},
      {503, "", absl::StatusCode::kUnavailable, "ServiceUnavailable"},
      {504, "", absl::StatusCode::kDeadlineExceeded, "Timeout"},
      {418, "", absl::StatusCode::kFailedPrecondition, "Unknown"},
  };
  for (const MappingCase& c : cases) {
    const absl::Status s = StatusFromResponse(c.http, c.body);
    EXPECT_EQ(s.code(), c.code) << c.http << " " << c.body;
    EXPECT_EQ(HttpCode(s), c.http);
    EXPECT_EQ(Reason(s), c.reason);
  }
  const absl::Status conflict = StatusFromResponse(
      409, R"({"kind":"Status","reason":"Conflict","message":"the object has been modified"})");
  EXPECT_TRUE(IsConflict(conflict));
  EXPECT_FALSE(IsHttpAlreadyExists(conflict));
  EXPECT_THAT(std::string(conflict.message()),
              HasSubstr("HTTP 409 Conflict: the object has been modified"));
  EXPECT_TRUE(IsGone(StatusFromResponse(410, "")));
  EXPECT_TRUE(StatusFromResponse(201, "{}").ok());
  EXPECT_EQ(HttpCode(absl::InternalError("x")), 0);
}

TEST(TruncateUtf8, NeverSplitsASequence) {
  EXPECT_EQ(TruncateUtf8("hello", 10), "hello");
  EXPECT_EQ(TruncateUtf8("hello", 3), "hel");
  const std::string euro = "a\xE2\x82\xAC";  // "a€" (1 + 3 bytes)
  EXPECT_EQ(TruncateUtf8(euro, 3), "a");
  EXPECT_EQ(TruncateUtf8(euro, 4), euro);
}

}  // namespace
}  // namespace arbor::k8s
