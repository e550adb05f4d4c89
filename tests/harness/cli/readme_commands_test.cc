// Every shell command in README.md's fenced code blocks, run as written, in README order, in one
// scratch directory, as a user following the README would: `build/feedbench` and `feedbench` are
// the binary under test, results/ and the default data directory ($TMPDIR/feedbench-data) land in
// the scratch directory, and nothing is written into the source tree. A command that cannot run
// in a test is listed below with its reason; a command that is neither run nor listed cannot
// exist, since every command not listed is run. The README's placeholders (its /data paths, its
// NVMe device, its training script) are replaced by the scratch directory's own, in one table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/atomic_file.h"
#include "tests/support/readme.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

namespace fs = std::filesystem;
using testing::FencedBlock;
using testing::RunCommand;
using testing::ShellQuote;

// The README's commands that are not run here, each exactly as the README writes it (without its
// trailing comment), with the reason. An entry the README no longer has fails the test.
struct NotRun {
  std::string_view command;
  std::string_view reason;
};
constexpr NotRun kNotRun[] = {
    {"ci/setup.sh && build/feedbench run",
     "installs packages and builds into the source tree, which this test's build already did; "
     "`build/feedbench run` is run as the next block's first command"},
    {"ci/test.sh", "runs the whole test suite, this test included"},
    {"fio --server --daemonize=/run/fio-server.pid",
     "starts a fio server that outlives the test; FioClientsCli starts fio servers on 127.0.0.1 "
     "and stops them"},
    {"build/feedbench fio --clients hosts.txt --profile seq-read --runtime-s 10 --size 4GiB",
     "needs fio servers on the README's nodes; FioClientsCli runs `fio --clients` against fio "
     "servers on 127.0.0.1"},
    {"ci/sanitize.sh asan",
     "builds every target again under AddressSanitizer and runs the whole suite, this test "
     "included; ci/test.sh runs it"},
    {"ci/sanitize.sh tsan",
     "builds the threaded parts again under ThreadSanitizer and runs their tests; ci/test.sh runs "
     "it"},
    {"ci/sanitize.sh asan -R Sampler", "builds every target again under AddressSanitizer"},
    {"ci/package.sh",
     "builds the package into the source tree's build/; the DebianPackage test (ctest) runs it "
     "into a temporary directory"},
    {"apt install ./feedbench_*.deb",
     "needs root and installs the package on this machine; the DebianPackage test extracts the "
     "package into a temporary root instead"},
    {"build/feedbench run --suite ci --data-dir /data/fb --keep-data",
     "the nightly ci suite: a 1.3 GiB dataset in two layouts and 49 cold repetitions, many minutes"},
    {"build/feedbench layouts --data-dir /data/fb --json layouts.json --markdown layouts.md",
     "the layouts suite in interleaved rounds until decided: up to 20 rounds of six layouts over "
     "40000 samples, many minutes; layouts_test runs `layouts` on a small suite"},
    {"build/feedbench ab --data-dir /mnt/old/fb --b-data-dir /mnt/new/fb --suite qualify --json "
     "ab.json",
     "needs two devices mounted at /mnt/old and /mnt/new and runs the qualify suite on both; "
     "layouts_test runs `ab` on a small suite with two directories"},
    {"build/feedbench run --suite layouts --filter 'lmdb|tmpfs' --repetitions 3",
     "generates the layouts suite's 40000 samples in two layouts: minutes on a 2-core node"},
    {"build/feedbench run --suite ci --compare baselines/node01/ci.json --max-repetitions 15 "
     "--time-budget 600",
     "needs a baseline of the ci suite recorded on this node and may run for its 600 s budget; "
     "run_command_test and until_decided_test run `run --compare` on small suites"},
    {"mpirun --hostfile nodes.txt --map-by ppr:8:node -np 64 build/feedbench run --suite ci "
     "--data-dir /mnt/lustre/fb --dataset-scope shared --rank-timeout 300",
     "needs 8 nodes in nodes.txt and a shared filesystem; mpirun_test runs `run` as 4 ranks on "
     "this node, as two fake nodes, and with a rank stopped or killed"},
    {"build/feedbench fio",
     "the four profiles at their defaults: 48 s of fio after a 1 GiB test file and the smoke "
     "dataset; fio_command_test runs every profile with short flags"},
    {"bench/fio_profiles.sh",
     "builds a benchmark into the source tree's build/ and runs a minute of fio per profile"},
    {"build/feedbench qualify --data-dir /data/fb",
     "the qualify suite: a 4.7 GiB dataset in three layouts, a 4 GiB fio file, five cold "
     "repetitions each, about an hour; qualify_test runs `qualify` on a small suite"},
    {"build/feedbench baseline record results/qualify-ref01-*.json --to "
     "baselines/ref01/qualify.json",
     "records the qualify run above, which is not run; on the reference node (ref01)"},
    {"build/feedbench qualify --data-dir /data/fb --reference baselines/ref01/qualify.json "
     "--junit q.xml",
     "the qualify suite (about an hour) against the reference node's baseline above"},
    {"feedbench monitor [--path P | --device D]... [--interval-ms N] [--duration S] "
     "[--csv FILE] [--json FILE] [--thresholds FILE] [--ceiling RESULTS] [--mark REGEX] "
     "[--log FILE [--log-wait S]] [-- COMMAND ARGS...]",
     "a synopsis: placeholders in capitals, options in brackets"},
    {"feedbench compare BASELINE RESULTS [--tolerance-throughput PCT] [--tolerance-await PCT] "
     "[--alpha P] [--metrics LIST] [--reference-runs K] [--allow-inconclusive] [--filter REGEX] "
     "[--json F] [--markdown F] [--junit F] [--ignore-fingerprint]",
     "a synopsis: placeholders in capitals, options in brackets"},
    {"feedbench baseline record RESULTS... --to baselines/<profile>/<suite>.json [--keep N]",
     "a synopsis: placeholders in capitals and angle brackets"},
    {"feedbench baseline show FILE [--metrics LIST]", "a synopsis: a placeholder in capitals"},
    {"feedbench report FILE... --html OUT", "a synopsis: placeholders in capitals"},
};

