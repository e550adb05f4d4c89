// JSON text with bare non-finite numbers: what printf-style writers produce for NaN and infinity.
//
// Google Benchmark writes NaN, -NaN, Infinity and -Infinity; fio writes doubles with "%f", so it
// prints nan, -nan, inf, -inf (glibc may add a payload: "nan(0x8000)"). Neither is JSON. These
// functions rewrite such tokens so the text parses, either as null or as a marker string that
// keeps the token, so that a reader that requires finite numbers can refuse it naming the place
// and the token; everything else, including the same words inside JSON strings, is left byte for
// byte. Pure functions, safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace feedbench {

// The value of the JSON string NonFiniteToMarkers writes in place of a token: this prefix, then the
// token as written ("NaN" → "(non-finite) NaN").
inline constexpr std::string_view kNonFiniteMarkerPrefix = "(non-finite) ";

// Replaces each bare non-finite token outside JSON strings by `replacement` (JSON text: "null",
// or a quoted marker string so the places can be found after parsing). A token is nan, inf or
// infinity in any letter case, optionally signed (-nan, +nan, -inf, +inf, -infinity), optionally
// followed by a parenthesised payload, and standing alone: not preceded or followed by a letter,
// digit or '_'.
std::string ReplaceNonFinite(std::string_view text, std::string_view replacement);

// ReplaceNonFinite(text, "null"): non-finite values read as absent. For JSON whose non-finite
// values carry no meaning (Google Benchmark's cv aggregate of a counter that is 0 throughout).
std::string NonFiniteToNull(std::string_view text);

// Replaces each bare non-finite token (as ReplaceNonFinite finds them) by a JSON string holding
// kNonFiniteMarkerPrefix and the token as written: `NaN` → `"(non-finite) NaN"`.
std::string NonFiniteToMarkers(std::string_view text);

// How `value` stands for a number that is not finite, where a finite number is required: the
// token of a NonFiniteToMarkers marker ("NaN", "-Infinity", "nan(0x8000)"), "null" for null, or
// "NaN", "Infinity", "-Infinity" for a non-finite double built in memory. nullopt for a finite
// number and for every other value (a string, bool, object or array: a type error, not this).
std::optional<std::string> NonFiniteSpelling(const nlohmann::json& value);

// Replaces every NonFiniteToMarkers marker inside `value`, at any depth, by null: what
// NonFiniteToNull would have read there.
void NonFiniteMarkersToNull(nlohmann::json& value);

}  // namespace feedbench
