// File: arbor/exec/failpoint.h
//
// Named crash points for fault-injection tests (in the spirit of FreeBSD failpoints and TiKV's
// fail-rs): the executor is started with --failpoint=NAME[:N] and kills itself with SIGKILL the
// N-th time execution passes NAME — exactly what `kill -9` at that step would do, but at a
// deterministic place. Unset (the default) a failpoint costs one relaxed atomic load.
//
// Points (docs/exec.md): before_intent_commit, after_intent_commit, before_send, after_send,
// after_first_report, after_unwind_send.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace arbor::exec {

// Arms "NAME" or "NAME:N" (N >= 1, default 1). InvalidArgument for an unknown name or bad N.
[[nodiscard]] absl::Status ArmFailpoint(std::string_view spec);

// Kills the process (SIGKILL) if `name` is armed and this is its N-th hit.
void Failpoint(std::string_view name);

}  // namespace arbor::exec