// The README's placeholders and what stands for them here. {scratch} is the scratch directory,
// {disk} the /proc/diskstats name of the disk holding it.
struct Placeholder {
  std::string_view pattern;  // ECMAScript regex over the command
  std::string_view replacement;
};
constexpr Placeholder kPlaceholders[] = {
    // The README's data paths (/data/fb, /data/imagenet, /data/fb-64k, ...): this node has no
    // /data; the scratch directory's data/ stands for it, with an image folder in data/imagenet.
    {R"((^|[\s=])/data(?=[/\s]|$))", "$1{scratch}/data"},
    // An NVMe disk the README samples by name: the disk holding the scratch directory.
    {R"(\bnvme0n1\b)", "{disk}"},
    // The user's training job that monitor runs and watches: a second of sleep in Python.
    {R"(python train\.py)", "python3 -c 'import time; time.sleep(1)'"},
};

// Files of the user's own that the README's commands name: the job file is the README's own
// (the ini block between the fio-example markers); the suite is a small one of ours.
constexpr std::string_view kMySuite = R"({
  "schema_version": 1,
  "name": "my-suite",
  "description": "a suite of the user's own: a small files dataset read cold, twice",
  "dataset": {"samples": 400, "sizes": {"distribution": "uniform", "min_bytes": "16KiB",
              "max_bytes": "64KiB"}, "seed": 5, "files_per_dir": 100},
  "defaults": {"repetitions": 2, "workers": 2, "batch_size": 16, "prefetch": 2},
  "workloads": [{"name": "files-random", "layout": "files", "order": "random"}]
})";

constexpr int kCommandTimeoutSec = 300;  // each command; the whole test fits in ctest's 900 s

