// What every feedbench fuzz target shares: the rule for what counts as a finding, and a scratch
// directory for parsers whose entry point (the one the CLI calls) takes a path.
//
// A target feeds its bytes to the function the CLI uses. A typed feedbench error (UsageError for
// a bad file or flag value, RunError for unusable fio output) is the expected answer to garbage
// and is swallowed here; anything else escaping — another exception type, a feedbench error of
// the wrong kind (an EnvironmentError for bad input would exit 3, not 2) — is reported and aborts,
// so libFuzzer keeps the input as a crash. Crashes, sanitizer reports and hangs are libFuzzer's.
// Single-threaded, as libFuzzer runs a target.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>

#include "harness/base/errors.h"

namespace feedbench::fuzz {

// Runs fn(); returns normally when it returned or threw one of the Expected error types, aborts
// with the exception's type and message otherwise.
template <typename... Expected, typename Fn>
void ExpectOnly(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    if (((dynamic_cast<const Expected*>(&e) != nullptr) || ...)) return;
    std::fprintf(stderr, "feedbench fuzz: unexpected exception %s: %s\n", typeid(e).name(),
                 e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "feedbench fuzz: unexpected non-std exception\n");
    std::abort();
  }
}

// Aborts with `what` unless `ok`: a property of the parser's output that must hold.
inline void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "feedbench fuzz: property violated: %s\n", what);
    std::abort();
  }
}

// A directory of this process's own under $TMPDIR (or /tmp): feedbench-fuzz-XXXXXX, removed at
// normal exit. A crashing run leaves it (with the last input in it), which helps reproduce.
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                          "/feedbench-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("feedbench fuzz: mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// Writes the input to ScratchDir()/name (replacing it) and returns that path.
inline std::filesystem::path WriteInput(std::string_view name, const uint8_t* data, size_t size) {
  const std::filesystem::path path = ScratchDir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "feedbench fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace feedbench::fuzz
