// The bad-input matrix: every subcommand of the real feedbench binary × its inputs (flags, files it
// reads, directories it writes), one named test per case. Each case asserts the exit code (2 bad
// input, 3 environment), that the output names the culprit and what was expected, that nothing
// crashed, and that nothing was written, deleted or left staged: the case's scratch tree (its
// default data and results directories included) is snapshotted before and after, and no
// /dev/shm/feedbench-stage-<pid>-* of the case's process is left.
//
// Nothing here runs a benchmark: every case is refused before generation. The read-only cases
// need root (a read-only bind mount in the scratch tree) and are skipped without it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::RunCommand;
using testing::TempDir;

struct Case {
  std::string name;               // the test's name
  std::string args;               // {S} is the scratch directory, {SHM} a directory on tmpfs
  int exit_code;                  // expected
  std::vector<std::string> says;  // substrings the output must hold: the culprit, what was expected
  bool needs_read_only = false;   // uses {S}/ro, a read-only bind mount (root)
};

// Named in failure messages instead of gtest's byte dump.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

void Write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

json ReadJson(const fs::path& path) { return json::parse(std::ifstream(path)); }

// The scratch tree every case reads from: inputs of each bad shape, a feedbench dataset, a foreign
// directory. Made once; the cases must leave it as it is.
class Scratch {
 public:
  Scratch() : shm_("/dev/shm") {
    const fs::path fixtures = FEEDBENCH_FIXTURES;
    const fs::path s = dir_.path();
    fs::create_directories(s / "tmp");
    fs::create_directories(s / "foreign");
    Write(s / "foreign" / "notes.txt", "someone else's file\n");
    // fio --clients hostfiles: one that does not parse, one server on a loopback port nothing
    // listens on (port 1: reserved, never a fio server), one with a relative directory.
    Write(s / "hosts-bad-port.txt", "node1:99999\n");
    Write(s / "hosts-closed.txt", "127.0.0.1:1 /var/tmp/feedbench-fio-matrix\n");
    Write(s / "hosts-relative.txt", "127.0.0.1:1 data\n");
    Write(s / "hosts-empty.txt", "# no server\n");
    fs::create_directories(s / "adir");
    Write(s / "empty.json", "");
    Write(s / "arr.json", "[1, 2]\n");
    Write(s / "thresholds-unknown.json", "{\"util\": 90}\n");
    Write(s / "thresholds-range.json", "{\"util_saturated_pct\": 120}\n");
    Write(s / "trunc.json", "{\"schema_version\": 1, \"name\": \"tr");
    ::mkfifo((s / "fifo").c_str(), 0644);
    fs::create_symlink(s / "gone", s / "dangling");
    fs::copy_file(fixtures / "gate" / "baseline.json", s / "base.json");
    fs::copy_file(fixtures / "gate" / "current.json", s / "contaminated.json");
    fs::copy_file(fixtures / "gate" / "baseline_run1.json", s / "valid.json");
    fs::copy_file(fixtures / "gate" / "baseline.json", s / "tmp" / "kept-baseline.json");

    const std::string valid_text = ReadFile(s / "valid.json");
    const json valid = json::parse(valid_text);
    const json base = ReadJson(s / "base.json");
    // Each key of a repetition with a value of the wrong type.
    const std::map<std::string, json> wrong = {
        {"error_occurred", "yes"}, {"error_message", 5},   {"label", json::array({1})},
        {"run_type", 3},           {"time_unit", 1},       {"bytes_per_second", "fast"},
        {"real_time", "slow"},     {"name", 4},            {"samples_per_second", true}};
    for (const auto& [key, value] : wrong) {
      json r = valid;
      r["benchmarks"][0][key] = value;
      Write(s / ("results-" + key + ".json"), r.dump());
    }
    json r = valid;
    r["context"]["feedbench"]["schema_version"] = 99;
    Write(s / "results-schema99.json", r.dump());
    r = valid;
    r["context"]["feedbench"]["schema_version"] = "1";
    Write(s / "results-schema-string.json", r.dump());
    r = valid;
    r["context"]["feedbench"]["dataset_hash"] = 5;
    Write(s / "results-hash-number.json", r.dump());
    r = valid;
    r["context"].erase("feedbench");
    Write(s / "results-not-feedbench.json", r.dump());
    r = valid;
    r["benchmarks"] = "none";
    Write(s / "results-benchmarks-string.json", r.dump());
    const std::string figure = valid["benchmarks"][0]["bytes_per_second"].dump();
    for (const auto& [file, token] : std::map<std::string, std::string>{
             {"results-nan.json", "NaN"}, {"results-inf.json", "-Infinity"},
             {"results-huge.json", "1e999"}}) {
      std::string text = valid.dump();
      text.replace(text.find("\"bytes_per_second\":" + figure),
                   std::string("\"bytes_per_second\":" + figure).size(),
                   "\"bytes_per_second\":" + token);
      Write(s / file, text);
    }
    json b = base;
    b["schema_version"] = 99;
    Write(s / "base-schema99.json", b.dump());
    b = base;
    b["kind"] = "other";
    Write(s / "base-kind.json", b.dump());
    b = base;
    b["keep"] = "all";
    Write(s / "base-keep-string.json", b.dump());
    b = base;
    b["runs"] = json::object();
    Write(s / "base-runs-object.json", b.dump());
    b = base;
    b["runs"][0]["workloads"]["files-sequential"]["bytes_per_second"][0] = "fast";
    Write(s / "base-figure-string.json", b.dump());
    std::string base_nan = base.dump();
    const std::string first = base["runs"][0]["workloads"]["files-sequential"]["bytes_per_second"][0].dump();
    base_nan.replace(base_nan.find(first), first.size(), "NaN");
    Write(s / "base-nan.json", base_nan);

    // A suite that would be quick if it ever ran, and its broken variants.
    const json suite = {
        {"schema_version", 1},
        {"name", "tiny"},
        {"dataset",
         {{"samples", 10},
          {"sizes", {{"distribution", "fixed"}, {"bytes", "4KiB"}}},
          {"seed", 1},
          {"files_per_dir", 1000}}},
        {"defaults",
         {{"repetitions", 1}, {"epochs", 1}, {"cache", "warm"}, {"workers", 1},
          {"batch_size", 2}, {"prefetch", 1}, {"compute_ms_per_batch", 0}, {"verify", true}}},
        {"workloads", json::array({{{"name", "files-random"}, {"layout", "files"},
                                     {"order", "random"}}})}};
    Write(s / "tiny.json", suite.dump());
    json v = suite;
    v["surprise"] = 1;
    Write(s / "suite-unknown-key.json", v.dump());
    v = suite;
    v["schema_version"] = 7;
    Write(s / "suite-schema7.json", v.dump());
    v = suite;
    v["defaults"]["repetitions"] = "three";
    Write(s / "suite-repetitions-string.json", v.dump());
    v = suite;
    v["defaults"]["workers"] = -4;
    Write(s / "suite-workers-negative.json", v.dump());
    v = suite;
    v["workloads"][0]["layout"] = "tar";
    Write(s / "suite-layout-tar.json", v.dump());
    v = suite;
    v["dataset"]["samples"] = 1e30;
    Write(s / "suite-samples-huge.json", v.dump());
    std::string suite_nan = suite.dump();
    suite_nan.replace(suite_nan.find("\"compute_ms_per_batch\":0"),
                      std::string("\"compute_ms_per_batch\":0").size(),
                      "\"compute_ms_per_batch\":NaN");
    Write(s / "suite-nan.json", suite_nan);
    Write(s / "spec.json", suite["dataset"].dump());
    json spec = suite["dataset"];
    spec["seed"] = "one";
    Write(s / "spec-seed-string.json", spec.dump());
    spec = suite["dataset"];
    spec["sizes"]["bytes"] = "0B";
    Write(s / "spec-zero-bytes.json", spec.dump());

    // fio job files: one reaching past the allow-list, one naming a device.
    Write(s / "iolog.fio", "[job]\nrw=read\nread_iolog=/dev/vda\n");
    Write(s / "device.fio", "[job]\nrw=read\nfilename=/dev/vda\n");
    Write(s / "write.fio", "[job]\nrw=write\nsize=1M\n");

    // A feedbench dataset of its own, for the commands that read one.
    const auto made = RunCommand(std::string(FEEDBENCH_BINARY) + " dataset create --quiet --dir " +
                                 (s / "ds").string() + " --samples 4 --size 4KiB");
    if (made.exit_code != 0) throw std::runtime_error("dataset create failed: " + made.output);

    // A read-only bind mount of a directory holding one file (root only).
    fs::create_directories(s / "ro");
    Write(s / "ro" / "inside.txt", "read-only\n");
    if (::mount((s / "ro").c_str(), (s / "ro").c_str(), nullptr, MS_BIND, nullptr) == 0) {
      mounted_ = true;
      read_only_ = ::mount(nullptr, (s / "ro").c_str(), nullptr,
                           MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
    }
  }
  ~Scratch() {
    if (mounted_) ::umount2((dir_.path() / "ro").c_str(), MNT_DETACH);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  const fs::path& path() const { return dir_.path(); }
  const fs::path& shm() const { return shm_.path(); }
  bool read_only() const { return read_only_; }

  static std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  TempDir dir_;
  TempDir shm_;
  bool mounted_ = false;
  bool read_only_ = false;
};

// Every entry under `root`: type, size, modification time, and a regular file's content.
std::map<std::string, std::string> Snapshot(const fs::path& root) {
  std::map<std::string, std::string> entries;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    // TMPDIR's own mtime may change (a child's output captured in a temporary file, then
    // removed); what it holds is still compared.
    const bool tmpdir = it->path() == root / "tmp";
    std::string line = std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
                       (tmpdir ? std::string("-") : std::to_string(st.st_mtim.tv_sec) + "." +
                                                  std::to_string(st.st_mtim.tv_nsec));
    if (S_ISREG(st.st_mode) && st.st_size < (1 << 20)) {
      line += " " + std::to_string(std::hash<std::string>{}(Scratch::ReadFile(it->path())));
    }
    entries[fs::relative(it->path(), root).string()] = line;
  }
  return entries;
}

// What changed between two snapshots, one line per entry: "+ new", "- gone", "~ changed".
std::string Changes(const std::map<std::string, std::string>& before,
                    const std::map<std::string, std::string>& after) {
  std::string changes;
  for (const auto& [name, line] : after) {
    const auto it = before.find(name);
    if (it == before.end()) changes += "+ " + name + "\n";
    else if (it->second != line) changes += "~ " + name + "\n";
  }
  for (const auto& [name, line] : before) {
    if (!after.contains(name)) changes += "- " + name + "\n";
  }
  return changes;
}

std::string Expand(std::string text, const Scratch& scratch) {
  for (const auto& [key, value] : std::map<std::string, std::string>{
           {"{S}", scratch.path().string()}, {"{SHM}", scratch.shm().string()}}) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key)) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

