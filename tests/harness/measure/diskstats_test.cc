#include "harness/measure/diskstats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace feedbench {
namespace {

std::string Fixture(const std::string& name) {
  const std::string path = std::string(FEEDBENCH_FIXTURES) + "/diskstats/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The devices of a fixture that must parse without a problem.
std::vector<DiskCounters> Snapshot(const std::string& fixture) {
  DiskstatsSnapshot parsed = ParseDiskstats(Fixture(fixture));
  for (const LineProblem& problem : parsed.problems) {
    ADD_FAILURE() << fixture << ": line " << problem.line << ": " << problem.message;
  }
  return std::move(parsed.devices);
}

// The figures of one device between two fixture snapshots.
IostatFigures Between(const std::string& a, const std::string& b, const std::string& device,
                      double interval_ms) {
  const auto prev = Snapshot(a);
  const auto curr = Snapshot(b);
  const DiskCounters* p = FindDevice(prev, device);
  const DiskCounters* c = FindDevice(curr, device);
  EXPECT_NE(p, nullptr);
  EXPECT_NE(c, nullptr);
  if (p == nullptr || c == nullptr) return {};
  return ComputeIostat(*p, *c, interval_ms);
}

// The one problem of a fixture that has exactly one.
LineProblem OneProblem(const DiskstatsSnapshot& parsed) {
  EXPECT_EQ(parsed.problems.size(), 1u);
  return parsed.problems.empty() ? LineProblem{} : parsed.problems.front();
}

constexpr double kEps = 1e-9;

TEST(ParseDiskstats, ParsesKernel55FlushFields) {
  const auto snapshot = Snapshot("kernel_6_18_a.txt");
  ASSERT_EQ(snapshot.size(), 10u);
  const DiskCounters* vda = FindDevice(snapshot, "vda");
  ASSERT_NE(vda, nullptr);
  // 254 0 vda 332586 22669 24999714 155850 29263 20533 2768440 29217 0 25720 185654
  //           4952 36 1289048 529 1406 57
  EXPECT_EQ(vda->major, 254u);
  EXPECT_EQ(vda->minor, 0u);
  EXPECT_EQ(vda->read_ios, 332586u);
  EXPECT_EQ(vda->read_merges, 22669u);
  EXPECT_EQ(vda->read_sectors, 24999714u);
  EXPECT_EQ(vda->read_ticks_ms, 155850u);
  EXPECT_EQ(vda->write_ios, 29263u);
  EXPECT_EQ(vda->write_merges, 20533u);
  EXPECT_EQ(vda->write_sectors, 2768440u);
  EXPECT_EQ(vda->write_ticks_ms, 29217u);
  EXPECT_EQ(vda->in_flight, 0u);
  EXPECT_EQ(vda->io_ticks_ms, 25720u);
  EXPECT_EQ(vda->time_in_queue_ms, 185654u);
  EXPECT_TRUE(vda->has_discards);
  EXPECT_EQ(vda->discard_ios, 4952u);
  EXPECT_EQ(vda->discard_merges, 36u);
  EXPECT_EQ(vda->discard_sectors, 1289048u);
  EXPECT_EQ(vda->discard_ticks_ms, 529u);
  EXPECT_TRUE(vda->has_flushes);
  EXPECT_EQ(vda->flush_ios, 1406u);
  EXPECT_EQ(vda->flush_ticks_ms, 57u);
  EXPECT_EQ(snapshot.front().name, "loop0");
  EXPECT_EQ(snapshot.back().name, "zram0");
}

TEST(ParseDiskstats, ParsesKernel418DiscardFieldsWithoutFlushes) {
  const auto snapshot = Snapshot("kernel_4_19_a.txt");
  ASSERT_EQ(snapshot.size(), 2u);
  const DiskCounters& nvme = snapshot[0];
  EXPECT_EQ(nvme.name, "nvme0n1");
  EXPECT_EQ(nvme.major, 259u);
  EXPECT_TRUE(nvme.has_discards);
  EXPECT_FALSE(nvme.has_flushes);
  EXPECT_EQ(nvme.discard_ios, 10u);
  EXPECT_EQ(nvme.discard_sectors, 20480u);
  EXPECT_EQ(nvme.discard_ticks_ms, 5u);
  EXPECT_EQ(nvme.flush_ios, 0u);
  EXPECT_EQ(snapshot[1].name, "nvme0n1p1");
}

TEST(ParseDiskstats, ParsesPre418FourteenFieldLines) {
  const auto snapshot = Snapshot("kernel_4_14_a.txt");
  ASSERT_EQ(snapshot.size(), 2u);
  const DiskCounters& sda = snapshot[0];
  EXPECT_EQ(sda.name, "sda");
  EXPECT_FALSE(sda.has_discards);
  EXPECT_FALSE(sda.has_flushes);
  EXPECT_EQ(sda.read_ios, 1000u);
  EXPECT_EQ(sda.time_in_queue_ms, 7600u);
  EXPECT_EQ(sda.in_flight, 2u);
}

TEST(ParseDiskstats, CountsAreSixtyFourBit) {
  const LineParse parsed =
      ParseDiskstatsLine("8 0 sda 18446744073709551615 0 9000000000000 0 0 0 0 0 0 0 0", 1);
  ASSERT_TRUE(parsed.counters.has_value());
  EXPECT_FALSE(parsed.problem.has_value());
  EXPECT_EQ(parsed.counters->read_ios, 18446744073709551615ull);
  EXPECT_EQ(parsed.counters->read_sectors, 9000000000000ull);
}

TEST(ParseDiskstats, ReusesTheOutputVector) {
  DiskstatsSnapshot out;
  ParseDiskstatsInto(Fixture("mixed_field_counts.txt"), out);
  ASSERT_EQ(out.devices.size(), 5u);
  ASSERT_FALSE(out.problems.empty());
  ParseDiskstatsInto(Fixture("kernel_6_18_a.txt"), out);
  ASSERT_EQ(out.devices.size(), 10u);
  EXPECT_TRUE(out.problems.empty());  // not left over from the previous parse
  ParseDiskstatsInto(Fixture("kernel_4_14_a.txt"), out);
  ASSERT_EQ(out.devices.size(), 2u);
  EXPECT_EQ(out.devices[0].name, "sda");
  EXPECT_FALSE(out.devices[0].has_discards);  // not left over from the 20-field parse
  EXPECT_EQ(out.devices[0].discard_ios, 0u);
}

// Real capture, kernel 6.18, device vda. Deltas b - a:
//   read:    ios 332759-332586=173  merges 22849-22669=180  sectors 25017610-24999714=17896
//            ticks 155876-155850=26
//   write:   ios 29341-29263=78  merges 20534-20533=1  sectors 2777128-2768440=8688  ticks 9
//   discard: ios 4956-4952=4  merges 0  sectors 1312872-1289048=23824  ticks 532-529=3
//   flush:   ios 1407-1406=1  ticks 0
//   io_ticks 25744-25720=24  time_in_queue 185692-185654=38
// Over 1000 ms:
//   r/s 173, rkB/s 17896/2=8948, rrqm/s 180, %rrqm 180/(180+173)*100=50.99150141643...,
//   r_await 26/173=0.150289017341..., rareq-sz 17896/173/2=51.722543352601...
//   w/s 78, wkB/s 8688/2=4344, wrqm/s 1, %wrqm 1/79*100=1.265822784810..., w_await 9/78=
//   0.115384615384..., wareq-sz 8688/78/2=55.692307692307...
//   d/s 4, dkB/s 23824/2=11912, drqm/s 0, %drqm 0, d_await 3/4=0.75, dareq-sz 23824/4/2=2978
//   f/s 1, f_await 0/1=0
//   aqu-sz 38/1000=0.038, %util 24/1000*100=2.4, await (26+9+3)/(173+78+4)=38/255=0.14901960784...
TEST(ComputeIostat, MatchesHandComputedFiguresOnKernel55Capture) {
  const IostatFigures f = Between("kernel_6_18_a.txt", "kernel_6_18_b.txt", "vda", 1000.0);
  EXPECT_NEAR(f.r_per_sec, 173.0, kEps);
  EXPECT_NEAR(f.rkb_per_sec, 8948.0, kEps);
  EXPECT_NEAR(f.rrqm_per_sec, 180.0, kEps);
  EXPECT_NEAR(f.rrqm_pct, 180.0 / 353.0 * 100.0, kEps);
  EXPECT_NEAR(f.r_await_ms, 26.0 / 173.0, kEps);
  EXPECT_NEAR(f.rareq_kb, 17896.0 / 173.0 / 2.0, kEps);
  EXPECT_NEAR(f.w_per_sec, 78.0, kEps);
  EXPECT_NEAR(f.wkb_per_sec, 4344.0, kEps);
  EXPECT_NEAR(f.wrqm_per_sec, 1.0, kEps);
  EXPECT_NEAR(f.wrqm_pct, 1.0 / 79.0 * 100.0, kEps);
  EXPECT_NEAR(f.w_await_ms, 9.0 / 78.0, kEps);
  EXPECT_NEAR(f.wareq_kb, 8688.0 / 78.0 / 2.0, kEps);
  EXPECT_NEAR(f.d_per_sec, 4.0, kEps);
  EXPECT_NEAR(f.dkb_per_sec, 11912.0, kEps);
  EXPECT_NEAR(f.drqm_per_sec, 0.0, kEps);
  EXPECT_NEAR(f.drqm_pct, 0.0, kEps);
  EXPECT_NEAR(f.d_await_ms, 0.75, kEps);
  EXPECT_NEAR(f.dareq_kb, 2978.0, kEps);
  EXPECT_NEAR(f.f_per_sec, 1.0, kEps);
  EXPECT_NEAR(f.f_await_ms, 0.0, kEps);
  EXPECT_NEAR(f.aqu_sz, 0.038, kEps);
  EXPECT_NEAR(f.util_pct, 2.4, kEps);
  EXPECT_NEAR(f.await_ms, 38.0 / 255.0, kEps);
}

// sda, 14 fields. Deltas: read ios 400 merges 100 sectors 80000 ticks 800; write ios 200 merges
// 20 sectors 16000 ticks 600; io_ticks 1500; time_in_queue 1600. Over 2000 ms:
//   r/s 200, rkB/s 80000/2/2=20000, rrqm/s 50, %rrqm 100/500*100=20, r_await 800/400=2,
//   rareq-sz 80000/400/2=100; w/s 100, wkB/s 16000/2/2=4000, wrqm/s 10, %wrqm 20/220*100=
//   9.0909..., w_await 600/200=3, wareq-sz 16000/200/2=40; aqu-sz 1600/2000=0.8,
//   %util 1500/2000*100=75, await (800+600)/(400+200)=2.3333...; no discards or flushes: 0.
TEST(ComputeIostat, MatchesHandComputedFiguresOnPre418Lines) {
  const IostatFigures f = Between("kernel_4_14_a.txt", "kernel_4_14_b.txt", "sda", 2000.0);
  EXPECT_NEAR(f.r_per_sec, 200.0, kEps);
  EXPECT_NEAR(f.rkb_per_sec, 20000.0, kEps);
  EXPECT_NEAR(f.rrqm_per_sec, 50.0, kEps);
  EXPECT_NEAR(f.rrqm_pct, 20.0, kEps);
  EXPECT_NEAR(f.r_await_ms, 2.0, kEps);
  EXPECT_NEAR(f.rareq_kb, 100.0, kEps);
  EXPECT_NEAR(f.w_per_sec, 100.0, kEps);
  EXPECT_NEAR(f.wkb_per_sec, 4000.0, kEps);
  EXPECT_NEAR(f.wrqm_per_sec, 10.0, kEps);
  EXPECT_NEAR(f.wrqm_pct, 20.0 / 220.0 * 100.0, kEps);
  EXPECT_NEAR(f.w_await_ms, 3.0, kEps);
  EXPECT_NEAR(f.wareq_kb, 40.0, kEps);
  EXPECT_NEAR(f.aqu_sz, 0.8, kEps);
  EXPECT_NEAR(f.util_pct, 75.0, kEps);
  EXPECT_NEAR(f.await_ms, 1400.0 / 600.0, kEps);
  EXPECT_EQ(f.d_per_sec, 0.0);
  EXPECT_EQ(f.d_await_ms, 0.0);
  EXPECT_EQ(f.f_per_sec, 0.0);
  EXPECT_EQ(f.f_await_ms, 0.0);
}

// nvme0n1, 18 fields. Deltas: read ios 500 merges 50 sectors 80000 ticks 250; write ios 100
// merges 10 sectors 8000 ticks 200; discard ios 4 merges 2 sectors 8192 ticks 8; io_ticks 250;
// time_in_queue 400. Over 500 ms:
//   r/s 1000, rkB/s 80000/2*2=80000, rrqm/s 100, %rrqm 50/550*100=9.0909..., r_await 0.5,
//   rareq-sz 80000/500/2=80; w/s 200, wkB/s 8000, wrqm/s 20, %wrqm 10/110*100=9.0909...,
//   w_await 2, wareq-sz 40; d/s 8, dkB/s 8192/2*2=8192, drqm/s 4, %drqm 2/6*100=33.333...,
//   d_await 8/4=2, dareq-sz 8192/4/2=1024; aqu-sz 400/500=0.8, %util 250/500*100=50,
//   await (250+200+8)/(500+100+4)=458/604=0.75827814569...
TEST(ComputeIostat, MatchesHandComputedFiguresWithDiscards) {
  const IostatFigures f = Between("kernel_4_19_a.txt", "kernel_4_19_b.txt", "nvme0n1", 500.0);
  EXPECT_NEAR(f.r_per_sec, 1000.0, kEps);
  EXPECT_NEAR(f.rkb_per_sec, 80000.0, kEps);
  EXPECT_NEAR(f.rrqm_per_sec, 100.0, kEps);
  EXPECT_NEAR(f.rrqm_pct, 50.0 / 550.0 * 100.0, kEps);
  EXPECT_NEAR(f.r_await_ms, 0.5, kEps);
  EXPECT_NEAR(f.rareq_kb, 80.0, kEps);
  EXPECT_NEAR(f.w_per_sec, 200.0, kEps);
  EXPECT_NEAR(f.wkb_per_sec, 8000.0, kEps);
  EXPECT_NEAR(f.wrqm_per_sec, 20.0, kEps);
  EXPECT_NEAR(f.wrqm_pct, 10.0 / 110.0 * 100.0, kEps);
  EXPECT_NEAR(f.w_await_ms, 2.0, kEps);
  EXPECT_NEAR(f.wareq_kb, 40.0, kEps);
  EXPECT_NEAR(f.d_per_sec, 8.0, kEps);
  EXPECT_NEAR(f.dkb_per_sec, 8192.0, kEps);
  EXPECT_NEAR(f.drqm_per_sec, 4.0, kEps);
  EXPECT_NEAR(f.drqm_pct, 100.0 / 3.0, kEps);
  EXPECT_NEAR(f.d_await_ms, 2.0, kEps);
  EXPECT_NEAR(f.dareq_kb, 1024.0, kEps);
  EXPECT_NEAR(f.aqu_sz, 0.8, kEps);
  EXPECT_NEAR(f.util_pct, 50.0, kEps);
  EXPECT_NEAR(f.await_ms, 458.0 / 604.0, kEps);
}

// sdb: the tick fields wrap at 2^32 = 4294967296 between a and b.
//   read_ticks  4294967000 -> 300: 296 + 300 = 596
//   write_ticks 4294967290 -> 4:   6 + 4 = 10
//   io_ticks    4294967200 -> 100: 96 + 100 = 196
//   time_in_queue 4294967100 -> 600: 196 + 600 = 796
// Over 1000 ms: r_await 596/100=5.96, w_await 10/10=1, %util 19.6, aqu-sz 0.796,
// await (596+10)/110=5.50909...
TEST(DeltaCounters, TickFieldsWrapAt32Bits) {
  const auto prev = Snapshot("tick_wrap_a.txt");
  const auto curr = Snapshot("tick_wrap_b.txt");
  ASSERT_EQ(prev.size(), 1u);
  ASSERT_EQ(curr.size(), 1u);
  const CounterDelta d = DeltaCounters(prev[0], curr[0]);
  EXPECT_FALSE(d.reset);
  EXPECT_EQ(d.went_backwards, 0u);
  EXPECT_EQ(d.read_ios, 100u);
  EXPECT_EQ(d.read_ticks_ms, 596u);
  EXPECT_EQ(d.write_ticks_ms, 10u);
  EXPECT_EQ(d.io_ticks_ms, 196u);
  EXPECT_EQ(d.time_in_queue_ms, 796u);
  const IostatFigures f = ComputeIostat(d, 1000.0);
  EXPECT_NEAR(f.r_await_ms, 5.96, kEps);
  EXPECT_NEAR(f.w_await_ms, 1.0, kEps);
  EXPECT_NEAR(f.util_pct, 19.6, kEps);
  EXPECT_NEAR(f.aqu_sz, 0.796, kEps);
  EXPECT_NEAR(f.await_ms, 606.0 / 110.0, kEps);
}

// A 32-bit kernel's unsigned long counters wrap at 2^32: 4294967290 -> 10 is 16 I/Os.
TEST(DeltaCounters, CountBelowPreviousThatFitsIn32BitsIsA32BitWrap) {
  DiskCounters prev, curr;
  prev.read_ios = 4294967290u;
  prev.read_sectors = 1000;
  curr.read_ios = 10;
  curr.read_sectors = 1128;
  const CounterDelta d = DeltaCounters(prev, curr);
  EXPECT_FALSE(d.reset);  // sectors went up: not a re-added device
  EXPECT_EQ(d.went_backwards, 0u);
  EXPECT_EQ(d.read_ios, 16u);
  EXPECT_EQ(d.read_sectors, 128u);
}

// loop0 was detached and attached again: every counter went backwards, so (as iostat does) the
// previous snapshot counts as zero and the delta is b itself. Over 1000 ms: r/s 30, rkB/s
// 240/2=120, r_await 6/30=0.2, rareq-sz 240/30/2=4, %util 8/1000*100=0.8, aqu-sz 6/1000=0.006.
TEST(DeltaCounters, DeviceWhoseCountersAllWentBackwardsWasReAdded) {
  const auto prev = Snapshot("reset_a.txt");
  const auto curr = Snapshot("reset_b.txt");
  ASSERT_EQ(prev.size(), 1u);
  ASSERT_EQ(curr.size(), 1u);
  const CounterDelta d = DeltaCounters(prev[0], curr[0]);
  EXPECT_TRUE(d.reset);
  EXPECT_EQ(d.went_backwards, 0u);  // a reset, not counters stepping back
  EXPECT_EQ(d.read_ios, 30u);
  EXPECT_EQ(d.read_sectors, 240u);
  EXPECT_EQ(d.write_ios, 0u);
  EXPECT_EQ(d.io_ticks_ms, 8u);
  const IostatFigures f = ComputeIostat(d, 1000.0);
  EXPECT_NEAR(f.r_per_sec, 30.0, kEps);
  EXPECT_NEAR(f.rkb_per_sec, 120.0, kEps);
  EXPECT_NEAR(f.r_await_ms, 0.2, kEps);
  EXPECT_NEAR(f.rareq_kb, 4.0, kEps);
  EXPECT_NEAR(f.util_pct, 0.8, kEps);
  EXPECT_NEAR(f.aqu_sz, 0.006, kEps);
}

TEST(DeltaCounters, OneCounterGoingBackwardsIsNotAReset) {
  // Total I/Os went down but read sectors went up: iostat's reset test fails, no reset.
  DiskCounters prev, curr;
  prev.read_ios = 100;
  prev.read_sectors = 800;
  curr.read_ios = 90;
  curr.read_sectors = 900;
  EXPECT_FALSE(DeltaCounters(prev, curr).reset);
  EXPECT_TRUE(DeltaCounters(prev, curr).WentBackwards(CounterField::kReadIos));
}

// A window's total is the sum of its intervals: telescoping, so equal to last - first.
TEST(CounterDelta, SumOfIntervalsIsTheWindowTotal) {
  const auto a = Snapshot("kernel_6_18_a.txt");
  const auto b = Snapshot("kernel_6_18_b.txt");
  DiskCounters mid = *FindDevice(a, "vda");
  mid.read_ios += 100;
  mid.read_ticks_ms += 10;
  CounterDelta total = DeltaCounters(*FindDevice(a, "vda"), mid);
  total += DeltaCounters(mid, *FindDevice(b, "vda"));
  const CounterDelta whole = DeltaCounters(*FindDevice(a, "vda"), *FindDevice(b, "vda"));
  EXPECT_EQ(total.read_ios, whole.read_ios);
  EXPECT_EQ(total.read_ticks_ms, whole.read_ticks_ms);
  EXPECT_EQ(total.discard_sectors, whole.discard_sectors);
  EXPECT_EQ(total.went_backwards, 0u);
}

TEST(ComputeIostat, ZeroIoIntervalGivesZeroAwaitNotNan) {
  // loop0 did nothing between the two real captures.
  const IostatFigures f = Between("kernel_6_18_a.txt", "kernel_6_18_b.txt", "loop0", 1000.0);
  for (const double value :
       {f.r_per_sec, f.rkb_per_sec, f.rrqm_per_sec, f.rrqm_pct, f.r_await_ms, f.rareq_kb,
        f.w_per_sec, f.wkb_per_sec, f.wrqm_per_sec, f.wrqm_pct, f.w_await_ms, f.wareq_kb,
        f.d_per_sec, f.dkb_per_sec, f.drqm_per_sec, f.drqm_pct, f.d_await_ms, f.dareq_kb,
        f.f_per_sec, f.f_await_ms,  f.aqu_sz,       f.util_pct, f.await_ms}) {
    EXPECT_FALSE(std::isnan(value));
    EXPECT_EQ(value, 0.0);
  }
}

TEST(ComputeIostat, UtilIsNotCappedAt100LikeSysstat126) {
  CounterDelta d;
  d.io_ticks_ms = 1003;
  EXPECT_NEAR(ComputeIostat(d, 1000.0).util_pct, 100.3, kEps);
}

TEST(ComputeIostat, CombinedAwaitExcludesFlushes) {
  CounterDelta d;
  d.read_ios = 2;
  d.read_ticks_ms = 4;
  d.flush_ios = 10;
  d.flush_ticks_ms = 1000;
  const IostatFigures f = ComputeIostat(d, 1000.0);
  EXPECT_NEAR(f.await_ms, 2.0, kEps);
  EXPECT_NEAR(f.f_await_ms, 100.0, kEps);
  EXPECT_NEAR(f.f_per_sec, 10.0, kEps);
}

// A last line without its newline and with a field count no kernel prints was cut short by the
// read: it is skipped (its last number may be cut too), the lines before it are kept.
TEST(ParseDiskstats, TruncatedLineIsSkippedAndNamed) {
  const DiskstatsSnapshot parsed = ParseDiskstats(Fixture("truncated.txt"));
  ASSERT_EQ(parsed.devices.size(), 1u);
  EXPECT_EQ(parsed.devices[0].name, "loop0");
  const LineProblem problem = OneProblem(parsed);
  EXPECT_EQ(problem.line, 2);
  EXPECT_EQ(problem.device, "vda");
  EXPECT_EQ(problem.field_count, 17);
  EXPECT_TRUE(problem.skipped);
  EXPECT_NE(problem.message.find("no newline"), std::string::npos) << problem.message;
}

TEST(ParseDiskstats, NonNumericFieldSkipsTheLineNamingTheField) {
  const DiskstatsSnapshot parsed = ParseDiskstats(Fixture("non_numeric.txt"));
  ASSERT_EQ(parsed.devices.size(), 2u);  // loop0 and loop1
  EXPECT_EQ(FindDevice(parsed.devices, "vda"), nullptr);
  const LineProblem problem = OneProblem(parsed);
  EXPECT_EQ(problem.line, 3);
  EXPECT_EQ(problem.device, "vda");
  EXPECT_TRUE(problem.skipped);
  EXPECT_NE(problem.message.find("discard_sectors"), std::string::npos) << problem.message;
  EXPECT_NE(problem.message.find("x128072"), std::string::npos) << problem.message;
}

// loop0 has 16 fields: its 14 known ones are read and the count is reported, not rejected.
TEST(ParseDiskstats, UnknownFieldCountIsReadAndReported) {
  const DiskstatsSnapshot parsed = ParseDiskstats(Fixture("unknown_field_count.txt"));
  ASSERT_EQ(parsed.devices.size(), 2u);
  EXPECT_EQ(parsed.devices[0].name, "loop0");
  EXPECT_FALSE(parsed.devices[0].has_discards);
  EXPECT_EQ(parsed.devices[1].name, "loop1");
  ASSERT_EQ(parsed.problems.size(), 2u);  // loop1 has 24
  EXPECT_EQ(parsed.problems[0].line, 1);
  EXPECT_EQ(parsed.problems[0].device, "loop0");
  EXPECT_EQ(parsed.problems[0].field_count, 16);
  EXPECT_FALSE(parsed.problems[0].skipped);
  EXPECT_NE(parsed.problems[0].message.find("16 fields"), std::string::npos);
  EXPECT_EQ(parsed.problems[1].field_count, 24);
}

TEST(ParseDiskstats, LineLongerThanTwentyFieldsIsReadWithAProblem) {
  const LineParse parsed =
      ParseDiskstatsLine("7 0 loop0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 6 0 0 0 0", 4);
  ASSERT_TRUE(parsed.counters.has_value());
  EXPECT_EQ(parsed.counters->read_ios, 1u);
  EXPECT_EQ(parsed.counters->flush_ios, 6u);
  EXPECT_TRUE(parsed.counters->has_flushes);
  ASSERT_TRUE(parsed.problem.has_value());
  EXPECT_EQ(parsed.problem->line, 4);
  EXPECT_EQ(parsed.problem->field_count, 23);
  EXPECT_FALSE(parsed.problem->skipped);
  EXPECT_NE(parsed.problem->message.find("23"), std::string::npos);
}

TEST(ParseDiskstats, EmptyFileGivesAnEmptySnapshot) {
  const DiskstatsSnapshot parsed = ParseDiskstats(Fixture("empty.txt"));
  EXPECT_TRUE(parsed.devices.empty());
  EXPECT_TRUE(parsed.problems.empty());
}

TEST(ParseDiskstats, NegativeNumberSkipsTheLine) {
  const LineParse parsed = ParseDiskstatsLine("8 0 sda -1 0 0 0 0 0 0 0 0 0 0", 7);
  EXPECT_FALSE(parsed.counters.has_value());
  ASSERT_TRUE(parsed.problem.has_value());
  EXPECT_EQ(parsed.problem->line, 7);
  EXPECT_EQ(parsed.problem->device, "sda");
  EXPECT_TRUE(parsed.problem->skipped);
  EXPECT_NE(parsed.problem->message.find("read_ios"), std::string::npos);
}

TEST(ParseDiskstatsDevices, ParsesOnlyTheNamedDevicesInTheirOrder) {
  std::vector<DiskCounters> out;
  std::vector<LineProblem> problems;
  ParseDiskstatsDevices(Fixture("kernel_6_18_b.txt"), {"vda", "sdz", "loop3"}, out, problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].name, "vda");
  EXPECT_EQ(out[0].read_ios, 332759u);
  EXPECT_EQ(out[0].flush_ticks_ms, 57u);
  EXPECT_TRUE(out[1].name.empty());  // not there
  EXPECT_EQ(out[2].name, "loop3");
  EXPECT_EQ(out[2].minor, 3u);
  // Reused: a device that is gone the next time is reported missing, not left over.
  ParseDiskstatsDevices(Fixture("kernel_4_14_a.txt"), {"vda", "sda"}, out, problems);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].name.empty());
  EXPECT_EQ(out[1].name, "sda");
}

