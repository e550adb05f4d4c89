#include "harness/base/text.h"

namespace feedbench {

std::string_view Trim(std::string_view text, std::string_view whitespace) {
  const auto first = text.find_first_not_of(whitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(whitespace);
  return text.substr(first, last - first + 1);
}

}  // namespace feedbench
