// JSON text with bare non-finite numbers: what printf-style writers produce for NaN and infinity.
//
// Google Benchmark writes NaN, -NaN, Infinity and -Infinity; fio writes doubles with "%f", so it
// prints nan, -nan, inf, -inf (glibc may add a payload: "nan(0x8000)"). Neither is JSON. These
// functions rewrite such tokens so the text parses; everything else, including the same words
// inside JSON strings, is left byte for byte. Pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace feedbench {

// Replaces each bare non-finite token outside JSON strings by `replacement` (JSON text: "null",
// or a quoted marker string so the places can be found after parsing). A token is nan, inf or
// infinity in any letter case, optionally signed (-nan, +nan, -inf, +inf, -infinity), optionally
// followed by a parenthesised payload, and standing alone: not preceded or followed by a letter,
// digit or '_'.
std::string ReplaceNonFinite(std::string_view text, std::string_view replacement);

// ReplaceNonFinite(text, "null"): non-finite values read as absent.
std::string NonFiniteToNull(std::string_view text);

}  // namespace feedbench
