// arbor-operator: reconciles TradingPolicy objects (arbor.dev/v1alpha1) into executor limits, lane
// budgets and feed policy, and reports stage evidence in their status (issue 8; docs/operator.md).
// Every flag is listed by --help.
//
// In a pod it finds the API server, token, CA and namespace the in-cluster way; --kube_api_url,
// --kube_token_file, --kube_ca_file and --namespace override them (tests, out-of-cluster runs).
// Several replicas may run: a coordination.k8s.io Lease (--lease_name) decides which one acts.
// On start it prints one JSON line once /metrics, /healthz and /readyz listen:
//   {"ops_port":9092,"identity":"arbor-operator-7c9-x2","namespace":"trading"}
// and runs until SIGTERM/SIGINT (then releases the Lease so a standby takes over at once).
// Exit codes: 0 clean stop, 1 bad flags or configuration, 2 cannot serve (ops port).
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/log.h"
#include "arbor/core/process.h"
#include "arbor/k8s/api_client.h"
#include "arbor/k8s/config.h"
#include "arbor/ops/ops_server.h"
#include "arbor/trading_policy/controller.h"
#include "prometheus/registry.h"

ABSL_FLAG(std::string, namespace, "",
          "Namespace whose TradingPolicies to reconcile (default: the pod's, from the "
          "service-account directory).");
ABSL_FLAG(std::string, kube_api_url, "",
          "API server URL, e.g. https://127.0.0.1:6443 (default: in-cluster "
          "KUBERNETES_SERVICE_HOST/PORT).");
ABSL_FLAG(std::string, kube_token_file, "",
          "Bearer token file, re-read every 5 min and after a 401 (default: the service "
          "account's).");
ABSL_FLAG(std::string, kube_ca_file, "",
          "CA bundle of the API server (default: the service "
          "account's ca.crt).");
ABSL_FLAG(std::string, executor, "", "Executor gRPC address (Executor + Control services).");
ABSL_FLAG(std::string, executor_token_file, "",
          "Bearer token for the executor and feed shards (the executor's --auth_token_file).");
ABSL_FLAG(std::string, executor_tls_ca_file, "",
          "CA that signs the executor's and feeds' TLS certificates (empty = plaintext).");
ABSL_FLAG(std::vector<std::string>, feeds, {},
          "Feed shard gRPC addresses that receive the policy's feed/failover settings.");
ABSL_FLAG(std::string, lease_name, "arbor-operator", "Leader-election Lease name.");
ABSL_FLAG(std::string, identity, "",
          "Lease holder identity (default: $POD_NAME, else the host name).");
ABSL_FLAG(absl::Duration, lease_duration, absl::Seconds(15), "Lease duration.");
ABSL_FLAG(absl::Duration, renew_deadline, absl::Seconds(10),
          "A leader that cannot renew for this long steps down.");
ABSL_FLAG(absl::Duration, retry_period, absl::Seconds(2), "Lease acquire/renew period.");
ABSL_FLAG(absl::Duration, resync, absl::Seconds(15),
          "Every policy is reconciled at least this often (stage windows, executor health).");
ABSL_FLAG(std::string, ops_address, "0.0.0.0", "Address of /metrics, /healthz, /readyz.");
ABSL_FLAG(int32_t, ops_port, 9092, "Port of the ops endpoint (0 = any).");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");

namespace {

template <typename T>
std::optional<T> NonEmpty(const T& value) {
  if (value.empty()) return std::nullopt;
  return value;
}

std::string DefaultIdentity() {
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') return pod;
  char host[256] = {};
  return gethostname(host, sizeof(host) - 1) == 0 ? std::string(host) : "arbor-operator";
}

int Fail(const std::string& what, const absl::Status& status, int code) {
  std::cerr << "arbor-operator: " << what << ": " << status.message() << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "arbor-operator: reconciles TradingPolicy objects into executor limits and feed policy.\n"
      "Usage: arbor-operator --executor=host:port [--feeds=host:port,...] [--flag=value]...");
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "operator/main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  const sigset_t stop_signals = arbor::BlockStopSignals();

