// Phases of a window on hand-made sample rows and marks: where each boundary goes, which rows and
// counter deltas each phase gets, and its figures against iostat's formulas computed by hand.
#include "harness/measure/phases.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/base/errors.h"
#include "tests/support/error_message.h"

namespace feedbench {
namespace {

using testing::ErrorMessage;
using ::testing::HasSubstr;

std::string Utc(double offset_sec) { return fmt::format("2026-11-26T00:00:{:06.3f}Z", offset_sec); }

struct Counts {
  uint64_t read_ios = 0, read_sectors = 0, read_ticks_ms = 0, io_ticks_ms = 0;
  uint64_t write_ios = 0;
};

// A row as the sampler makes it: the interval's deltas and the figures over its length.
SampleRow Row(const std::string& device, double offset_sec, double previous_offset_sec,
              const Counts& c) {
  SampleRow row;
  row.device = device;
  row.offset_sec = offset_sec;
  row.timestamp_utc = Utc(offset_sec);
  row.delta.read_ios = c.read_ios;
  row.delta.read_sectors = c.read_sectors;
  row.delta.read_ticks_ms = c.read_ticks_ms;
  row.delta.time_in_queue_ms = c.read_ticks_ms;
  row.delta.io_ticks_ms = c.io_ticks_ms;
  row.delta.write_ios = c.write_ios;
  row.figures = ComputeIostat(row.delta, (offset_sec - previous_offset_sec) * 1000);
  return row;
}

Mark At(double offset_sec, const std::string& name) {
  Mark m;
  m.offset_sec = offset_sec;
  m.name = name;
  m.line = name + " starting";
  return m;
}

// sda, sampled every second from 0 to 5, and stopped at 5.5. Its k-th interval reads 100·k
// requests of 4 KiB (8 sectors); 5 ms each up to the third, 50 ms each after (queueing), busy
// half the time, then 95% from the fourth.
class PhaseSplit : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int k = 1; k <= 5; ++k) {
      const uint64_t ios = 100 * k;
      rows_.push_back(Row("sda", k, k - 1,
                          {.read_ios = ios,
                           .read_sectors = 8 * ios,
                           .read_ticks_ms = (k <= 3 ? 5 : 50) * ios,
                           .io_ticks_ms = k <= 3 ? 500u : 950u}));
    }
    WindowSummary sda;
    sda.device = "sda";
    sda.start_utc = Utc(0);
    sda.end_utc = Utc(5.5);
    sda.duration_sec = 5.5;
    sda.unreported_tail =
        Row("sda", 5.5, 5,
            {.read_ios = 60, .read_sectors = 480, .read_ticks_ms = 3000, .io_ticks_ms = 480});
    for (const SampleRow& r : rows_) sda.total += r.delta;
    sda.total += sda.unreported_tail->delta;
    window_ = {sda};
  }

  std::vector<Phase> Split(const std::vector<Mark>& marks) const {
    return SplitPhases(rows_, window_, marks);
  }

  std::vector<SampleRow> rows_;
  std::vector<WindowSummary> window_;
};

TEST_F(PhaseSplit, NoMarksNoPhases) { EXPECT_TRUE(Split({}).empty()); }

// Marks at 1.3 s and 3.6 s: boundaries at the samples of 1 s and 4 s; the time before the first
// is a phase of its own.
TEST_F(PhaseSplit, BoundariesSitOnTheNearestSamplesAndTheStartIsAPhaseOfItsOwn) {
  const std::vector<Phase> phases = Split({At(1.3, "Epoch 1"), At(3.6, "Epoch 2")});
  ASSERT_EQ(phases.size(), 3u);
  EXPECT_EQ(phases[0].name, kBeforeFirstMark);
  EXPECT_FALSE(phases[0].mark.has_value());
  EXPECT_EQ(phases[0].start_offset_sec, 0);
  EXPECT_EQ(phases[0].end_offset_sec, 1);
  EXPECT_EQ(phases[0].start_utc, Utc(0));
  EXPECT_EQ(phases[0].end_utc, Utc(1));
  EXPECT_EQ(phases[1].name, "Epoch 1");
  ASSERT_TRUE(phases[1].mark.has_value());
  EXPECT_EQ(phases[1].mark->offset_sec, 1.3);  // where it was stamped, kept beside the boundary
  EXPECT_EQ(phases[1].mark->line, "Epoch 1 starting");
  EXPECT_EQ(phases[1].start_offset_sec, 1);
  EXPECT_EQ(phases[1].end_offset_sec, 4);
  EXPECT_EQ(phases[1].end_utc, Utc(4));
  EXPECT_EQ(phases[2].name, "Epoch 2");
  EXPECT_EQ(phases[2].start_offset_sec, 4);
  EXPECT_EQ(phases[2].end_offset_sec, 5.5);  // the window's end: its last, partial interval
  EXPECT_EQ(phases[2].end_utc, Utc(5.5));
}

