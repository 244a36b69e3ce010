// File: tests/unit/arborctl/grpc_test_support.h
//
// Helpers for the in-process tests of arborctl's gRPC client commands (scanner_command_test,
// feed_command_test): a Recorder the fake services report every request and its authorization
// metadata to (and take canned responses / a failure status from), a scripted server stream,
// temporary files, and running the real arborctl binary.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace arbor::arborctl::testing_support {

template <typename T>
T ParseText(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// What a fake server stream does after writing its scripted updates.
enum class StreamEnd {
  kFinish,          // return the Recorder's failure status (OK if none)
  kHoldSilent,      // write nothing more until the client cancels
  kHoldHeartbeats,  // write a heartbeat every 20 ms until the client cancels
};

// Requests (and their "authorization" metadata) seen by the fakes, and their canned answers.
class Recorder {
 public:
  // Records the request; returns the failure status if one is set.
  grpc::Status Begin(grpc::ServerContext* context, const google::protobuf::Message& request) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("authorization");
    const std::string auth =
        it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
    absl::MutexLock lock(&mu_);
    authorizations_.push_back(auth);
    std::shared_ptr<google::protobuf::Message> copy(request.New());
    copy->CopyFrom(request);
    requests_.push_back(std::move(copy));
    if (fail_.has_value() && !fail_after_stream_) return *fail_;
    return grpc::Status::OK;
  }

  void FailWith(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    fail_ = std::move(status);
    fail_after_stream_ = false;
  }
  // Streams write their script first, then end with `status`.
  void EndStreamWith(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    fail_ = std::move(status);
    fail_after_stream_ = true;
  }
  grpc::Status StreamStatus() {
    absl::MutexLock lock(&mu_);
    return fail_.value_or(grpc::Status::OK);
  }

  template <typename Resp>
  void SetResponse(const Resp& response) {
    absl::MutexLock lock(&mu_);
    std::shared_ptr<google::protobuf::Message> copy(response.New());
    copy->CopyFrom(response);
    responses_[Resp::descriptor()->full_name()] = std::move(copy);
  }
  template <typename Resp>
  void Respond(Resp* response) {
    absl::MutexLock lock(&mu_);
    auto it = responses_.find(Resp::descriptor()->full_name());
    if (it != responses_.end()) response->CopyFrom(*it->second);
  }

  std::vector<std::shared_ptr<google::protobuf::Message>> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  template <typename Req>
  std::vector<Req> RequestsOf() {
    std::vector<Req> out;
    for (const auto& m : requests()) {
      if (const auto* r = dynamic_cast<const Req*>(m.get())) out.push_back(*r);
    }
    return out;
  }
  std::vector<std::string> authorizations() {
    absl::MutexLock lock(&mu_);
    return authorizations_;
  }

  void SetStreamEnd(StreamEnd end) { stream_end_.store(end); }
  StreamEnd stream_end() const { return stream_end_.load(); }
  // Set before the server shuts down so held streams end.
  void Stop() { stopping_.store(true); }
  bool stopping() const { return stopping_.load(); }

 private:
  absl::Mutex mu_;
  std::vector<std::shared_ptr<google::protobuf::Message>> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> authorizations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<google::protobuf::Message>> responses_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> fail_ ABSL_GUARDED_BY(mu_);
  bool fail_after_stream_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<StreamEnd> stream_end_{StreamEnd::kFinish};
  std::atomic<bool> stopping_{false};
};

// Serves `items` in pages of at most kServerPageCap (fewer than asked for, to force paging); the
// page token is the offset.
inline constexpr uint32_t kServerPageCap = 2;
template <typename Item, typename Req, typename Resp>
void Page(const std::vector<Item>& items, const Req& request, Resp* response,
          google::protobuf::RepeatedPtrField<Item>* out) {
  const size_t offset = request.page_token().empty() ? 0 : std::stoul(request.page_token());
  const uint32_t want = request.page_size() == 0 ? 100 : request.page_size();
  const size_t n = std::min<size_t>({want, kServerPageCap, items.size() - offset});
  for (size_t i = 0; i < n; ++i) *out->Add() = items[offset + i];
  if (offset + n < items.size()) response->set_next_page_token(std::to_string(offset + n));
}

// A server-streaming handler: writes `script`, then does what the recorder's StreamEnd says.
// `heartbeat` makes one heartbeat update.
template <typename Update, typename MakeHeartbeat>
grpc::Status ServeStream(Recorder* recorder, grpc::ServerContext* context,
                         grpc::ServerWriter<Update>* writer, const std::vector<Update>& script,
                         MakeHeartbeat heartbeat) {
  for (const Update& u : script) {
    if (!writer->Write(u)) return grpc::Status(grpc::StatusCode::CANCELLED, "client gone");
  }
  const StreamEnd end = recorder->stream_end();
  if (end == StreamEnd::kFinish) return recorder->StreamStatus();
  auto last = std::chrono::steady_clock::now();
  while (!context->IsCancelled() && !recorder->stopping()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (end == StreamEnd::kHoldHeartbeats &&
        std::chrono::steady_clock::now() - last >= std::chrono::milliseconds(20)) {
      if (!writer->Write(heartbeat())) break;
      last = std::chrono::steady_clock::now();
    }
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
}

// A file under the test's temp dir, unique per process (ctest runs cases in parallel), removed
// when the process exits.
inline std::string WriteTempFile(const std::string& prefix, const std::string& name,
                                 const std::string& content) {
  std::string path =
      ::testing::TempDir() + "/" + prefix + "_" + std::to_string(getpid()) + "_" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f != nullptr) {
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
  }
  static struct Cleanup {
    std::vector<std::string> paths;
    ~Cleanup() {
      for (const std::string& p : paths) std::remove(p.c_str());
    }
  } cleanup;
  cleanup.paths.push_back(path);
  return path;
}

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs a shell command; its stdout (and whatever it redirects there) and exit code.
inline std::string RunShell(const std::string& cmd, int* exit_code) {
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace arbor::arborctl::testing_support
