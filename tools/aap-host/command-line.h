#pragma once
// The command-line parser of aap-host: GNU-style long options ("--name value", "--name=value"),
// flags, repeatable options and positional arguments, checked against what a subcommand declares.
// Errors are values (a message for stderr), never exceptions.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace aap::host_tool {

struct OptionSpec {
    const char* name;         // without the leading "--"
    const char* valueName;    // null for a flag
    const char* description;
    bool repeatable = false;
};

class ParsedArguments {
public:
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    // The last value of an option, or `fallback`.
    std::string value(const std::string& name, const std::string& fallback = "") const;
    const std::vector<std::string>& values(const std::string& name) const;
    const std::vector<std::string>& positional() const { return positional_; }

private:
    friend bool parseArguments(const std::vector<std::string>&, const std::vector<OptionSpec>&, ParsedArguments*,
                               std::string*);
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> positional_;
};

// Parses `arguments` (the words after the subcommand). "--" ends option parsing.
bool parseArguments(const std::vector<std::string>& arguments, const std::vector<OptionSpec>& specs,
                    ParsedArguments* parsed, std::string* error);

// "  --name VALUE   description" lines for --help.
std::string describeOptions(const std::vector<OptionSpec>& specs);

// Strict number parsing for option values: the whole text must be a number in [minimum, maximum],
// written in decimal: an optional sign and digits (reals: a fraction and an exponent may follow).
// Hexadecimal ("0x10", "0x1p4"), a leading zero ("010", which could be meant as octal), "inf",
// "nan" and surrounding spaces are all refused.
bool parseInteger(const std::string& text, int64_t minimum, int64_t maximum, int64_t* value);
bool parseReal(const std::string& text, double minimum, double maximum, double* value);
// The null backend's --rate (8000..384000 Hz) and --period (16..8192 frames), when given; *rate
// and *period keep their values otherwise. False with *error naming the bad option.
bool parseNullBackendTiming(const ParsedArguments& parsed, int64_t* rate, int64_t* period, std::string* error);

// A per-plugin option value of a chain command (play, render): "K:REST" -> plugin index K-1 and
// REST; without "K:" plugin 0. K is 1..count; a number outside it is an error.
bool splitPluginPrefix(const std::string& text, size_t count, size_t* plugin, std::string* rest, std::string* error);

} // namespace aap::host_tool
