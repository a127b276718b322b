// `aap-host validate` end to end: it passes every example plugin, and it turns each plugin defect
// (crash, hang, slow process(), garbage MIDI header, NaN, denormals, endless tail, parameter count,
// unstable state) into the FAIL (or WARN) line of the right check with exit code 6, never into a
// crash of aap-host. --json output parses and has the documented structure.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aap-host-test-support.h"

namespace {

using aap::host_tool_test::HostRun;
using aap::host_tool_test::slurp;

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// A JSON value, enough to check the structure of validate --json (RFC 8259 syntax; numbers are
// kept as text).
struct Json {
    enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
    bool boolean = false;
    std::string text;
    std::vector<Json> items;
    std::map<std::string, Json> members;
};

class JsonParser {
public:
    explicit JsonParser(const std::string& text) : text_(text) {}
    // The whole text must be one value (surrounding whitespace allowed).
    bool parse(Json* out) {
        if (!value(out, 0))
            return false;
        space();
        return at_ == text_.size();
    }

private:
    void space() {
        while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_])))
            at_++;
    }
    bool literal(const char* word) {
        const size_t length = std::char_traits<char>::length(word);
        if (text_.compare(at_, length, word) != 0)
            return false;
        at_ += length;
        return true;
    }
    bool string(std::string* out) {
        if (at_ >= text_.size() || text_[at_] != '"')
            return false;
        for (at_++; at_ < text_.size(); at_++) {
            const char c = text_[at_];
            if (c == '"') {
                at_++;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20)
                return false;  // control characters must be escaped
            if (c == '\\') {
                if (++at_ >= text_.size())
                    return false;
                const char e = text_[at_];
                if (e == 'u') {
                    for (int i = 0; i < 4; i++)
                        if (++at_ >= text_.size() || !std::isxdigit(static_cast<unsigned char>(text_[at_])))
                            return false;
                    out->push_back('?');
                } else if (std::string("\"\\/bfnrt").find(e) != std::string::npos) {
                    out->push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
                } else {
                    return false;
                }
                continue;
            }
            out->push_back(c);
        }
        return false;
    }
    bool value(Json* out, int depth) {
        if (depth > 32)
            return false;
        space();
        if (at_ >= text_.size())
            return false;
        const char c = text_[at_];
        if (c == '{') {
            out->type = Json::Type::Object;
            at_++;
            space();
            if (at_ < text_.size() && text_[at_] == '}') {
                at_++;
                return true;
            }
            for (;;) {
                space();
                std::string key;
                if (!string(&key))
                    return false;
                space();
                if (at_ >= text_.size() || text_[at_++] != ':')
                    return false;
                if (!value(&out->members[key], depth + 1))
                    return false;
                space();
                if (at_ >= text_.size())
                    return false;
                if (text_[at_] == '}') {
                    at_++;
                    return true;
                }
                if (text_[at_++] != ',')
                    return false;
            }
        }
        if (c == '[') {
            out->type = Json::Type::Array;
            at_++;
            space();
            if (at_ < text_.size() && text_[at_] == ']') {
                at_++;
                return true;
            }
            for (;;) {
                out->items.emplace_back();
                if (!value(&out->items.back(), depth + 1))
                    return false;
                space();
                if (at_ >= text_.size())
                    return false;
                if (text_[at_] == ']') {
                    at_++;
                    return true;
                }
                if (text_[at_++] != ',')
                    return false;
            }
        }
        if (c == '"') {
            out->type = Json::Type::String;
            return string(&out->text);
        }
        if (literal("true") || literal("false")) {
            out->type = Json::Type::Bool;
            out->boolean = text_[at_ - 1] == 'e' && text_[at_ - 2] == 'u';
            return true;
        }
        if (literal("null"))
            return true;
        const size_t start = at_;
        while (at_ < text_.size() && std::string("+-.eE0123456789").find(text_[at_]) != std::string::npos)
            at_++;
        if (at_ == start)
            return false;
        out->type = Json::Type::Number;
        out->text = text_.substr(start, at_ - start);
        return true;
    }

    const std::string& text_;
    size_t at_ = 0;
};

