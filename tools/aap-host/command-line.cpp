#include "command-line.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace aap::host_tool {

std::string ParsedArguments::value(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedArguments::values(const std::string& name) const {
    static const std::vector<std::string> none;
    auto it = values_.find(name);
    return it == values_.end() ? none : it->second;
}

bool parseArguments(const std::vector<std::string>& arguments, const std::vector<OptionSpec>& specs,
                    ParsedArguments* parsed, std::string* error) {
    for (size_t i = 0; i < arguments.size(); i++) {
        const std::string& word = arguments[i];
        if (word == "--") {
            parsed->positional_.insert(parsed->positional_.end(), arguments.begin() + static_cast<long>(i) + 1,
                                       arguments.end());
            break;
        }
        if (word.size() < 2 || word[0] != '-') {
            parsed->positional_.push_back(word);
            continue;
        }
        if (word == "-h") {
            parsed->values_["help"].push_back("");
            continue;
        }
        if (word.rfind("--", 0) != 0) {
            *error = "unknown option '" + word + "'";
            return false;
        }
        std::string name = word.substr(2);
        std::string inlineValue;
        bool hasInlineValue = false;
        if (auto equals = name.find('='); equals != std::string::npos) {
            inlineValue = name.substr(equals + 1);
            name = name.substr(0, equals);
            hasInlineValue = true;
        }
        const OptionSpec* spec = nullptr;
        for (const OptionSpec& candidate : specs)
            if (name == candidate.name)
                spec = &candidate;
        if (spec == nullptr) {
            *error = "unknown option '--" + name + "'";
            return false;
        }
        std::vector<std::string>& slot = parsed->values_[name];
        if (!spec->repeatable && !slot.empty()) {
            *error = "option '--" + name + "' given more than once";
            return false;
        }
        if (spec->valueName == nullptr) {
            if (hasInlineValue) {
                *error = "option '--" + name + "' takes no value";
                return false;
            }
            slot.push_back("");
            continue;
        }
        if (hasInlineValue) {
            slot.push_back(inlineValue);
        } else if (i + 1 < arguments.size()) {
            slot.push_back(arguments[++i]);
        } else {
            *error = "option '--" + name + "' needs a value (" + spec->valueName + ")";
            return false;
        }
    }
    return true;
}

std::string describeOptions(const std::vector<OptionSpec>& specs) {
    std::string out;
    for (const OptionSpec& spec : specs) {
        std::string head = std::string("  --") + spec.name;
        if (spec.valueName)
            head += std::string(" ") + spec.valueName;
        if (head.size() < 26)
            head.resize(26, ' ');
        else
            head += "\n" + std::string(26, ' ');
        out += head + spec.description + (spec.repeatable ? " (repeatable)" : "") + "\n";
    }
    return out;
}

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Length of a run of decimal digits at `text[i]`, refusing a leading zero in a run of two or more
// ("010" could be meant as octal; "0x10" as hexadecimal: neither is accepted).
size_t decimalDigits(const std::string& text, size_t i, bool allowLeadingZero) {
    size_t n = 0;
    while (i + n < text.size() && isDigit(text[i + n]))
        n++;
    if (!allowLeadingZero && n > 1 && text[i] == '0')
        return 0;
    return n;
}

// [+-]digits: decimal only, no leading zeros, no spaces.
bool isDecimalInteger(const std::string& text) {
    size_t i = text.empty() || (text[0] != '+' && text[0] != '-') ? 0 : 1;
    size_t n = decimalDigits(text, i, false);
    return n > 0 && i + n == text.size();
}

// [+-]digits[.digits][(e|E)[+-]digits] or [+-].digits[...]: plain decimal notation, no hexadecimal
// floats, "inf" or "nan", no leading zeros in the integer part.
bool isDecimalReal(const std::string& text) {
    size_t i = text.empty() || (text[0] != '+' && text[0] != '-') ? 0 : 1;
    size_t whole = decimalDigits(text, i, false);
    if (whole == 0 && i < text.size() && isDigit(text[i]))
        return false;  // a leading zero
    i += whole;
    size_t fraction = 0;
    if (i < text.size() && text[i] == '.') {
        fraction = decimalDigits(text, i + 1, true);
        i += 1 + fraction;
    }
    if (whole == 0 && fraction == 0)
        return false;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        if (i < text.size() && (text[i] == '+' || text[i] == '-'))
            i++;
        size_t exponent = decimalDigits(text, i, true);
        if (exponent == 0)
            return false;
        i += exponent;
    }
    return i == text.size();
}

} // namespace

bool parseInteger(const std::string& text, int64_t minimum, int64_t maximum, int64_t* value) {
    if (!isDecimalInteger(text))
        return false;
    errno = 0;
    char* end = nullptr;
    long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || *end != '\0' || parsed < minimum || parsed > maximum)
        return false;
    *value = parsed;
    return true;
}

bool parseReal(const std::string& text, double minimum, double maximum, double* value) {
    if (!isDecimalReal(text))
        return false;
    errno = 0;
    char* end = nullptr;
    double parsed = std::strtod(text.c_str(), &end);
    if (errno != 0 || end == text.c_str() || *end != '\0' || !std::isfinite(parsed) || parsed < minimum ||
        parsed > maximum)
        return false;
    *value = parsed;
    return true;
}

// "K:REST" -> plugin index K-1 and REST; without "K:" plugin 0. K is 1..count.
bool splitPluginPrefix(const std::string& text, size_t count, size_t* plugin, std::string* rest, std::string* error) {
    const size_t colon = text.find(':');
    *plugin = 0;
    *rest = text;
    if (colon == std::string::npos || colon == 0 || text.find_first_not_of("0123456789") != colon)
        return true;
    int64_t number = 0;
    if (!parseInteger(text.substr(0, colon), 1, static_cast<int64_t>(count), &number)) {
        *error = "plugin number " + text.substr(0, colon) + " is not 1.." + std::to_string(count);
        return false;
    }
    *plugin = static_cast<size_t>(number - 1);
    *rest = text.substr(colon + 1);
    return true;
}


bool parseNullBackendTiming(const ParsedArguments& parsed, int64_t* rate, int64_t* period, std::string* error) {
    if (parsed.has("rate") && !parseInteger(parsed.value("rate"), 8000, 384000, rate)) {
        *error = "bad --rate '" + parsed.value("rate") + "' (an integer 8000..384000)";
        return false;
    }
    if (parsed.has("period") && !parseInteger(parsed.value("period"), 16, 8192, period)) {
        *error = "bad --period '" + parsed.value("period") + "' (an integer 16..8192)";
        return false;
    }
    return true;
}

} // namespace aap::host_tool
