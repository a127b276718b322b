// aap_metadata.xml schema layer: turns the XML tree into PluginInformation values, reporting
// every schema violation as a diagnostic with file, line and column (docs/metadata.md lists the
// messages). A plugin with any error is left out; the other plugins of the file are kept.

#include "aap/hosting/metadata-parser.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <unordered_map>
#include <utility>

#include "aap/ext/gui.h"
#include "aap/ext/midi.h"
#include "aap/ext/parameters.h"
#include "aap/ext/port-config.h"
#include "aap/ext/presets.h"
#include "aap/ext/state.h"
#include "number-format.h"
#include "xml-reader.h"

namespace aap {

namespace {

namespace fs = std::filesystem;

// Highest parameter id: include/aap/ext/parameters.h defines stable ids as 0..16383 (14 bits,
// so they map onto MIDI 2.0 assignable controllers).
constexpr int32_t kMaxParameterId = 16383;

bool isBlank(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return false;
    return true;
}

bool isCIdentifier(std::string_view s) {
    if (s.empty())
        return false;
    for (size_t i = 0; i < s.size(); i++) {
        char c = s[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0))
            return false;
    }
    return true;
}

// Strict decimal number: the whole string, no whitespace, no leading '+', finite.
std::optional<double> parseNumber(std::string_view s) {
    double value = 0.0;
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, value, std::chars_format::general);
    if (s.empty() || ec != std::errc() || ptr != end || !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::optional<int32_t> parseParameterId(std::string_view s) {
    int32_t value = 0;
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, value, 10);
    if (s.empty() || ec != std::errc() || ptr != end || value < 0 || value > kMaxParameterId)
        return std::nullopt;
    return value;
}

std::optional<uint32_t> parsePortSize(std::string_view s) {
    uint32_t value = 0;
    const char* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, value, 10);
    if (s.empty() || ec != std::errc() || ptr != end || value == 0 || value > kMaxPortMinimumSize)
        return std::nullopt;
    return value;
}

// An attribute or element name with a namespace prefix ("gui:ui-view-factory"), or a namespace
// declaration ("xmlns", "xmlns:gui").
bool isNamespaced(std::string_view name) {
    return name == "xmlns" || name.find(':') != std::string_view::npos;
}

class MetadataReader {
public:
    MetadataReader(const std::string& filePath, std::string bundleDirectory,
                   MetadataParseResult& result)
        : filePath_(filePath), bundleDirectory_(std::move(bundleDirectory)), result_(result) {}

    void read(std::string_view text) {
        xml::Document document = xml::parseDocument(text);
        if (!document.ok) {
            report(DiagnosticSeverity::Error, document.error.position, document.error.message);
            return;
        }
        const xml::Element& root = document.root;
        root_ = &root;
        if (root.name != "plugins") {
            report(DiagnosticSeverity::Error, root.position,
                   "root element must be <plugins>, found <" + root.name + ">");
            return;
        }
        checkAttributes(root, {});
        checkNoText(root);
        bool anyPlugin = false;
        for (const auto& child : root.children) {
            if (child.name != "plugin") {
                unknownElement(child, root, "<plugin>");
                continue;
            }
            anyPlugin = true;
            size_t errorsBefore = errorCount_;
            PluginInformation plugin = readPlugin(child);
            if (errorCount_ != errorsBefore)
                continue;
            if (!addUnlessDuplicate(std::move(plugin), child.position))
                continue;
        }
        if (!anyPlugin)
            report(DiagnosticSeverity::Warning, root.position, "<plugins> declares no <plugin>");
        if (suppressedCount_ > 0) {
            CatalogDiagnostic diagnostic;
            diagnostic.severity = DiagnosticSeverity::Warning;
            diagnostic.file = filePath_;
            diagnostic.message = std::to_string(suppressedCount_)
                                 + " more problems in this file are not reported";
            result_.diagnostics.push_back(std::move(diagnostic));
        }
    }

private:
    const std::string& filePath_;
    std::string bundleDirectory_;
    MetadataParseResult& result_;
    size_t errorCount_ = 0;
    size_t reportedCount_ = 0;
    size_t suppressedCount_ = 0;
    std::unordered_map<std::string, int> pluginLines_;  // unique-id -> line, accepted plugins
    const xml::Element* root_ = nullptr;    // <plugins>, while read() runs
    const xml::Element* plugin_ = nullptr;  // the <plugin> being read