// iostat over each phase, by hand from the deltas at its boundaries:
//   before: 1 s, 100 reads, 800 sectors, 500 ms reading, 500 ms busy.
//   Epoch 1 (1..4 s): 200+300+400 = 900 reads, 7200 sectors, 5·200+5·300+50·400 = 22500 ms,
//     busy 500+500+950 = 1950 ms over 3 s.
//   Epoch 2 (4..5.5 s): the fifth interval and the tail: 560 reads, 4480 sectors, 28000 ms,
//     busy 1430 ms over 1.5 s.
TEST_F(PhaseSplit, EachPhasesFiguresAreIostatsOverItsBoundaries) {
  const std::vector<Phase> phases = Split({At(1.3, "Epoch 1"), At(3.6, "Epoch 2")});
  ASSERT_EQ(phases.size(), 3u);
  const WindowSummary& before = phases[0].summaries.at(0);
  EXPECT_EQ(before.device, "sda");
  EXPECT_DOUBLE_EQ(before.duration_sec, 1);
  EXPECT_EQ(before.read_ios, 100u);
  EXPECT_EQ(before.read_bytes, 800u * 512);
  EXPECT_DOUBLE_EQ(before.figures.r_per_sec, 100);
  EXPECT_DOUBLE_EQ(before.figures.r_await_ms, 5);
  EXPECT_DOUBLE_EQ(before.figures.util_pct, 50);

  const WindowSummary& e1 = phases[1].summaries.at(0);
  EXPECT_EQ(e1.start_utc, Utc(1));
  EXPECT_EQ(e1.end_utc, Utc(4));
  EXPECT_DOUBLE_EQ(e1.duration_sec, 3);
  EXPECT_EQ(e1.read_ios, 900u);
  EXPECT_EQ(e1.read_bytes, 7200u * 512);
  EXPECT_DOUBLE_EQ(e1.figures.r_per_sec, 300);
  EXPECT_DOUBLE_EQ(e1.figures.rkb_per_sec, 1200);  // 7200 sectors / 2 / 3 s
  EXPECT_DOUBLE_EQ(e1.figures.r_await_ms, 25);     // 22500 / 900
  EXPECT_DOUBLE_EQ(e1.figures.rareq_kb, 4);
  EXPECT_DOUBLE_EQ(e1.figures.util_pct, 65);  // 1950 / 3000
  EXPECT_DOUBLE_EQ(e1.figures.aqu_sz, 7.5);   // 22500 / 3000

  const WindowSummary& e2 = phases[2].summaries.at(0);
  EXPECT_DOUBLE_EQ(e2.duration_sec, 1.5);
  EXPECT_EQ(e2.read_ios, 560u);
  EXPECT_NEAR(e2.figures.r_per_sec, 560 / 1.5, 1e-9);
  EXPECT_NEAR(e2.figures.rkb_per_sec, 4480 / 2 / 1.5, 1e-9);
  EXPECT_DOUBLE_EQ(e2.figures.r_await_ms, 50);
  EXPECT_NEAR(e2.figures.util_pct, 1430 / 15.0, 1e-9);
  EXPECT_NEAR(e2.figures.aqu_sz, 28000 / 1500.0, 1e-9);

  // Together the phases hold the window's exact totals, each counter once.
  uint64_t ios = 0, ticks = 0;
  for (const Phase& p : phases) {
    ios += p.summaries[0].total.read_ios;
    ticks += p.summaries[0].total.read_ticks_ms;
  }
  EXPECT_EQ(ios, window_[0].total.read_ios);
  EXPECT_EQ(ticks, window_[0].total.read_ticks_ms);
}