  if (absl::Status s = arbor::SetLogLevel(absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    return Fail("--log_level", s, 1);
  }
  if (absl::GetFlag(FLAGS_executor).empty()) {
    return Fail("--executor", absl::InvalidArgumentError("is required"), 1);
  }

  arbor::k8s::ConfigOverrides overrides;
  overrides.api_url = NonEmpty(absl::GetFlag(FLAGS_kube_api_url));
  overrides.token_file = NonEmpty(absl::GetFlag(FLAGS_kube_token_file));
  overrides.ca_file = NonEmpty(absl::GetFlag(FLAGS_kube_ca_file));
  overrides.namespace_name = NonEmpty(absl::GetFlag(FLAGS_namespace));
  absl::StatusOr<arbor::k8s::ClusterConfig> config = arbor::k8s::InClusterConfig(overrides);
  if (!config.ok()) return Fail("API server configuration", config.status(), 1);
  absl::StatusOr<std::unique_ptr<arbor::k8s::ApiClient>> api =
      arbor::k8s::ApiClient::Create(*config);
  if (!api.ok()) return Fail("API client", api.status(), 1);

  const std::string identity =
      absl::GetFlag(FLAGS_identity).empty() ? DefaultIdentity() : absl::GetFlag(FLAGS_identity);
  arbor::trading_policy::GrpcControlOptions control;
  control.executor_address = absl::GetFlag(FLAGS_executor);
  control.feed_addresses = absl::GetFlag(FLAGS_feeds);
  control.token_file = absl::GetFlag(FLAGS_executor_token_file);
  control.tls_ca_file = absl::GetFlag(FLAGS_executor_tls_ca_file);
  control.identity = absl::StrCat("operator/", identity);
  auto executor = arbor::trading_policy::MakeGrpcExecutorControl(control);
  if (!executor.ok()) return Fail("executor client", executor.status(), 1);
  auto feeds = arbor::trading_policy::MakeGrpcFeedControl(control);
  if (!feeds.ok()) return Fail("feed clients", feeds.status(), 1);

  arbor::trading_policy::ControllerOptions options;
  options.namespace_name = config->namespace_name;
  options.identity = identity;
  options.lease_name = absl::GetFlag(FLAGS_lease_name);
  options.lease_duration = absl::GetFlag(FLAGS_lease_duration);
  options.renew_deadline = absl::GetFlag(FLAGS_renew_deadline);
  options.retry_period = absl::GetFlag(FLAGS_retry_period);
  options.resync = absl::GetFlag(FLAGS_resync);
  if (!(options.lease_duration > options.renew_deadline &&
        options.renew_deadline > options.retry_period &&
        options.retry_period > absl::ZeroDuration())) {
    return Fail("--lease_duration/--renew_deadline/--retry_period",
                absl::InvalidArgumentError("need lease_duration > renew_deadline > "
                                           "retry_period > 0"),
                1);
  }

  auto registry = std::make_shared<prometheus::Registry>();
  arbor::trading_policy::Controller controller(**api, **executor, **feeds, *registry, options);

  arbor::ops::OpsServerOptions ops_options;
  ops_options.bind_address = absl::GetFlag(FLAGS_ops_address);
  ops_options.port = static_cast<uint16_t>(absl::GetFlag(FLAGS_ops_port));
  ops_options.readiness = [&controller] { return controller.Ready(); };
  arbor::ops::OpsServer ops(ops_options);
  ops.AddCollectable(registry);
  if (absl::Status s = ops.Start(); !s.ok()) return Fail("ops server", s, 2);

  controller.Start();
  std::cout << "{\"ops_port\":" << ops.port() << ",\"identity\":\"" << identity
            << "\",\"namespace\":\"" << options.namespace_name << "\"}" << std::endl;
  ARBOR_LOG(kInfo, "operator", "started")
      .Field("namespace", options.namespace_name)
      .Field("identity", identity)
      .Field("executor", control.executor_address);

  const int signal_number = arbor::WaitForStopSignal(stop_signals);
  ARBOR_LOG(kInfo, "operator", "stopping").Field("signal", signal_number);
  controller.Stop();
  ops.Stop();
  return 0;
}
