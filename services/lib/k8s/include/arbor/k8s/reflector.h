// File: arbor/k8s/reflector.h
//
// Reflector: list + watch of one collection into a local cache, with kube-rs watcher semantics
// (OPERATOR_NOTES.md §2.3):
//
//   1. List (paginated) -> replace the cache: on_apply for every listed object, on_delete for
//      cached objects that vanished, then on_synced() ("initial list done": the cache is
//      complete; never act on a partial view before it).
//   2. Watch from the list's resourceVersion with watch=1&allowWatchBookmarks=true&
//      timeoutSeconds=N. ADDED/MODIFIED -> cache + on_apply; DELETED -> cache + on_delete;
//      BOOKMARK -> only the resume resourceVersion advances.
//   3. Stream end (timeout) -> resume from the last resourceVersion at once; dropped connection
//      or other errors -> resume after a backoff (client-go: 800 ms .. 30 s, x2, jitter).
//   4. HTTP 410 on the watch request, or an in-stream ERROR event with code 410 -> relist (1).
//
//   Reflector r(*api, {.path = CollectionPath(kTp, "trading")},
//               {.on_apply = [&](const std::string& key, const Json&) { queue.Add(key); },
//                .on_delete = [&](const std::string& key, const Json&) { queue.Add(key); },
//                .on_synced = [&] { synced = true; }});
//   r.Start();  ...  r.Stop();
//
// Callbacks run on the reflector's thread, in event order, after the cache was updated and with
// no lock held (they may call Get()/List()); they must not block for long and must not call
// Stop(). Cache readers (Get, List, HasSynced, ResourceVersion, stats) are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arbor/k8s/api_client.h"
#include "arbor/net/backoff.h"

namespace arbor::k8s {

struct ReflectorOptions {
  std::string path;         // collection path, e.g. CollectionPath(gvr, "trading")
  std::string extra_query;  // e.g. "labelSelector=app%3Darbor" (escaped), for list and watch
  int64_t page_size = 500;  // list limit per page
  absl::Duration watch_timeout = absl::Minutes(5);  // timeoutSeconds sent to the server
  // A watch with no byte for watch_timeout + idle_grace is treated as dropped.
  absl::Duration idle_grace = absl::Seconds(30);
  net::BackoffOptions backoff{absl::Milliseconds(800), absl::Seconds(30), 2.0, net::Jitter::kFull};
  std::string name = "reflector";  // for log lines
};

struct ReflectorCallbacks {
  std::function<void(const std::string& key, const Json& object)> on_apply;
  // `last_known` is the object from the DELETED event (or the cached copy after a relist).
  std::function<void(const std::string& key, const Json& last_known)> on_delete;
  std::function<void()> on_synced;
};

struct ReflectorStats {
  int64_t lists = 0;           // completed (re)lists
  int64_t relists_gone = 0;    // relists caused by 410 (HTTP or in-stream ERROR)
  int64_t watches_opened = 0;  // successful watch requests
  int64_t watch_errors = 0;    // dropped streams, failed opens, non-410 ERROR events
  int64_t events = 0;          // ADDED/MODIFIED/DELETED applied
  int64_t bookmarks = 0;
};

class Reflector {
 public:
  Reflector(ApiClient& api, ReflectorOptions options, ReflectorCallbacks callbacks);
  ~Reflector();  // calls Stop()
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Start: starts the thread (once).
  void Start();
  // Stop: stops the thread and waits for it (idempotent). An open watch is abandoned within
  // ~100 ms; an in-flight list page is waited for (bounded by the client's request_timeout).
  void Stop();

  // True once the first list was delivered: the cache is complete and on_apply/on_delete for
  // every listed object and on_synced() have returned (client-go's HasSynced). Stays true
  // across relists, so a reader that sees it true never misses a callback of the initial list
  // (inside on_synced() itself it is still false on the first list).
  bool HasSynced() const;
  std::optional<Json> Get(const std::string& key) const;
  std::vector<Json> List() const;
  // The resourceVersion a resumed watch would start from.
  std::string ResourceVersion() const;
  ReflectorStats stats() const;

 private:
  void Run();
  // Returns false when stopping.
  bool ListAndReplace();
  // Runs one watch; returns what to do next.
  enum class Next { kResume, kBackoff, kRelist, kStop };
  Next WatchOnce();
  void Apply(const std::string& type, const Json& object);
  bool SleepFor(absl::Duration d);  // false when stopping

  ApiClient& api_;
  const ReflectorOptions options_;
  const ReflectorCallbacks callbacks_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex sleep_mu_;

  mutable absl::Mutex mu_;
  std::map<std::string, Json> cache_ ABSL_GUARDED_BY(mu_);
  std::string resource_version_ ABSL_GUARDED_BY(mu_);
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  ReflectorStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arbor::k8s