TEST(ParseDiskstatsDevices, MalformedLineOfANamedDeviceIsSkippedAndReported) {
  std::vector<DiskCounters> out;
  std::vector<LineProblem> problems;
  ParseDiskstatsDevices(Fixture("non_numeric.txt"), {"vda", "loop1"}, out, problems);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].name.empty());  // skipped: absent, not half-parsed
  EXPECT_EQ(out[1].name, "loop1");   // the other device is read
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 3);
  EXPECT_EQ(problems[0].device, "vda");
  ParseDiskstatsDevices(Fixture("truncated.txt"), {"vda"}, out, problems);
  ASSERT_EQ(problems.size(), 1u);  // cleared, then this text's problem only
  EXPECT_EQ(problems[0].line, 2);
  EXPECT_TRUE(out[0].name.empty());
  // An unnamed device's malformed line is not looked at.
  ParseDiskstatsDevices(Fixture("non_numeric.txt"), {"loop1"}, out, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(out[0].name, "loop1");
}

// mixed_field_counts.txt: loop0 (20 fields), vda (17: the 14 of old kernels and three more, as in
// sysstat's own regression data), sdc (13: too few), sda (14), nvme0n1 (20), dm-0 (23: three
// beyond the 20 known). iostat reads the counters it knows from any line of 14 or more fields and
// skips shorter ones; so does feedbench, without losing the other devices.
DiskstatsSnapshot Mixed() { return ParseDiskstats(Fixture("mixed_field_counts.txt")); }