std::vector<std::string> StageDirsOf(const std::string& pid) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/dev/shm")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("feedbench-stage-" + pid + "-", 0) == 0) found.push_back(name);
  }
  return found;
}

Scratch* g_scratch = nullptr;

class BadInputMatrix : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() { g_scratch = new Scratch(); }
  static void TearDownTestSuite() {
    delete g_scratch;
    g_scratch = nullptr;
  }
};

TEST_P(BadInputMatrix, RefusedWithTheCulpritNamedAndNothingTouched) {
  const Case& c = GetParam();
  if (c.needs_read_only && !g_scratch->read_only()) {
    GTEST_SKIP() << "needs a read-only bind mount (root)";
  }
  const fs::path s = g_scratch->path();
  const auto before = Snapshot(s);
  const auto shm_before = Snapshot(g_scratch->shm());
  // The shell prints its pid and execs feedbench, so the pid is the case's process; the scratch
  // directory is the working directory (default results/) and TMPDIR (default data directory).
  const std::string args = Expand(c.args, *g_scratch);
  const auto result = RunCommand(
      "cd " + testing::ShellQuote(s.string()) + " && TMPDIR=" +
      testing::ShellQuote((s / "tmp").string()) + " timeout -s KILL 60 sh -c " +
      testing::ShellQuote("echo pid=$$; exec " + std::string(FEEDBENCH_BINARY) + " " + args));
  const auto newline = result.output.find('\n');
  const std::string pid = result.output.substr(4, newline - 4);
  const std::string output = result.output.substr(newline + 1);
  SCOPED_TRACE("feedbench " + args + "\n" + output);

  EXPECT_EQ(result.exit_code, c.exit_code);
  for (const std::string& said : c.says) EXPECT_THAT(output, ::testing::HasSubstr(Expand(said, *g_scratch)));
  for (const char* crash : {"internal error", "terminate called", "Aborted", "Segmentation",
                            "core dumped", "what():"}) {
    EXPECT_THAT(output, ::testing::Not(::testing::HasSubstr(crash)));
  }
  EXPECT_EQ(Changes(before, Snapshot(s)), "") << "the scratch tree changed";
  EXPECT_EQ(Changes(shm_before, Snapshot(g_scratch->shm())), "") << "the tmpfs directory changed";
  EXPECT_THAT(StageDirsOf(pid), ::testing::IsEmpty()) << "tmpfs staging left behind";
}

