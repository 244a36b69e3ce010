// File: tests/support/pch/test_pch.h
//
// The precompiled header of every arbor_cc_test target (cmake/ArborHelpers.cmake): the heavy
// headers most test files include, parsed once per build instead of once per test file.
// Measured over the ~190 test files of a ci-preset build (g++ 12, -j2): 2108 s -> 1480 s of
// summed compile time, ~10 CPU-minutes per gcc pass (docs/development.md, "Build time").
//
// Only headers whose meaning no test changes with macros belong here. Test files keep their own
// #includes (include what you use) so that a build with CMAKE_DISABLE_PRECOMPILE_HEADERS=ON
// still compiles. CI does not run that build: a new test file that forgets an include builds in
// CI and breaks only there.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
