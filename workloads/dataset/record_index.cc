#include "workloads/dataset/record_index.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/unique_fd.h"
#include "workloads/dataset/file_io.h"

namespace feedbench {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kIndexMagic = "FBRECIX1";
constexpr size_t kHeadBytes = 8 + 8 + 8;
constexpr size_t kEntryBytes = 3 * 8;
constexpr size_t kChecksumBytes = 8;

void PutU64(std::string& out, uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(bytes, 8);
}
uint64_t GetU64(const std::string& in, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

}  // namespace

RecordIndex IndexOfPlan(const PackPlan& plan, const DatasetSpec& spec) {
  RecordIndex index;
  index.files = plan.containers();
  index.entries.reserve(spec.samples);
  for (uint64_t k = 0; k < plan.containers(); ++k) {
    for (uint64_t i = plan.first_sample[k]; i < plan.first_sample[k + 1]; ++i) {
      index.entries.push_back({k, plan.offset[i], SampleBytes(spec, i)});
    }
  }
  return index;
}

std::string EncodeRecordIndex(const RecordIndex& index) {
  std::string out;
  out.reserve(kHeadBytes + index.entries.size() * kEntryBytes + kChecksumBytes);
  out.append(kIndexMagic);
  PutU64(out, index.files);
  PutU64(out, index.entries.size());
  for (const RecordEntry& e : index.entries) {
    PutU64(out, e.file);
    PutU64(out, e.offset);
    PutU64(out, e.length);
  }
  PutU64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

RecordIndex DecodeRecordIndex(const std::string& bytes, uint64_t expected_samples,
                              const fs::path& path) {
  auto bad = [&](const std::string& what) {
    return UsageError(fmt::format(
        "{}: corrupt records index: {}; the dataset is damaged: remove it (`feedbench dataset rm`) "
        "and generate it again",
        path.string(), what));
  };
  if (bytes.size() < kHeadBytes + kChecksumBytes) {
    throw bad(fmt::format("{} bytes, shorter than its header", bytes.size()));
  }
  if (bytes.compare(0, kIndexMagic.size(), kIndexMagic) != 0) throw bad("no FBRECIX1 magic");
  const size_t body = bytes.size() - kChecksumBytes;
  const uint64_t stored = GetU64(bytes, body);
  const uint64_t computed = XXH3_64bits(bytes.data(), body);
  if (stored != computed) {
    throw bad(fmt::format("checksum {:016x}, computed {:016x}", stored, computed));
  }
  RecordIndex index;
  index.files = GetU64(bytes, 8);
  const uint64_t samples = GetU64(bytes, 16);
  if (samples != expected_samples) {
    throw bad(fmt::format("{} records, the manifest says {} samples", samples, expected_samples));
  }
  if ((body - kHeadBytes) / kEntryBytes != samples || (body - kHeadBytes) % kEntryBytes != 0) {
    throw bad(fmt::format("{} bytes do not hold {} records", bytes.size(), samples));
  }
  index.entries.resize(samples);
  for (uint64_t i = 0; i < samples; ++i) {
    const size_t at = kHeadBytes + i * kEntryBytes;
    index.entries[i] = {GetU64(bytes, at), GetU64(bytes, at + 8), GetU64(bytes, at + 16)};
    if (index.entries[i].file >= index.files) {
      throw bad(fmt::format("record {} is in file {}, beyond the {} data files", i,
                            index.entries[i].file, index.files));
    }
  }
  return index;
}

RecordIndex LoadRecordIndex(const fs::path& dataset_dir, uint64_t expected_samples) {
  const fs::path path = RecordIndexPath(dataset_dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw UsageError(fmt::format(
        "{}: the records index is missing; the dataset is damaged: remove it and generate it again",
        path.string()));
  }
  RecordIndex index = DecodeRecordIndex(ReadWholeFile(path), expected_samples, path);
  // Records lie back to back: each starts where the one before it in its file ended.
  std::vector<uint64_t> end(index.files, 0);
  for (uint64_t i = 0; i < index.entries.size(); ++i) {
    const RecordEntry& e = index.entries[i];
    if (e.offset != end[e.file]) {
      throw UsageError(fmt::format(
          "{}: does not match {}: record {} starts at byte {}, the record before it ends at {}; "
          "the dataset is damaged: remove it and generate it again",
          path.string(), RecordFilePath(dataset_dir, e.file).filename().string(), i, e.offset,
          end[e.file]));
    }
    end[e.file] = e.offset + e.length;
  }
  for (uint64_t k = 0; k < index.files; ++k) {
    const fs::path data = RecordFilePath(dataset_dir, k);
    const uint64_t bytes = fs::file_size(data, ec);
    if (ec) {
      throw UsageError(fmt::format("{}: names data file {}, which cannot be read: {}",
                                   path.string(), data.string(), ec.message()));
    }
    if (bytes != end[k]) {
      throw UsageError(fmt::format(
          "{}: does not match {}: its records end at byte {}, the file has {} bytes; the dataset "
          "is damaged: remove it and generate it again",
          path.string(), data.filename().string(), end[k], bytes));
    }
  }
  return index;
}

void WriteRecordIndex(const fs::path& dataset_dir, const RecordIndex& index) {
  const fs::path path = RecordIndexPath(dataset_dir);
  const std::string bytes = EncodeRecordIndex(index);
  const UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    throw EnvironmentError(fmt::format("creating {}: {}", path.string(), std::strerror(errno)));
  }
  WriteAll(fd.get(), std::as_bytes(std::span(bytes.data(), bytes.size())), path);
}

}  // namespace feedbench
