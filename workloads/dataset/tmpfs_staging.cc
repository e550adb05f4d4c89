#include "workloads/dataset/tmpfs_staging.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "harness/base/atomic_file.h"
#include "harness/base/errors.h"
#include "harness/base/units.h"
#include "harness/os/interrupt.h"
#include "harness/os/process_identity.h"
#include "workloads/dataset/dataset_dir.h"

namespace feedbench {
namespace fs = std::filesystem;
namespace {

// ---- The signal-safe cleanup list ----
// Slots hold NUL-terminated staging roots. A slot is published by storing used = true after its
// path is written and retired by storing false, so the handler reads only complete paths. The
// handler may call only async-signal-safe functions: opendir/readdir allocate, so it walks
// directories with the getdents64 system call into a stack buffer and removes with unlinkat.
constexpr int kSlots = 64;
constexpr size_t kPathMax = 4096;

struct Slot {
  std::atomic<bool> used{false};
  char path[kPathMax];
};
std::array<Slot, kSlots> g_slots;
std::mutex g_slots_mutex;  // serialises registration (never taken in the handler)

struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Removes everything under the directory open as `dir_fd` (depth-first), with raw syscalls only.
void RemoveTreeAt(int dir_fd, int depth) {
  if (depth > 8) return;  // the staging layout is 2 levels deep; never recurse without bound
  alignas(8) char buf[8192];
  bool removed_any = true;
  // getdents64 offsets shift as entries are unlinked: rescan from the start until a pass removes
  // nothing.
  while (removed_any) {
    removed_any = false;
    ::lseek(dir_fd, 0, SEEK_SET);
    while (true) {
      const long n = ::syscall(SYS_getdents64, dir_fd, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        const auto* d = reinterpret_cast<const LinuxDirent64*>(buf + off);
        off += d->d_reclen;
        const char* name = d->d_name;
        if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
        if (d->d_type == DT_DIR) {
          const int child = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
          if (child >= 0) {
            RemoveTreeAt(child, depth + 1);
            ::close(child);
          }
          if (::unlinkat(dir_fd, name, AT_REMOVEDIR) == 0) removed_any = true;
        } else if (::unlinkat(dir_fd, name, 0) == 0) {
          removed_any = true;
        }
      }
    }
  }
}

void RemoveTreeSignalSafe(const char* root) {
  const int fd = ::open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd >= 0) {
    RemoveTreeAt(fd, 0);
    ::close(fd);
  }
  ::rmdir(root);
}

// The interrupt handler's cleanup (harness/os/interrupt.h) when a signal ends the process: every
// live staging is removed, with async-signal-safe calls only.
void RemoveLiveStagingsSignalSafe() {
  for (auto& slot : g_slots) {
    if (slot.used.load(std::memory_order_acquire)) RemoveTreeSignalSafe(slot.path);
  }
}

int Register(const fs::path& root) {
  AddInterruptCleanup(RemoveLiveStagingsSignalSafe);
  const std::string path = root.string();
  if (path.size() >= kPathMax) throw UsageError(fmt::format("{}: path too long", path));
  std::lock_guard lock(g_slots_mutex);
  for (int i = 0; i < kSlots; ++i) {
    if (!g_slots[i].used.load(std::memory_order_relaxed)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].used.store(true, std::memory_order_release);
      return i;
    }
  }
  throw EnvironmentError(fmt::format("more than {} tmpfs stagings at once", kSlots));
}

void Unregister(int slot) {
  if (slot < 0) return;
  std::lock_guard lock(g_slots_mutex);
  g_slots[slot].used.store(false, std::memory_order_release);
}

void RemoveStaging(const fs::path& root) {
  std::error_code ec;
  fs::remove_all(root, ec);
}

