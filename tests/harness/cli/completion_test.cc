// `feedbench completion bash`: the script is sourced in bash and asked for completions the way
// bash asks (COMP_WORDS, COMP_CWORD). What it must offer is read from the binary's own --help and
// the shipped suites, so a subcommand or flag added later is checked without editing this test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/suite/suite.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace feedbench {
namespace {

using testing::RunCommand;
using testing::ShellQuote;

std::set<std::string> Lines(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.insert(line);
  }
  return lines;
}

// The subcommands a --help text lists (CLI11: "Subcommands:" then "  name  description").
std::set<std::string> HelpSubcommands(const std::string& help) {
  std::set<std::string> names;
  const size_t at = help.find("\nSubcommands:\n");
  if (at == std::string::npos) return names;
  std::istringstream in(help.substr(at + 14));
  const std::regex entry(R"(^  ([a-z][a-z0-9-]*)\s)");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, entry)) names.insert(m[1]);
  }
  return names;
}

// The long options a --help text lists ("--name" at the start of an option line).
std::set<std::string> HelpLongOptions(const std::string& help) {
  std::set<std::string> names;
  const std::regex option(R"(^\s+(?:-\w,)?(--[a-z][a-z0-9-]*))");
  std::istringstream in(help);
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, option)) names.insert(m[1]);
  }
  return names;
}

class CompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto r = RunCommand(std::string(FEEDBENCH_BINARY) + " completion bash 2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    script_ = dir_.path() / "feedbench.bash";
    WriteFileAtomic(script_, r.output);
  }

  // What bash would offer after `words` (the last one being completed, "" for a new word).
  std::set<std::string> Offered(const std::vector<std::string>& words) {
    std::string array = "feedbench";
    for (const auto& w : words) array += " " + ShellQuote(w);
    const std::string program = "source " + ShellQuote(script_.string()) + "; COMP_WORDS=(" +
                                array + "); COMP_CWORD=" + std::to_string(words.size()) +
                                "; _feedbench; printf '%s\\n' \"${COMPREPLY[@]}\"";
    const auto r = RunCommand("cd " + ShellQuote(dir_.path().string()) + " && bash -c " +
                              ShellQuote(program) + " 2>/dev/null");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return Lines(r.output);
  }

  std::string Help(const std::string& subcommand) {
    return RunCommand(std::string(FEEDBENCH_BINARY) + " " + subcommand + " --help").output;
  }

  testing::TempDir dir_;
  std::filesystem::path script_;
};

TEST_F(CompletionTest, OffersEverySubcommandTheHelpListsAndNotTheHiddenOne) {
  const std::set<std::string> listed = HelpSubcommands(Help(""));
  ASSERT_GE(listed.size(), 5u) << Help("");
  const std::set<std::string> offered = Offered({""});
  for (const auto& name : listed) EXPECT_TRUE(offered.contains(name)) << name;
  EXPECT_FALSE(offered.contains("completion"));
  EXPECT_FALSE(listed.contains("completion"));
}

TEST_F(CompletionTest, OffersEveryLongOptionOfEverySubcommand) {
  for (const std::string& sub : HelpSubcommands(Help(""))) {
    const std::set<std::string> options = HelpLongOptions(Help(sub));
    ASSERT_FALSE(options.empty()) << sub;
    const std::set<std::string> offered = Offered({sub, "--"});
    for (const auto& option : options)
      EXPECT_TRUE(offered.contains(option)) << sub << " " << option;
  }
}

TEST_F(CompletionTest, NestedSubcommandsCompleteTheirOwnWordsAfterOptionValues) {
  const std::set<std::string> listed = HelpSubcommands(Help("dataset"));
  ASSERT_TRUE(listed.contains("create"));
  const std::set<std::string> offered = Offered({"dataset", ""});
  for (const auto& name : listed) EXPECT_TRUE(offered.contains(name)) << name;
  // A value that looks like a subcommand ("create" as a --dir) is not taken for one.
  EXPECT_THAT(Offered({"dataset", "create", "--dir", "verify", "--la"}),
              ::testing::ElementsAre("--layout"));
}

TEST_F(CompletionTest, SuiteOffersTheShippedSuites) {
  const std::set<std::string> offered = Offered({"run", "--suite", ""});
  for (const auto& name : ShippedSuiteNames()) EXPECT_TRUE(offered.contains(name)) << name;
  EXPECT_THAT(Offered({"run", "--suite", "smo"}), ::testing::Contains("smoke"));
}

TEST_F(CompletionTest, AShellOtherThanBashIsBadInput) {
  const auto r = RunCommand(std::string(FEEDBENCH_BINARY) + " completion zsh");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, ::testing::HasSubstr("bash"));
}

}  // namespace
}  // namespace feedbench