    // The namespace URI bound to `prefix` by an xmlns:prefix declaration on `element` or one of
    // its ancestors that the schema walks through (<ports> -> <plugin> -> <plugins>); "" if none.
    std::string_view namespaceOf(std::string_view prefix, std::initializer_list<const xml::Element*> scope) const {
        std::string declaration = "xmlns:" + std::string(prefix);
        for (const xml::Element* element : scope)
            if (element)
                if (const xml::Attribute* a = element->findAttribute(declaration))
                    return a->value;
        return {};
    }

    void report(DiagnosticSeverity severity, xml::Position at, std::string message) {
        if (severity == DiagnosticSeverity::Error)
            errorCount_++;
        // Errors are still counted (so faulty plugins are still left out), but a hostile or
        // badly broken file cannot flood the caller with diagnostics.
        if (reportedCount_ >= kMaxDiagnosticsPerFile) {
            suppressedCount_++;
            return;
        }
        reportedCount_++;
        CatalogDiagnostic diagnostic;
        diagnostic.severity = severity;
        diagnostic.file = filePath_;
        diagnostic.line = at.line;
        diagnostic.column = at.column;
        diagnostic.message = std::move(message);
        result_.diagnostics.push_back(std::move(diagnostic));
    }
    void error(xml::Position at, std::string message) {
        report(DiagnosticSeverity::Error, at, std::move(message));
    }

    bool addUnlessDuplicate(PluginInformation plugin, xml::Position at) {
        auto [existing, inserted] = pluginLines_.try_emplace(plugin.uniqueId, at.line);
        if (!inserted) {
            error(at, "duplicate plugin unique-id '" + plugin.uniqueId
                          + "' (first declared at line " + std::to_string(existing->second)
                          + "); this one is ignored");
            return false;
        }
        result_.plugins.push_back(std::move(plugin));
        return true;
    }

    void unknownElement(const xml::Element& element, const xml::Element& parent,
                        const char* expected) {
        std::string message = "unknown element <" + element.name + "> in <" + parent.name + ">";
        message += expected ? std::string(" (expected ") + expected + ")"
                            : std::string(" (it takes no child elements)");
        error(element.position, message);
    }

    // Unprefixed attributes outside `known` are reported as warnings and ignored; namespaced
    // attributes and xmlns declarations are ignored silently (their prefixes are not ours).
    void checkAttributes(const xml::Element& element, std::initializer_list<std::string_view> known) {
        for (const auto& attribute : element.attributes) {
            if (isNamespaced(attribute.name))
                continue;
            bool isKnown = false;
            for (auto name : known)
                isKnown = isKnown || attribute.name == name;
            if (!isKnown)
                report(DiagnosticSeverity::Warning, attribute.position,
                       "unknown attribute '" + attribute.name + "' on <" + element.name
                           + "> is ignored");
        }
    }

    void checkNoText(const xml::Element& element) {
        if (element.hasNonSpaceText)
            error(element.textPosition, "unexpected text in <" + element.name + ">");
    }

    void checkNoChildren(const xml::Element& element) {
        checkNoText(element);
        for (const auto& child : element.children)
            unknownElement(child, element, nullptr);
    }

    // Required attribute: reported when missing or blank.
    const xml::Attribute* required(const xml::Element& element, const char* name) {
        const xml::Attribute* attribute = element.findAttribute(name);
        if (!attribute) {
            error(element.position, "<" + element.name + "> is missing required attribute '"
                                        + name + "'");
            return nullptr;
        }
        if (isBlank(attribute->value)) {
            error(attribute->position, "attribute '" + std::string(name) + "' of <"
                                           + element.name + "> must not be empty");
            return nullptr;
        }
        return attribute;
    }

    std::optional<double> number(const xml::Attribute& attribute, const std::string& owner) {
        std::optional<double> value = parseNumber(attribute.value);
        if (!value)
            error(attribute.position, "'" + attribute.name + "' of " + owner
                                          + " must be a finite decimal number, found \""
                                          + attribute.value + "\"");
        return value;
    }

