#include "harness/report/metrics_report.h"

#include <fmt/format.h>

namespace feedbench {
namespace {

std::string_view ToleranceName(ToleranceClass t) {
  return t == ToleranceClass::kThroughput ? "throughput" : "await";
}

std::string_view Or(std::string_view text, std::string_view fallback) {
  return text.empty() ? fallback : text;
}

}  // namespace

std::string RenderMetricsTable(std::span<const MetricInfo> metrics) {
  std::string out;
  for (const MetricInfo& m : metrics) {
    out += fmt::format("{} ({}; {}; {} tolerance)\n  {}\n", m.name, Or(m.unit, "no unit"),
                       OrientationName(m.orientation), ToleranceName(m.tolerance_class),
                       m.description);
    out += fmt::format("  reader: {}\n  fio:    {}\n", Or(m.reader_meaning, "-"),
                       Or(m.fio_meaning, "-"));
  }
  return out;
}

nlohmann::json MetricsToJson(std::span<const MetricInfo> metrics) {
  nlohmann::json out = nlohmann::json::array();
  auto meaning = [](std::string_view text) {
    return text.empty() ? nlohmann::json() : nlohmann::json(std::string(text));
  };
  for (const MetricInfo& m : metrics) {
    out.push_back({{"name", m.name},
                   {"unit", m.unit},
                   {"direction", OrientationName(m.orientation)},
                   {"tolerance", ToleranceName(m.tolerance_class)},
                   {"description", m.description},
                   {"reader", meaning(m.reader_meaning)},
                   {"fio", meaning(m.fio_meaning)}});
  }
  return out;
}

}  // namespace feedbench