class AapHostValidate : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/aap-host-validate-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::string command = "rm -rf '" + dir_ + "'";
        EXPECT_EQ(std::system(command.c_str()), 0);
    }

    HostRun run(std::vector<std::string> arguments) {
        return aap::host_tool_test::runCapturing(AAP_HOST_EXECUTABLE, arguments, dir_ + "/stdout", dir_ + "/stderr");
    }

    HostRun validate(const std::string& plugin, const std::string& pluginPath, std::vector<std::string> extra = {}) {
        std::vector<std::string> arguments = {"validate", plugin, "--plugin-path", pluginPath};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        return run(arguments);
    }

    std::string dir_;
};

// Every stdout line of a text run is "PASS|WARN|FAIL <check>: <detail>".
void expectWellFormedLines(const HostRun& result) {
    const std::vector<std::string> lines = linesOf(result.out);
    EXPECT_FALSE(lines.empty());
    for (const std::string& line : lines) {
        const bool verdict = line.rfind("PASS ", 0) == 0 || line.rfind("WARN ", 0) == 0 || line.rfind("FAIL ", 0) == 0;
        const size_t colon = line.find(": ");
        EXPECT_TRUE(verdict && colon != std::string::npos && colon > 5) << line;
    }
}

bool hasLine(const HostRun& result, const std::string& start, const std::string& containing = "") {
    for (const std::string& line : linesOf(result.out))
        if (line.rfind(start, 0) == 0 && line.find(containing) != std::string::npos)
            return true;
    return false;
}

int countPrefix(const HostRun& result, const std::string& start) {
    int count = 0;
    for (const std::string& line : linesOf(result.out))
        count += line.rfind(start, 0) == 0;
    return count;
}

TEST_F(AapHostValidate, PassesEveryExamplePlugin) {
    // Every plugin in the examples' plugin directory, as `aap-host list` sees it.
    HostRun list = run({"list", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR, "--quiet"});
    ASSERT_EQ(list.exitCode, 0) << list.err;
    std::vector<std::string> ids;
    for (const std::string& line : linesOf(list.out))
        if (line.rfind("urn:", 0) == 0)
            ids.push_back(line.substr(0, line.find_first_of(" \t")));
    ASSERT_GE(ids.size(), 3u) << list.out;
    for (const std::string& id : ids) {
        SCOPED_TRACE(id);
        HostRun result = validate(id, AAP_EXAMPLES_PLUGIN_DIR, {"--quiet"});
        EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
        EXPECT_EQ(countPrefix(result, "FAIL "), 0) << result.out;
        expectWellFormedLines(result);
        for (const char* check : {"PASS metadata:", "PASS library:", "PASS ports:", "PASS instantiate:",
                                  "PASS lifecycle:", "PASS process 0 frames:", "PASS process fewer frames:",
                                  "PASS output (silence):", "PASS output (impulse):", "PASS output (white noise):",
                                  "PASS prepare 16 frames at 44100 Hz:", "PASS prepare 4096 frames at 96000 Hz:",
                                  "PASS deadline:"})
            EXPECT_TRUE(hasLine(result, check)) << check << "\n" << result.out;
    }
}

TEST_F(AapHostValidate, ChecksTheDeclaredExtensionsOfTheExamples) {
    HostRun result = validate("urn:aap-examples:delay-effect", AAP_EXAMPLES_PLUGIN_DIR);
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "PASS parameters: 4 parameters, as many as the metadata declares")) << result.out;
    EXPECT_TRUE(hasLine(result, "PASS presets: 3 listed")) << result.out;
    EXPECT_TRUE(hasLine(result, "PASS presets while active: each of 3 presets")) << result.out;
    EXPECT_TRUE(hasLine(result, "PASS state: get -> set -> get round trip")) << result.out;
    EXPECT_TRUE(hasLine(result, "PASS tail: silent")) << result.out;
    // An instrument has no tail check: silence in is not what it is played with.
    HostRun synth = validate("urn:aap-examples:poly-synth", AAP_EXAMPLES_PLUGIN_DIR);
    EXPECT_EQ(synth.exitCode, 0) << synth.out << synth.err;
    EXPECT_FALSE(hasLine(synth, "PASS tail")) << synth.out;
    EXPECT_TRUE(hasLine(synth, "PASS presets while active")) << synth.out;
}

