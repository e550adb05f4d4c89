// Is the disk why a training job waits? The diagnosis `feedbench monitor` prints with its window
// summary: for each device, five signs read from iostat's figures with a table of healthy values
// and danger signs, each with its numbers and the share of sampling intervals it held, and one
// line of advice where the signs point somewhere.
//
// The signs and their default thresholds (the field guide of data-loading diagnosis: %util under
// 70% healthy, above 85% saturated; await under 10 ms healthy, above 20 ms requests queue; aqu-sz
// 2-4 healthy, above 4 too much concurrency; rkB/s near the device's bandwidth or far below it):
//   saturated      %util above util_saturated_pct (85); healthy below util_healthy_pct (70).
//                  Judged only on a device that serves one request at a time (a rotational
//                  SCSI/SATA disk): on devices that serve requests in parallel (NVMe, SSDs, virtual
//                  disks, loop, device-mapper and md devices) %util reaches 100% long before their
//                  limit (iostat(1), "%util"), so the sign is not judged there and await and aqu-sz
//                  stand in for it.
//   queueing       r_await above await_queueing_ms (20 ms); healthy below await_healthy_ms (10).
//   deep queue     aqu-sz above aqu_deep (4 requests).
//   far below the ceiling   rkB/s below ceiling_far_below_pct (50%) of the device's read ceiling
//                  (a `feedbench fio` result), while reading; not judged without a ceiling.
//   many small reads        rareq-sz below small_read_kb (32 kB) at more than many_reads_per_sec
//                  (500 r/s).
// Units are iostat's: kB = 1024 bytes, ms, requests.
//
// Each sign is counted over the intervals where it can hold: the intervals with reads (r/s > 0)
// for queueing, far below the ceiling and many small reads, every interval for saturated and deep
// queue. Its verdict: SUSTAINED when it held in at least sustained_share (50%) of those intervals,
// AT TIMES when in fewer but at least one, NO when in none, NOT JUDGED (with the reason) when no
// interval could show it or the device cannot be judged by it. The window's own figure is given
// beside it (exact, from the window's counter totals).
//
// Pure and thread-safe, but SignTally::Add, which the sampler's callback calls on its thread,
// needs the caller's lock when read from another thread before the window ends.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/measure/diskstats.h"
#include "harness/measure/sampler.h"

namespace feedbench {

struct DiagnosisThresholds {
  double util_healthy_pct = 70;
  double util_saturated_pct = 85;
  double await_healthy_ms = 10;
  double await_queueing_ms = 20;
  double aqu_deep = 4;
  double ceiling_far_below_pct = 50;
  double small_read_kb = 32;
  double many_reads_per_sec = 500;
  double sustained_share = 0.5;  // fraction of the eligible intervals
};

// The thresholds' names as a thresholds file spells them, each with its value.
std::map<std::string, double> ThresholdValues(const DiagnosisThresholds& thresholds);

// A thresholds file: a JSON object whose keys are some of ThresholdValues' names, each a finite
// number (percentages from 0 to 100, sustained_share from 0 to 1 exclusive of 0, the others > 0);
// the keys it leaves out keep their defaults. Throws UsageError naming `source` and the key: not
// JSON, not an object, an unknown key (listing the known ones), a value out of range, or healthy
// above danger (util_healthy_pct > util_saturated_pct, await_healthy_ms > await_queueing_ms).
DiagnosisThresholds ParseThresholds(std::string_view json_text, std::string_view source);

enum class SignKind { kSaturated, kQueueing, kDeepQueue, kFarBelowCeiling, kManySmallReads };
inline constexpr SignKind kAllSigns[] = {SignKind::kSaturated, SignKind::kQueueing,
                                         SignKind::kDeepQueue, SignKind::kFarBelowCeiling,
                                         SignKind::kManySmallReads};

// "saturated", "queueing", "deep queue", "far below the ceiling", "many small reads".
std::string_view SignName(SignKind sign);

enum class SignVerdict { kSustained, kAtTimes, kNo, kNotJudged };

// "SUSTAINED", "AT TIMES", "NO", "NOT JUDGED".
std::string_view SignVerdictName(SignVerdict verdict);

// What the diagnosis knows of a device beyond its figures.
struct DeviceTraits {
  // True for a device that serves requests in parallel (see the top); false for a rotational
  // SCSI/SATA disk. Then %util is not judged.
  bool serves_in_parallel = true;
  std::string kind_text;  // for the message: "virtual disk vda", "rotational disk sda"
  // The device's read ceiling, bytes/s, and where it came from ("fio result X, seq-read");
  // absent: the ceiling sign is not judged.
  std::optional<double> read_ceiling_bytes_per_sec;
  std::string ceiling_source;
};

// Which of a device's DeviceTraits the diagnosis takes from its name and rotational flag: a
// device whose name starts "sd" or "hd" and that is rotational serves one request at a time;
// every other one (nvme*, vd*, xvd*, loop*, dm-*, md*, a non-rotational sd*) in parallel.
DeviceTraits TraitsFromDevice(std::string_view name, bool rotational);

// Interval counts per sign for one device, fed its sampling rows in order.
struct SignTally {
  std::uint64_t intervals = 0;             // every row
  std::uint64_t reading_intervals = 0;     // rows with r/s > 0
  std::map<SignKind, std::uint64_t> held;  // rows where the sign held
  double last_offset_sec = 0;              // the offset of the last row added

  // Adds one row of this device. A row that spans no time (the sampler's edge row at Start,
  // offset 0) is left out.
  void Add(const SampleRow& row, const DiagnosisThresholds& thresholds,
           const DeviceTraits& traits);
};

struct SignReading {
  SignKind sign = SignKind::kSaturated;
  SignVerdict verdict = SignVerdict::kNotJudged;
  std::optional<double> window_value;  // the window's figure (its unit in `unit`)
  std::string unit;                    // "%", "ms", "requests", "% of the ceiling", "kB"
  std::string threshold_text;          // "above 85% (healthy below 70%)"
  std::uint64_t held = 0;              // intervals where it held
  std::uint64_t eligible = 0;          // intervals where it could hold
  std::string reason;                  // NOT JUDGED: why
  double Share() const { return eligible == 0 ? 0 : static_cast<double>(held) / eligible; }
};

struct DeviceDiagnosis {
  std::string device;
  std::vector<SignReading> signs;  // in kAllSigns order
  std::string advice;              // one line; "" when nothing points anywhere
};

// The diagnosis of one device's window: `window` the window's figures (from its exact totals),
// `tally` its rows counted with the same thresholds and traits.
DeviceDiagnosis Diagnose(std::string_view device, const IostatFigures& window,
                         const SignTally& tally, const DiagnosisThresholds& thresholds,
                         const DeviceTraits& traits);

}  // namespace feedbench