    PluginInformation readPlugin(const xml::Element& element) {
        plugin_ = &element;
        PluginInformation plugin;
        plugin.bundleDirectory = bundleDirectory_;
        plugin.metadataFilePath = filePath_;
        checkAttributes(element, {"name", "category", "developer", "unique-id", "library",
                                  "entrypoint", "version"});
        checkNoText(element);
        if (const auto* a = required(element, "unique-id"))
            plugin.uniqueId = a->value;
        if (const auto* a = required(element, "name"))
            plugin.displayName = a->value;
        if (const auto* a = element.findAttribute("developer"))
            plugin.developer = a->value;
        if (const auto* a = element.findAttribute("version"))
            plugin.version = a->value;
        if (const auto* a = element.findAttribute("category"))
            plugin.category = a->value;
        if (const auto* a = element.findAttribute("entrypoint")) {
            if (isCIdentifier(a->value))
                plugin.entrypoint = a->value;
            else
                error(a->position, "entrypoint '" + a->value + "' is not a valid C identifier");
        }
        if (const auto* a = required(element, "library"))
            readLibrary(*a, plugin);
        readWebUi(element, plugin);
        readGuiProgram(element, plugin);

        const xml::Element* sections[3] = {nullptr, nullptr, nullptr};
        static const char* const sectionNames[3] = {"extensions", "ports", "parameters"};
        for (const auto& child : element.children) {
            int section = -1;
            for (int i = 0; i < 3; i++)
                if (child.name == sectionNames[i])
                    section = i;
            if (section < 0) {
                unknownElement(child, element, "<extensions>, <ports> or <parameters>");
                continue;
            }
            if (sections[section]) {
                error(child.position, "duplicate <" + child.name + "> in <plugin> (first at line "
                                          + std::to_string(sections[section]->position.line)
                                          + ")");
                continue;
            }
            sections[section] = &child;
        }
        if (sections[0])
            readExtensions(*sections[0], plugin);
        if (sections[1])
            readPorts(*sections[1], plugin);
        if (sections[2])
            readParameters(*sections[2], plugin);
        applyDefaultPorts(plugin);
        return plugin;
    }

    void readLibrary(const xml::Attribute& attribute, PluginInformation& plugin) {
        fs::path library(attribute.value);
        if (library.is_absolute()) {
            error(attribute.position, "library '" + attribute.value
                                          + "' must be a path relative to the bundle directory");
            return;
        }
        for (const auto& component : library) {
            if (component == "..") {
                error(attribute.position, "library '" + attribute.value
                                              + "' must stay inside the bundle directory "
                                                "(no '..')");
                return;
            }
        }
        fs::path resolved = (fs::path(bundleDirectory_) / library).lexically_normal();
        plugin.libraryPath = resolved.string();
        std::error_code ec;
        fs::file_status status = fs::status(resolved, ec);
        if (ec || !fs::is_regular_file(status))
            error(attribute.position, "library file not found: " + plugin.libraryPath
                                          + " (library='" + attribute.value + "')");
    }

