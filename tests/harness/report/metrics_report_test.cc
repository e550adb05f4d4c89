#include "harness/report/metrics_report.h"

#include <gtest/gtest.h>

namespace feedbench {
namespace {

TEST(MetricsReport, ListsEveryRegistryRowWithItsMeaningPerKind) {
  const std::string text = RenderMetricsTable(KnownMetrics());
  const nlohmann::json json = MetricsToJson(KnownMetrics());
  ASSERT_EQ(json.size(), KnownMetrics().size());
  for (size_t i = 0; i < KnownMetrics().size(); ++i) {
    const MetricInfo& m = KnownMetrics()[i];
    EXPECT_NE(text.find(std::string(m.name) + " ("), std::string::npos) << m.name;
    EXPECT_EQ(json[i]["name"], m.name);
    EXPECT_EQ(json[i]["reader"].is_null(), m.reader_meaning.empty()) << m.name;
    EXPECT_EQ(json[i]["fio"].is_null(), m.fio_meaning.empty()) << m.name;
  }
  EXPECT_EQ(MetricsToJson(KnownMetrics())[static_cast<size_t>(Metric::kRAwaitMs)]["direction"],
            "lower is better");
}

}  // namespace
}  // namespace feedbench
