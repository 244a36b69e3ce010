#include "arbor/feed/polymarket_pool.h"

#include <algorithm>
#include <utility>

namespace arbor::feed {

absl::StatusOr<std::unique_ptr<PolymarketPool>> PolymarketPool::Create(
    PolymarketPoolOptions options, BookPublisher* publisher, const Clock* clock) {
  if (absl::Status s = ValidatePolymarketConnectionOptions(options.connection); !s.ok()) {
    return s;
  }
  if (options.tick_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("tick_interval must be > 0");
  }
  return std::unique_ptr<PolymarketPool>(new PolymarketPool(std::move(options), publisher, clock));
}

PolymarketPool::PolymarketPool(PolymarketPoolOptions options, BookPublisher* publisher,
                               const Clock* clock)
    : options_(std::move(options)),
      publisher_(publisher),
      clock_(clock),
      health_(std::make_shared<PolymarketHealthCallback>()) {}

PolymarketPool::~PolymarketPool() { Stop(); }

void PolymarketPool::OnHealthEvent(PolymarketHealthCallback callback) {
  std::lock_guard<std::mutex> lock(mu_);
  *health_ = std::move(callback);
}

void PolymarketPool::SetTokens(const absl::flat_hash_set<InstrumentId>& tokens) {
  std::vector<std::shared_ptr<PolymarketConnection>> closed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    // Removals, grouped per connection.
    absl::flat_hash_map<PolymarketConnection*, std::vector<InstrumentId>> removed;
    for (auto it = owner_.begin(); it != owner_.end();) {
      if (!tokens.contains(it->first)) {
        removed[it->second].push_back(it->first);
        owner_.erase(it++);
      } else {
        ++it;
      }
    }
    for (auto& [conn, ids] : removed) conn->Unsubscribe(ids);
    // Additions: fill existing connections, then open new ones.
    std::vector<InstrumentId> added;
    for (const InstrumentId& id : tokens) {
      if (!owner_.contains(id)) added.push_back(id);
    }
    std::sort(added.begin(), added.end());
    size_t next = 0;
    const size_t limit = static_cast<size_t>(options_.connection.max_tokens);
    auto fill = [&](PolymarketConnection& conn) {
      const size_t room = limit - std::min(limit, conn.token_count());
      if (room == 0 || next >= added.size()) return;
      std::vector<InstrumentId> batch(
          added.begin() + static_cast<ptrdiff_t>(next),
          added.begin() + static_cast<ptrdiff_t>(std::min(added.size(), next + room)));
      if (conn.Subscribe(batch).ok()) {
        for (const InstrumentId& id : batch) owner_[id] = &conn;
        next += batch.size();
      }
    };
    for (auto& conn : connections_) fill(*conn);
    while (next < added.size()) {
      std::shared_ptr<PolymarketHealthCallback> health = health_;
      auto conn =
          std::make_shared<PolymarketConnection>(next_id_++, options_.connection, publisher_,
                                                 clock_, [health](const PolymarketHealthEvent& e) {
                                                   if (*health) (*health)(e);
                                                 });
      fill(*conn);
      connections_.push_back(std::move(conn));
    }
    // Close connections left empty.
    for (auto it = connections_.begin(); it != connections_.end();) {
      if ((*it)->token_count() == 0) {
        closed.push_back(*it);
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
    if (!supervisor_.joinable()) supervisor_ = std::thread([this] { Supervise(); });
  }
  for (auto& conn : closed) {
    conn->Stop();
    std::lock_guard<std::mutex> lock(mu_);
    retired_.Add(conn->counters());
  }
}

void PolymarketPool::ResyncTokens(const std::vector<InstrumentId>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::flat_hash_map<PolymarketConnection*, std::vector<InstrumentId>> by_conn;
  for (const InstrumentId& id : ids) {
    if (auto it = owner_.find(id); it != owner_.end()) by_conn[it->second].push_back(id);
  }
  for (auto& [conn, list] : by_conn) conn->ResyncTokens(list);
}

std::shared_ptr<PolymarketConnection> PolymarketPool::ConnectionOf(const InstrumentId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = owner_.find(id);
  if (it == owner_.end()) return nullptr;
  for (const auto& c : connections_) {
    if (c.get() == it->second) return c;
  }
  return nullptr;
}

bool PolymarketPool::WithBooksOf(
    const InstrumentId& id,
    const std::function<void(const venue::polymarket::BookSet&)>& fn) const {
  std::shared_ptr<PolymarketConnection> conn = ConnectionOf(id);
  if (conn == nullptr) return false;
  conn->WithBooks(fn);
  return true;
}

std::optional<int64_t> PolymarketPool::NewestEventMsOf(const InstrumentId& id) const {
  std::shared_ptr<PolymarketConnection> conn = ConnectionOf(id);
  if (conn == nullptr) return std::nullopt;
  return conn->newest_event_ms();
}

void PolymarketPool::Supervise() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    std::vector<std::shared_ptr<PolymarketConnection>> conns = connections_;
    lock.unlock();
    for (auto& conn : conns) conn->Tick();
    conns.clear();
    lock.lock();
    cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.tick_interval),
                 [this] { return stopping_; });
  }
}

void PolymarketPool::Stop() {
  std::vector<std::shared_ptr<PolymarketConnection>> conns;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    conns = connections_;
  }
  for (auto& conn : conns) conn->Stop();
}

PolymarketConnectionCounters PolymarketPool::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  PolymarketConnectionCounters sum = retired_;
  for (const auto& c : connections_) sum.Add(c->counters());
  return sum;
}

int PolymarketPool::connections_desired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(connections_.size());
}

int PolymarketPool::connections_open() const {
  std::lock_guard<std::mutex> lock(mu_);
  int open = 0;
  for (const auto& c : connections_) open += c->is_open() ? 1 : 0;
  return open;
}

size_t PolymarketPool::token_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return owner_.size();
}

}  // namespace arbor::feed