TEST(ParseDiskstats, ReadsTheKnownCountersOfASeventeenFieldLineAndKeepsTheOtherDevices) {
  const DiskstatsSnapshot parsed = Mixed();
  const std::vector<DiskCounters>& snapshot = parsed.devices;
  ASSERT_EQ(snapshot.size(), 5u);
  EXPECT_EQ(snapshot[0].name, "loop0");
  const DiskCounters* vda = FindDevice(snapshot, "vda");
  ASSERT_NE(vda, nullptr);
  EXPECT_EQ(vda->major, 254u);
  EXPECT_EQ(vda->read_ios, 63160u);
  EXPECT_EQ(vda->write_sectors, 1327008u);
  EXPECT_EQ(vda->time_in_queue_ms, 29063u);
  // Fields 15-17 are not a whole discard group (which needs 18): not read, as in iostat.
  EXPECT_FALSE(vda->has_discards);
  EXPECT_EQ(vda->discard_ios, 0u);
  EXPECT_FALSE(vda->has_flushes);
  ASSERT_NE(FindDevice(snapshot, "sda"), nullptr);
  EXPECT_EQ(FindDevice(snapshot, "sda")->time_in_queue_ms, 7600u);
  // Read, but said: vda's field count is not one a kernel prints.
  ASSERT_EQ(parsed.problems.size(), 3u);  // vda (17), sdc (13), dm-0 (23)
  const LineProblem& problem = parsed.problems[0];
  EXPECT_EQ(problem.line, 2);
  EXPECT_EQ(problem.device, "vda");
  EXPECT_EQ(problem.field_count, 17);
  EXPECT_FALSE(problem.skipped);
  EXPECT_NE(problem.message.find("17 fields"), std::string::npos) << problem.message;
}

