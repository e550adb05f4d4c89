#include "harness/os/sysfs.h"

#include <fstream>
#include <iterator>

#include "harness/base/text.h"

namespace feedbench {

std::optional<std::string> ReadSysfsAttribute(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::nullopt;
  return std::string(Trim(text, kLineWhitespace));
}

}  // namespace feedbench
