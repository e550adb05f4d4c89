// Fuzzes suite files as `feedbench run --suite FILE` reads them (LoadSuite, harness/suite/suite.h):
// the bytes are written to a .json file in the scratch directory and loaded by path. Bad input is
// a UsageError; a suite that parses must write back to JSON that parses to the same suite.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "harness/suite/suite.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = fb::fuzz::WriteInput("suite.json", data, size);
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    const fb::Suite suite = fb::LoadSuite(path.string());
    const fb::Suite again = fb::ParseSuite(fb::SuiteToJson(suite), "round trip");
    fb::fuzz::Require(fb::SuiteToJson(again) == fb::SuiteToJson(suite),
                      "SuiteToJson/ParseSuite round trip changed the suite");
  });
  return 0;
}
