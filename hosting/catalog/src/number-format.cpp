#include "number-format.h"

#include <charconv>

namespace aap {

std::string formatNumber(double value) {
    char buffer[32];  // the shortest round-trip form of a double needs at most 24 characters
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    if (ec != std::errc())
        return "0";
    return std::string(buffer, end);
}

}  // namespace aap
