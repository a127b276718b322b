#pragma once
// Locale-independent shortest round-trip formatting of doubles (private to the catalog), used
// in diagnostics and JSON. The value must be finite (the parser rejects everything else).

#include <string>

namespace aap {

std::string formatNumber(double value);

}  // namespace aap
