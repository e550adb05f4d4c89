// The hostfile of `feedbench fio --clients`, fio's client JSON (client_stats) read into each
// server's figures and the aggregate, and the servers' answer checked before fio starts.
#include "workloads/fio/fio_clients.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "tests/support/fio_server.h"
#include "tests/support/temp_dir.h"
#include "workloads/fio/fio.h"

namespace feedbench {
namespace {

using ::testing::HasSubstr;

const std::string kDir = "/var/tmp/feedbench-fio";

TEST(FioHostfile, HostsPortsDirectoriesAndComments) {
  const auto servers = ParseFioHostfile(
      "# storage clients\n"
      "node1\n"
      "  node2:8801   /mnt/nvme/fb   # its own directory\n"
      "\n"
      "10.0.0.7:9000\n"
      "[fd00::7]:8765 /data\n"
      "[fd00::8]\n",
      "hosts.txt", kDir);
  ASSERT_EQ(servers.size(), 5u);
  EXPECT_EQ(servers[0].host, "node1");
  EXPECT_EQ(servers[0].port, 8765);
  EXPECT_EQ(servers[0].dir, kDir);
  EXPECT_EQ(servers[0].line, 2);
  EXPECT_EQ(servers[0].ClientArg(), "node1,8765");
  EXPECT_EQ(servers[1].Name(), "node2:8801");
  EXPECT_EQ(servers[1].dir, "/mnt/nvme/fb");
  EXPECT_EQ(servers[1].TestFile(), "/mnt/nvme/fb/feedbench-fio-testfile");
  EXPECT_EQ(servers[2].ClientArg(), "ip:10.0.0.7,9000");
  EXPECT_EQ(servers[3].host, "fd00::7");
  EXPECT_EQ(servers[3].Name(), "[fd00::7]:8765");
  EXPECT_EQ(servers[3].ClientArg(), "ip6:fd00::7,8765");
  EXPECT_EQ(servers[4].port, 8765);
  EXPECT_EQ(servers[4].line, 7);
}

TEST(FioHostfile, BadLinesNameTheFileTheLineAndWhatWasExpected) {
  struct Case {
    const char* text;
    const char* says;
  };
  const Case cases[] = {
      {"node1:0\n", "port \"0\" is not 1..65535"},
      {"node1:65536\n", "is not 1..65535"},
      {"node1:http\n", "is not 1..65535"},
      {"node1:\n", "':' without a port"},
      {"node1 /a /b\n", "more than two fields"},
      {"node1 data\n", "expected an absolute directory"},
      {"node1 /dev/nvme0n1\n", "under /dev"},
      {"node1 /mnt/a:b\n", "holds ':' or '$'"},
      {"node1 /mnt/$HOME\n", "holds ':' or '$'"},
      {"fd00::7\n", "IPv6 address must be in brackets"},
      {"[fd00::7\n", "no closing ']'"},
      {"[node1]:8765\n", "brackets hold no IPv6 address"},
      {"node;rm\n", "not a host name or address"},
      {"node1\nnode1:8765\n", "listed twice"},
      {"node1:8801\nnode1:8802\n", "give each server a DIR of its own"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      ParseFioHostfile(c.text, "hosts.txt", kDir);
      ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
      EXPECT_THAT(e.what(), HasSubstr("hosts.txt:")) << e.what();
      EXPECT_THAT(e.what(), HasSubstr(c.says)) << e.what();
    }
  }
  // The same host twice is fine with a directory each.
  EXPECT_EQ(ParseFioHostfile("node1:8801 /a\nnode1:8802 /b\n", "h", kDir).size(), 2u);
}

TEST(FioHostfile, AnEmptyOrUnreadableHostfileIsBadInput) {
  EXPECT_THROW(ParseFioHostfile("# nothing\n\n", "hosts.txt", kDir), UsageError);
  try {
    LoadFioHostfile("/nonexistent/hosts.txt", kDir);
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/hosts.txt"));
  }
  // The default directory is checked as --remote-dir.
  try {
    ParseFioHostfile("node1\n", "hosts.txt", "relative/dir");
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--remote-dir \"relative/dir\""));
  }
}

