// File: arbor/core/log.h
//
// Structured logging as JSON lines: one object per line with "ts", "level", "component", "msg"
// and any fields the call site adds. Debian's Abseil has no absl/log, so this is ours.
//
//   ARBOR_LOG(kWarning, "feed", "reconnecting").Field("venue", "polymarket").Field("attempt", 3);
//   -> {"ts":"2026-11-22T01:02:03.456789Z","level":"warning","component":"feed",
//       "msg":"reconnecting","venue":"polymarket","attempt":3}
//
// The line is assembled in a local buffer and written with one call to the sink, so lines from
// different threads never interleave. Disabled levels cost one relaxed atomic load. Secrets
// (keys, API secrets) must never be passed as fields.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>

#include "arbor/core/clock.h"
#include "arbor/core/json_writer.h"

namespace arbor {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

std::string_view LogLevelName(LogLevel level);

// Where finished lines go. Write() receives one complete line without the trailing newline.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes lines to stderr (the default sink).
class StderrLogSink final : public LogSink {
 public:
  void Write(std::string_view line) override;

 private:
  std::mutex mu_;
};

// Process-wide logging configuration. Set sink, clock and level at start-up (before threads
// start); Enabled() may be called from any thread.
class Logger {
 public:
  static Logger& Global();

  void SetSink(LogSink* sink);        // not owned; nullptr restores stderr
  void SetClock(const Clock* clock);  // not owned; nullptr restores the system clock
  void SetMinLevel(LogLevel level) {
    min_level_.store(static_cast<int>(level), std::memory_order_relaxed);
  }
  bool Enabled(LogLevel level) const {
    return static_cast<int>(level) >= min_level_.load(std::memory_order_relaxed);
  }

  LogSink& sink() const { return *sink_.load(std::memory_order_acquire); }
  const Clock& clock() const { return *clock_.load(std::memory_order_acquire); }

 private:
  Logger();
  std::atomic<int> min_level_{static_cast<int>(LogLevel::kInfo)};
  std::atomic<LogSink*> sink_;
  std::atomic<const Clock*> clock_;
};

// One log line under construction; emitted when destroyed (end of the full expression).
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view component, std::string_view msg);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Field(std::string_view key, std::string_view value);
  LogLine& Field(std::string_view key, const char* value) {
    return Field(key, std::string_view(value));
  }
  LogLine& Field(std::string_view key, const std::string& value) {
    return Field(key, std::string_view(value));
  }
  LogLine& Field(std::string_view key, bool value);
  LogLine& Field(std::string_view key, double value);
  template <typename T,
            typename = std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>>
  LogLine& Field(std::string_view key, T value) {
    if constexpr (std::is_signed_v<T>) {
      writer_.Key(key).Int(static_cast<int64_t>(value));
    } else {
      writer_.Key(key).Uint(static_cast<uint64_t>(value));
    }
    return *this;
  }

 private:
  JsonWriter writer_;
};

}  // namespace arbor

// ARBOR_LOG(kInfo, "component", "message").Field(...)...;  Fields are not evaluated when the
// level is disabled.
#define ARBOR_LOG(level, component, msg)                              \
  if (!::arbor::Logger::Global().Enabled(::arbor::LogLevel::level)) { \
  } else                                                              \
    ::arbor::LogLine(::arbor::LogLevel::level, (component), (msg))
