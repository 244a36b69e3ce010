// File: arbor/trading_policy/limits.h
//
// What the operator pushes: the executor's PolicyLimits for one stage of a spec, the feed shards'
// FeedPolicy, and the fail-closed limits pushed when a policy is deleted. Integer conversions only
// (cents → micros ×10 000, bps of 1 USD → price micros ×100); no floating point reaches a limit.
#pragma once

#include <cstdint>

#include "arbor/trading_policy/spec.h"
#include "arbor/v1/control.pb.h"

namespace arbor::trading_policy {

inline constexpr int64_t kMicrosPerCent = 10'000;

// BuildPolicyLimits
//
// Limits for `spec.stages[stage]` (stage must be a valid index). Lanes the stage allows (its
// list, or every enabled lane when absent) get budgets; their weights are renormalised over the
// allowed lanes so the whole stage cap is usable (floor division: the budgets never sum above the
// cap). Disabled or not-allowed lanes are listed with enabled=false and zero capital.
v1::PolicyLimits BuildPolicyLimits(const PolicySpec& spec, int32_t stage);

// BuildFeedPolicy: spec.feed as the feed shards' FeedPolicy.
v1::FeedPolicy BuildFeedPolicy(const PolicySpec& spec);

// FailClosedLimits: every cap zero and every lane disabled (pushed when the policy is deleted).
v1::PolicyLimits FailClosedLimits();

}  // namespace arbor::trading_policy
