// Fuzzes the dataset manifest (<dir>/feedbench-dataset.json) as every command that opens a
// dataset reads it (ReadManifest, workloads/dataset/dataset_dir.h): the bytes are the manifest of
// a scratch directory. Bad input is a UsageError; a manifest that parses must write back to JSON
// that parses to the same fields.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.h"
#include "workloads/dataset/dataset_dir.h"

namespace fb = feedbench;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = fb::fuzz::ScratchDir() / "dataset";
  static const bool made = std::filesystem::create_directories(dir) || true;
  (void)made;
  fb::fuzz::WriteInput(std::string("dataset/") + std::string(fb::kManifestName), data, size);
  fb::fuzz::ExpectOnly<fb::UsageError>([&] {
    const std::optional<fb::Manifest> manifest = fb::ReadManifest(dir);
    fb::fuzz::Require(manifest.has_value(), "ReadManifest found no manifest it was given");
    const fb::Manifest again = fb::ManifestFromJson(fb::ToJson(*manifest), "round trip");
    fb::fuzz::Require(fb::ToJson(again) == fb::ToJson(*manifest),
                      "ToJson/ManifestFromJson round trip changed the manifest");
  });
  return 0;
}