TEST_F(AapHostValidate, InProcessRunsTheSameChecks) {
    HostRun result = validate("urn:aap-examples:c-tremolo", AAP_EXAMPLES_PLUGIN_DIR, {"--in-process"});
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "PASS deadline:")) << result.out;
}

#ifdef AAP_HOSTING_TEST_BUNDLE_DIR
TEST_F(AapHostValidate, APluginThatCrashesInProcessIsAFailLineNotACrash) {
    HostRun result = validate("urn:aap-test:crash-in-process", AAP_HOSTING_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "PASS instantiate:")) << result.out;
    EXPECT_TRUE(hasLine(result, "FAIL lifecycle:", "offline")) << result.out;
    expectWellFormedLines(result);
    // The run stops at the fault: nothing after the FAIL line.
    EXPECT_EQ(linesOf(result.out).back().rfind("FAIL lifecycle:", 0), 0u) << result.out;
    EXPECT_NE(result.err.find("stopped at the first plugin fault"), std::string::npos) << result.err;
}

TEST_F(AapHostValidate, APluginThatCrashesInActivateFailsTheLifecycleCheck) {
    HostRun result = validate("urn:aap-test:crash-in-activate", AAP_HOSTING_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "FAIL lifecycle: activate() failed")) << result.out;
}

TEST_F(AapHostValidate, AHangingProcessIsADeadlineFailure) {
    HostRun result = validate("urn:aap-test:hang-in-process", AAP_HOSTING_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "FAIL deadline:", "did not return within 1000.0 ms")) << result.out;
}

TEST_F(AapHostValidate, ASlowProcessIsADeadlineFailureWithTheMeasuredTime) {
    HostRun result = validate("urn:aap-test:slow-process", AAP_HOSTING_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    const std::string prefix = "FAIL deadline: round 1: process() of 256 frames took ";
    ASSERT_TRUE(hasLine(result, prefix, " ms, over the 100.0 ms deadline (during the lifecycle check)")) << result.out;
    // The measured time: the plugin sleeps 300 ms per call (more on a loaded machine).
    for (const std::string& line : linesOf(result.out))
        if (line.rfind(prefix, 0) == 0)
            EXPECT_GE(std::atof(line.c_str() + prefix.size()), 300.0) << line;
}

TEST_F(AapHostValidate, AGarbageMidiHeaderIsAProtocolErrorFailure) {
    HostRun result = validate("urn:aap-test:garbage-midi-header", AAP_HOSTING_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "FAIL lifecycle:", "protocol error")) << result.out;
}

TEST_F(AapHostValidate, APluginThatCannotLoadFailsInstantiate) {
    HostRun result = validate("urn:aap-test:missing-entrypoint", AAP_HOSTING_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "FAIL instantiate:", "NoSuchFactory")) << result.out;
}

TEST_F(AapHostValidate, JsonOfAFaultyPluginSaysItFailedAndStopped) {
    HostRun result = validate("urn:aap-test:crash-in-process", AAP_HOSTING_TEST_BUNDLE_DIR, {"--json"});
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    Json document;
    ASSERT_TRUE(JsonParser(result.out).parse(&document)) << result.out;
    EXPECT_FALSE(document.members["passed"].boolean);
    EXPECT_TRUE(document.members["stopped"].boolean);
    const std::vector<Json>& checks = document.members["checks"].items;
    ASSERT_FALSE(checks.empty());
    EXPECT_EQ(checks.back().members.at("result").text, "FAIL");
    EXPECT_EQ(checks.back().members.at("check").text, "lifecycle");
}
#endif

TEST_F(AapHostValidate, NanOutputFailsEveryOutputCheck) {
    HostRun result = validate("urn:aap-validate-test:nan-output", AAP_VALIDATE_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    for (const char* signal : {"silence", "impulse", "white noise"})
        EXPECT_TRUE(hasLine(result, std::string("FAIL output (") + signal + "):", "NaN")) << signal << "\n" << result.out;
    EXPECT_TRUE(hasLine(result, "FAIL process fewer frames:", "NaN")) << result.out;
    // Not a fault: the run goes on to the end.
    EXPECT_TRUE(hasLine(result, "PASS deadline:")) << result.out;
}

TEST_F(AapHostValidate, DenormalHeavyOutputFails) {
    HostRun result = validate("urn:aap-validate-test:denormal-output", AAP_VALIDATE_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "FAIL output (silence):", "are denormal (100.0%, limit 1%)")) << result.out;
    // 1e-40 is below -100 dBFS: the tail check calls it silent.
    EXPECT_TRUE(hasLine(result, "PASS tail:")) << result.out;
}