// The matrix. Messages are matched on the culprit (flag, file, key) and on what was expected.
const std::vector<Case> kCases = {
    // --- metrics
    {"MetricsUnknownFlag", "metrics --bogus", 2, {"--bogus"}},
    {"MetricsStrayArgument", "metrics extra", 2, {"extra"}},
    // --- devices
    {"DevicesMissingPath", "devices {S}/gone", 2, {"{S}/gone", "does not exist"}},
    {"DevicesDanglingSymlink", "devices {S}/dangling", 2, {"{S}/dangling"}},
    {"DevicesEmptyPath", "devices ''", 2, {"paths", "empty value"}},
    // --- monitor
    {"MonitorIntervalZero", "monitor --interval-ms 0 --duration 0.1", 2, {"--interval-ms", "1 to 60000"}},
    {"MonitorIntervalText", "monitor --interval-ms abc --duration 0.1", 2, {"--interval-ms"}},
    {"MonitorIntervalHuge", "monitor --interval-ms 99999999999 --duration 0.1", 2, {"--interval-ms"}},
    {"MonitorDurationNegative", "monitor --duration -1", 2, {"--duration", "positive number of seconds"}},
    {"MonitorDurationZero", "monitor --duration 0", 2, {"--duration", "positive number of seconds"}},
    {"MonitorDurationNan", "monitor --duration nan", 2, {"--duration", "positive number of seconds"}},
    {"MonitorDurationWithCommand", "monitor --duration 1 -- true", 2, {"--duration", "command"}},
    {"MonitorUnknownDevice", "monitor --device nosuchdev --duration 0.1", 2, {"nosuchdev", "/proc/diskstats"}},
    {"MonitorCharacterDevice", "monitor --device /dev/null --duration 0.1", 2, {"/dev/null", "not a block device"}},
    {"MonitorMissingPath", "monitor --path {S}/gone --duration 0.1", 2, {"--path", "{S}/gone"}},
    {"MonitorPathWithoutDevice", "monitor --path /proc --duration 0.1", 2, {"--path /proc", "no block device"}},
    {"MonitorCsvMissingParent", "monitor --csv {S}/nodir/sub/io.csv --duration 0.1", 2, {"--csv", "{S}/nodir", "does not exist"}},
    {"MonitorCsvIsDirectory", "monitor --csv {S}/adir --duration 0.1", 2, {"--csv", "is a directory"}},
    {"MonitorJsonMissingParent", "monitor --json {S}/nodir/sub/io.json --duration 0.1", 2, {"--json", "does not exist"}},
    {"MonitorCsvReadOnly", "monitor --csv {S}/ro/io.csv --duration 0.1", 2, {"--csv", "{S}/ro", "not writable"}, true},
    {"MonitorEmptyCsv", "monitor --csv '' --duration 0.1", 2, {"--csv", "empty value"}},
    {"MonitorThresholdsMissing", "monitor --thresholds {S}/gone --duration 0.1", 2, {"--thresholds", "{S}/gone"}},
    {"MonitorThresholdsNotJson", "monitor --thresholds {S}/trunc.json --duration 0.1", 2, {"--thresholds {S}/trunc.json", "not JSON"}},
    {"MonitorThresholdsNotObject", "monitor --thresholds {S}/arr.json --duration 0.1", 2, {"--thresholds", "expected a JSON object"}},
    {"MonitorThresholdsUnknownSign", "monitor --thresholds {S}/thresholds-unknown.json --duration 0.1", 2, {"unknown sign threshold 'util'", "util_saturated_pct"}},
    {"MonitorThresholdsOutOfRange", "monitor --thresholds {S}/thresholds-range.json --duration 0.1", 2, {"util_saturated_pct is 120", "at most 100"}},
    {"MonitorCeilingNotResults", "monitor --ceiling {S}/arr.json --duration 0.1", 2, {"--ceiling {S}/arr.json"}},
    // The fixture was measured on vdb, which this machine does not have.
    {"MonitorCeilingOfAnotherDevice", "monitor --ceiling {S}/valid.json --duration 0.1", 2, {"--ceiling", "measured on vdb", "not among the devices monitored"}},
    {"MonitorMarkNotARegex", "monitor --mark 'Epoch (' --duration 0.1", 2, {"--mark 'Epoch ('", "not a valid ECMAScript regular expression"}},
    {"MonitorMarkEmpty", "monitor --mark '' --duration 0.1", 2, {"--mark", "empty value"}},
    {"MonitorMarkTwice", "monitor --mark a --mark b --duration 0.1", 2, {"--mark given 2 times", "expected one regular expression"}},
    {"MonitorLogTwice", "monitor --log {S}/a.log --log {S}/b.log --duration 0.1", 2, {"--log given 2 times", "expected one log file"}},
    {"MonitorLogIsDirectory", "monitor --log {S}/adir --duration 0.1", 2, {"--log {S}/adir", "is a directory", "expected a file the job writes"}},
    {"MonitorLogWaitZero", "monitor --log {S}/a.log --log-wait 0 --duration 0.1", 2, {"--log-wait", "positive number of seconds"}},
    {"MonitorLogWaitText", "monitor --log {S}/a.log --log-wait soon --duration 0.1", 2, {"--log-wait"}},
    {"MonitorLogWaitWithoutLog", "monitor --log-wait 5 --duration 0.1", 2, {"--log-wait", "without --log"}},
    // --- dataset create
    {"CreateSamplesText", "dataset create --dir {S}/new --samples abc --size 4KiB", 2, {"--samples", "1 to 1099511627776"}},
    {"CreateSamplesNegative", "dataset create --dir {S}/new --samples -3 --size 4KiB", 2, {"--samples -3", "1 to 1099511627776"}},
    {"CreateSamplesZero", "dataset create --dir {S}/new --samples 0 --size 4KiB", 2, {"--samples 0", "1 to 1099511627776"}},
    {"CreateSamplesOver2To40", "dataset create --dir {S}/new --samples 99999999999999 --size 4KiB", 2, {"--samples", "2^40"}},
    {"CreateSamplesOverflow", "dataset create --dir {S}/new --samples 999999999999999999999999 --size 4KiB", 2, {"--samples"}},
    {"CreateSizeNoUnit", "dataset create --dir {S}/new --samples 4 --size 0", 2, {"--size", "a number with a unit"}},
    {"CreateSizeNegative", "dataset create --dir {S}/new --samples 4 --size -4KiB", 2, {"--size", "-4KiB"}},
    {"CreateSizeUnknownUnit", "dataset create --dir {S}/new --samples 4 --size 4XB", 2, {"--size", "unknown unit"}},
    {"CreateSizeUniformReversed", "dataset create --dir {S}/new --samples 4 --size uniform:8KiB:4KiB", 2, {"--size", "greater than max"}},
    {"CreateSizeSigmaNegative", "dataset create --dir {S}/new --samples 4 --size lognormal:64KiB:-1", 2, {"--size", "sigma"}},
    {"CreateSizeUnknownDistribution", "dataset create --dir {S}/new --samples 4 --size zipf:3", 2, {"--size", "zipf"}},
    {"CreateHistogramMissing", "dataset create --dir {S}/new --samples 4 --size histogram:{S}/gone", 2, {"{S}/gone"}},
    {"CreateHistogramIsDirectory", "dataset create --dir {S}/new --samples 4 --size histogram:{S}/adir", 2, {"{S}/adir", "is a directory"}},
    {"CreateHistogramEmpty", "dataset create --dir {S}/new --samples 4 --size histogram:{S}/empty.json", 2, {"{S}/empty.json"}},
    {"CreateHistogramFifo", "dataset create --dir {S}/new --samples 4 --size histogram:{S}/fifo", 2, {"{S}/fifo"}},
    {"CreateUnknownLayout", "dataset create --dir {S}/new --samples 4 --size 4KiB --layout tar", 2, {"--layout", "tar", "files, lmdb"}},
    {"CreateSeedText", "dataset create --dir {S}/new --samples 4 --size 4KiB --seed abc", 2, {"--seed", "expected a seed"}},
    {"CreateFilesPerDirZero", "dataset create --dir {S}/new --samples 4 --size 4KiB --files-per-dir 0", 2, {"--files-per-dir 0", "samples per directory"}},
    {"CreateThreadsNegative", "dataset create --dir {S}/new --samples 4 --size 4KiB --threads -1", 2, {"--threads -1", "1 to 4096"}},
    {"CreateSizeWithoutSamples", "dataset create --dir {S}/new --samples 4", 2, {"--size"}},
    {"CreateSpecAndSamples", "dataset create --dir {S}/new --spec {S}/spec.json --samples 4", 2, {"--spec", "--samples"}},
    {"CreateSpecMissing", "dataset create --dir {S}/new --spec {S}/gone", 2, {"{S}/gone"}},
    {"CreateSpecIsDirectory", "dataset create --dir {S}/new --spec {S}/adir", 2, {"{S}/adir", "is a directory"}},
    {"CreateSpecEmpty", "dataset create --dir {S}/new --spec {S}/empty.json", 2, {"--spec", "empty.json", "not valid JSON"}},
    {"CreateSpecTruncated", "dataset create --dir {S}/new --spec {S}/trunc.json", 2, {"trunc.json", "not valid JSON"}},
    {"CreateSpecArray", "dataset create --dir {S}/new --spec {S}/arr.json", 2, {"arr.json", "object"}},
    {"CreateSpecIsSuite", "dataset create --dir {S}/new --spec {S}/tiny.json", 2, {"tiny.json", "unknown key"}},
    {"CreateSpecSeedString", "dataset create --dir {S}/new --spec {S}/spec-seed-string.json", 2, {"spec-seed-string.json", "seed"}},
    {"CreateSpecZeroBytes", "dataset create --dir {S}/new --spec {S}/spec-zero-bytes.json", 2, {"spec-zero-bytes.json", "sizes"}},
    {"CreateDirIsFile", "dataset create --dir {S}/empty.json --samples 4 --size 4KiB", 2, {"--dir", "not a directory"}},
    {"CreateDirForeign", "dataset create --dir {S}/foreign --samples 4 --size 4KiB", 2, {"--dir", "{S}/foreign"}},
    {"CreateDirEmptyValue", "dataset create --dir '' --samples 4 --size 4KiB", 2, {"--dir", "empty value"}},
    {"CreateDirReadOnly", "dataset create --dir {S}/ro/new --samples 4 --size 4KiB", 3, {"{S}/ro"}, true},
    // --- dataset verify / info / rm / profile
    {"VerifyMissingDir", "dataset verify --dir {S}/gone", 2, {"--dir", "not a directory"}},
    {"VerifyDirIsFile", "dataset verify --dir {S}/empty.json", 2, {"--dir", "not a directory"}},
    {"VerifyForeignDir", "dataset verify --dir {S}/foreign", 2, {"--dir", "not a feedbench dataset"}},
    {"VerifyThreadsNegative", "dataset verify --dir {S}/ds --threads -1", 2, {"--threads -1"}},
    {"VerifyThreadsText", "dataset verify --dir {S}/ds --threads many", 2, {"--threads"}},
    {"InfoForeignDir", "dataset info --dir {S}/foreign", 2, {"--dir", "not a feedbench dataset"}},
    {"InfoMissingDir", "dataset info --dir {S}/gone", 2, {"--dir", "not a feedbench dataset"}},
    {"RmForeignDir", "dataset rm --dir {S}/foreign", 2, {"--dir", "refusing to delete"}},
    {"RmMissingDir", "dataset rm --dir {S}/gone", 2, {"--dir", "not a directory"}},
    {"RmDirIsFile", "dataset rm --dir {S}/empty.json", 2, {"--dir", "not a directory"}},
    {"RmRoot", "dataset rm --dir /", 2, {"--dir /", "refusing to delete"}},
    {"ProfileMissingDir", "dataset profile {S}/gone", 2, {"{S}/gone", "not a directory"}},
    {"ProfileFile", "dataset profile {S}/empty.json", 2, {"empty.json", "not a directory"}},
    {"ProfileNoFiles", "dataset profile {S}/adir", 2, {"{S}/adir", "no regular file"}},
    {"ProfileOutMissingParent", "dataset profile {S}/ds --out {S}/nodir/sub/p.json", 2, {"--out", "does not exist"}},
    {"ProfileOutIsDirectory", "dataset profile {S}/ds --out {S}/adir", 2, {"--out", "is a directory"}},
    {"ProfileOutReadOnly", "dataset profile {S}/ds --out {S}/ro/p.json", 2, {"--out", "not writable"}, true},
    // --- compare: the baseline
    {"CompareBaselineMissing", "compare {S}/gone {S}/valid.json", 2, {"{S}/gone", "No such file"}},
    {"CompareBaselineIsDirectory", "compare {S}/adir {S}/valid.json", 2, {"{S}/adir", "is a directory"}},
    {"CompareBaselineFifo", "compare {S}/fifo {S}/valid.json", 2, {"{S}/fifo", "not JSON"}},
    {"CompareBaselineDangling", "compare {S}/dangling {S}/valid.json", 2, {"{S}/dangling"}},
    {"CompareBaselineProcFile", "compare /proc/self/status {S}/valid.json", 2, {"/proc/self/status", "not JSON"}},
    {"CompareBaselineEmpty", "compare {S}/empty.json {S}/valid.json", 2, {"baseline {S}/empty.json", "not JSON"}},
    {"CompareBaselineTruncated", "compare {S}/trunc.json {S}/valid.json", 2, {"baseline {S}/trunc.json", "not JSON"}},
    {"CompareBaselineArray", "compare {S}/arr.json {S}/valid.json", 2, {"arr.json", "expected a JSON object"}},
    {"CompareBaselineSchema99", "compare {S}/base-schema99.json {S}/valid.json", 2, {"base-schema99.json", "schema_version is 99"}},
    {"CompareBaselineKind", "compare {S}/base-kind.json {S}/valid.json", 2, {"base-kind.json", "feedbench-baseline"}},
    {"CompareBaselineKeepString", "compare {S}/base-keep-string.json {S}/valid.json", 2, {"base-keep-string.json", "keep", "integer"}},
    {"CompareBaselineRunsObject", "compare {S}/base-runs-object.json {S}/valid.json", 2, {"base-runs-object.json", "runs", "array"}},
    {"CompareBaselineFigureString", "compare {S}/base-figure-string.json {S}/valid.json", 2, {"base-figure-string.json", "bytes_per_second"}},
    {"CompareBaselineNan", "compare {S}/base-nan.json {S}/valid.json", 2, {"base-nan.json", "bytes_per_second", "finite"}},
    {"CompareBaselineIsResults", "compare {S}/valid.json {S}/valid.json", 2, {"valid.json", "results file"}},
    // --- compare: the results
    {"CompareResultsMissing", "compare {S}/base.json {S}/gone", 2, {"{S}/gone"}},
    {"CompareResultsIsDirectory", "compare {S}/base.json {S}/adir", 2, {"{S}/adir", "is a directory"}},
    {"CompareResultsFifo", "compare {S}/base.json {S}/fifo", 2, {"{S}/fifo", "not JSON"}},
    {"CompareResultsEmpty", "compare {S}/base.json {S}/empty.json", 2, {"results {S}/empty.json", "not JSON"}},
    {"CompareResultsTruncated", "compare {S}/base.json {S}/trunc.json", 2, {"results {S}/trunc.json", "not JSON"}},
    {"CompareResultsArray", "compare {S}/base.json {S}/arr.json", 2, {"arr.json", "object"}},
    {"CompareResultsSchema99", "compare {S}/base.json {S}/results-schema99.json", 2, {"results-schema99.json", "schema_version is 99"}},
    {"CompareResultsSchemaString", "compare {S}/base.json {S}/results-schema-string.json", 2, {"results-schema-string.json", "schema_version", "integer"}},
    {"CompareResultsHashNumber", "compare {S}/base.json {S}/results-hash-number.json", 2, {"results-hash-number.json", "dataset_hash", "expected a string"}},
    {"CompareResultsNotFeedbench", "compare {S}/base.json {S}/results-not-feedbench.json", 2, {"results-not-feedbench.json", "context.feedbench"}},
    {"CompareResultsBenchmarksString", "compare {S}/base.json {S}/results-benchmarks-string.json", 2, {"results-benchmarks-string.json", "benchmarks"}},
    {"CompareResultsNan", "compare {S}/base.json {S}/results-nan.json", 2, {"results-nan.json", "bytes_per_second is NaN", "finite"}},
    {"CompareResultsInfinity", "compare {S}/base.json {S}/results-inf.json", 2, {"results-inf.json", "bytes_per_second is -Infinity", "finite"}},
    {"CompareResultsHugeNumber", "compare {S}/base.json {S}/results-huge.json", 2, {"results-huge.json"}},
    {"CompareResultsErrorOccurredString", "compare {S}/base.json {S}/results-error_occurred.json", 2, {"results-error_occurred.json", "error_occurred is string", "expected a boolean"}},
    {"CompareResultsErrorMessageNumber", "compare {S}/base.json {S}/results-error_message.json", 2, {"error_message is number", "expected a string"}},
    {"CompareResultsLabelArray", "compare {S}/base.json {S}/results-label.json", 2, {"label is array", "expected a string"}},
    {"CompareResultsRunTypeNumber", "compare {S}/base.json {S}/results-run_type.json", 2, {"run_type is number", "expected a string"}},
    {"CompareResultsTimeUnitNumber", "compare {S}/base.json {S}/results-time_unit.json", 2, {"time_unit is number", "expected a string"}},
    {"CompareResultsCounterString", "compare {S}/base.json {S}/results-bytes_per_second.json", 2, {"bytes_per_second is string", "expected a number"}},
    {"CompareResultsCounterBoolean", "compare {S}/base.json {S}/results-samples_per_second.json", 2, {"samples_per_second is boolean", "expected a number"}},
    {"CompareResultsRealTimeString", "compare {S}/base.json {S}/results-real_time.json", 2, {"real_time is string", "expected a number"}},
    {"CompareResultsNameNumber", "compare {S}/base.json {S}/results-name.json", 2, {"name is number", "expected a string"}},
    // --- compare: the flags and report destinations
    {"CompareToleranceZero", "compare {S}/base.json {S}/valid.json --tolerance-throughput 0", 2, {"--tolerance-throughput 0", "strictly between 0 and 100"}},
    {"CompareToleranceHundred", "compare {S}/base.json {S}/valid.json --tolerance-await 100", 2, {"--tolerance-await 100", "strictly between 0 and 100"}},
    {"CompareToleranceNegative", "compare {S}/base.json {S}/valid.json --tolerance-throughput -5", 2, {"--tolerance-throughput", "between 0 and 100"}},
    {"CompareToleranceText", "compare {S}/base.json {S}/valid.json --tolerance-throughput abc", 2, {"--tolerance-throughput", "percentage"}},
    {"CompareAlphaZero", "compare {S}/base.json {S}/valid.json --alpha 0", 2, {"--alpha 0", "strictly between 0 and 1"}},
    {"CompareAlphaOne", "compare {S}/base.json {S}/valid.json --alpha 1", 2, {"--alpha 1", "strictly between 0 and 1"}},
    {"CompareAlphaNan", "compare {S}/base.json {S}/valid.json --alpha nan", 2, {"--alpha", "between 0 and 1"}},
    {"CompareUnknownMetric", "compare {S}/base.json {S}/valid.json --metrics nosuch", 2, {"--metrics", "unknown metric 'nosuch'"}},
    {"CompareMetricsOnlyCommas", "compare {S}/base.json {S}/valid.json --metrics ,", 2, {"--metrics", "comma-separated"}},
    {"CompareReferenceRunsZero", "compare {S}/base.json {S}/valid.json --reference-runs 0", 2, {"--reference-runs '0'", "≥ 1"}},
    {"CompareReferenceRunsNegative", "compare {S}/base.json {S}/valid.json --reference-runs -1", 2, {"--reference-runs", "≥ 1"}},
    {"CompareReferenceRunsHuge", "compare {S}/base.json {S}/valid.json --reference-runs 99999999999999999999", 2, {"--reference-runs", "≥ 1"}},
    {"CompareFilterBadRegex", "compare {S}/base.json {S}/valid.json --filter '('", 2, {"--filter", "regular expression"}},
    {"CompareJsonMissingParent", "compare {S}/base.json {S}/valid.json --json {S}/nodir/sub/c.json", 2, {"--json", "does not exist"}},
    {"CompareMarkdownIsDirectory", "compare {S}/base.json {S}/valid.json --markdown {S}/adir", 2, {"--markdown", "is a directory"}},
    {"CompareJunitReadOnly", "compare {S}/base.json {S}/valid.json --junit {S}/ro/c.xml", 2, {"--junit", "not writable"}, true},
    {"CompareJunitEmptyValue", "compare {S}/base.json {S}/valid.json --junit ''", 2, {"--junit", "empty value"}},
    {"CompareEmptyBaselineArgument", "compare '' {S}/valid.json", 2, {"baseline", "empty value"}},
    // --- baseline record / show
    {"RecordResultsMissing", "baseline record {S}/gone --to {S}/tmp/kept-baseline.json", 2, {"{S}/gone"}},
    {"RecordResultsNan", "baseline record {S}/results-nan.json --to {S}/tmp/kept-baseline.json", 2, {"results-nan.json", "NaN"}},
    {"RecordResultsInfinityNew", "baseline record {S}/results-inf.json --to {S}/tmp/new-baseline.json", 2, {"results-inf.json", "Infinity"}},
    {"RecordResultsCounterString", "baseline record {S}/results-bytes_per_second.json --to {S}/tmp/kept-baseline.json", 2, {"bytes_per_second is string"}},
    {"RecordResultsContaminated", "baseline record {S}/contaminated.json --to {S}/tmp/kept-baseline.json", 2, {"contaminated.json", "not recorded", "cache_contaminated"}},
    {"RecordOneBadAmongGood", "baseline record {S}/valid.json {S}/results-schema99.json --to {S}/tmp/new-baseline.json", 2, {"results-schema99.json", "schema_version"}},
    {"RecordKeepZero", "baseline record {S}/valid.json --to {S}/tmp/kept-baseline.json --keep 0", 2, {"--keep 0", "at least 1"}},
    {"RecordKeepNegative", "baseline record {S}/valid.json --to {S}/tmp/kept-baseline.json --keep -1", 2, {"--keep -1", "at least 1"}},
    {"RecordKeepText", "baseline record {S}/valid.json --to {S}/tmp/kept-baseline.json --keep all", 2, {"--keep"}},
    {"RecordToDirectory", "baseline record {S}/valid.json --to {S}/adir", 2, {"--to {S}/adir"}},
    {"RecordToEmptyFile", "baseline record {S}/valid.json --to {S}/empty.json", 2, {"--to {S}/empty.json", "refusing to overwrite"}},
    {"RecordToTruncated", "baseline record {S}/valid.json --to {S}/trunc.json", 2, {"--to {S}/trunc.json", "refusing to overwrite"}},
    {"RecordToResultsFile", "baseline record {S}/valid.json --to {S}/contaminated.json", 2, {"--to {S}/contaminated.json", "refusing to overwrite"}},
    {"RecordToFifo", "baseline record {S}/valid.json --to {S}/fifo", 2, {"--to {S}/fifo", "refusing to overwrite"}},
    {"RecordToProcFile", "baseline record {S}/valid.json --to /proc/version", 2, {"--to /proc/version", "refusing to overwrite"}},
    {"RecordToNewerSchema", "baseline record {S}/valid.json --to {S}/base-schema99.json", 2, {"base-schema99.json", "schema_version is 99"}},
    {"RecordToEmptyValue", "baseline record {S}/valid.json --to ''", 2, {"--to", "empty value"}},
    {"ShowMissing", "baseline show {S}/gone", 2, {"{S}/gone"}},
    {"ShowDirectory", "baseline show {S}/adir", 2, {"{S}/adir", "is a directory"}},
    {"ShowNan", "baseline show {S}/base-nan.json", 2, {"base-nan.json", "finite"}},
    {"ShowResultsFile", "baseline show {S}/valid.json", 2, {"valid.json", "results file"}},
    {"ShowUnknownMetric", "baseline show {S}/base.json --metrics nosuch", 2, {"--metrics", "nosuch"}},
    // --- run: flags (all refused before a dataset is generated)
    {"RunRepetitionsText", "run --suite {S}/tiny.json --repetitions abc", 2, {"--repetitions"}},
    {"RunExportNoKind", "run --suite {S}/tiny.json --export {S}/r.json", 2, {"--export {S}/r.json", "expected KIND:FILE"}},
    {"RunExportUnknownKind", "run --suite {S}/tiny.json --export xml:{S}/r.xml", 2, {"--export", "unknown format 'xml'"}},
    {"RunExportEmptyFile", "run --suite {S}/tiny.json --export gab:", 2, {"--export gab:", "expected a file"}},
    {"RunExportDirectory", "run --suite {S}/tiny.json --export bmf:{S}/adir", 2, {"--export", "is a directory"}},
    {"RunRepetitionsNegative", "run --suite {S}/tiny.json --repetitions -1", 2, {"--repetitions -1", "[1, 1000]"}},
    {"RunRepetitionsZero", "run --suite {S}/tiny.json --repetitions 0", 2, {"--repetitions 0", "[1, 1000]"}},
    {"RunRepetitionsHuge", "run --suite {S}/tiny.json --repetitions 99999999999999", 2, {"--repetitions"}},
    {"RunIntervalZero", "run --suite {S}/tiny.json --interval-ms 0", 2, {"--interval-ms 0", "1 to 60000"}},
    {"RunIntervalTooLong", "run --suite {S}/tiny.json --interval-ms 70000", 2, {"--interval-ms 70000", "1 to 60000"}},
    {"RunUnknownCache", "run --suite {S}/tiny.json --cache lukewarm", 2, {"--cache lukewarm", "cold or warm"}},
    {"RunUnknownSchedule", "run --suite {S}/tiny.json --schedule random", 2, {"--schedule random", "interleaved or grouped"}},
    {"RunUnknownProbe", "run --suite {S}/tiny.json --probe maybe", 2, {"--probe maybe", "auto, on or off"}},
    {"RunProbeSecondsZero", "run --suite {S}/tiny.json --probe-seconds 0", 2, {"--probe-seconds 0", "0.5 to 60"}},
    {"RunProbeSecondsNan", "run --suite {S}/tiny.json --probe-seconds nan", 2, {"--probe-seconds", "0.5 to 60"}},
    {"RunProbeSecondsInfinite", "run --suite {S}/tiny.json --probe-seconds inf", 2, {"--probe-seconds", "0.5 to 60"}},
    {"RunProbeSecondsHuge", "run --suite {S}/tiny.json --probe-seconds 1e300", 2, {"--probe-seconds", "0.5 to 60"}},
    {"RunWarmControlNotOnOrOff", "run --suite {S}/tiny.json --warm-control maybe", 2, {"--warm-control maybe", "expected on or off"}},
    {"RunWarmControlEmpty", "run --suite {S}/tiny.json --warm-control ''", 2, {"--warm-control", "empty value"}},
    {"RunFilterBadRegex", "run --suite {S}/tiny.json --filter '('", 2, {"--filter", "regular expression"}},
    {"RunFilterMatchesNothing", "run --suite {S}/tiny.json --filter zzz", 2, {"--filter 'zzz'", "matches no workload"}},
    {"RunConfirmWithoutCompare", "run --suite {S}/tiny.json --confirm", 2, {"--confirm", "needs --compare"}},
    {"RunMaxRepetitionsWithoutCompare", "run --suite {S}/tiny.json --max-repetitions 5", 2, {"--max-repetitions", "needs --compare"}},
    {"RunMaxRepetitionsZero", "run --suite {S}/tiny.json --max-repetitions 0", 2, {"--max-repetitions '0'", "≥ 1"}},
    {"RunTimeBudgetNegative", "run --suite {S}/tiny.json --time-budget -1", 2, {"--time-budget '-1'", "≥ 0"}},
    {"RunToleranceWithoutCompare", "run --suite {S}/tiny.json --tolerance-throughput 3", 2, {"--tolerance-throughput", "needs --compare"}},
    {"RunBadToleranceWithoutCompare", "run --suite {S}/tiny.json --tolerance-throughput abc", 2, {"--tolerance-throughput", "needs --compare"}},
    {"RunAlphaWithoutCompare", "run --suite {S}/tiny.json --alpha 0.05", 2, {"--alpha", "needs --compare"}},
    {"RunJunitWithoutCompare", "run --suite {S}/tiny.json --junit {S}/tmp/r.xml", 2, {"--junit", "needs --compare"}},
    {"RunIgnoreFingerprintWithoutCompare", "run --suite {S}/tiny.json --ignore-fingerprint", 2, {"--ignore-fingerprint", "needs --compare"}},
    {"RunAllowInconclusiveWithoutCompare", "run --suite {S}/tiny.json --allow-inconclusive", 2, {"--allow-inconclusive", "needs --compare"}},
    {"RunCompareBadTolerance", "run --suite {S}/tiny.json --compare {S}/base.json --tolerance-throughput 0", 2, {"--tolerance-throughput 0"}},
    {"RunCompareJsonMissingParent", "run --suite {S}/tiny.json --compare {S}/base.json --json {S}/nodir/sub/c.json", 2, {"--json", "does not exist"}},
    // --- run: the files it reads
    {"RunSuiteUnknownName", "run --suite nosuch", 2, {"--suite nosuch", "shipped suites"}},
    {"RunSuiteMissingFile", "run --suite {S}/gone.json", 2, {"--suite {S}/gone.json", "does not exist"}},
    {"RunSuiteIsDirectory", "run --suite {S}/adir/", 2, {"{S}/adir", "is a directory"}},
    {"RunSuiteFifo", "run --suite {S}/fifo", 2, {"{S}/fifo", "not valid JSON"}},
    {"RunSuiteDangling", "run --suite {S}/dangling", 2, {"--suite {S}/dangling"}},
    {"RunSuiteEmpty", "run --suite {S}/empty.json", 2, {"empty.json", "not valid JSON"}},
    {"RunSuiteTruncated", "run --suite {S}/trunc.json", 2, {"trunc.json", "not valid JSON"}},
    {"RunSuiteArray", "run --suite {S}/arr.json", 2, {"arr.json", "expected an object"}},
    {"RunSuiteUnknownKey", "run --suite {S}/suite-unknown-key.json", 2, {"suite-unknown-key.json", "surprise", "allowed keys"}},
    {"RunSuiteSchema7", "run --suite {S}/suite-schema7.json", 2, {"suite-schema7.json", "schema_version"}},
    {"RunSuiteRepetitionsString", "run --suite {S}/suite-repetitions-string.json", 2, {"suite-repetitions-string.json", "repetitions"}},
    {"RunSuiteWorkersNegative", "run --suite {S}/suite-workers-negative.json", 2, {"suite-workers-negative.json", "workers"}},
    {"RunSuiteUnknownLayout", "run --suite {S}/suite-layout-tar.json", 2, {"suite-layout-tar.json", "tar"}},
    {"RunSuiteSamplesHuge", "run --suite {S}/suite-samples-huge.json", 2, {"suite-samples-huge.json", "samples"}},
    {"RunSuiteNan", "run --suite {S}/suite-nan.json", 2, {"suite-nan.json", "compute_ms_per_batch"}},
    {"RunCompareMissing", "run --suite {S}/tiny.json --compare {S}/gone.json", 2, {"{S}/gone.json"}},
    {"RunCompareEmpty", "run --suite {S}/tiny.json --compare {S}/empty.json", 2, {"baseline {S}/empty.json", "not JSON"}},
    {"RunCompareNan", "run --suite {S}/tiny.json --compare {S}/base-nan.json", 2, {"base-nan.json", "finite"}},
    {"RunCompareIsDirectory", "run --suite {S}/tiny.json --compare {S}/adir", 2, {"{S}/adir", "is a directory"}},
    // --- run: the directories it writes
    {"RunOutMissingParent", "run --suite {S}/tiny.json --out {S}/nodir/sub/r.json", 2, {"--out", "{S}/nodir", "does not exist"}},
    {"RunOutIsDirectory", "run --suite {S}/tiny.json --out {S}/adir", 2, {"--out", "is a directory"}},
    {"RunOutReadOnly", "run --suite {S}/tiny.json --out {S}/ro/r.json", 2, {"--out", "not writable"}, true},
    {"RunOutEmptyValue", "run --suite {S}/tiny.json --out ''", 2, {"--out", "empty value"}},
    // The data-dir rows pass --out: without it the default results/ is still made before these
    // refusals (reported,
    // not fixed here: where results/ is made is being changed with `baseline record --to`).
    {"RunDataDirIsFile", "run --suite {S}/tiny.json --data-dir {S}/empty.json --out {S}/tmp/r.json", 2, {"--data-dir", "not a directory"}},
    {"RunDataDirForeign", "run --suite {S}/tiny.json --data-dir {S}/foreign --out {S}/tmp/r.json", 2, {"--data-dir", "{S}/foreign"}},
    {"RunDataDirEmptyValue", "run --suite {S}/tiny.json --data-dir ''", 2, {"--data-dir", "empty value"}},
    {"RunDataDirColdOnTmpfs", "run --suite {S}/tiny.json --cache cold --data-dir {SHM}/data --out {S}/tmp/r.json", 2, {"--data-dir", "tmpfs"}},
    // --- qualify
    {"QualifyReferenceMissing", "qualify --suite {S}/tiny.json --reference {S}/gone.json", 2, {"{S}/gone.json"}},
    {"QualifyReferenceNan", "qualify --suite {S}/tiny.json --reference {S}/base-nan.json", 2, {"base-nan.json", "finite"}},
    {"QualifyReferenceIsResults", "qualify --suite {S}/tiny.json --reference {S}/valid.json", 2, {"valid.json", "results file"}},
    {"QualifyJsonWithoutReference", "qualify --suite {S}/tiny.json --json {S}/tmp/q.json", 2, {"--json", "needs --reference"}},
    {"QualifyToleranceWithoutReference", "qualify --suite {S}/tiny.json --tolerance-await 20", 2, {"--tolerance-await", "needs --reference"}},
    {"QualifyTimeBudgetWithoutReference", "qualify --suite {S}/tiny.json --time-budget 10", 2, {"--time-budget", "needs --reference"}},
    {"QualifyRepetitionsZero", "qualify --suite {S}/tiny.json --repetitions 0", 2, {"--repetitions 0"}},
    {"QualifySuiteUnknown", "qualify --suite nosuch", 2, {"--suite nosuch"}},
    {"QualifyOutMissingParent", "qualify --suite {S}/tiny.json --out {S}/nodir/sub/q.json", 2, {"--out", "does not exist"}},
    // --- fio
    {"FioRuntimeZero", "fio --profile seq-read --runtime-s 0", 2, {"--runtime-s"}},
    {"FioRuntimeNegative", "fio --profile seq-read --runtime-s -1", 2, {"--runtime-s"}},
    {"FioRuntimeNan", "fio --profile seq-read --runtime-s nan", 2, {"--runtime-s"}},
    {"FioRampNegative", "fio --profile seq-read --ramp-s -1", 2, {"--ramp-s"}},
    {"FioSizeZero", "fio --profile seq-read --size 0B", 2, {"--size"}},
    {"FioSizeNoUnit", "fio --profile seq-read --size 100", 2, {"--size", "unit"}},
    {"FioSizeText", "fio --profile seq-read --size big", 2, {"--size"}},
    {"FioBlockSizeNotMultiple", "fio --profile smallfile --suite {S}/tiny.json --block-size 3KiB", 2, {"--block-size", "4KiB"}},
    {"FioJobsZero", "fio --profile smallfile --suite {S}/tiny.json --jobs 0", 2, {"--jobs"}},
    {"FioJobsNegative", "fio --profile smallfile --suite {S}/tiny.json --jobs -1", 2, {"--jobs"}},
    {"FioTimeLimitZero", "fio --profile seq-read --time-limit-s 0", 2, {"--time-limit-s"}},
    {"FioRepetitionsZero", "fio --profile seq-read --repetitions 0", 2, {"--repetitions"}},
    {"FioIntervalZero", "fio --profile seq-read --interval-ms 0", 2, {"--interval-ms"}},
    {"FioUnknownProfile", "fio --profile nosuch", 2, {"fio profile 'nosuch'", "built-in profiles"}},
    {"FioJobFileMissing", "fio --profile {S}/gone.fio", 2, {"{S}/gone.fio"}},
    {"FioJobFileIsDirectory", "fio --profile {S}/adir", 2, {"{S}/adir"}},
    {"FioJobFileReadIolog", "fio --profile {S}/iolog.fio", 2, {"iolog.fio", "read_iolog"}},
    {"FioJobFileRawDevice", "fio --profile {S}/device.fio", 2, {"device.fio", "/dev/vda"}},
    {"FioJobFileWrites", "fio --profile {S}/write.fio", 2, {"write.fio", "rw"}},
    {"FioClientsHostfileMissing", "fio --clients {S}/gone.txt", 2, {"--clients {S}/gone.txt", "cannot read the hostfile"}},
    {"FioClientsHostfileBadPort", "fio --clients {S}/hosts-bad-port.txt", 2, {"{S}/hosts-bad-port.txt:1", "1..65535"}},
    {"FioClientsHostfileRelativeDir", "fio --clients {S}/hosts-relative.txt", 2, {"{S}/hosts-relative.txt:1", "absolute directory"}},
    {"FioClientsHostfileEmpty", "fio --clients {S}/hosts-empty.txt", 2, {"{S}/hosts-empty.txt", "no fio server listed"}},
    {"FioClientsSmallfile", "fio --clients {S}/hosts-closed.txt --profile smallfile", 2, {"--profile smallfile", "device profiles"}},
    {"FioClientsJobFile", "fio --clients {S}/hosts-closed.txt --profile {S}/iolog.fio", 2, {"iolog.fio", "device profiles"}},
    {"FioClientsJobs", "fio --clients {S}/hosts-closed.txt --jobs 4", 2, {"--jobs", "--clients"}},
    {"FioClientsRemoteDirDevice", "fio --clients {S}/hosts-closed.txt --remote-dir /dev/fb", 2, {"--remote-dir", "/dev"}},
    {"FioClientsConnectTimeoutZero", "fio --clients {S}/hosts-closed.txt --connect-timeout-s 0", 2, {"--connect-timeout-s 0", "0.1 to 600"}},
    {"FioRemoteDirWithoutClients", "fio --profile seq-read --remote-dir /srv/fb", 2, {"--remote-dir", "only with --clients"}},
    {"FioClientsServerRefuses", "fio --clients {S}/hosts-closed.txt --profile seq-read --out {S}/tmp/c.json", 3, {"127.0.0.1:1 ({S}/hosts-closed.txt:1)", "refused", "fio --server"}},
    {"FioOutMissingParent", "fio --profile seq-read --out {S}/nodir/sub/f.json", 2, {"--out", "does not exist"}},
    {"FioOutIsDirectory", "fio --profile seq-read --out {S}/adir", 2, {"--out", "is a directory"}},
    {"FioDataDirIsFile", "fio --profile seq-read --data-dir {S}/empty.json --out {S}/tmp/f.json", 2, {"--data-dir", "not a directory"}},
    {"FioDataDirForeign", "fio --profile seq-read --data-dir {S}/foreign --out {S}/tmp/f.json", 2, {"--data-dir", "{S}/foreign"}},
    {"FioSuiteUnknown", "fio --profile smallfile --suite nosuch", 2, {"--suite nosuch"}},
    // --- report, and --html elsewhere
    {"ReportNotJson", "report {S}/empty.json --html {S}/r.html", 2, {"{S}/empty.json", "not JSON", "expected a feedbench file"}},
    {"ReportBaselineIsNoReportInput", "report {S}/base.json --html {S}/r.html", 2, {"{S}/base.json", "not a feedbench file"}},
    {"ReportFileMissing", "report {S}/gone.json --html {S}/r.html", 2, {"{S}/gone.json"}},
    {"ReportWithoutHtml", "report {S}/valid.json", 2, {"--html"}},
    {"ReportHtmlMissingParent", "report {S}/valid.json --html {S}/nodir/sub/r.html", 2, {"--html", "does not exist"}},
    {"ReportHtmlIsDirectory", "report {S}/valid.json --html {S}/adir", 2, {"--html", "is a directory"}},
    {"CompareHtmlIsDirectory", "compare {S}/base.json {S}/valid.json --html {S}/adir", 2, {"--html", "is a directory"}},
    {"RunHtmlMissingParent", "run --data-dir {S}/data --html {S}/nodir/sub/r.html", 2, {"--html", "does not exist"}},
};

INSTANTIATE_TEST_SUITE_P(EverySubcommand, BadInputMatrix, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace feedbench
