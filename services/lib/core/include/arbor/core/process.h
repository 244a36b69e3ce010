// File: arbor/core/process.h
//
// The start-up and shutdown plumbing every arbor binary's main() shares:
//
//   const sigset_t stop = arbor::BlockStopSignals();      // before any thread starts
//   if (absl::Status s = arbor::SetLogLevel(level); !s.ok()) { ... exit 1 ... }
//   ... start the service ...
//   int signal_number = arbor::WaitForStopSignal(stop);    // SIGTERM / SIGINT
#pragma once

#include <signal.h>

#include <string_view>

#include "absl/status/status.h"

namespace arbor {

// BlockStopSignals
//
// Blocks SIGTERM and SIGINT in the calling thread and returns the set. Call it before any thread
// starts: every thread inherits the mask, so the signals wait for WaitForStopSignal instead of
// killing the process mid-write.
sigset_t BlockStopSignals();

// WaitForStopSignal
//
// Blocks until one of `signals` arrives; returns its number.
int WaitForStopSignal(const sigset_t& signals);

// SetLogLevel
//
// Sets the global logger's minimum level from "debug", "info", "warning" or "error".
// Errors: InvalidArgument naming the accepted values.
[[nodiscard]] absl::Status SetLogLevel(std::string_view level);

}  // namespace arbor
