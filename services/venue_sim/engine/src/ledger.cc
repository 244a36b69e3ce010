#include "arbor/sim/ledger.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::sim {
namespace {

template <typename Map, typename V>
V Lookup(const Map& m, std::string_view key, V fallback) {
  auto it = m.find(ToAbsl(key));
  return it == m.end() ? fallback : it->second;
}

absl::Status Short(std::string_view what, std::string_view account) {
  return absl::FailedPreconditionError(absl::StrCat(
      "not enough balance / allowance: ", ToAbsl(what), " for account ", ToAbsl(account)));
}

}  // namespace

Ledger::Account& Ledger::Get(std::string_view account) { return accounts_[ToAbsl(account)]; }

const Ledger::Account* Ledger::Find(std::string_view account) const {
  auto it = accounts_.find(ToAbsl(account));
  return it == accounts_.end() ? nullptr : &it->second;
}

void Ledger::Deposit(std::string_view account, Money amount) { Get(account).cash += amount; }

void Ledger::GrantPosition(std::string_view account, std::string_view token, Quantity amount) {
  Get(account).positions[ToAbsl(token)] += amount;
}

Money Ledger::Cash(std::string_view account) const {
  const Account* a = Find(account);
  return a == nullptr ? Money::Zero() : a->cash;
}

Money Ledger::LockedCash(std::string_view account) const {
  const Account* a = Find(account);
  return a == nullptr ? Money::Zero() : a->locked_cash;
}

Quantity Ledger::Position(std::string_view account, std::string_view token) const {
  const Account* a = Find(account);
  return a == nullptr ? Quantity::Zero() : Lookup(a->positions, token, Quantity::Zero());
}

Quantity Ledger::LockedPosition(std::string_view account, std::string_view token) const {
  const Account* a = Find(account);
  return a == nullptr ? Quantity::Zero() : Lookup(a->locked_positions, token, Quantity::Zero());
}

absl::Status Ledger::LockCash(std::string_view account, Money amount) {
  if (AvailableCash(account) < amount) return Short("cash", account);
  Get(account).locked_cash += amount;
  return absl::OkStatus();
}

absl::Status Ledger::LockPosition(std::string_view account, std::string_view token,
                                  Quantity amount) {
  if (AvailablePosition(account, token) < amount) return Short(token, account);
  Get(account).locked_positions[ToAbsl(token)] += amount;
  return absl::OkStatus();
}

void Ledger::UnlockCash(std::string_view account, Money amount) {
  Account& a = Get(account);
  a.locked_cash = std::max(Money::Zero(), a.locked_cash - amount);
}

void Ledger::UnlockPosition(std::string_view account, std::string_view token, Quantity amount) {
  Quantity& locked = Get(account).locked_positions[ToAbsl(token)];
  locked = std::max(Quantity::Zero(), locked - amount);
}

void Ledger::AddCash(std::string_view account, Money delta) { Get(account).cash += delta; }

void Ledger::AddPosition(std::string_view account, std::string_view token, Quantity delta) {
  Get(account).positions[ToAbsl(token)] += delta;
}

absl::Status Ledger::ConvertNegRisk(std::string_view account,
                                    const std::vector<std::string>& yes_tokens,
                                    const std::vector<std::string>& no_tokens,
                                    const std::vector<int>& converted, Quantity amount) {
  const int n = static_cast<int>(yes_tokens.size());
  if (static_cast<int>(no_tokens.size()) != n || n < 2) {
    return absl::InvalidArgumentError("NegRisk event needs >= 2 markets with YES and NO tokens");
  }
  if (!amount.IsPositive()) return absl::InvalidArgumentError("conversion amount must be > 0");
  if (converted.empty()) return absl::InvalidArgumentError("no markets to convert");
  absl::flat_hash_set<int> chosen;
  for (int i : converted) {
    if (i < 0 || i >= n)
      return absl::InvalidArgumentError(absl::StrCat("market index ", i, " out of range"));
    if (!chosen.insert(i).second)
      return absl::InvalidArgumentError(absl::StrCat("market index ", i, " repeated"));
  }
  for (int i : converted) {
    if (AvailablePosition(account, no_tokens[static_cast<size_t>(i)]) < amount) {
      return Short(no_tokens[static_cast<size_t>(i)], account);
    }
  }
  for (int i : converted) AddPosition(account, no_tokens[static_cast<size_t>(i)], -amount);
  for (int j = 0; j < n; ++j) {
    if (!chosen.contains(j)) AddPosition(account, yes_tokens[static_cast<size_t>(j)], amount);
  }
  // (k - 1) dollars per converted set: a share pays $1, so `amount` shares are `amount` dollars.
  AddCash(account, Money::FromMicros(amount.micros()) * static_cast<int64_t>(converted.size() - 1));
  return absl::OkStatus();
}

Money Ledger::TotalCash() const {
  Money total;
  for (const auto& [name, a] : accounts_) total += a.cash;
  return total;
}

Quantity Ledger::TotalPosition(std::string_view token) const {
  Quantity total;
  for (const auto& [name, a] : accounts_) total += Lookup(a.positions, token, Quantity::Zero());
  return total;
}

}  // namespace arbor::sim
