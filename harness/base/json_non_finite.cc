#include "harness/base/json_non_finite.h"

#include <array>
#include <cctype>
#include <cmath>

namespace feedbench {
namespace {

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Copies `text`, writing `replace(out, token)` in place of each bare non-finite token.
template <typename Replace>
std::string RewriteNonFinite(std::string_view text, Replace replace) {
  // Longer spellings first, so "infinity" is not read as "inf" followed by a word.
  static constexpr std::array<std::string_view, 8> kTokens = {
      "-infinity", "infinity", "-nan", "nan", "-inf", "inf", "+nan", "+inf"};
  std::string out;
  out.reserve(text.size() + 64);
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    if ((c == '-' || c == '+' || std::isalpha(static_cast<unsigned char>(c))) &&
        (i == 0 || !IsWordChar(text[i - 1]))) {
      bool replaced = false;
      for (std::string_view token : kTokens) {
        if (text.size() - i < token.size()) continue;
        bool match = true;
        for (size_t k = 0; k < token.size() && match; ++k) {
          match = std::tolower(static_cast<unsigned char>(text[i + k])) == token[k];
        }
        const size_t after = i + token.size();
        // glibc may add a payload: "nan(0x8000)".
        size_t end = after;
        if (match && end < text.size() && text[end] == '(') {
          const size_t close = text.find(')', end);
          if (close != std::string_view::npos) end = close + 1;
        }
        if (match && (end >= text.size() || !IsWordChar(text[end]))) {
          replace(out, text.substr(i, end - i));
          i = end - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string ReplaceNonFinite(std::string_view text, std::string_view replacement) {
  return RewriteNonFinite(text, [&](std::string& out, std::string_view) { out += replacement; });
}

std::string NonFiniteToNull(std::string_view text) { return ReplaceNonFinite(text, "null"); }

std::string NonFiniteToMarkers(std::string_view text) {
  // A token holds only letters, digits, signs and parentheses: nothing to escape in a JSON string.
  return RewriteNonFinite(text, [](std::string& out, std::string_view token) {
    out += '"';
    out += kNonFiniteMarkerPrefix;
    out += token;
    out += '"';
  });
}

std::optional<std::string> NonFiniteSpelling(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    return std::nullopt;
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s.starts_with(kNonFiniteMarkerPrefix)) return s.substr(kNonFiniteMarkerPrefix.size());
  }
  return std::nullopt;
}

void NonFiniteMarkersToNull(nlohmann::json& value) {
  if (value.is_structured()) {
    for (nlohmann::json& child : value) NonFiniteMarkersToNull(child);
  } else if (value.is_string() && NonFiniteSpelling(value)) {
    value = nullptr;
  }
}

}  // namespace feedbench