TEST_F(PhaseSplit, AFirstMarkPlacedAtTheStartLeavesNoPhaseBeforeIt) {
  const std::vector<Phase> phases = Split({At(0.2, "Epoch 1")});
  ASSERT_EQ(phases.size(), 1u);
  EXPECT_EQ(phases[0].name, "Epoch 1");
  EXPECT_EQ(phases[0].start_offset_sec, 0);
  EXPECT_EQ(phases[0].end_offset_sec, 5.5);
  EXPECT_EQ(phases[0].summaries[0].read_ios, window_[0].total.read_ios);
}

TEST_F(PhaseSplit, AMarkHalfwayBetweenTwoSamplesGoesToTheLaterOne) {
  const std::vector<Phase> phases = Split({At(2.5, "Epoch 1")});
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_EQ(phases[1].start_offset_sec, 3);
}

// A mark in the last, partial interval: nearer its end (5.3 s of 5..5.5) it makes a phase of no
// interval at the window's end; nearer its start (5.2 s) a phase of the partial interval alone:
// its figures are the tail's, and no reported interval is in it, so its signs are not judged.
TEST_F(PhaseSplit, AMarkInTheLastInterval) {
  const std::vector<Phase> at_end = Split({At(1.0, "Epoch 1"), At(5.3, "Final")});
  ASSERT_EQ(at_end.size(), 3u);
  EXPECT_EQ(at_end[2].name, "Final");
  EXPECT_EQ(at_end[2].start_offset_sec, 5.5);
  EXPECT_EQ(at_end[2].end_offset_sec, 5.5);
  EXPECT_EQ(at_end[2].summaries[0].duration_sec, 0);
  EXPECT_EQ(at_end[2].summaries[0].read_ios, 0u);
  EXPECT_EQ(at_end[2].summaries[0].figures.r_per_sec, 0);
  EXPECT_EQ(at_end[1].end_offset_sec, 5.5);
  EXPECT_EQ(at_end[1].summaries[0].read_ios, 100u * (2 + 3 + 4 + 5) + 60);

  const std::vector<Phase> tail = Split({At(1.0, "Epoch 1"), At(5.2, "Final")});
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[2].start_offset_sec, 5);
  EXPECT_DOUBLE_EQ(tail[2].summaries[0].duration_sec, 0.5);
  EXPECT_EQ(tail[2].summaries[0].read_ios, 60u);
  EXPECT_DOUBLE_EQ(tail[2].summaries[0].figures.r_per_sec, 120);
  const DeviceTraits traits = TraitsFromDevice("sda", true);
  const SignTally tally = TallyPhase(tail[2], rows_, "sda", {}, traits);
  EXPECT_EQ(tally.intervals, 0u);
  const DeviceDiagnosis d = Diagnose("sda", tail[2].summaries[0].figures, tally, {}, traits);
  for (const SignReading& r : d.signs) EXPECT_EQ(r.verdict, SignVerdict::kNotJudged);
}

TEST_F(PhaseSplit, TwoMarksOnOneSampleAndOneAfterTheEnd) {
  const std::vector<Phase> phases =
      Split({At(2.1, "A"), At(2.2, "B"), At(9.0, "after the window")});
  ASSERT_EQ(phases.size(), 4u);
  EXPECT_EQ(phases[1].name, "A");
  EXPECT_EQ(phases[1].start_offset_sec, 2);
  EXPECT_EQ(phases[1].end_offset_sec, 2);
  EXPECT_EQ(phases[1].summaries[0].read_ios, 0u);
  EXPECT_EQ(phases[2].name, "B");
  EXPECT_EQ(phases[2].start_offset_sec, 2);
  EXPECT_EQ(phases[2].end_offset_sec, 5.5);
  EXPECT_EQ(phases[3].start_offset_sec, 5.5);
  EXPECT_EQ(phases[3].summaries[0].duration_sec, 0);
}

