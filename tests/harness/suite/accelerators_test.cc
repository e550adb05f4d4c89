#include "harness/suite/accelerators.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

// A store that delivers at most `capacity` samples/s to accelerators that each want `demand`:
// n accelerators get min(1, capacity ÷ (n·demand)) of their demand, so AU = that share. The
// largest n at AU ≥ 90% is floor(capacity ÷ (0.9·demand)).
std::function<FedProbe(int)> SimulatedStore(double capacity, double demand) {
  return [=](int n) {
    const double share = std::min(1.0, capacity / (n * demand));
    return FedProbe{n, 100 * share, share * n * demand};
  };
}

TEST(FindAcceleratorsFed, FindsTheLargestCountAStoreOfKnownCapacityFeeds) {
  for (const double capacity : {50.0, 100.0, 620.0, 999.0, 5000.0, 12345.0}) {
    const double demand = 62.1;
    const int expected = static_cast<int>(std::floor(capacity / (0.9 * demand)));
    const FedResult r = FindAcceleratorsFed(SimulatedStore(capacity, demand), 1000);
    EXPECT_EQ(r.fed, expected) << "capacity " << capacity;
    if (expected > 0) {
      ASSERT_TRUE(r.at.has_value());
      EXPECT_EQ(r.at->accelerators, expected);
      EXPECT_GE(r.at->au_pct, 90.0);
    }
    EXPECT_FALSE(r.capped);
    // Bracketing then bisecting: about 2·log2(answer) measurements, not one per count.
    EXPECT_LE(r.probes.size(), 2 * static_cast<size_t>(std::log2(expected + 1)) + 3)
        << "capacity " << capacity;
  }
}

TEST(FindAcceleratorsFed, NoneWhenOneAcceleratorAlreadyWaitsAndCappedAtTheLimit) {
  const FedResult none = FindAcceleratorsFed(SimulatedStore(10, 100), 64);
  EXPECT_EQ(none.fed, 0);
  EXPECT_FALSE(none.at.has_value());
  EXPECT_EQ(none.probes.size(), 1u);
  const FedResult capped = FindAcceleratorsFed(SimulatedStore(1e9, 1), 12);
  EXPECT_EQ(capped.fed, 12);
  EXPECT_TRUE(capped.capped);
}

TEST(Accelerators, ShippedProfilesAndDemandsAreCheckedByName) {
  const AcceleratorProfile& resnet = FindAccelerator("resnet50-h100");
  EXPECT_NEAR(resnet.SamplesPerSecond(), 64 / 0.103, 1e-9);
  try {
    FindAccelerator("tpu9");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--accelerator tpu9: unknown; expected one of: "
                                         "unet3d-h100, unet3d-a100, resnet50-h100, cosmoflow-h100"),
              std::string::npos)
        << e.what();
  }
  const AcceleratorProfile d = DemandProfile(640, 100);
  EXPECT_EQ(d.batch_size, 64);
  EXPECT_THROW(DemandProfile(0, 100), UsageError);
  EXPECT_THROW(DemandProfile(-5, 100), UsageError);
  EXPECT_THROW(DemandProfile(100, 0), UsageError);
  EXPECT_THROW(DemandProfile(100, 2), UsageError);  // 0.2 samples a step
}

}  // namespace
}  // namespace feedbench
