#include "harness/base/time_format.h"

#include <cstdint>

namespace feedbench {
namespace {

// Calendar arithmetic (no gmtime_r, no time-zone lock): the sampler stamps every row with it.
// Truncates to whole milliseconds towards the past, also before the epoch.
struct UtcFields {
  std::chrono::year_month_day date;
  std::chrono::hh_mm_ss<std::chrono::milliseconds> clock;
};

UtcFields FieldsOf(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto since_epoch = floor<milliseconds>(t);
  const auto day = floor<days>(since_epoch);
  return UtcFields{year_month_day{day}, hh_mm_ss<milliseconds>{since_epoch - day}};
}

// Writes `value` as `digits` decimal digits at `position` of `text`.
void Put(char* text, int position, int64_t value, int digits) {
  for (int d = digits - 1; d >= 0; --d, value /= 10) text[position + d] = char('0' + value % 10);
}

}  // namespace

std::string UtcIsoMillis(std::chrono::system_clock::time_point t) {
  const UtcFields f = FieldsOf(t);
  char text[] = "0000-00-00T00:00:00.000Z";
  Put(text, 0, int(f.date.year()), 4);
  Put(text, 5, unsigned(f.date.month()), 2);
  Put(text, 8, unsigned(f.date.day()), 2);
  Put(text, 11, f.clock.hours().count(), 2);
  Put(text, 14, f.clock.minutes().count(), 2);
  Put(text, 17, f.clock.seconds().count(), 2);
  Put(text, 20, f.clock.subseconds().count(), 3);
  return std::string(text, sizeof text - 1);
}

std::string UtcCompact(std::chrono::system_clock::time_point t) {
  const UtcFields f = FieldsOf(t);
  char text[] = "00000000T000000Z";
  Put(text, 0, int(f.date.year()), 4);
  Put(text, 4, unsigned(f.date.month()), 2);
  Put(text, 6, unsigned(f.date.day()), 2);
  Put(text, 9, f.clock.hours().count(), 2);
  Put(text, 11, f.clock.minutes().count(), 2);
  Put(text, 13, f.clock.seconds().count(), 2);
  return std::string(text, sizeof text - 1);
}

}  // namespace feedbench
