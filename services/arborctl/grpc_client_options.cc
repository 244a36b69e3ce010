#include "grpc_client_options.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace arbor::arborctl::cli {
namespace {

// The longest --duration of a watch.
constexpr absl::Duration kMaxWatchDuration = absl::Hours(24 * 30);

}  // namespace

std::vector<std::string_view> GlobalValueFlags(const GrpcClientCommand& command) {
  return {command.target_flag, "--token-file", "--tls-ca", "--tls-cert",
          "--tls-key",         "--timeout",    "--output"};
}

absl::Status ResolveGrpcClientOptions(const GrpcClientCommand& command,
                                      const std::map<std::string, std::string>& globals,
                                      const GrpcClientEnv& env, GrpcClientOptions* options) {
  auto global = [&](const std::string& flag) -> std::optional<std::string> {
    auto it = globals.find(flag);
    if (it == globals.end()) return std::nullopt;
    return it->second;
  };
  const std::string target_flag = command.target_flag;
  options->target = command.default_target;
  if (std::optional<std::string> target = global(target_flag)) {
    if (target->empty()) return Usage(target_flag + " must not be empty");
    options->target = *target;
  } else if (env.target.has_value() && !env.target->empty()) {
    options->target = *env.target;
  }
  options->token_file.clear();
  if (std::optional<std::string> token_file = global("--token-file")) {
    if (token_file->empty()) return Usage("--token-file must not be empty");
    options->token_file = *token_file;
  } else if (env.token_file.has_value()) {
    options->token_file = *env.token_file;
  }
  options->tls_ca_file = global("--tls-ca").value_or("");
  options->tls_cert_file = global("--tls-cert").value_or("");
  options->tls_key_file = global("--tls-key").value_or("");
  if (options->tls_cert_file.empty() != options->tls_key_file.empty()) {
    return Usage("--tls-cert and --tls-key go together");
  }
  if (!options->tls_cert_file.empty() && options->tls_ca_file.empty()) {
    return Usage("--tls-cert/--tls-key need --tls-ca");
  }
  if (std::optional<std::string> timeout = global("--timeout")) {
    absl::StatusOr<absl::Duration> d = ParseDuration("--timeout", *timeout, kMaxTimeout);
    if (!d.ok()) return d.status();
    options->timeout = *d;
  }
  if (std::optional<std::string> output = global("--output")) {
    if (*output == "table") {
      options->output = OutputFormat::kTable;
    } else if (*output == "json") {
      options->output = OutputFormat::kJson;
    } else {
      return Usage(absl::StrCat("--output: expected table or json, got '", *output, "'"));
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> NonEmptyEnv(const char* name) {
  // Read once, from main()'s thread, before any other thread exists.
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Usage(absl::StrCat(flag, ": cannot open '", path, "'"));
  std::ostringstream buffer;
  buffer << file.rdbuf();
  if (file.bad()) return Usage(absl::StrCat(flag, ": cannot read '", path, "'"));
  return buffer.str();
}

absl::StatusOr<std::string> ReadBearerToken(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile("--token-file", path);
  if (!text.ok()) return text.status();
  const std::string token(absl::StripAsciiWhitespace(*text));
  if (token.empty()) return Usage(absl::StrCat("--token-file: '", path, "' is empty"));
  return token;
}

absl::Status ParseJsonFile(const std::string& flag, const std::string& path,
                           google::protobuf::Message* message) {
  absl::StatusOr<std::string> text = ReadFile(flag, path);
  if (!text.ok()) return text.status();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(*text, message, options);
  if (!status.ok()) {
    return Usage(absl::StrCat(flag, ": '", path, "' is not a valid ",
                              message->GetDescriptor()->full_name(),
                              " (proto3 JSON): ", status.ToString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const GrpcClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls_ca_file.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    absl::StatusOr<std::string> ca = ReadFile("--tls-ca", options.tls_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
    if (!options.tls_cert_file.empty()) {
      absl::StatusOr<std::string> cert = ReadFile("--tls-cert", options.tls_cert_file);
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadFile("--tls-key", options.tls_key_file);
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateChannel(options.target, credentials);
}

int ExitCodeForStatus(const grpc::Status& status) {
  if (status.ok()) return kRpcExitOk;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return kRpcExitUnreachable;
  }
  return kRpcExitServerError;
}

int ReportUsageError(const GrpcClientCommand& command, const absl::Status& status,
                     std::ostream& err) {
  err << "arborctl " << command.name << ": " << status.message() << "\n(arborctl " << command.name
      << " --help for usage)\n";
  return kRpcExitUsage;
}

// ---- RpcCaller ----------------------------------------------------------------------------------

RpcCaller::RpcCaller(const GrpcClientCommand& command, const GrpcClientOptions& options,
                     std::string bearer_token, std::ostream& out, std::ostream& err)
    : command_(command),
      options_(options),
      bearer_token_(std::move(bearer_token)),
      out_(out),
      err_(err) {}

std::unique_ptr<grpc::ClientContext> RpcCaller::Context(bool deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (deadline) {
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoNanoseconds(options_.timeout));
  }
  if (!bearer_token_.empty()) context->AddMetadata("authorization", "Bearer " + bearer_token_);
  return context;
}

std::unique_ptr<grpc::ClientContext> RpcCaller::NewContext() const { return Context(true); }

std::unique_ptr<grpc::ClientContext> RpcCaller::NewStreamContext() const { return Context(false); }

int RpcCaller::Error(const grpc::Status& status, std::string_view rpc) const {
  const std::string code =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
  const int rc = ExitCodeForStatus(status);
  if (rc == kRpcExitUnreachable) {
    err_ << "arborctl " << command_.name << ": cannot reach " << command_.service << " at "
         << options_.target << " (" << rpc << "): " << code << ": " << status.error_message()
         << "\n";
  } else {
    err_ << "arborctl " << command_.name << ": " << rpc << " failed: " << code << ": "
         << status.error_message() << "\n";
  }
  return rc;
}

bool RpcCaller::ToJson(const google::protobuf::Message& message, std::string* json) const {
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = false;
  print.preserve_proto_field_names = true;
  const auto status = google::protobuf::util::MessageToJsonString(message, json, print);
  if (!status.ok()) {
    err_ << "arborctl " << command_.name
         << ": cannot print the response as JSON: " << status.ToString() << "\n";
    return false;
  }
  return true;
}

int RpcCaller::Print(const google::protobuf::Message& response,
                     absl::FunctionRef<std::string()> table) const {
  if (options_.output == OutputFormat::kTable) {
    out_ << table();
    return kRpcExitOk;
  }
  std::string json;
  if (!ToJson(response, &json)) return kRpcExitServerError;
  out_ << json << "\n";
  return kRpcExitOk;
}

bool RpcCaller::PrintUpdate(const google::protobuf::Message& update,
                            const std::string& table_lines) const {
  if (options_.output == OutputFormat::kTable) {
    out_ << table_lines;
  } else {
    std::string json;
    if (!ToJson(update, &json)) return false;
    out_ << json << "\n";
  }
  out_.flush();
  return true;
}

// ---- Watching -----------------------------------------------------------------------------------

absl::Status ParseWatchFlags(const CommandFlags& flags, WatchOptions* watch) {
  if (std::optional<std::string> count = flags.Get("--count")) {
    absl::StatusOr<uint64_t> n = ParseUnsigned("--count", *count, 1, 1'000'000'000);
    if (!n.ok()) return n.status();
    watch->count = *n;
  }
  if (std::optional<std::string> duration = flags.Get("--duration")) {
    absl::StatusOr<absl::Duration> d = ParseDuration("--duration", *duration, kMaxWatchDuration);
    if (!d.ok()) return d.status();
    watch->duration = *d;
  }
  watch->heartbeats = flags.Has("--heartbeats");
  return absl::OkStatus();
}

std::string DefaultSubscriberId(const std::optional<std::string>& user) {
  if (user.has_value() && !user->empty()) return "arborctl-" + *user;
  return "arborctl";
}

int64_t WatchHeartbeatIntervalNanos(absl::Duration timeout) {
  return absl::ToInt64Nanoseconds(std::min(absl::Seconds(1), timeout / 2));
}

struct StreamWatchdog::State {
  using Clock = std::chrono::steady_clock;

  grpc::ClientContext* context;
  Clock::duration idle;
  std::optional<Clock::time_point> end;  // nullopt: no --duration

  std::mutex mu;
  std::condition_variable cv;
  Clock::time_point last_message;
  bool stop = false;
  Reason reason = Reason::kNone;
  std::thread thread;

  void Run() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stop) {
      const Clock::time_point idle_at = last_message + idle;
      const Clock::time_point wake = end.has_value() ? std::min(idle_at, *end) : idle_at;
      if (Clock::now() >= wake) {
        reason = end.has_value() && Clock::now() >= *end ? Reason::kDuration : Reason::kIdle;
        // TryCancel is thread-safe; the reader's Read() then returns false.
        context->TryCancel();
        return;
      }
      cv.wait_until(lock, wake);
    }
  }
};

namespace {

std::chrono::steady_clock::duration ToSteady(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

}  // namespace

StreamWatchdog::StreamWatchdog(grpc::ClientContext* context, absl::Duration idle,
                               absl::Duration duration)
    : state_(std::make_unique<State>()) {
  state_->context = context;
  state_->idle = ToSteady(idle);
  state_->last_message = State::Clock::now();
  if (duration != absl::InfiniteDuration()) state_->end = state_->last_message + ToSteady(duration);
  state_->thread = std::thread([state = state_.get()] { state->Run(); });
}

StreamWatchdog::~StreamWatchdog() { Stop(); }

void StreamWatchdog::Touch() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->last_message = State::Clock::now();
}

void StreamWatchdog::Stop() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stop = true;
  }
  state_->cv.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
}

StreamWatchdog::Reason StreamWatchdog::reason() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->reason;
}

}  // namespace arbor::arborctl::cli
