// Reading one small sysfs (or procfs) attribute file, such as <sysfs>/block/vda/dev or
// .../queue/scheduler.
//
// Attributes are a line or a few words; a missing or unreadable one is normal (a device without
// that feature, a kernel without that file), so failure is a value, never an exception. Safe from
// any thread; nothing is cached.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace feedbench {

// The file's content with leading and trailing blanks and line ends (kLineWhitespace) removed;
// nullopt when the file cannot be opened or read.
std::optional<std::string> ReadSysfsAttribute(const std::filesystem::path& file);

}  // namespace feedbench