void CopyFile(const fs::path& from, const fs::path& to, std::vector<std::byte>& buffer) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    throw EnvironmentError(
        fmt::format("staging: opening {}: {}", from.string(), std::strerror(errno)));
  }
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    const int err = errno;
    ::close(in);
    throw EnvironmentError(
        fmt::format("staging: creating {}: {}", to.string(), std::strerror(err)));
  }
  auto fail = [&](const char* what, const fs::path& path) {
    const int err = errno;
    ::close(in);
    ::close(out);
    throw EnvironmentError(
        fmt::format("staging: {} {}: {}", what, path.string(), std::strerror(err)));
  };
  while (true) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("reading", from);
    }
    if (n == 0) break;
    ssize_t done = 0;
    while (done < n) {
      const ssize_t w = ::write(out, buffer.data() + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        fail("writing", to);
      }
      done += w;
    }
  }
  ::close(in);
  ::close(out);
}

// ---- Owners ----

constexpr std::string_view kOwnerHeader = "feedbench tmpfs staging";

// The pid in a staging name feedbench-stage-<pid>-..., or nullopt when the name is not one.
std::optional<pid_t> PidInName(std::string_view name) {
  if (!name.starts_with(kStagingPrefix)) return std::nullopt;
  name.remove_prefix(kStagingPrefix.size());
  const size_t dash = name.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 9) return std::nullopt;
  pid_t pid = 0;
  for (const char c : name.substr(0, dash)) {
    if (c < '0' || c > '9') return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0) return std::nullopt;
  return pid;
}

struct OwnerRecord {
  pid_t pid = 0;
  uint64_t start_ticks = 0;
  std::string boot_id;
};

std::string OwnerText(const ProcessIdentity& self) {
  return fmt::format("{}\npid {}\nstart_ticks {}\nboot_id {}\n", kOwnerHeader, self.pid,
                     self.start_ticks, self.boot_id);
}

// The owner file's record, or nullopt when it is not one (wrong header, a field missing or not a
// number).
std::optional<OwnerRecord> ParseOwner(std::string_view text) {
  OwnerRecord owner;
  bool header = false, pid = false, ticks = false;
  auto number = [](std::string_view digits, uint64_t& value) {
    if (digits.empty() || digits.size() > 19) return false;
    value = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  };
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    uint64_t value = 0;
    if (!header) {
      if (line != kOwnerHeader) return std::nullopt;
      header = true;
    } else if (line.starts_with("pid ")) {
      if (!number(line.substr(4), value) || value == 0 || value > INT32_MAX) return std::nullopt;
      owner.pid = static_cast<pid_t>(value);
      pid = true;
    } else if (line.starts_with("start_ticks ")) {
      if (!number(line.substr(12), value)) return std::nullopt;
      owner.start_ticks = value;
      ticks = true;
    } else if (line.starts_with("boot_id ")) {
      owner.boot_id = std::string(line.substr(8));
    }
  }
  if (!header || !pid || !ticks) return std::nullopt;
  return owner;
}

// The blocks the regular files under `dir` hold, in bytes (symlinks are not followed).
uint64_t AllocatedBytes(const fs::path& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      bytes += static_cast<uint64_t>(st.st_blocks) * 512;
    }
  }
  return bytes;
}

void PrintReclaimed(const ReclaimedStaging& r) {
  const std::string size = FormatBytesIec(static_cast<double>(r.bytes));
  if (r.error.empty()) {
    fmt::print(stderr, "feedbench: reclaimed stale tmpfs staging {} ({}): {}\n", r.dir.string(),
               size, r.why);
  } else {
    fmt::print(stderr,
               "feedbench: warning: could not reclaim stale tmpfs staging {} ({}; {}): {}\n",
               r.dir.string(), size, r.why, r.error);
  }
}

}  // namespace

