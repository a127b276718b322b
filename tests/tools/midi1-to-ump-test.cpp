// MIDI 1.0 -> MIDI 2.0 channel voice conversion and the option-value parsers.

#include <gtest/gtest.h>

#include "command-line.h"
#include "cycle-statistics.h"
#include "midi1-to-ump.h"

namespace aap::host_tool {
namespace {

TEST(Midi1ToUmp, ScalingKeepsMinimumCenterAndMaximum) {
    EXPECT_EQ(scaleUpMidiValue(0, 7, 16), 0u);
    EXPECT_EQ(scaleUpMidiValue(64, 7, 16), 0x8000u);
    EXPECT_EQ(scaleUpMidiValue(127, 7, 16), 0xFFFFu);
    EXPECT_EQ(scaleUpMidiValue(127, 7, 32), 0xFFFFFFFFu);
    EXPECT_EQ(scaleUpMidiValue(0x2000, 14, 32), 0x80000000u);
    EXPECT_EQ(scaleUpMidiValue(0x3FFF, 14, 32), 0xFFFFFFFFu);
    for (uint32_t v = 1; v < 128; v++)
        EXPECT_GT(scaleUpMidiValue(v, 7, 16), scaleUpMidiValue(v - 1, 7, 16));
}

TEST(Midi1ToUmp, NoteOnBecomesAMidi2NoteOnWith16BitVelocity) {
    Ump64 ump;
    ASSERT_TRUE(midi1ToUmp(3, 0x92, 60, 127, &ump));
    EXPECT_EQ(ump.words[0], 0x43923C00u);
    EXPECT_EQ(ump.words[1], 0xFFFF0000u);
}

TEST(Midi1ToUmp, NoteOnWithVelocityZeroIsANoteOff) {
    Ump64 ump;
    ASSERT_TRUE(midi1ToUmp(0, 0x90, 61, 0, &ump));
    EXPECT_EQ(ump.words[0] >> 20, 0x408u);
    EXPECT_EQ((ump.words[0] >> 8) & 0x7F, 61u);
}

TEST(Midi1ToUmp, ControllersProgramPressureAndPitchBend) {
    Ump64 ump;
    ASSERT_TRUE(midi1ToUmp(0, 0xB1, 7, 64, &ump));
    EXPECT_EQ(ump.words[0], 0x40B10700u);
    EXPECT_EQ(ump.words[1], 0x80000000u);
    ASSERT_TRUE(midi1ToUmp(0, 0xC0, 5, 0, &ump));
    EXPECT_EQ(ump.words[0], 0x40C00000u);
    EXPECT_EQ(ump.words[1], 0x05000000u);
    ASSERT_TRUE(midi1ToUmp(0, 0xE0, 0x00, 0x40, &ump));  // center
    EXPECT_EQ(ump.words[1], 0x80000000u);
    ASSERT_TRUE(midi1ToUmp(0, 0xD0, 127, 0, &ump));
    EXPECT_EQ(ump.words[1], 0xFFFFFFFFu);
    ASSERT_TRUE(midi1ToUmp(0, 0xA0, 60, 0, &ump));
    EXPECT_EQ(ump.words[0], 0x40A03C00u);
}

TEST(Midi1ToUmp, NonChannelMessagesAreRejected) {
    Ump64 ump;
    EXPECT_FALSE(midi1ToUmp(0, 0xF0, 0, 0, &ump));
    EXPECT_FALSE(midi1ToUmp(0, 0x40, 0, 0, &ump));
}

TEST(CommandLine, ParsesOptionsFlagsAndPositionals) {
    std::vector<OptionSpec> specs = {{"rate", "HZ", ""}, {"path", "DIR", "", true}, {"json", nullptr, ""}};
    ParsedArguments parsed;
    std::string error;
    ASSERT_TRUE(parseArguments({"x", "--rate", "44100", "--path=a", "--path", "b", "--json", "--", "--y"}, specs,
                               &parsed, &error))
        << error;
    EXPECT_EQ(parsed.value("rate"), "44100");
    EXPECT_EQ(parsed.values("path"), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(parsed.has("json"));
    EXPECT_EQ(parsed.positional(), (std::vector<std::string>{"x", "--y"}));
}

TEST(CommandLine, RejectsUnknownRepeatedMissingAndStrayValues) {
    std::vector<OptionSpec> specs = {{"rate", "HZ", ""}, {"json", nullptr, ""}};
    ParsedArguments parsed;
    std::string error;
    EXPECT_FALSE(parseArguments({"--bogus"}, specs, &parsed, &error));
    EXPECT_NE(error.find("unknown option '--bogus'"), std::string::npos);
    ParsedArguments twice;
    EXPECT_FALSE(parseArguments({"--rate", "1", "--rate", "2"}, specs, &twice, &error));
    ParsedArguments missing;
    EXPECT_FALSE(parseArguments({"--rate"}, specs, &missing, &error));
    EXPECT_NE(error.find("needs a value"), std::string::npos);
    ParsedArguments stray;
    EXPECT_FALSE(parseArguments({"--json=1"}, specs, &stray, &error));
    ParsedArguments dash;
    EXPECT_FALSE(parseArguments({"-x"}, specs, &dash, &error));
}

TEST(CommandLine, NumbersAreStrict) {
    int64_t i = 0;
    double d = 0;
    EXPECT_TRUE(parseInteger("48000", 1, 100000, &i));
    EXPECT_EQ(i, 48000);
    EXPECT_FALSE(parseInteger("48k", 1, 100000, &i));
    EXPECT_FALSE(parseInteger("", 1, 100000, &i));
    EXPECT_FALSE(parseInteger(" 5", 1, 100000, &i));
    EXPECT_FALSE(parseInteger("0", 1, 100000, &i));
    EXPECT_FALSE(parseInteger("99999999999999999999", 1, 100000, &i));
    EXPECT_TRUE(parseReal("1.5", 0, 2, &d));
    EXPECT_DOUBLE_EQ(d, 1.5);
    EXPECT_FALSE(parseReal("nan", 0, 2, &d));
    EXPECT_FALSE(parseReal("inf", 0, 1e300, &d));
    EXPECT_FALSE(parseReal("3", 0, 2, &d));
    EXPECT_FALSE(parseReal("1.5s", 0, 2, &d));
}

// Decimal only: what strtoll/strtod would also read as hexadecimal (or a C programmer as octal) is
// refused, so "--length 0x10" can never silently mean 16 s.
TEST(CommandLine, NumbersAreDecimalOnly) {
    int64_t i = 0;
    double d = 0;
    for (const char* text : {"0x10", "0X10", "010", "00", "0b1", "1e3", "1.0", "--5", "+-5", "5 ", "\t5", "0x"})
        EXPECT_FALSE(parseInteger(text, -100000, 100000, &i)) << text;
    for (const char* text : {"0x10", "0x1p4", "0X1P4", "010", "00.5", "infinity", "NAN", "1e", "1e+", ".", "-.", "e5",
                             "1.5.2", "1,5", " 1"})
        EXPECT_FALSE(parseReal(text, -1e9, 1e9, &d)) << text;
    EXPECT_TRUE(parseInteger("0", -5, 5, &i));
    EXPECT_EQ(i, 0);
    EXPECT_TRUE(parseInteger("-7", -10, 10, &i));
    EXPECT_EQ(i, -7);
    EXPECT_TRUE(parseInteger("+7", -10, 10, &i));
    EXPECT_EQ(i, 7);
    EXPECT_TRUE(parseInteger("100", 0, 1000, &i));
    EXPECT_EQ(i, 100);
    const std::pair<const char*, double> reals[] = {{"0", 0},      {"0.25", 0.25}, {".5", 0.5},  {"5.", 5},
                                                    {"-0.5", -0.5}, {"1e3", 1000},  {"2.5E-1", 0.25}, {"+10", 10}};
    for (const auto& [text, expected] : reals) {
        EXPECT_TRUE(parseReal(text, -1e9, 1e9, &d)) << text;
        EXPECT_DOUBLE_EQ(d, expected) << text;
    }
}

TEST(CycleStatistics, MedianP99MaxAndHistogram) {
    std::vector<int64_t> durations;
    for (int i = 1; i <= 100; i++)
        durations.push_back(i * 1000);
    std::vector<int64_t> copy = durations;
    CycleSummary summary = summarizeCycles(copy);
    EXPECT_EQ(summary.cycles, 100u);
    EXPECT_NEAR(summary.medianUs, 50.5, 0.6);
    EXPECT_NEAR(summary.p99Us, 99, 1.01);
    EXPECT_DOUBLE_EQ(summary.maxUs, 100);
    std::string bars = histogram(durations);
    EXPECT_NE(bars.find("64-128"), std::string::npos);
    EXPECT_NE(bars.find('#'), std::string::npos);
}

} // namespace
} // namespace aap::host_tool