    // The attributes of <plugin> in AAP's GUI namespace: gui:web-ui="FOLDER" and AAP's
    // gui:ui-view-factory. Every problem is a warning: the plugin still loads, without a web UI.
    void readWebUi(const xml::Element& element, PluginInformation& plugin) {
        const xml::Attribute* folder = nullptr;
        const xml::Attribute* factory = nullptr;
        for (const auto& attribute : element.attributes) {
            const size_t colon = attribute.name.find(':');
            if (colon == std::string::npos || attribute.name.compare(0, 6, "xmlns:") == 0)
                continue;
            const std::string_view prefix = std::string_view(attribute.name).substr(0, colon);
            if (namespaceOf(prefix, {&element, root_}) != kGuiNamespace)
                continue;
            const std::string_view local = std::string_view(attribute.name).substr(colon + 1);
            if (local == "web-ui")
                folder = &attribute;
            else if (local == "ui-view-factory")
                factory = &attribute;
            else if (local != "program")  // gui:program: readGuiProgram
                report(DiagnosticSeverity::Warning, attribute.position,
                       "unknown GUI attribute '" + attribute.name + "' on <plugin> is ignored (known: web-ui, "
                           "ui-view-factory, program)");
        }
        std::string declared;
        const xml::Attribute* at = folder;
        if (folder) {
            declared = folder->value;
        } else if (factory && factory->value == kAapWebViewFactory) {
            declared = kDefaultWebUiFolder;  // AAP's web view: the bundle's web-ui folder
            at = factory;
        } else {
            // No web UI; another ui-view-factory names an Android view class, meaningless here.
            return;
        }
        auto unusable = [&](const std::string& why) {
            report(DiagnosticSeverity::Warning, at->position,
                   "web UI '" + declared + "' is ignored: " + why + "; the plugin has no web UI");
        };
        if (isBlank(declared))
            return unusable("the folder name is empty");
        fs::path relative(declared);
        if (relative.is_absolute())
            return unusable("it must be a folder relative to the bundle directory");
        for (const auto& component : relative)
            if (component == "..")
                return unusable("it must stay inside the bundle directory (no '..')");
        std::error_code ec;
        const fs::path bundle = fs::weakly_canonical(fs::path(bundleDirectory_), ec);
        const fs::path resolved = fs::weakly_canonical(fs::path(bundleDirectory_) / relative, ec);
        if (ec || !fs::is_directory(resolved, ec))
            return unusable("no such folder in the bundle");
        // A symbolic link may not lead out of the bundle.
        auto inside = std::mismatch(bundle.begin(), bundle.end(), resolved.begin(), resolved.end());
        if (inside.first != bundle.end())
            return unusable("it leads out of the bundle directory (a symbolic link)");
        if (!fs::is_regular_file(resolved / "index.html", ec))
            return unusable("the folder has no index.html");
        plugin.webUiDirectory = resolved.string();
    }

    // gui:program="PATH" on <plugin> (AAP's GUI namespace): the plugin's native GUI executable,
    // relative to the bundle (docs/metadata.md, "Native GUI program"). Every problem is a warning:
    // the plugin still loads, without a GUI program.
    void readGuiProgram(const xml::Element& element, PluginInformation& plugin) {
        for (const auto& attribute : element.attributes) {
            const size_t colon = attribute.name.find(':');
            if (colon == std::string::npos || attribute.name.compare(0, 6, "xmlns:") == 0 ||
                std::string_view(attribute.name).substr(colon + 1) != "program" ||
                namespaceOf(std::string_view(attribute.name).substr(0, colon), {&element, root_}) != kGuiNamespace)
                continue;
            auto unusable = [&](const std::string& why) {
                report(DiagnosticSeverity::Warning, attribute.position,
                       "GUI program '" + attribute.value + "' is ignored: " + why);
            };
            fs::path relative(attribute.value);
            if (isBlank(attribute.value))
                return unusable("the path is empty");
            if (relative.is_absolute())
                return unusable("it must be a path relative to the bundle directory");
            for (const auto& component : relative)
                if (component == "..")
                    return unusable("it must stay inside the bundle directory (no '..')");
            std::error_code ec;
            const fs::path bundle = fs::weakly_canonical(fs::path(bundleDirectory_), ec);
            const fs::path resolved = fs::weakly_canonical(fs::path(bundleDirectory_) / relative, ec);
            if (ec || !fs::is_regular_file(resolved, ec))
                return unusable("no such file in the bundle");
            auto inside = std::mismatch(bundle.begin(), bundle.end(), resolved.begin(), resolved.end());
            if (inside.first != bundle.end())
                return unusable("it leads out of the bundle directory (a symbolic link)");
            if (::access(resolved.c_str(), X_OK) != 0)
                return unusable("the file is not executable");
            plugin.guiProgramPath = resolved.string();
            return;
        }
    }