bool IsShellBlock(const FencedBlock& block) {
  return block.language == "sh" || block.language == "bash" || block.language == "shell";
}

bool IsDataBlock(const FencedBlock& block) {
  return block.language == "ini" || block.language == "json" || block.language == "text";
}

// `line` without a trailing `# comment` (a '#' after whitespace, outside quotes) and without
// surrounding whitespace.
std::string WithoutComment(const std::string& line) {
  char quote = 0;
  size_t end = line.size();
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      end = i;
      break;
    }
  }
  const std::string kept = line.substr(0, end);
  const size_t first = kept.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return kept.substr(first, kept.find_last_not_of(" \t") - first + 1);
}

struct ReadmeCommand {
  std::string text;  // as written, comment cut, continuation lines joined with one space
  int line = 0;      // README line
};

// The commands of a shell block: one per line, a line ending in '\' continued on the next.
std::vector<ReadmeCommand> Commands(const FencedBlock& block) {
  std::vector<ReadmeCommand> commands;
  std::string pending;
  int pending_line = 0;
  int line_number = block.line;
  size_t pos = 0;
  while (pos < block.body.size()) {
    const size_t eol = block.body.find('\n', pos);
    const std::string raw = block.body.substr(pos, eol - pos);
    pos = eol == std::string::npos ? block.body.size() : eol + 1;
    ++line_number;
    std::string text = WithoutComment(raw);
    if (text.empty() && pending.empty()) continue;
    if (pending.empty()) pending_line = line_number;
    const bool continued = !text.empty() && text.back() == '\\';
    if (continued) text = WithoutComment(text.substr(0, text.size() - 1));
    pending += (pending.empty() || text.empty() ? "" : " ") + text;
    if (!continued) {
      commands.push_back({pending, pending_line});
      pending.clear();
    }
  }
  if (!pending.empty()) commands.push_back({pending, pending_line});
  return commands;
}

std::string Substitute(std::string command, const fs::path& scratch, const std::string& disk) {
  for (const Placeholder& p : kPlaceholders) {
    std::string replacement(p.replacement);
    replacement = std::regex_replace(replacement, std::regex(R"(\{scratch\})"), scratch.string());
    replacement = std::regex_replace(replacement, std::regex(R"(\{disk\})"), disk);
    command = std::regex_replace(command, std::regex(std::string(p.pattern)), replacement);
  }
  return command;
}

// The /proc/diskstats name of the device holding `path` (its partition, if it is on one).
std::string DiskOf(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  std::ifstream uevent(fs::path("/sys/dev/block") /
                       (std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev))) /
                       "uevent");
  for (std::string line; std::getline(uevent, line);) {
    if (line.starts_with("DEVNAME=")) return line.substr(8);
  }
  return "";
}

// An image folder, as a training set is laid out: class directories of files of varied sizes.
void WriteImageFolder(const fs::path& dir) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<size_t> size_bytes(8 << 10, 128 << 10);
  for (int c = 0; c < 4; ++c) {
    const fs::path class_dir = dir / ("class" + std::to_string(c));
    fs::create_directories(class_dir);
    for (int i = 0; i < 50; ++i) {
      std::string bytes(size_bytes(rng), '\0');
      for (char& b : bytes) b = static_cast<char>(rng());
      WriteFileAtomic(class_dir / ("img" + std::to_string(i) + ".jpg"), bytes);
    }
  }
}

std::string Tail(const std::string& text, size_t chars = 4000) {
  return text.size() <= chars ? text : "..." + text.substr(text.size() - chars);
}

std::string SourceTreeStatus() {
  return RunCommand("git -C " + ShellQuote(FEEDBENCH_SOURCE_DIR) +
                    " status --porcelain --untracked-files=all")
      .output;
}