StagingOwner JudgeStaging(const fs::path& dir, std::string* why) {
  const std::optional<pid_t> name_pid = PidInName(dir.filename().string());
  if (!name_pid) return StagingOwner::kNotStaging;
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return StagingOwner::kNotStaging;
  if (::geteuid() != 0 && st.st_uid != ::geteuid()) return StagingOwner::kNotStaging;
  auto gone = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return StagingOwner::kGone;
  };
  const fs::path owner_path = dir / kStagingOwnerFile;
  struct stat owner_st {};
  if (::lstat(owner_path.c_str(), &owner_st) != 0) {
    if (errno != ENOENT) return StagingOwner::kNotStaging;
    // Made before owner files, or being made right now (the owner file follows the directory):
    // the pid in the name is all there is, and a live one keeps it.
    if (ProbePid(*name_pid).runs) return StagingOwner::kAlive;
    return gone(
        fmt::format("its owner, pid {}, is gone (no owner file: an older feedbench)", *name_pid));
  }
  if (!S_ISREG(owner_st.st_mode) || owner_st.st_size > 4096) return StagingOwner::kNotStaging;
  std::optional<OwnerRecord> owner;
  try {
    owner = ParseOwner(ReadWholeFile(owner_path));
  } catch (const std::exception&) {
    return StagingOwner::kNotStaging;
  }
  if (!owner || owner->pid != *name_pid) return StagingOwner::kNotStaging;
  const std::string boot = BootId();
  if (!owner->boot_id.empty() && !boot.empty() && owner->boot_id != boot) {
    return gone(fmt::format("its owner, pid {}, ran before this boot", owner->pid));
  }
  const PidLiveness now = ProbePid(owner->pid);
  if (!now.runs) return gone(fmt::format("its owner, pid {}, is gone", owner->pid));
  // Start ticks 0: the owner could not read its own; then the pid alone keeps the staging.
  if (owner->start_ticks != 0 && now.start_ticks && *now.start_ticks != owner->start_ticks) {
    return gone(fmt::format(
        "its owner, pid {} started at tick {}, is gone (pid {} is now another process, started "
        "at tick {})",
        owner->pid, owner->start_ticks, owner->pid, *now.start_ticks));
  }
  return StagingOwner::kAlive;
}

std::vector<ReclaimedStaging> ReclaimStaleStagings(const fs::path& tmpfs_dir) {
  std::vector<ReclaimedStaging> stale;
  std::error_code ec;
  for (auto it = fs::directory_iterator(tmpfs_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string why;
    if (JudgeStaging(it->path(), &why) == StagingOwner::kGone) {
      stale.push_back({.dir = it->path(), .bytes = 0, .why = std::move(why), .error = ""});
    }
  }
  for (ReclaimedStaging& r : stale) {
    r.bytes = AllocatedBytes(r.dir);
    std::error_code removed;
    fs::remove_all(r.dir, removed);
    if (removed) r.error = removed.message();
  }
  return stale;
}

uint64_t StagingNeedBytes(uint64_t total_bytes) {
  return total_bytes + std::max<uint64_t>(64ULL << 20, total_bytes / 20);
}

uint64_t ParseMemAvailableBytes(std::string_view text, std::string_view where) {
  constexpr std::string_view kKey = "MemAvailable:";
  const size_t pos = text.find(kKey);
  if (pos == std::string_view::npos || (pos != 0 && text[pos - 1] != '\n')) {
    throw EnvironmentError(fmt::format("{}: no MemAvailable line", where));
  }
  size_t i = pos + kKey.size();
  while (i < text.size() && text[i] == ' ') ++i;
  uint64_t kib = 0;
  bool digits = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    kib = kib * 10 + static_cast<uint64_t>(text[i] - '0');
    digits = true;
    ++i;
  }
  if (!digits) throw EnvironmentError(fmt::format("{}: MemAvailable has no number", where));
  // /proc/meminfo says "kB" but means KiB.
  return kib * 1024;
}