TEST(FioClientOutput, EachServersJobsAndAllClientsAreRead) {
  // fio 3.33, two servers on 127.0.0.1 (ports 8801, 8802), one seq-read job each; fio's servers
  // print their lines ("<vm> ...") before the JSON.
  const std::string text =
      ReadWholeFile(std::string(FEEDBENCH_FIXTURES) + "/fio/fio-3.33-client-two-servers.json");
  const FioReport report = ParseFioOutput(text, "client.json");
  EXPECT_EQ(report.fio_version, "fio-3.33");
  ASSERT_EQ(report.jobs.size(), 2u);
  EXPECT_EQ(report.jobs[0].hostname, "127.0.0.1");
  EXPECT_EQ(report.jobs[0].port, 8802);
  EXPECT_EQ(report.jobs[1].port, 8801);
  EXPECT_THAT(report.preamble, HasSubstr("<vm> Starting 1 process"));
  ASSERT_TRUE(report.all_clients.has_value());
  EXPECT_EQ(report.all_clients->read.bytes_per_sec, 42032079);

  const FioReadSummary a = SummarizeServerReads(report, "127.0.0.1", 8801);
  EXPECT_EQ(a.bytes_per_sec, 21016039);
  EXPECT_EQ(a.io_bytes, 21037056u);
  EXPECT_EQ(a.total_ios, 321u);
  ASSERT_TRUE(a.clat.p99.has_value());
  EXPECT_DOUBLE_EQ(*a.clat.p99, 86.528);  // 86528 ns
  const FioReadSummary b = SummarizeServerReads(report, "127.0.0.1", 8802);
  EXPECT_DOUBLE_EQ(*b.clat.p99, 45.312);
  EXPECT_EQ(SummarizeServerReads(report, "127.0.0.1", 9999).total_ios, 0u);

  // The aggregate: the servers' sums equal fio's own "All clients" sums; the mean weighted by
  // I/O equals fio's (7978.757009 ns); p99 the larger server's.
  const FioReadSummary all = SummarizeReads(report);
  EXPECT_NEAR(all.bytes_per_sec, report.all_clients->read.bytes_per_sec, 1.0);  // fio rounds each
  EXPECT_EQ(all.io_bytes, report.all_clients->read.io_bytes);
  EXPECT_EQ(all.total_ios, report.all_clients->read.total_ios);
  EXPECT_NEAR(*all.clat.mean, 7.978757009, 1e-6);
  EXPECT_DOUBLE_EQ(*all.clat.p99, 86.528);
}

TEST(FioClientOutput, NoJobAtAllIsAFailureThatSaysSo) {
  // A server that refused the job (a directory= that does not exist there): fio 3.33 exits 0 with
  // an empty client_stats and the reason before the JSON.
  const std::string text =
      "<vm> fio: /srv/x is not a directory\n<vm> fio: job global dropped\n\n"
      "{\"fio version\" : \"fio-3.33\", \"client_stats\" : [], \"disk_util\" : []}\n";
  const FioReport report = ParseFioOutput(text, "client.json");
  EXPECT_TRUE(report.jobs.empty());
  EXPECT_EQ(FioJobFailure(report), "fio reported no jobs");
  EXPECT_THAT(report.preamble, HasSubstr("is not a directory"));
}

TEST(FioServersAnswer, ASilentServerIsNamedWithItsLine) {
  const uint16_t closed = testing::FreeLoopbackPort();
  const auto servers =
      ParseFioHostfile("127.0.0.1:" + std::to_string(closed) + "\n", "hosts.txt", kDir);
  try {
    CheckFioServersAnswer(servers, "hosts.txt", std::chrono::milliseconds(1000));
    ADD_FAILURE() << "accepted";
  } catch (const EnvironmentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("1 of 1 fio server did not accept a connection"));
    EXPECT_THAT(e.what(), HasSubstr("127.0.0.1:" + std::to_string(closed) + " (hosts.txt:1)"));
    EXPECT_THAT(e.what(), HasSubstr("refused"));
    EXPECT_THAT(e.what(), HasSubstr("fio --server"));
  }
}

TEST(FioServersAnswer, ARunningFioServerAnswers) {
  testing::TempDir tmp;
  testing::FioServerProcess server(tmp.path() / "server.log");
  const auto servers = ParseFioHostfile(
      "127.0.0.1:" + std::to_string(server.port()) + "\n", "hosts.txt", kDir);
  EXPECT_NO_THROW(CheckFioServersAnswer(servers, "hosts.txt", std::chrono::milliseconds(2000)));
}

TEST(MeasureFioClients, RefusesProfilesThatReadThisNodesFiles) {
  FioClientsOptions options;
  options.profile = "smallfile";
  options.servers = ParseFioHostfile("127.0.0.1\n", "h", kDir);
  try {
    MeasureFioClients(options);
    ADD_FAILURE() << "accepted";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--profile smallfile"));
  }
}

}  // namespace
}  // namespace feedbench