    void readExtensions(const xml::Element& section, PluginInformation& plugin) {
        checkAttributes(section, {"bom"});
        checkNoText(section);
        std::unordered_map<std::string, int> lines;  // extension uri -> line of its <extension>
        if (const auto* bom = section.findAttribute("bom")) {
            std::vector<ExtensionInformation> standard = extensionsOfBom(bom->value);
            if (standard.empty())
                report(DiagnosticSeverity::Warning, bom->position,
                       "unknown extensions bom \"" + bom->value + "\" (known: " + std::string(kKnownExtensionsBoms)
                           + "); it adds no extensions");
            for (ExtensionInformation& extension : standard)
                plugin.extensions.push_back(std::move(extension));
        }
        for (const auto& child : section.children) {
            if (child.name != "extension") {
                unknownElement(child, section, "<extension>");
                continue;
            }
            checkAttributes(child, {"uri", "required"});
            checkNoChildren(child);
            ExtensionInformation extension;
            const auto* uri = required(child, "uri");
            if (!uri)
                continue;
            extension.uri = uri->value;
            if (const auto* a = child.findAttribute("required")) {
                if (a->value == "true")
                    extension.required = true;
                else if (a->value != "false")
                    error(a->position, "attribute 'required' of <extension> must be \"true\" or "
                                       "\"false\", found \"" + a->value + "\"");
            }
            auto [first, inserted] = lines.try_emplace(extension.uri, child.position.line);
            if (!inserted) {
                error(child.position, "duplicate extension '" + extension.uri + "' (first at line "
                                          + std::to_string(first->second) + ")");
                continue;
            }
            // Naming an extension the bom already brought in is allowed: the explicit entry
            // decides whether it is required.
            bool fromBom = false;
            for (ExtensionInformation& existing : plugin.extensions)
                if (existing.uri == extension.uri) {
                    existing.required = extension.required;
                    fromBom = true;
                }
            if (!fromBom)
                plugin.extensions.push_back(std::move(extension));
        }
    }

    void readPorts(const xml::Element& section, PluginInformation& plugin) {
        checkAttributes(section, {});
        checkNoText(section);
        for (const auto& child : section.children) {
            if (child.name != "port") {
                unknownElement(child, section, "<port>");
                continue;
            }
            checkAttributes(child, {"direction", "content", "name", "index", "minimumSize"});
            checkNoChildren(child);
            PortInformation port;
            port.index = static_cast<int32_t>(plugin.ports.size());
            if (const auto* a = required(child, "name"))
                port.name = a->value;
            if (const auto* a = required(child, "direction")) {
                if (a->value == "input")
                    port.direction = PortDirection::Input;
                else if (a->value == "output")
                    port.direction = PortDirection::Output;
                else
                    error(a->position, "port direction must be \"input\" or \"output\", found \""
                                           + a->value + "\"");
            }
            if (const auto* a = required(child, "content")) {
                if (a->value == "audio")
                    port.contentType = PortContentType::Audio;
                else if (a->value == "midi2" || a->value == "midi")
                    port.contentType = PortContentType::Midi2;  // AAP's MIDI ports carry UMP
                else if (a->value == "other")
                    port.contentType = PortContentType::Other;
                else {
                    // AAP reads every other content name as a general buffer; so do we, but say so.
                    port.contentType = PortContentType::Other;
                    report(DiagnosticSeverity::Warning, a->position,
                           "unknown port content \"" + a->value
                               + "\" (known: audio, midi2, midi, other) is read as \"other\"");
                }
            }
            if (const auto* a = child.findAttribute("index")) {
                // AAP lets a port state its index; ports here are numbered in document order.
                if (a->value != std::to_string(port.index))
                    report(DiagnosticSeverity::Warning, a->position,
                           "port index \"" + a->value + "\" is ignored: ports are numbered in document order, "
                               "this one is " + std::to_string(port.index));
            }
            readPortSize(child, section, port);
            plugin.ports.push_back(std::move(port));
        }
        // An empty <ports/> declares nothing: the default ports apply.
        plugin.portsDeclared = !plugin.ports.empty();
    }

