// The version of feedbench this binary was built as: the project version, plus `git describe`
// when built from a checkout (cmake/version.cmake), e.g. "0.1.0+git.20382fe". One place for it:
// `feedbench --version`, the results' context.feedbench, dataset manifests and the Debian package
// all read it. A constant; thread-safe.
#pragma once

#include <string_view>

namespace feedbench {

std::string_view FeedbenchVersion();

}  // namespace feedbench