// The verdicts over a phase come from io_diagnosis over the phase's rows only: sda (a rotational
// disk: %util judged) is saturated and queueing in one of Epoch 1's three intervals, in the one
// interval Epoch 2 has.
TEST_F(PhaseSplit, EachPhaseIsDiagnosedOverItsOwnIntervals) {
  const std::vector<Phase> phases = Split({At(1.3, "Epoch 1"), At(3.6, "Epoch 2")});
  const DeviceTraits traits = TraitsFromDevice("sda", true);
  const DiagnosisThresholds t;
  auto verdict = [&](const Phase& p, SignKind sign) {
    const SignTally tally = TallyPhase(p, rows_, "sda", t, traits);
    const DeviceDiagnosis d = Diagnose("sda", p.summaries[0].figures, tally, t, traits);
    for (const SignReading& r : d.signs) {
      if (r.sign == sign) return r;
    }
    return SignReading{};
  };
  EXPECT_EQ(verdict(phases[0], SignKind::kSaturated).verdict, SignVerdict::kNo);
  const SignReading e1 = verdict(phases[1], SignKind::kSaturated);
  EXPECT_EQ(e1.verdict, SignVerdict::kAtTimes);
  EXPECT_EQ(e1.held, 1u);
  EXPECT_EQ(e1.eligible, 3u);
  EXPECT_EQ(verdict(phases[1], SignKind::kQueueing).verdict, SignVerdict::kAtTimes);
  const SignReading e2 = verdict(phases[2], SignKind::kSaturated);
  EXPECT_EQ(e2.verdict, SignVerdict::kSustained);
  EXPECT_EQ(e2.eligible, 1u);
  EXPECT_NEAR(*e2.window_value, 1430 / 15.0, 1e-9);  // the phase's own %util
  EXPECT_EQ(verdict(phases[2], SignKind::kQueueing).verdict, SignVerdict::kSustained);
}

// sdb misses the sample at 4 s: its row at 5 s spans 3..5 s and goes, whole, to the phase its
// interval ends in; the phase's duration for sdb is the length of its own intervals.
TEST_F(PhaseSplit, ARowSpanningABoundaryGoesToThePhaseItEndsIn) {
  for (const double k : {1.0, 2.0, 3.0}) rows_.push_back(Row("sdb", k, k - 1, {.write_ios = 10}));
  rows_.push_back(Row("sdb", 5, 3, {.write_ios = 20}));
  WindowSummary sdb;
  sdb.device = "sdb";
  sdb.start_utc = Utc(0);
  sdb.unreported_tail = Row("sdb", 5.5, 5, {.write_ios = 1});
  window_.push_back(sdb);
  const std::vector<Phase> phases = Split({At(1.0, "Epoch 1"), At(4.0, "Epoch 2")});
  ASSERT_EQ(phases.size(), 3u);
  ASSERT_EQ(phases[1].summaries.size(), 2u);
  EXPECT_EQ(phases[1].summaries[1].device, "sdb");
  EXPECT_EQ(phases[1].summaries[1].write_ios, 20u);
  EXPECT_DOUBLE_EQ(phases[1].summaries[1].duration_sec, 2);
  EXPECT_EQ(phases[2].summaries[1].write_ios, 21u);
  EXPECT_DOUBLE_EQ(phases[2].summaries[1].duration_sec, 2.5);
  EXPECT_DOUBLE_EQ(phases[2].summaries[0].duration_sec, 1.5);  // sda has its own
}

TEST(MarkPattern, NamesAPhaseAfterTheMatchOrItsFirstGroup) {
  const MarkPattern epoch(R"(Epoch \d+)");
  EXPECT_EQ(epoch.Match("2026-11-26 12:00:01 INFO Epoch 12/90 lr=0.1"), "Epoch 12");
  EXPECT_EQ(epoch.Match("epoch 12"), std::nullopt);  // ECMAScript: case matters
  EXPECT_FALSE(epoch.names_from_group());
  const MarkPattern group(R"(phase=(\w+))");
  EXPECT_TRUE(group.names_from_group());
  EXPECT_EQ(group.Match("step 7 phase=validation loss 0.3"), "validation");
  const MarkPattern blank(R"(^\s*Epoch)");
  EXPECT_EQ(blank.Match("   Epoch"), "Epoch");  // trimmed
  const MarkPattern empty_match("^");
  EXPECT_EQ(empty_match.Match("  the whole line  "), "the whole line");
  EXPECT_EQ(epoch.regex(), R"(Epoch \d+)");
}