TmpfsStaging::TmpfsStaging(const fs::path& dataset_dir, const DatasetSpec& spec,
                           const StagingOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(options.tmpfs_dir, ec)) {
    throw UsageError(fmt::format("--tmpfs-dir {}: not a directory", options.tmpfs_dir.string()));
  }
  // Before the memory check: what dead runs left is memory this one may need.
  for (const ReclaimedStaging& r : ReclaimStaleStagings(options.tmpfs_dir)) {
    if (options.on_reclaimed) {
      options.on_reclaimed(r);
    } else {
      PrintReclaimed(r);
    }
  }
  uint64_t total_bytes = 0;
  for (uint64_t i = 0; i < spec.samples; ++i) total_bytes += SampleBytes(spec, i);
  const uint64_t need = StagingNeedBytes(total_bytes);
  const uint64_t mem_available =
      ParseMemAvailableBytes(ReadWholeFile(options.meminfo_path), options.meminfo_path);
  if (need > mem_available) {
    throw EnvironmentError(fmt::format(
        "tmpfs staging: not enough memory: the dataset needs {} ({} bytes, with margin), "
        "MemAvailable is {} ({} bytes); use a smaller dataset or the files layout",
        FormatBytesIec(static_cast<double>(need)), need,
        FormatBytesIec(static_cast<double>(mem_available)), mem_available));
  }
  struct statvfs st {};
  if (::statvfs(options.tmpfs_dir.c_str(), &st) == 0) {
    const uint64_t free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    if (need > free_bytes) {
      throw EnvironmentError(fmt::format(
          "tmpfs staging: not enough space in {}: the dataset needs {} ({} bytes, with margin), "
          "{} ({} bytes) free",
          options.tmpfs_dir.string(), FormatBytesIec(static_cast<double>(need)), need,
          FormatBytesIec(static_cast<double>(free_bytes)), free_bytes));
    }
  }

  static std::atomic<int> counter{0};
  const std::string name =
      fmt::format("feedbench-stage-{}-{}-{}", ::getpid(), counter++, SpecHash(spec).substr(0, 12));
  fs::path root = options.tmpfs_dir / name;
  // This process is alive with this pid, so a directory of this name is a leftover of a dead
  // process that had the same pid: ours by name, and stale.
  RemoveStaging(root);
  slot_ = Register(root);
  root_ = root;
  try {
    fs::create_directories(root_, ec);
    if (ec) {
      throw EnvironmentError(fmt::format("staging: creating {}: {}", root_.string(), ec.message()));
    }
    // The owner first, so that a run killed from here on leaves a staging the next run reclaims.
    WriteFileAtomic(root_ / kStagingOwnerFile, OwnerText(SelfIdentity()));
    const uint64_t shards = (spec.samples + spec.files_per_dir - 1) / spec.files_per_dir;
    for (uint64_t shard = 0; shard < shards; ++shard) {
      fs::create_directories(SampleFilePath(root_, spec, shard * spec.files_per_dir).parent_path(),
                             ec);
      if (ec)
        throw EnvironmentError(fmt::format("staging in {}: {}", root_.string(), ec.message()));
    }
    const int threads = options.threads > 0
                            ? options.threads
                            : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
    std::atomic<uint64_t> next{0};
    std::mutex error_mutex;
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    {
      std::vector<std::jthread> pool;
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
          std::vector<std::byte> buffer(1 << 20);
          try {
            // A SIGINT or SIGTERM stops the copy at the next file; the staging is removed below.
            while (!failed.load(std::memory_order_relaxed) && PendingInterrupt() == 0) {
              const uint64_t i = next.fetch_add(1, std::memory_order_relaxed);
              if (i >= spec.samples) return;
              CopyFile(SampleFilePath(dataset_dir, spec, i), SampleFilePath(root_, spec, i),
                       buffer);
            }
          } catch (...) {
            std::lock_guard lock(error_mutex);
            if (!error) error = std::current_exception();
            failed.store(true);
          }
        });
      }
    }
    if (error) std::rethrow_exception(error);
    ThrowIfInterrupted();
  } catch (...) {
    RemoveStaging(root_);
    Unregister(slot_);
    throw;
  }
}

TmpfsStaging::~TmpfsStaging() {
  RemoveStaging(root_);
  Unregister(slot_);
}

}  // namespace feedbench
