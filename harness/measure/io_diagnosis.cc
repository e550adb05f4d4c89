#include "harness/measure/io_diagnosis.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "harness/base/errors.h"

namespace feedbench {
namespace {

constexpr double kBytesPerKb = 1024.0;  // iostat's kB

bool Held(SignVerdict v) { return v == SignVerdict::kSustained || v == SignVerdict::kAtTimes; }

struct ThresholdField {
  std::string_view name;
  double DiagnosisThresholds::*member;
  double min_exclusive;  // the value must be above this
  double max_inclusive;
};

constexpr ThresholdField kFields[] = {
    {"util_healthy_pct", &DiagnosisThresholds::util_healthy_pct, 0, 100},
    {"util_saturated_pct", &DiagnosisThresholds::util_saturated_pct, 0, 100},
    {"await_healthy_ms", &DiagnosisThresholds::await_healthy_ms, 0, 1e9},
    {"await_queueing_ms", &DiagnosisThresholds::await_queueing_ms, 0, 1e9},
    {"aqu_deep", &DiagnosisThresholds::aqu_deep, 0, 1e9},
    {"ceiling_far_below_pct", &DiagnosisThresholds::ceiling_far_below_pct, 0, 100},
    {"small_read_kb", &DiagnosisThresholds::small_read_kb, 0, 1e9},
    {"many_reads_per_sec", &DiagnosisThresholds::many_reads_per_sec, 0, 1e12},
    {"sustained_share", &DiagnosisThresholds::sustained_share, 0, 1},
};

// Whether the sign held in one interval (row), given the row's figures.
bool HoldsIn(SignKind sign, const IostatFigures& f, const DiagnosisThresholds& t,
             const DeviceTraits& traits) {
  switch (sign) {
    case SignKind::kSaturated:
      return f.util_pct > t.util_saturated_pct;
    case SignKind::kQueueing:
      return f.r_await_ms > t.await_queueing_ms;
    case SignKind::kDeepQueue:
      return f.aqu_sz > t.aqu_deep;
    case SignKind::kFarBelowCeiling:
      return traits.read_ceiling_bytes_per_sec &&
             f.rkb_per_sec * kBytesPerKb <
                 *traits.read_ceiling_bytes_per_sec * t.ceiling_far_below_pct / 100;
    case SignKind::kManySmallReads:
      return f.rareq_kb < t.small_read_kb && f.r_per_sec > t.many_reads_per_sec;
  }
  return false;
}

bool CountsOverReads(SignKind sign) {
  return sign == SignKind::kQueueing || sign == SignKind::kFarBelowCeiling ||
         sign == SignKind::kManySmallReads;
}

std::string Num(double v) { return fmt::format("{:.2f}", v); }

SignReading Read(SignKind sign, const IostatFigures& w, const SignTally& tally,
                 const DiagnosisThresholds& t, const DeviceTraits& traits) {
  SignReading r;
  r.sign = sign;
  const auto held = tally.held.find(sign);
  r.held = held == tally.held.end() ? 0 : held->second;
  r.eligible = CountsOverReads(sign) ? tally.reading_intervals : tally.intervals;
  switch (sign) {
    case SignKind::kSaturated:
      r.window_value = w.util_pct;
      r.unit = "%";
      r.threshold_text =
          fmt::format("above {}% (healthy below {}%)", t.util_saturated_pct, t.util_healthy_pct);
      if (traits.serves_in_parallel) {
        r.reason = fmt::format(
            "%util means little on a {} (it serves requests in parallel and reads 100% long "
            "before its limit); judged by await and aqu-sz instead",
            traits.kind_text);
      }
      break;
    case SignKind::kQueueing:
      r.window_value = w.r_await_ms;
      r.unit = "ms r_await";
      r.threshold_text =
          fmt::format("above {} ms (healthy below {} ms)", t.await_queueing_ms, t.await_healthy_ms);
      break;
    case SignKind::kDeepQueue:
      r.window_value = w.aqu_sz;
      r.unit = "requests aqu-sz";
      r.threshold_text = fmt::format("above {} requests", t.aqu_deep);
      break;
    case SignKind::kFarBelowCeiling:
      r.unit = "% of the ceiling";
      r.threshold_text = fmt::format("below {}% of the device's read ceiling", t.ceiling_far_below_pct);
      if (!traits.read_ceiling_bytes_per_sec) {
        r.reason =
            "no read ceiling known for this device (give --ceiling with a `feedbench fio` result "
            "of it)";
      } else {
        r.window_value = 100 * w.rkb_per_sec * kBytesPerKb / *traits.read_ceiling_bytes_per_sec;
        r.threshold_text += fmt::format(" ({:.0f} MB/s, {})",
                                        *traits.read_ceiling_bytes_per_sec / 1e6,
                                        traits.ceiling_source);
      }
      break;
    case SignKind::kManySmallReads:
      r.window_value = w.rareq_kb;
      r.unit = "kB rareq-sz";
      r.threshold_text = fmt::format("rareq-sz below {} kB at more than {} r/s (window: {} r/s)",
                                     t.small_read_kb, t.many_reads_per_sec, Num(w.r_per_sec));
      break;
  }
  if (r.reason.empty() && r.eligible == 0) {
    r.reason = CountsOverReads(sign) ? "no interval had reads" : "no interval was sampled";
  }
  if (!r.reason.empty()) {
    r.verdict = SignVerdict::kNotJudged;
  } else if (r.held == 0) {
    r.verdict = SignVerdict::kNo;
  } else if (r.Share() >= t.sustained_share) {
    r.verdict = SignVerdict::kSustained;
  } else {
    r.verdict = SignVerdict::kAtTimes;
  }
  return r;
}

const SignReading& Of(const DeviceDiagnosis& d, SignKind sign) {
  for (const SignReading& r : d.signs) {
    if (r.sign == sign) return r;
  }
  return d.signs.front();  // unreachable: Diagnose reads every sign
}

std::string Advice(const DeviceDiagnosis& d, const IostatFigures& w) {
  const bool small = Held(Of(d, SignKind::kManySmallReads).verdict);
  const bool queue = Held(Of(d, SignKind::kQueueing).verdict) ||
                     Held(Of(d, SignKind::kDeepQueue).verdict) ||
                     Held(Of(d, SignKind::kSaturated).verdict);
  const SignReading& ceiling = Of(d, SignKind::kFarBelowCeiling);
  bool any_judged = false;
  for (const SignReading& r : d.signs) any_judged |= r.verdict != SignVerdict::kNotJudged;
  if (!any_judged) return "";
  if (small && queue) {
    return fmt::format(
        "small random reads queueing on {} ({} kB per read at {} r/s): pack the samples into fewer, "
        "larger records (LMDB, shards) so that each read brings more data; measure the options "
        "with `feedbench run --suite layouts`",
        d.device, Num(w.rareq_kb), Num(w.r_per_sec));
  }
  if (queue && ceiling.verdict == SignVerdict::kSustained) {
    return fmt::format(
        "requests queue on {} while it delivers {:.0f}% of its read ceiling: the access pattern, "
        "not the bandwidth, limits it; fewer, larger reads (pack the samples) or more reads in "
        "flight from the loader; measure with `feedbench run --suite layouts`",
        d.device, ceiling.window_value.value_or(0));
  }
  if (queue) {
    return fmt::format(
        "{} is at its limit for this access pattern (requests queue at {} kB per read): a faster "
        "device, more devices or a cache in memory (tmpfs staging, `--cache warm`) is the lever",
        d.device, Num(w.rareq_kb));
  }
  if (ceiling.verdict == SignVerdict::kSustained) {
    return fmt::format(
        "{} is not the bottleneck: short queues at {:.0f}% of its read ceiling; look at the "
        "loader first (workers, prefetch, decoding)",
        d.device, ceiling.window_value.value_or(0));
  }
  return fmt::format("{} shows no sign of limiting the job in this window", d.device);
}

}  // namespace

std::map<std::string, double> ThresholdValues(const DiagnosisThresholds& thresholds) {
  std::map<std::string, double> values;
  for (const ThresholdField& f : kFields) values[std::string(f.name)] = thresholds.*(f.member);
  return values;
}

DiagnosisThresholds ParseThresholds(std::string_view json_text, std::string_view source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format("--thresholds {}: not JSON: {}", source, e.what()));
  }
  if (!doc.is_object()) {
    throw UsageError(fmt::format(
        "--thresholds {}: expected a JSON object of threshold names and numbers", source));
  }
  DiagnosisThresholds t;
  for (const auto& [key, value] : doc.items()) {
    const ThresholdField* field = nullptr;
    for (const ThresholdField& f : kFields) {
      if (f.name == key) field = &f;
    }
    if (field == nullptr) {
      std::vector<std::string_view> known;
      for (const ThresholdField& f : kFields) known.push_back(f.name);
      throw UsageError(fmt::format("--thresholds {}: unknown sign threshold '{}'; known: {}",
                                   source, key, fmt::join(known, ", ")));
    }
    if (!value.is_number() || !std::isfinite(value.get<double>()) ||
        !(value.get<double>() > field->min_exclusive) ||
        !(value.get<double>() <= field->max_inclusive)) {
      throw UsageError(fmt::format(
          "--thresholds {}: {} is {}; expected a number above {} and at most {}", source, key,
          value.dump(), field->min_exclusive, field->max_inclusive));
    }
    t.*(field->member) = value.get<double>();
  }
  if (t.util_healthy_pct > t.util_saturated_pct) {
    throw UsageError(fmt::format(
        "--thresholds {}: util_healthy_pct {} is above util_saturated_pct {}; expected healthy "
        "at or below saturated",
        source, t.util_healthy_pct, t.util_saturated_pct));
  }
  if (t.await_healthy_ms > t.await_queueing_ms) {
    throw UsageError(fmt::format(
        "--thresholds {}: await_healthy_ms {} is above await_queueing_ms {}; expected healthy at "
        "or below queueing",
        source, t.await_healthy_ms, t.await_queueing_ms));
  }
  return t;
}