TEST(ReadmeCommandsTest, EveryCommandIsRunOrListedAndFencesAreKnown) {
  const std::vector<FencedBlock> blocks = testing::FencedBlocks(testing::ReadmeText());
  ASSERT_FALSE(blocks.empty());
  std::set<std::string> commands;
  for (const FencedBlock& block : blocks) {
    EXPECT_TRUE(IsShellBlock(block) || IsDataBlock(block))
        << "README.md:" << block.line << ": a fenced block of unknown language '" << block.language
        << "': mark it sh (its commands are run by this test) or ini/json/text (not commands)";
    if (!IsShellBlock(block)) continue;
    for (const ReadmeCommand& c : Commands(block)) commands.insert(c.text);
  }
  for (const NotRun& n : kNotRun) {
    EXPECT_TRUE(commands.contains(std::string(n.command)))
        << "kNotRun lists a command README.md no longer has: " << n.command;
  }
  for (const Placeholder& p : kPlaceholders) {
    const std::regex pattern{std::string(p.pattern)};
    EXPECT_TRUE(std::any_of(commands.begin(), commands.end(),
                            [&](const std::string& c) { return std::regex_search(c, pattern); }))
        << "kPlaceholders has a placeholder no README command holds: " << p.pattern;
  }
}

TEST(ReadmeCommandsTest, EveryCommandRunsAsWritten) {
  testing::TempDir scratch_dir;  // under /var/tmp: a disk, as cold runs require
  const fs::path scratch = scratch_dir.path();
  const std::string disk = DiskOf(scratch);
  if (disk.empty()) GTEST_SKIP() << scratch << " is on no block device (the README samples one)";
  const bool data_existed = fs::exists("/data");
  const std::string source_status = SourceTreeStatus();

  fs::create_directories(scratch / "build");
  fs::create_symlink(FEEDBENCH_BINARY, scratch / "build" / "feedbench");
  fs::create_directories(scratch / "tmp");
  WriteImageFolder(scratch / "data" / "imagenet" / "train");
  const std::vector<std::string> fio_example = testing::ReadmeExample("fio-example");
  ASSERT_FALSE(fio_example.empty()) << "README.md: no <!-- test:fio-example --> job file";
  WriteFileAtomic(scratch / "my-job.fio", fio_example[0]);
  WriteFileAtomic(scratch / "my-suite.json", std::string(kMySuite));

  std::set<std::string> not_run;
  for (const NotRun& n : kNotRun) not_run.emplace(n.command);
  std::set<std::string> already_run;
  int run_count = 0;
  const std::string env = "PATH=" + ShellQuote((scratch / "build").string()) + ":\"$PATH\" TMPDIR=" +
                          ShellQuote((scratch / "tmp").string());
  for (const FencedBlock& block : testing::FencedBlocks(testing::ReadmeText())) {
    if (!IsShellBlock(block)) continue;
    for (const ReadmeCommand& c : Commands(block)) {
      if (not_run.contains(c.text) || already_run.contains(c.text)) continue;
      already_run.insert(c.text);
      const std::string command = Substitute(c.text, scratch, disk);
      const auto start = std::chrono::steady_clock::now();
      const auto r = RunCommand("cd " + ShellQuote(scratch.string()) + " && " + env +
                                " timeout -k 10 " + std::to_string(kCommandTimeoutSec) +
                                " sh -c " + ShellQuote(command));
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++run_count;
      std::printf("README.md:%d (%.1f s, exit %d): %s\n", c.line, seconds, r.exit_code,
                  command.c_str());
      EXPECT_EQ(r.exit_code, 0) << "README.md:" << c.line << ": " << c.text << "\nran as: "
                                << command << "\n"
                                << (r.exit_code == 124 ? "(over the time limit) " : "")
                                << Tail(r.output);
    }
  }
  EXPECT_GT(run_count, 0);
  EXPECT_EQ(SourceTreeStatus(), source_status) << "a README command wrote into the source tree";
  EXPECT_EQ(fs::exists("/data"), data_existed) << "a README command wrote /data";
}

}  // namespace
}  // namespace feedbench