TEST_F(AapHostValidate, AnEndlessTailIsAWarningNotAFailure) {
    HostRun result = validate("urn:aap-validate-test:endless-tail", AAP_VALIDATE_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "WARN tail: still not silent 10 s after", "0.25")) << result.out;
    EXPECT_EQ(countPrefix(result, "FAIL "), 0) << result.out;
}

TEST_F(AapHostValidate, AParameterCountThatDisagreesWithTheMetadataFails) {
    HostRun result = validate("urn:aap-validate-test:parameter-count-mismatch", AAP_VALIDATE_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "FAIL parameters: the plugin reports 3 parameters, the metadata declares 2"))
        << result.out;
    EXPECT_EQ(countPrefix(result, "FAIL "), 1) << result.out;
}

TEST_F(AapHostValidate, AStateThatChangesWhenReadFailsTheRoundTrip) {
    HostRun result = validate("urn:aap-validate-test:unstable-state", AAP_VALIDATE_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "FAIL state: get -> set -> get differs: 4 bytes, then 4 bytes, first difference at byte 0"))
        << result.out;
    EXPECT_EQ(countPrefix(result, "FAIL "), 1) << result.out;
}

TEST_F(AapHostValidate, AnIncompatibleAbiRecordFailsInstantiate) {
    HostRun result = validate("urn:aap-validate-test:abi-mismatch", AAP_VALIDATE_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 6) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "FAIL instantiate:", "incompatible AAP ABI")) << result.out;
    EXPECT_EQ(linesOf(result.out).back().rfind("FAIL instantiate:", 0), 0u) << result.out;
}

TEST_F(AapHostValidate, AnEffectWithoutAudioInputIsAPortsWarning) {
    HostRun result = validate("urn:aap-validate-test:no-audio-input", AAP_VALIDATE_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "WARN ports: 0 audio in, 2 audio out, 1 MIDI2 in, 1 MIDI2 out: an effect without audio input"))
        << result.out;
    EXPECT_EQ(countPrefix(result, "FAIL "), 0) << result.out;
}

// A metadata file with something the catalog ignores (an attribute AAP plugins write but this SDK
// does not read): the plugin loads, `info` lists the warning with file, line and column, and
// `validate` reports it as a WARN metadata check without failing.
TEST_F(AapHostValidate, MetadataWarningsReachInfoAndValidate) {
    const std::string bundle = dir_ + "/warned.aap";
    ASSERT_EQ(::mkdir(bundle.c_str(), 0755), 0);
    ASSERT_EQ(::symlink(AAP_VALIDATE_TEST_BUNDLE_DIR "/aap-validate-test-plugins.so", (bundle + "/plugin.so").c_str()), 0);
    std::ofstream(bundle + "/aap_metadata.xml")
        << "<plugins>\n"
           "  <plugin name=\"Warned\" category=\"Effect\" unique-id=\"urn:aap-validate-test:runtime-parameters\"\n"
           "          library=\"plugin.so\" manufacturer=\"Someone\" />\n"
           "</plugins>\n";
    const std::string where = "/warned.aap/aap_metadata.xml:3:31: warning: unknown attribute 'manufacturer' on <plugin> is ignored";
    HostRun info = run({"info", "urn:aap-validate-test:runtime-parameters", "--plugin-path", bundle, "--metadata-only",
                        "--quiet"});
    ASSERT_EQ(info.exitCode, 0) << info.err;
    EXPECT_NE(info.out.find("metadata warnings: 1\n"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find(where), std::string::npos) << info.out;
    HostRun result = validate("urn:aap-validate-test:runtime-parameters", bundle, {"--quiet"});
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "WARN metadata: ", where)) << result.out;
    EXPECT_EQ(countPrefix(result, "FAIL "), 0) << result.out;
}

