#include "arbor/core/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace arbor {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::Status Check(bool ok) { return ok ? absl::OkStatus() : absl::FailedPreconditionError("no"); }

absl::StatusOr<int> Quarter(int x) {
  ARBOR_ASSIGN_OR_RETURN(int half, Half(x));
  ARBOR_ASSIGN_OR_RETURN(int quarter, Half(half));  // two in one scope: unique temporaries
  return quarter;
}

absl::Status Both(bool a, bool b, int* calls) {
  ++*calls;
  ARBOR_RETURN_IF_ERROR(Check(a));
  ++*calls;
  ARBOR_RETURN_IF_ERROR(Check(b));
  ++*calls;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<int>> MakeBox(int v) { return std::make_unique<int>(v); }

absl::Status AssignExisting(int* out) {
  std::unique_ptr<int> box;
  ARBOR_ASSIGN_OR_RETURN(box, MakeBox(7));  // move-only value into an existing lvalue
  *out = *box;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesErrorsAndValues) {
  EXPECT_EQ(*Quarter(12), 3);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);  // 6 -> 3 is odd
  EXPECT_EQ(Quarter(5).status().message(), "odd");
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtFirstError) {
  int calls = 0;
  EXPECT_TRUE(Both(true, true, &calls).ok());
  EXPECT_EQ(calls, 3);
  calls = 0;
  EXPECT_EQ(Both(false, true, &calls).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(calls, 1);
  calls = 0;
  EXPECT_FALSE(Both(true, false, &calls).ok());
  EXPECT_EQ(calls, 2);
}

TEST(StatusMacrosTest, AssignsMoveOnlyValueToExistingVariable) {
  int out = 0;
  ASSERT_TRUE(AssignExisting(&out).ok());
  EXPECT_EQ(out, 7);
}

}  // namespace
}  // namespace arbor