std::string_view SignName(SignKind sign) {
  switch (sign) {
    case SignKind::kSaturated:
      return "saturated";
    case SignKind::kQueueing:
      return "queueing";
    case SignKind::kDeepQueue:
      return "deep queue";
    case SignKind::kFarBelowCeiling:
      return "far below the ceiling";
    case SignKind::kManySmallReads:
      return "many small reads";
  }
  return "?";
}

std::string_view SignVerdictName(SignVerdict verdict) {
  switch (verdict) {
    case SignVerdict::kSustained:
      return "SUSTAINED";
    case SignVerdict::kAtTimes:
      return "AT TIMES";
    case SignVerdict::kNo:
      return "NO";
    case SignVerdict::kNotJudged:
      return "NOT JUDGED";
  }
  return "?";
}

DeviceTraits TraitsFromDevice(std::string_view name, bool rotational) {
  DeviceTraits traits;
  const bool scsi = name.starts_with("sd") || name.starts_with("hd");
  traits.serves_in_parallel = !(scsi && rotational);
  if (!traits.serves_in_parallel) {
    traits.kind_text = fmt::format("rotational disk {}", name);
  } else if (name.starts_with("nvme")) {
    traits.kind_text = fmt::format("NVMe device {}", name);
  } else if (name.starts_with("vd") || name.starts_with("xvd")) {
    traits.kind_text = fmt::format("virtual disk {}", name);
  } else if (name.starts_with("loop")) {
    traits.kind_text = fmt::format("loop device {}", name);
  } else if (name.starts_with("dm-") || name.starts_with("md")) {
    traits.kind_text = fmt::format("device-mapper or md device {}", name);
  } else {
    traits.kind_text = fmt::format("solid-state device {}", name);
  }
  return traits;
}

void SignTally::Add(const SampleRow& sample, const DiagnosisThresholds& thresholds,
                    const DeviceTraits& traits) {
  if (!(sample.offset_sec > last_offset_sec)) return;
  last_offset_sec = sample.offset_sec;
  const IostatFigures& row = sample.figures;
  ++intervals;
  const bool reading = row.r_per_sec > 0;
  if (reading) ++reading_intervals;
  for (const SignKind sign : kAllSigns) {
    if (CountsOverReads(sign) && !reading) continue;
    if (HoldsIn(sign, row, thresholds, traits)) ++held[sign];
  }
}

DeviceDiagnosis Diagnose(std::string_view device, const IostatFigures& window,
                         const SignTally& tally, const DiagnosisThresholds& thresholds,
                         const DeviceTraits& traits) {
  DeviceDiagnosis d;
  d.device = std::string(device);
  for (const SignKind sign : kAllSigns) {
    d.signs.push_back(Read(sign, window, tally, thresholds, traits));
  }
  d.advice = Advice(d, window);
  return d;
}

}  // namespace feedbench