TEST_F(AapHostValidate, ADeclaredExtensionWithoutADefinitionIsAWarning) {
    HostRun result = validate("urn:aap-validate-test:undefined-extension", AAP_VALIDATE_TEST_BUNDLE_DIR);
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "WARN extensions: urn:aap-validate-test:no-definition/v1 is declared, but the plugin "
                                "side has no AAPXS definition for it"))
        << result.out;
    EXPECT_EQ(countPrefix(result, "FAIL "), 0) << result.out;
}

TEST_F(AapHostValidate, AThirdPartyExtensionWithItsExportedDefinitionPasses) {
    HostRun result = validate("urn:aap-example:peak-meter", AAP_EXAMPLES_PLUGIN_DIR);
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    EXPECT_TRUE(hasLine(result, "PASS extensions: every declared extension")) << result.out;
    EXPECT_EQ(countPrefix(result, "WARN extensions"), 0) << result.out;
}

TEST_F(AapHostValidate, JsonOutputParsesAndListsEveryCheck) {
    HostRun text = validate("urn:aap-examples:delay-effect", AAP_EXAMPLES_PLUGIN_DIR);
    HostRun result = validate("urn:aap-examples:delay-effect", AAP_EXAMPLES_PLUGIN_DIR, {"--json"});
    EXPECT_EQ(result.exitCode, 0) << result.out << result.err;
    Json document;
    ASSERT_TRUE(JsonParser(result.out).parse(&document)) << result.out;
    ASSERT_EQ(document.type, Json::Type::Object);
    EXPECT_EQ(document.members["plugin"].text, "urn:aap-examples:delay-effect");
    EXPECT_EQ(document.members["passed"].type, Json::Type::Bool);
    EXPECT_TRUE(document.members["passed"].boolean);
    EXPECT_FALSE(document.members["stopped"].boolean);
    const Json& checks = document.members["checks"];
    ASSERT_EQ(checks.type, Json::Type::Array);
    // The same checks as the text output, in the same order.
    const std::vector<std::string> lines = linesOf(text.out);
    ASSERT_EQ(checks.items.size(), lines.size()) << result.out;
    for (size_t i = 0; i < lines.size(); i++) {
        const Json& check = checks.items[i];
        ASSERT_EQ(check.type, Json::Type::Object);
        for (const char* key : {"result", "check", "detail"})
            ASSERT_EQ(check.members.count(key), 1u) << key;
        EXPECT_EQ(check.members.at("result").text, "PASS");
        EXPECT_EQ(lines[i].rfind("PASS " + check.members.at("check").text + ": ", 0), 0u) << lines[i];
    }
    // The parser itself rejects what is not JSON, so the checks above can fail.
    Json broken;
    EXPECT_FALSE(JsonParser(result.out + ",").parse(&broken));
    EXPECT_FALSE(JsonParser("{\"a\": [1, 2}").parse(&broken));
}

TEST_F(AapHostValidate, UsageErrorsAndUnknownPlugins) {
    HostRun none = run({"validate"});
    EXPECT_EQ(none.exitCode, 2);
    EXPECT_NE(none.err.find("expected exactly one plugin"), std::string::npos) << none.err;
    EXPECT_EQ(run({"validate", "poly-synth", "delay-effect", "--plugin-path", AAP_EXAMPLES_PLUGIN_DIR}).exitCode, 2);
    HostRun option = validate("poly-synth", AAP_EXAMPLES_PLUGIN_DIR, {"--block", "256"});
    EXPECT_EQ(option.exitCode, 2);
    EXPECT_NE(option.err.find("--block"), std::string::npos) << option.err;
    EXPECT_EQ(run({"validate", "poly-synth", "--plugin-path"}).exitCode, 2);
    HostRun unknown = validate("no-such-plugin", AAP_EXAMPLES_PLUGIN_DIR);
    EXPECT_EQ(unknown.exitCode, 3);
    EXPECT_TRUE(unknown.out.empty()) << unknown.out;
    // Two plugins match the prefix: ambiguous, also "not found".
    EXPECT_EQ(validate("urn:aap-examples:", AAP_EXAMPLES_PLUGIN_DIR).exitCode, 3);
    HostRun help = run({"validate", "--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.out.find("6 when"), std::string::npos) << help.out;
    HostRun top = run({"--help"});
    EXPECT_NE(top.out.find("validate"), std::string::npos) << top.out;
    EXPECT_NE(top.out.find("6 validation failed"), std::string::npos) << top.out;
}

} // namespace
