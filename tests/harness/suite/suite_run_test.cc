#include "harness/suite/suite_run.h"

#include <gtest/gtest.h>

#include <functional>

#include "harness/base/errors.h"
#include "harness/suite/suite.h"

namespace feedbench {
namespace {

// A workload whose repetitions do what the test says.
class FakeWorkload : public Workload {
 public:
  explicit FakeWorkload(std::function<RepetitionMeasurement(int)> body) : body_(std::move(body)) {}
  RepetitionMeasurement RunOnce(int repetition) override { return body_(repetition); }

 private:
  std::function<RepetitionMeasurement(int)> body_;
};

TEST(RunRepetition, AReadErrorBecomesAFailedRepetitionWithItsReason) {
  FakeWorkload w(
      [](int) -> RepetitionMeasurement { throw RunError("read /data/x: Input/output error"); });
  const RepetitionMeasurement m = RunRepetition(w, 0);
  EXPECT_EQ(m.state, RepetitionState::kFailed);
  EXPECT_EQ(m.reason, "io: read /data/x: Input/output error");
}

TEST(RunRepetition, AnEnvironmentErrorEndsTheRun) {
  FakeWorkload w(
      [](int) -> RepetitionMeasurement { throw EnvironmentError("no space left on /data"); });
  EXPECT_THROW(RunRepetition(w, 0), EnvironmentError);
}

TEST(RunRepetition, AMeasurementPassesThroughWithItsRepetitionIndex) {
  FakeWorkload w([](int rep) {
    RepetitionMeasurement m;
    m.figures.Set(Metric::kSamplesPerSecond, 100.0 + rep);
    return m;
  });
  EXPECT_EQ(RunRepetition(w, 2).figures.Get(Metric::kSamplesPerSecond), 102.0);
}

TEST(SuiteRun, AFailedOrUnverifiedRepetitionFailsTheRunAContaminatedOneDoesNot) {
  SuiteRun run;
  run.workloads.resize(1);
  run.workloads[0].measurements.resize(2);
  EXPECT_FALSE(run.AnyFailed());
  run.workloads[0].measurements[1].state = RepetitionState::kCacheContaminated;
  EXPECT_FALSE(run.AnyFailed());
  run.workloads[0].measurements[0].state = RepetitionState::kVerificationFailed;
  EXPECT_TRUE(run.AnyFailed());
}

}  // namespace
}  // namespace feedbench