TEST(ParseDiskstats, SkipsAThirteenFieldLineAndKeepsTheOtherDevices) {
  const DiskstatsSnapshot parsed = Mixed();
  const std::vector<DiskCounters>& snapshot = parsed.devices;
  EXPECT_EQ(FindDevice(snapshot, "sdc"), nullptr);
  EXPECT_NE(FindDevice(snapshot, "sda"), nullptr);  // the line after it
  EXPECT_NE(FindDevice(snapshot, "nvme0n1"), nullptr);
  ASSERT_EQ(parsed.problems.size(), 3u);
  const LineProblem& problem = parsed.problems[1];
  EXPECT_EQ(problem.line, 3);
  EXPECT_EQ(problem.device, "sdc");
  EXPECT_EQ(problem.field_count, 13);
  EXPECT_TRUE(problem.skipped);
  EXPECT_NE(problem.message.find("13 fields, expected at least 14"), std::string::npos)
      << problem.message;
}

TEST(ParseDiskstats, ReadsTwentyFieldLinesAmongOthers) {
  const DiskstatsSnapshot parsed = Mixed();
  const std::vector<DiskCounters>& snapshot = parsed.devices;
  for (const LineProblem& problem : parsed.problems) EXPECT_NE(problem.device, "nvme0n1");
  const DiskCounters* nvme = FindDevice(snapshot, "nvme0n1");
  ASSERT_NE(nvme, nullptr);
  EXPECT_TRUE(nvme->has_discards);
  EXPECT_TRUE(nvme->has_flushes);
  EXPECT_EQ(nvme->discard_sectors, 20480u);
  EXPECT_EQ(nvme->flush_ios, 400u);
  EXPECT_EQ(nvme->flush_ticks_ms, 30u);
}

