// Test support: README.md's fenced code blocks, read as the README gives them, so that tests run
// the README's own examples rather than copies of them. One reader of the fences for every test.
// Pure functions over the text (ReadmeText reads the file); thread-compatible.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/atomic_file.h"

namespace feedbench::testing {

// One fenced code block: the language after the opening fence ("sh", "ini", "" if none), its body
// without the fences (each line ending in '\n') and the 1-based line of its opening fence.
struct FencedBlock {
  std::string language;
  std::string body;
  int line = 0;
};

inline std::string ReadmeText() {
  return ReadWholeFile(std::filesystem::path(FEEDBENCH_SOURCE_DIR) / "README.md");
}

// Every fenced block of `text`, in order. `first_line` is the line number of text's first line.
inline std::vector<FencedBlock> FencedBlocks(std::string_view text, int first_line = 1) {
  std::vector<FencedBlock> blocks;
  auto line_of = [&](size_t pos) {
    int n = first_line;
    for (size_t i = 0; i < pos && i < text.size(); ++i) n += text[i] == '\n' ? 1 : 0;
    return n;
  };
  for (size_t fence = text.find("```"); fence != std::string_view::npos;
       fence = text.find("```", fence)) {
    const size_t body = text.find('\n', fence);
    const size_t close = body == std::string_view::npos ? body : text.find("\n```", body);
    if (close == std::string_view::npos) break;
    FencedBlock block;
    block.language = std::string(text.substr(fence + 3, body - fence - 3));
    block.body = std::string(text.substr(body + 1, close - body));
    block.line = line_of(fence);
    blocks.push_back(std::move(block));
    const size_t after = text.find('\n', close + 4);
    if (after == std::string_view::npos) break;
    fence = after;
  }
  return blocks;
}

// The fenced blocks of README.md between <!-- test:NAME ...--> and <!-- /test:NAME -->, in order:
// the README's example, read as the README gives it. Empty when the markers are missing.
inline std::vector<std::string> ReadmeExample(const std::string& name) {
  const std::string readme = ReadmeText();
  const size_t begin = readme.find("<!-- test:" + name + " ");
  const size_t end = readme.find("<!-- /test:" + name + " -->");
  if (begin == std::string::npos || end == std::string::npos || end < begin) return {};
  std::vector<std::string> bodies;
  for (FencedBlock& block : FencedBlocks(std::string_view(readme).substr(begin, end - begin))) {
    bodies.push_back(std::move(block.body));
  }
  return bodies;
}

}  // namespace feedbench::testing