    // minimumSize, unprefixed or in AAP's port-properties namespace (pp:minimumSize with
    // xmlns:pp="urn:org.androidaudioplugin.port", as AAP's own metadata writes it).
    void readPortSize(const xml::Element& port, const xml::Element& section, PortInformation& information) {
        const xml::Attribute* size = nullptr;
        for (const auto& attribute : port.attributes) {
            bool matches = attribute.name == "minimumSize";
            size_t colon = attribute.name.find(':');
            if (!matches && colon != std::string::npos && attribute.name.compare(0, 6, "xmlns:") != 0
                && std::string_view(attribute.name).substr(colon + 1) == "minimumSize")
                matches = namespaceOf(std::string_view(attribute.name).substr(0, colon), {&port, &section, plugin_, root_})
                          == kPortPropertiesNamespace;
            if (!matches)
                continue;
            if (size) {
                error(attribute.position, "<port> declares minimumSize twice");
                return;
            }
            size = &attribute;
        }
        if (!size)
            return;
        if (std::optional<uint32_t> value = parsePortSize(size->value))
            information.minimumSize = *value;
        else
            error(size->position, "minimumSize of port '" + information.name + "' must be an integer in 1.."
                                      + std::to_string(kMaxPortMinimumSize) + " (bytes), found \"" + size->value
                                      + "\"");
    }

    void readParameters(const xml::Element& section, PluginInformation& plugin) {
        checkAttributes(section, {});
        checkNoText(section);
        std::unordered_map<int32_t, int> lines;  // parameter id -> line
        for (const auto& child : section.children) {
            if (child.name != "parameter") {
                unknownElement(child, section, "<parameter>");
                continue;
            }
            std::optional<ParameterInformation> parameter = readParameter(child);
            if (!parameter)
                continue;
            auto [first, inserted] = lines.try_emplace(parameter->id, child.position.line);
            if (!inserted) {
                error(child.position, "duplicate parameter id " + std::to_string(parameter->id)
                                          + " (first at line " + std::to_string(first->second)
                                          + ")");
                continue;
            }
            plugin.parameters.push_back(std::move(*parameter));
        }
    }

    std::optional<ParameterInformation> readParameter(const xml::Element& element) {
        size_t errorsBefore = errorCount_;
        checkAttributes(element, {"id", "name", "default", "minimum", "maximum"});
        checkNoText(element);
        ParameterInformation parameter;
        const auto* id = required(element, "id");
        if (id) {
            if (auto value = parseParameterId(id->value))
                parameter.id = *value;
            else
                error(id->position, "parameter id must be an integer in 0.."
                                        + std::to_string(kMaxParameterId) + ", found \""
                                        + id->value + "\"");
        }
        if (const auto* a = required(element, "name"))
            parameter.name = a->value;
        std::string owner = "parameter " + (id ? id->value : std::string("<no id>"));
        const auto* minimum = element.findAttribute("minimum");
        const auto* maximum = element.findAttribute("maximum");
        const auto* defaultValue = element.findAttribute("default");
        std::optional<double> minimumValue = minimum ? number(*minimum, owner) : 0.0;
        std::optional<double> maximumValue = maximum ? number(*maximum, owner) : 1.0;
        if (minimumValue && maximumValue) {
            parameter.minimumValue = *minimumValue;
            parameter.maximumValue = *maximumValue;
            if (*minimumValue > *maximumValue) {
                error(minimum ? minimum->position : element.position,
                      owner + ": minimum (" + formatNumber(*minimumValue)
                          + ") is greater than maximum (" + formatNumber(*maximumValue) + ")");
                minimumValue.reset();
            }
        }
        std::optional<double> defaultNumber =
            defaultValue ? number(*defaultValue, owner) : minimumValue;
        bool rangeKnown = minimumValue && maximumValue;
        if (defaultNumber && rangeKnown) {
            parameter.defaultValue = *defaultNumber;
            if (*defaultNumber < *minimumValue || *defaultNumber > *maximumValue)
                error(defaultValue ? defaultValue->position : element.position,
                      owner + ": default (" + formatNumber(*defaultNumber)
                          + ") is outside minimum..maximum (" + formatNumber(*minimumValue)
                          + ".." + formatNumber(*maximumValue) + ")");
        }
        for (const auto& child : element.children) {
            if (child.name != "enumeration") {
                unknownElement(child, element, "<enumeration>");
                continue;
            }
            checkAttributes(child, {"value", "name"});
            checkNoChildren(child);
            ParameterEnumeration enumeration;
            if (const auto* a = required(child, "name"))
                enumeration.name = a->value;
            const auto* value = required(child, "value");
            if (!value)
                continue;
            std::optional<double> enumerationValue = number(*value, "<enumeration> of " + owner);
            if (!enumerationValue)
                continue;
            enumeration.value = *enumerationValue;
            if (rangeKnown
                && (*enumerationValue < *minimumValue || *enumerationValue > *maximumValue))
                error(value->position, "enumeration value (" + formatNumber(*enumerationValue)
                                           + ") is outside minimum..maximum of " + owner + " ("
                                           + formatNumber(*minimumValue) + ".."
                                           + formatNumber(*maximumValue) + ")");
            parameter.enumerations.push_back(std::move(enumeration));
        }
        if (errorCount_ != errorsBefore)
            return std::nullopt;
        return parameter;
    }
};