TEST(ParseDiskstats, IgnoresFieldsBeyondTheTwentyKnown) {
  const DiskstatsSnapshot parsed = Mixed();
  const DiskCounters* dm = FindDevice(parsed.devices, "dm-0");
  ASSERT_NE(dm, nullptr);
  EXPECT_TRUE(dm->has_flushes);
  EXPECT_EQ(dm->read_ios, 300u);
  EXPECT_EQ(dm->flush_ios, 0u);
  EXPECT_EQ(dm->flush_ticks_ms, 0u);
  ASSERT_EQ(parsed.problems.size(), 3u);
  EXPECT_EQ(parsed.problems[2].device, "dm-0");
  EXPECT_EQ(parsed.problems[2].field_count, 23);
  EXPECT_FALSE(parsed.problems[2].skipped);
}

// One count going backwards while the device was not re-added (its sectors went up): 100 -> 90
// read I/Os. Masked to 32 bits this was 4294967286 I/Os, ~4.29e9 r/s. It counts 0 for the
// interval instead.
TEST(DeltaCounters, CountGoingBackwardsWithoutAReAddCountsZeroNotAWrappedRate) {
  DiskCounters prev, curr;
  prev.read_ios = 100;
  prev.read_sectors = 800;
  curr.read_ios = 90;
  curr.read_sectors = 900;
  const CounterDelta d = DeltaCounters(prev, curr);
  EXPECT_FALSE(d.reset);
  EXPECT_EQ(d.read_ios, 0u);
  EXPECT_TRUE(d.WentBackwards(CounterField::kReadIos));
  EXPECT_EQ(BackwardsCounterNames(d), "read_ios");
  EXPECT_EQ(d.read_sectors, 100u);  // the others keep their deltas
  EXPECT_FALSE(d.WentBackwards(CounterField::kReadSectors));
  const IostatFigures f = ComputeIostat(d, 1000.0);
  EXPECT_EQ(f.r_per_sec, 0.0);
  EXPECT_NEAR(f.rkb_per_sec, 50.0, kEps);
}