// The plain text a regex starts with is looked for first; it must be in every match, so that
// looking for it first never loses one.
TEST(MarkPattern, LooksForThePlainTextEveryMatchStartsWith) {
  EXPECT_EQ(MarkPattern(R"(Epoch \d+)").required_text(), "Epoch ");
  EXPECT_EQ(MarkPattern(R"(^INFO Epoch (\d+))").required_text(), "INFO Epoch ");
  EXPECT_EQ(MarkPattern("Epochs?").required_text(), "Epoch");  // the 's' may be absent
  EXPECT_EQ(MarkPattern("Epoch{0,1}").required_text(), "Epoc");
  EXPECT_EQ(MarkPattern("ab*").required_text(), "");  // one character: not worth it
  EXPECT_EQ(MarkPattern(R"(Epoch \d+|Validation)").required_text(), "");  // either alternative
  EXPECT_EQ(MarkPattern(R"(\bEpoch)").required_text(), "");
  EXPECT_EQ(MarkPattern("(Epoch) done").required_text(), "");
  EXPECT_EQ(MarkPattern("Epoch$").required_text(), "Epoch");
  const MarkPattern optional("Epochs? (\\d+)");
  EXPECT_EQ(optional.Match("Epoch 3"), "3");
  EXPECT_EQ(optional.Match("Epochs 3"), "3");
  EXPECT_EQ(optional.Match("Epoc 3"), std::nullopt);
  EXPECT_EQ(MarkPattern(R"(Epoch \d+|Validation)").Match("Validation loss 0.2"), "Validation");
}

// Looking for the leading text first and trying the matcher only where it occurs finds what a
// search of the whole line finds, the same match, on regexes and lines made to catch a slip: an
// occurrence that does not match before one that does, a word boundary after it, an anchor.
TEST(MarkPattern, FindsWhatASearchOfTheWholeLineFinds) {
  const std::vector<std::string> regexes = {
      R"(Epoch \d+)",     R"(Epoch (\d+))", R"(^Epoch \d+)",  R"(Epoch \d+$)",
      R"(ab\bc)",         R"(Epoch\b)",     R"(Epochs? \d)", R"(xEpoch \d+ ===)",
      R"(Epoch \d+ ===)", R"(==(=+))"};
  const std::vector<std::string> lines = {
      "Epoch 1",          "Epoch x Epoch 22 ok", "  Epoch 3",    "xEpoch 4 === done",
      "EpochEpoch 5",     "Epochs 6",            "Epoch",        "Epoch 7 ===",
      "a Epoch 8 ===",    "====",                "ab c abc",     "Epoch 9 ===Epoch 10 ===",
      "Epoch x Epoch 1x", ""};
  for (const std::string& regex : regexes) {
    const MarkPattern pattern(regex);
    const std::regex plain(regex, std::regex::ECMAScript);
    for (const std::string& line : lines) {
      std::smatch m;
      std::optional<std::string> expected;
      if (std::regex_search(line, m, plain)) {
        const auto& chosen = plain.mark_count() > 0 && m[1].matched && m[1].length() > 0 ? m[1] : m[0];
        expected = chosen.str();
        if (expected->empty()) expected = line;
      }
      EXPECT_EQ(pattern.Match(line), expected) << regex << " on '" << line << "'";
    }
  }
}

TEST(MarkPattern, SearchesOnlyTheFirst4096BytesOfALine) {
  const MarkPattern end("END");
  EXPECT_TRUE(end.Match(std::string(4000, 'x') + "END").has_value());
  EXPECT_FALSE(end.Match(std::string(5000, 'x') + "END").has_value());
}

TEST(MarkPattern, ABadRegexIsAUsageErrorNamingTheFlag) {
  const std::string message = ErrorMessage<UsageError>([] { MarkPattern p("Epoch ("); });
  EXPECT_THAT(message, HasSubstr("--mark 'Epoch (': not a valid ECMAScript regular expression"));
  EXPECT_THAT(message, HasSubstr("expected one such as"));
  EXPECT_THAT(ErrorMessage<UsageError>([] { MarkPattern p(""); }),
              HasSubstr("--mark: an empty regular expression"));
}

}  // namespace
}  // namespace feedbench
