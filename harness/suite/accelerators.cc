#include "harness/suite/accelerators.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

// dlio_benchmark configs/workload: unet3d_h100.yaml and unet3d_a100.yaml (batch_size 7,
// read_threads 4, computation_time 0.323 s and 0.636 s, record_length_bytes 146600628),
// resnet50_h100.yaml (batch_size 64, read_threads 8, computation_time 0.103 s, record_length
// 114660.07), cosmoflow_h100.yaml (batch_size 1, read_threads 4, computation_time 0.0035 s,
// record_length 2828486).
constexpr std::array<AcceleratorProfile, 4> kProfiles{{
    {"unet3d-h100", 7, 323, 146600628, 4},
    {"unet3d-a100", 7, 636, 146600628, 4},
    {"resnet50-h100", 64, 103, 114660, 8},
    {"cosmoflow-h100", 1, 3.5, 2828486, 4},
}};

}  // namespace

std::span<const AcceleratorProfile> ShippedAccelerators() { return kProfiles; }

const AcceleratorProfile& FindAccelerator(std::string_view name) {
  std::string names;
  for (const AcceleratorProfile& p : kProfiles) {
    if (p.name == name) return p;
    names += (names.empty() ? "" : ", ") + std::string(p.name);
  }
  throw UsageError(fmt::format("--accelerator {}: unknown; expected one of: {}", name, names));
}

AcceleratorProfile DemandProfile(double samples_per_second, double compute_ms_per_batch) {
  if (!(samples_per_second > 0) || !std::isfinite(samples_per_second)) {
    throw UsageError(fmt::format(
        "--demand {:g}: expected the samples per second one accelerator consumes, above 0",
        samples_per_second));
  }
  if (!(compute_ms_per_batch > 0) || !std::isfinite(compute_ms_per_batch)) {
    throw UsageError(fmt::format(
        "--compute-ms-per-batch {:g}: expected the accelerator's step time in ms, above 0",
        compute_ms_per_batch));
  }
  const double batch = std::round(samples_per_second * compute_ms_per_batch / 1000);
  if (batch < 1) {
    throw UsageError(fmt::format(
        "--demand {:g} with --compute-ms-per-batch {:g}: a step would take {:.3g} samples, less "
        "than one; give a longer step",
        samples_per_second, compute_ms_per_batch,
        samples_per_second * compute_ms_per_batch / 1000));
  }
  AcceleratorProfile p;
  p.name = "demand";
  p.batch_size = static_cast<int>(batch);
  p.compute_ms_per_batch = compute_ms_per_batch;
  p.read_threads = 4;
  return p;
}

FedResult FindAcceleratorsFed(const std::function<FedProbe(int)>& measure, int max_accelerators,
                              double au_target_pct) {
  FedResult r;
  auto probe = [&](int n) {
    FedProbe p = measure(n);
    p.accelerators = n;
    r.probes.push_back(p);
    return p;
  };
  auto keeps = [&](const FedProbe& p) { return p.au_pct >= au_target_pct; };
  const FedProbe one = probe(1);
  if (!keeps(one)) return r;
  r.fed = 1;
  r.at = one;
  int bad = 0;  // the first count measured below the target; 0 while none
  while (bad == 0) {
    if (r.fed >= max_accelerators) {
      r.capped = true;
      return r;
    }
    const int next = std::min(2 * r.fed, max_accelerators);
    const FedProbe p = probe(next);
    if (keeps(p)) {
      r.fed = next;
      r.at = p;
    } else {
      bad = next;
    }
  }
  while (bad - r.fed > 1) {
    const int mid = r.fed + (bad - r.fed) / 2;
    const FedProbe p = probe(mid);
    if (keeps(p)) {
      r.fed = mid;
      r.at = p;
    } else {
      bad = mid;
    }
  }
  return r;
}

}  // namespace feedbench