std::string absolutePath(const std::string& path) {
    std::error_code ec;
    fs::path absolute = fs::absolute(fs::path(path), ec);
    return ec ? path : absolute.lexically_normal().string();
}

CatalogDiagnostic fileDiagnostic(const std::string& file, std::string message) {
    CatalogDiagnostic diagnostic;
    diagnostic.severity = DiagnosticSeverity::Error;
    diagnostic.file = file;
    diagnostic.message = std::move(message);
    return diagnostic;
}

// Closes the descriptor it owns.
class OwnedFileDescriptor {
public:
    explicit OwnedFileDescriptor(int fd) : fd_(fd) {}
    ~OwnedFileDescriptor() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    OwnedFileDescriptor(const OwnedFileDescriptor&) = delete;
    OwnedFileDescriptor& operator=(const OwnedFileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// Reads a whole metadata file into `text`. Returns "" on success, else the problem. Only
// regular files are read (O_NONBLOCK + fstat: a FIFO or device planted in a bundle must not
// hang the scan), and never more than kMaxMetadataFileSize + 1 bytes, whatever the file claims.
std::string readMetadataFile(const std::string& file, std::string& text) {
    OwnedFileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0)
        return std::string("cannot read metadata file: ") + std::strerror(errno);
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0)
        return std::string("cannot read metadata file: ") + std::strerror(errno);
    if (S_ISDIR(info.st_mode))
        return "cannot read metadata file: it is a directory";
    if (!S_ISREG(info.st_mode))
        return "cannot read metadata file: it is not a regular file";
    std::string tooLarge = "metadata file is too large (more than "
                           + std::to_string(kMaxMetadataFileSize) + " bytes)";
    if (info.st_size > static_cast<off_t>(kMaxMetadataFileSize))
        return tooLarge;
    text.assign(kMaxMetadataFileSize + 1, '\0');
    size_t total = 0;
    while (total < text.size()) {
        ssize_t count = ::read(fd.get(), text.data() + total, text.size() - total);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return std::string("cannot read metadata file: ") + std::strerror(errno);
        if (count == 0)
            break;
        total += static_cast<size_t>(count);
    }
    if (total > kMaxMetadataFileSize)
        return tooLarge;  // the file grew after fstat
    text.resize(total);
    return {};
}

}  // namespace

std::vector<ExtensionInformation> extensionsOfBom(std::string_view bom) {
    std::vector<ExtensionInformation> extensions;
    if (bom == "0.12.0")
        for (const char* uri : {AAP_PARAMETERS_EXTENSION_URI, AAP_STATE_EXTENSION_URI, AAP_PRESETS_EXTENSION_URI,
                                AAP_MIDI_EXTENSION_URI, AAP_PORT_CONFIG_EXTENSION_URI, AAP_GUI_EXTENSION_URI})
            extensions.push_back(ExtensionInformation{uri, false});
    return extensions;
}

MetadataParseResult parsePluginMetadata(std::string_view text, const std::string& filePath,
                                        const std::string& bundleDirectory) {
    MetadataParseResult result;
    MetadataReader(filePath, absolutePath(bundleDirectory), result).read(text);
    return result;
}

MetadataParseResult parsePluginBundle(const std::string& bundleDirectory) {
    std::string bundle = absolutePath(bundleDirectory);
    std::string file = (fs::path(bundle) / kPluginMetadataFileName).string();
    MetadataParseResult result;
    std::string text;
    std::string problem = readMetadataFile(file, text);
    if (!problem.empty()) {
        result.diagnostics.push_back(fileDiagnostic(file, std::move(problem)));
        return result;
    }
    MetadataReader(file, bundle, result).read(text);
    return result;
}

}  // namespace aap
