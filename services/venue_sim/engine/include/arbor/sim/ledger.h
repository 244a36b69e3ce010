// File: arbor/sim/ledger.h
//
// Accounts of the venue simulator: cash (pUSD / USD, fixed-point) and outcome-token positions
// per account, with the amounts locked by resting orders kept apart, as the venues check
// "balance / allowance" against what is not already committed. Also NegRisk conversion.
//
// Not thread-safe: owned by the simulator's exchange thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "arbor/core/fixed_point.h"

namespace arbor::sim {

class Ledger {
 public:
  // Adds `amount` (> 0) of cash to `account`, creating it.
  void Deposit(std::string_view account, Money amount);
  // Credits `amount` of `token` to `account` (scenario set-up: pre-existing inventory).
  void GrantPosition(std::string_view account, std::string_view token, Quantity amount);

  Money Cash(std::string_view account) const;
  Money LockedCash(std::string_view account) const;
  Money AvailableCash(std::string_view account) const {
    return Cash(account) - LockedCash(account);
  }
  Quantity Position(std::string_view account, std::string_view token) const;
  Quantity LockedPosition(std::string_view account, std::string_view token) const;
  Quantity AvailablePosition(std::string_view account, std::string_view token) const {
    return Position(account, token) - LockedPosition(account, token);
  }

  // Locks cash / tokens for a resting order. FailedPrecondition ("not enough balance /
  // allowance", the venue's words) when the available amount is short; nothing changes then.
  [[nodiscard]] absl::Status LockCash(std::string_view account, Money amount);
  [[nodiscard]] absl::Status LockPosition(std::string_view account, std::string_view token,
                                          Quantity amount);
  // Releases previously locked amounts (never below zero).
  void UnlockCash(std::string_view account, Money amount);
  void UnlockPosition(std::string_view account, std::string_view token, Quantity amount);

  // Unconditional movements used by settlement (the engine has checked and locked first).
  void AddCash(std::string_view account, Money delta);
  void AddPosition(std::string_view account, std::string_view token, Quantity delta);

  // ConvertNegRisk
  //
  // NegRisk conversion: `amount` NO tokens of each market in `converted` (k markets of an event
  // with n markets, k >= 1) become (k - 1) * amount cash plus `amount` YES tokens of every
  // market of the event not in `converted`. The holder's payoff is unchanged in every outcome
  // (exactly one market resolves YES). `yes_tokens[i]` / `no_tokens[i]` are market i's tokens;
  // `converted` holds distinct market indexes. FailedPrecondition if any NO position is short;
  // InvalidArgument for bad indexes or a non-positive amount. Atomic: all or nothing.
  [[nodiscard]] absl::Status ConvertNegRisk(std::string_view account,
                                            const std::vector<std::string>& yes_tokens,
                                            const std::vector<std::string>& no_tokens,
                                            const std::vector<int>& converted, Quantity amount);

  // Ids for orders and trades, unique across every engine sharing this ledger (so a venue-wide
  // order id or trade id never collides between markets). Starts at 1.
  uint64_t NextId() { return next_id_++; }

  // Sum of cash over all accounts (conservation checks).
  Money TotalCash() const;
  // Sum of one token's positions over all accounts.
  Quantity TotalPosition(std::string_view token) const;

 private:
  struct Account {
    Money cash;
    Money locked_cash;
    absl::flat_hash_map<std::string, Quantity> positions;
    absl::flat_hash_map<std::string, Quantity> locked_positions;
  };
  Account& Get(std::string_view account);
  const Account* Find(std::string_view account) const;

  absl::flat_hash_map<std::string, Account> accounts_;
  uint64_t next_id_ = 1;
};

}  // namespace arbor::sim