// Above 2^32 a backwards step is no 32-bit wrap either: 0, not 2^64 - 1000.
TEST(DeltaCounters, SixtyFourBitCountGoingBackwardsCountsZero) {
  DiskCounters prev, curr;
  prev.write_ios = 10'000'000'000ULL;
  prev.write_sectors = 100;
  curr.write_ios = 10'000'000'000ULL - 1000;
  curr.write_sectors = 200;
  const CounterDelta d = DeltaCounters(prev, curr);
  EXPECT_FALSE(d.reset);
  EXPECT_EQ(d.write_ios, 0u);
  EXPECT_EQ(BackwardsCounterNames(d), "write_ios");
  EXPECT_EQ(ComputeIostat(d, 1000.0).w_per_sec, 0.0);
}

// A 32-bit tick field a little below its previous value went backwards; it did not wrap (that
// would need it to pass 2^32). io_ticks 5000 -> 4990 was ~4.29e9 ms, a %util of ~4.29e8.
TEST(DeltaCounters, TickFieldGoingBackwardsCountsZeroNotAWrap) {
  DiskCounters prev, curr;
  prev.read_ios = 10;
  prev.io_ticks_ms = 5000;
  prev.time_in_queue_ms = 7000;
  curr.read_ios = 20;
  curr.io_ticks_ms = 4990;
  curr.time_in_queue_ms = 7040;
  const CounterDelta d = DeltaCounters(prev, curr);
  EXPECT_FALSE(d.reset);
  EXPECT_EQ(d.io_ticks_ms, 0u);
  EXPECT_EQ(BackwardsCounterNames(d), "io_ticks_ms");
  EXPECT_EQ(d.time_in_queue_ms, 40u);
  const IostatFigures f = ComputeIostat(d, 1000.0);
  EXPECT_EQ(f.util_pct, 0.0);
  EXPECT_NEAR(f.aqu_sz, 0.04, kEps);
}

TEST(FindDevice, ReturnsNullForAnUnknownName) {
  const auto snapshot = Snapshot("kernel_6_18_a.txt");
  EXPECT_EQ(FindDevice(snapshot, "sdz"), nullptr);
  EXPECT_EQ(FindDevice(snapshot, "vd"), nullptr);
  ASSERT_NE(FindDevice(snapshot, "loop7"), nullptr);
  EXPECT_EQ(FindDevice(snapshot, "loop7")->minor, 7u);
}

}  // namespace
}  // namespace feedbench
