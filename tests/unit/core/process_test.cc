// Start-up plumbing shared by the binaries: log level names, stop-signal blocking.
#include "arbor/core/process.h"

#include <pthread.h>

#include "arbor/core/log.h"
#include "gtest/gtest.h"

namespace arbor {
namespace {

TEST(ProcessTest, SetLogLevelAcceptsTheFourNamesOnly) {
  Logger& log = Logger::Global();
  ASSERT_TRUE(SetLogLevel("error").ok());
  EXPECT_FALSE(log.Enabled(LogLevel::kWarning));
  EXPECT_TRUE(log.Enabled(LogLevel::kError));
  ASSERT_TRUE(SetLogLevel("debug").ok());
  EXPECT_TRUE(log.Enabled(LogLevel::kDebug));
  ASSERT_TRUE(SetLogLevel("warning").ok());
  EXPECT_FALSE(log.Enabled(LogLevel::kInfo));
  absl::Status bad = SetLogLevel("verbose");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("verbose"), absl::string_view::npos);
  EXPECT_FALSE(log.Enabled(LogLevel::kInfo));  // unchanged by the bad name
  ASSERT_TRUE(SetLogLevel("info").ok());
  EXPECT_TRUE(log.Enabled(LogLevel::kInfo));
  EXPECT_FALSE(log.Enabled(LogLevel::kDebug));
}

TEST(ProcessTest, StopSignalsAreBlockedAndDeliveredToTheWaiter) {
  sigset_t old;
  pthread_sigmask(SIG_SETMASK, nullptr, &old);
  const sigset_t stop = BlockStopSignals();
  sigset_t now;
  pthread_sigmask(SIG_SETMASK, nullptr, &now);
  EXPECT_EQ(sigismember(&now, SIGTERM), 1);
  EXPECT_EQ(sigismember(&now, SIGINT), 1);
  // A blocked SIGTERM stays pending (the process is not killed) until the waiter takes it.
  ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);
  EXPECT_EQ(WaitForStopSignal(stop), SIGTERM);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

}  // namespace
}  // namespace arbor
