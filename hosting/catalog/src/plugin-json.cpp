// Compact JSON rendering of catalog contents (RFC 8259), with its own string escaper.

#include "utf8.h"
#include "aap/hosting/plugin-json.h"

#include <cstdint>

#include "number-format.h"

namespace aap {

namespace {

const char* contentTypeName(PortContentType type) {
    switch (type) {
    case PortContentType::Audio: return "audio";
    case PortContentType::Midi: return "midi";
    case PortContentType::Midi2: return "midi2";
    case PortContentType::Other: break;
    }
    return "other";
}

// Builds one JSON object; keeps the comma bookkeeping in one place.
class JsonObjectWriter {
public:
    explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
    ~JsonObjectWriter() { out_ += '}'; }
    JsonObjectWriter(const JsonObjectWriter&) = delete;
    JsonObjectWriter& operator=(const JsonObjectWriter&) = delete;

    // Writes the key and the ':'; the caller appends the value.
    std::string& key(std::string_view name) {
        if (!first_)
            out_ += ',';
        first_ = false;
        appendJsonString(out_, name);
        out_ += ':';
        return out_;
    }
    void string(std::string_view name, std::string_view value) { appendJsonString(key(name), value); }
    void number(std::string_view name, double value) { key(name) += formatNumber(value); }
    void integer(std::string_view name, long long value) { key(name) += std::to_string(value); }
    void boolean(std::string_view name, bool value) { key(name) += value ? "true" : "false"; }

private:
    std::string& out_;
    bool first_ = true;
};

template <typename Item, typename WriteItem>
void appendArray(std::string& out, const std::vector<Item>& items, WriteItem writeItem) {
    out += '[';
    for (size_t i = 0; i < items.size(); i++) {
        if (i > 0)
            out += ',';
        writeItem(out, items[i]);
    }
    out += ']';
}

void appendPort(std::string& out, const PortInformation& port) {
    JsonObjectWriter object(out);
    object.integer("index", port.index);
    object.string("name", port.name);
    object.string("content", contentTypeName(port.contentType));
    object.string("direction", port.direction == PortDirection::Output ? "output" : "input");
    if (port.minimumSize != 0)
        object.integer("minimumSize", static_cast<long long>(port.minimumSize));
}

void appendEnumeration(std::string& out, const ParameterEnumeration& enumeration) {
    JsonObjectWriter object(out);
    object.number("value", enumeration.value);
    object.string("name", enumeration.name);
}

void appendParameter(std::string& out, const ParameterInformation& parameter) {
    JsonObjectWriter object(out);
    object.integer("id", parameter.id);
    object.string("name", parameter.name);
    object.number("minimum", parameter.minimumValue);
    object.number("maximum", parameter.maximumValue);
    object.number("default", parameter.defaultValue);
    appendArray(object.key("enumerations"), parameter.enumerations, appendEnumeration);
}

void appendExtension(std::string& out, const ExtensionInformation& extension) {
    JsonObjectWriter object(out);
    object.string("uri", extension.uri);
    object.boolean("required", extension.required);
}

void appendPlugin(std::string& out, const PluginInformation& plugin) {
    JsonObjectWriter object(out);
    object.string("uniqueId", plugin.uniqueId);
    object.string("name", plugin.displayName);
    object.string("developer", plugin.developer);
    object.string("version", plugin.version);
    object.string("category", plugin.category);
    object.boolean("isInstrument", plugin.isInstrument());
    object.string("library", plugin.libraryPath);
    object.string("entrypoint", plugin.entrypoint);
    object.string("bundleDirectory", plugin.bundleDirectory);
    object.string("metadataFile", plugin.metadataFilePath);
    object.boolean("portsDeclared", plugin.portsDeclared);
    if (!plugin.webUiDirectory.empty())
        object.string("webUi", plugin.webUiDirectory);
    appendArray(object.key("ports"), plugin.ports, appendPort);
    appendArray(object.key("parameters"), plugin.parameters, appendParameter);
    appendArray(object.key("extensions"), plugin.extensions, appendExtension);
}

void appendDiagnostic(std::string& out, const CatalogDiagnostic& diagnostic) {
    JsonObjectWriter object(out);
    object.string("file", diagnostic.file);
    object.integer("line", diagnostic.line);
    object.integer("column", diagnostic.column);
    object.string("severity",
                  diagnostic.severity == DiagnosticSeverity::Error ? "error" : "warning");
    object.string("message", diagnostic.message);
}

}  // namespace

void appendJsonString(std::string& out, std::string_view value) {
    static const char hexDigits[] = "0123456789abcdef";
    out += '"';
    for (size_t i = 0; i < value.size();) {
        unsigned char c = static_cast<unsigned char>(value[i]);
        if (c < 0x80) {
            switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hexDigits[c >> 4];
                    out += hexDigits[c & 0xF];
                } else {
                    out += static_cast<char>(c);
                }
            }
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t length = decodeUtf8(value, i, &cp);
        if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for each byte that starts no valid sequence
            i++;
        } else if (cp == 0x2028 || cp == 0x2029) {
            out += cp == 0x2028 ? "\\u2028" : "\\u2029";
            i += length;
        } else {
            out.append(value.substr(i, length));
            i += length;
        }
    }
    out += '"';
}

std::string toJson(const PluginInformation& plugin) {
    std::string out;
    appendPlugin(out, plugin);
    return out;
}

std::string toJson(const CatalogDiagnostic& diagnostic) {
    std::string out;
    appendDiagnostic(out, diagnostic);
    return out;
}

std::string toJson(const PluginCatalog& catalog) {
    std::string out;
    {
        JsonObjectWriter object(out);
        appendArray(object.key("plugins"), catalog.plugins(), appendPlugin);
        appendArray(object.key("diagnostics"), catalog.diagnostics(), appendDiagnostic);
    }
    return out;
}

}  // namespace aap
