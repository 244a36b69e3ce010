#include "arbor/core/log.h"

#include <unistd.h>

#include "absl/time/time.h"

namespace arbor {

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

void StderrLogSink::Write(std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string buf(line);
  buf.push_back('\n');
  // One write(2) per line; a short write on a pipe is retried.
  const char* p = buf.data();
  size_t left = buf.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

namespace {
StderrLogSink& DefaultSink() {
  static StderrLogSink* sink = new StderrLogSink();
  return *sink;
}
}  // namespace

Logger::Logger() : sink_(&DefaultSink()), clock_(&SystemClock::Get()) {}

Logger& Logger::Global() {
  static Logger* logger = new Logger();
  return *logger;
}

void Logger::SetSink(LogSink* sink) {
  sink_.store(sink != nullptr ? sink : &DefaultSink(), std::memory_order_release);
}

void Logger::SetClock(const Clock* clock) {
  clock_.store(clock != nullptr ? clock : &SystemClock::Get(), std::memory_order_release);
}

LogLine::LogLine(LogLevel level, std::string_view component, std::string_view msg) {
  const absl::Time now = Logger::Global().clock().Now();
  writer_.BeginObject()
      .Key("ts")
      .String(absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", now, absl::UTCTimeZone()))
      .Key("level")
      .String(LogLevelName(level))
      .Key("component")
      .String(component)
      .Key("msg")
      .String(msg);
}

LogLine::~LogLine() {
  writer_.EndObject();
  Logger::Global().sink().Write(writer_.str());
}

LogLine& LogLine::Field(std::string_view key, std::string_view value) {
  writer_.Key(key).String(value);
  return *this;
}

LogLine& LogLine::Field(std::string_view key, bool value) {
  writer_.Key(key).Bool(value);
  return *this;
}

LogLine& LogLine::Field(std::string_view key, double value) {
  writer_.Key(key).Double(value);
  return *this;
}

}  // namespace arbor
