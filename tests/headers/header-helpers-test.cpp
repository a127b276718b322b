// Behaviour of the inline helpers the headers provide: the ABI record and its verdicts, the
// parameter value conversions and parameter-change SysEx8 of aap/ext/midi.h, and the header-only
// logging of unstable/logging.h.

#include <aap/aap.h>
#include <aap/unstable/logging.h>

#include "parameter-conversion-c.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

// ---- ABI record (aap/abi.h) ----

TEST(AbiRecord, IsAnsweredOnlyForTheAbiUri) {
    void* record = aap_abi_get_extension(AAP_ABI_EXTENSION_URI);
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record, aap_abi_current_version()) << "one static record";
    EXPECT_EQ(aap_abi_get_extension(nullptr), nullptr);
    EXPECT_EQ(aap_abi_get_extension(""), nullptr);
    EXPECT_EQ(aap_abi_get_extension("urn://androidaudioplugin.org/abi/v2"), nullptr);
    EXPECT_EQ(aap_abi_get_extension(AAP_PRESETS_EXTENSION_URI), nullptr);
}

TEST(AbiRecord, CarriesTheCompiledAbiAndSdkVersions) {
    const aap_abi_version_t* v = aap_abi_current_version();
    EXPECT_EQ(v->magic, AAP_ABI_MAGIC);
    EXPECT_EQ(v->abi_major, static_cast<uint32_t>(AAP_ABI_VERSION_MAJOR));
    EXPECT_EQ(v->abi_minor, static_cast<uint32_t>(AAP_ABI_VERSION_MINOR));
    EXPECT_EQ(v->sdk_version, static_cast<uint32_t>(AAP_VERSION_MAJOR * 10000 + AAP_VERSION_MINOR * 100 + AAP_VERSION_PATCH));
    EXPECT_EQ(std::memcmp(&v->magic, "AAPA", 4), 0) << "magic reads AAPA in memory on little-endian hosts";
}

TEST(AbiCheck, AcceptsSameMajorWhateverTheMinor) {
    aap_abi_version_t newerMinor{AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR, AAP_ABI_VERSION_MINOR + 5, 0};
    EXPECT_EQ(aap_abi_check(aap_abi_current_version()), AAP_ABI_CHECK_COMPATIBLE);
    EXPECT_EQ(aap_abi_check(&newerMinor), AAP_ABI_CHECK_COMPATIBLE);
}

TEST(AbiCheck, TreatsMissingRecordAsLegacyAndAcceptsIt) {
    EXPECT_EQ(aap_abi_check(nullptr), AAP_ABI_CHECK_LEGACY);
    EXPECT_GE(aap_abi_check(nullptr), 0);
}

TEST(AbiCheck, RefusesOtherMajorsAndMalformedRecords) {
    aap_abi_version_t older{AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR - 1, 9, 0};
    aap_abi_version_t newer{AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR + 1, 0, 0};
    aap_abi_version_t noMagic{0, AAP_ABI_VERSION_MAJOR, AAP_ABI_VERSION_MINOR, 0};
    EXPECT_EQ(aap_abi_check(&older), AAP_ABI_CHECK_MAJOR_MISMATCH);
    EXPECT_EQ(aap_abi_check(&newer), AAP_ABI_CHECK_MAJOR_MISMATCH);
    EXPECT_EQ(aap_abi_check(&noMagic), AAP_ABI_CHECK_MALFORMED);
    EXPECT_LT(aap_abi_check(&newer), 0);
    EXPECT_LT(aap_abi_check(&noMagic), 0);
}

TEST(AbiCheck, ExplainsEveryVerdict) {
    EXPECT_NE(std::string(aap_abi_check_result_message(AAP_ABI_CHECK_COMPATIBLE)).find("compatible"), std::string::npos);
    EXPECT_NE(std::string(aap_abi_check_result_message(AAP_ABI_CHECK_LEGACY)).find("legacy"), std::string::npos);
    EXPECT_NE(std::string(aap_abi_check_result_message(AAP_ABI_CHECK_MAJOR_MISMATCH)).find("incompatible"), std::string::npos);
    EXPECT_NE(std::string(aap_abi_check_result_message(AAP_ABI_CHECK_MALFORMED)).find("malformed"), std::string::npos);
    EXPECT_STREQ(aap_abi_check_result_message(static_cast<aap_abi_check_result>(42)), "unknown AAP ABI check result");
}

TEST(AbiDescribe, NamesBothVersionsAndTheVerdict) {
    char line[256];
    aap_abi_version_t newer{AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR + 1, 3, 0};
    ASSERT_GT(aap_abi_describe(line, sizeof(line), "plugin urn:x", &newer), 0);
    std::string expected = "plugin urn:x: built against AAP ABI " + std::to_string(AAP_ABI_VERSION_MAJOR + 1) +
                           ".3; this side supports AAP ABI " + std::to_string(AAP_ABI_VERSION_MAJOR) +
                           ".x: incompatible AAP ABI";
    EXPECT_EQ(std::string(line).rfind(expected, 0), 0u) << line;

    aap_abi_describe(line, sizeof(line), "host", nullptr);
    EXPECT_NE(std::string(line).find("host: this side supports AAP ABI"), std::string::npos) << line;
    EXPECT_NE(std::string(line).find("legacy AAP 0.8"), std::string::npos) << line;

    aap_abi_version_t garbage{1, 2, 3, 4};
    aap_abi_describe(line, sizeof(line), nullptr, &garbage);
    EXPECT_EQ(std::string(line).rfind("peer: ", 0), 0u) << line;
    EXPECT_NE(std::string(line).find("malformed"), std::string::npos) << line;
}

TEST(AbiDescribe, TruncatesToTheBufferAndRefusesNoBuffer) {
    char small[16];
    std::memset(small, 'x', sizeof(small));
    // Opaque to the optimizer: gcc would otherwise flag the (intended) truncation at compile time.
    volatile size_t capacity = sizeof(small);
    int full = aap_abi_describe(small, capacity, "plugin urn:long", aap_abi_current_version());
    EXPECT_GT(full, 15) << "returns the untruncated length";
    EXPECT_EQ(std::strlen(small), 15u) << "NUL-terminated within the buffer";
    EXPECT_EQ(aap_abi_describe(nullptr, 10, "x", nullptr), -1);
    EXPECT_EQ(aap_abi_describe(small, 0, "x", nullptr), -1);
}

// ---- parameter conversions (aap/ext/midi.h) ----
// Every helper takes (minValue, maxValue, value), as aap-core's include/aap/ext/midi.h declares
// them and as AAP sources call them, e.g. aap-core's instrument sample:
//   aapParameterPlainToTransportUint32(ayumi_parameter_min(index), ayumi_parameter_max(index), value)
// and its effect sample / host-side decoding:
//   aapParameterTransportUint32ToPlain(get_parameter_min(index), get_parameter_max(index), transportValue)

TEST(ParameterConversion, EndPointsInTheOrderAapSourcesUse) {
    // The report in issue 12: this gave 0 while the helpers took (value, min, max).
    EXPECT_EQ(aapParameterPlainToTransportUint32(0, 14, 14), 0xFFFFFFFFu);
    EXPECT_EQ(aapParameterPlainToTransportUint32(0, 14, 0), 0u);
    EXPECT_EQ(aapParameterPlainToTransportUint32(0, 14, 7), 0x80000000u);
    EXPECT_EQ(aapParameterPlainToTransportUint32(20.0, 20000.0, 20000.0), 0xFFFFFFFFu);
    EXPECT_EQ(aapParameterPlainToTransportUint32(20.0, 20000.0, 20.0), 0u);
    EXPECT_EQ(aapParameterPlainToTransportUint32(-24.0, 0.0, -12.0), 0x80000000u);

    EXPECT_DOUBLE_EQ(aapParameterTransportUint32ToPlain(0, 14, 0xFFFFFFFFu), 14.0);
    EXPECT_DOUBLE_EQ(aapParameterTransportUint32ToPlain(0, 14, 0u), 0.0);
    EXPECT_DOUBLE_EQ(aapParameterTransportUint32ToPlain(20.0, 20000.0, 0u), 20.0);
    EXPECT_DOUBLE_EQ(aapParameterTransportUint32ToPlain(20.0, 20000.0, 0xFFFFFFFFu), 20000.0);
    EXPECT_NEAR(aapParameterTransportUint32ToPlain(0.0, 2048.0, 0x80000000u), 1024.0, 1e-3);

    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(-24.0, 0.0, -12.0), 0.5);
    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(-24.0, 0.0, -24.0), 0.0);
    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(-24.0, 0.0, 0.0), 1.0);
    EXPECT_DOUBLE_EQ(aapParameterNormalizedToPlain(-24.0, 0.0, 0.5), -12.0);
    EXPECT_DOUBLE_EQ(aapParameterNormalizedToPlain(-24.0, 0.0, 0.0), -24.0);
    EXPECT_DOUBLE_EQ(aapParameterNormalizedToPlain(-24.0, 0.0, 1.0), 0.0);
}

TEST(ParameterConversion, ArgumentTypesOfAapSources) {
    // Ranges held as float (aap-juce's AudioProcessorParameter ranges) or int, values as float.
    const float minF = 0.0f, maxF = 1.0f;
    const int minI = 0, maxI = 127;
    const uint32_t half = 0x80000000u;
    EXPECT_NEAR(aapParameterTransportUint32ToPlain(minF, maxF, half), 0.5, 1e-6);
    EXPECT_NEAR(aapParameterTransportUint32ToPlain(minI, maxI, half), 63.5, 1e-6);
    EXPECT_EQ(aapParameterPlainToTransportUint32(minI, maxI, 127), 0xFFFFFFFFu);
    EXPECT_EQ(aapParameterPlainToTransportUint32(minF, maxF, 1.0f), 0xFFFFFFFFu);
    // The plugin reads a transport value as int32_t from a UMP word in some sources.
    const int32_t fromWord = static_cast<int32_t>(0x40000000);
    EXPECT_NEAR(aapParameterTransportUint32ToPlain(0.0, 4.0, fromWord), 1.0, 1e-6);
}

TEST(ParameterConversion, RoundTripsWithinTheRange) {
    EXPECT_DOUBLE_EQ(aapParameterNormalizedToPlain(1.0, 5.0, aapParameterPlainToNormalized(1.0, 5.0, 3.25)), 3.25);
    EXPECT_NEAR(aapParameterTransportUint32ToPlain(20.0, 20000.0, aapParameterPlainToTransportUint32(20.0, 20000.0, 440.0)),
                440.0, 1e-5);
    for (uint32_t v : {0u, 1u, 0x12345678u, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu})
        EXPECT_EQ(aapParameterPlainToTransportUint32(-1.0, 1.0, aapParameterTransportUint32ToPlain(-1.0, 1.0, v)), v) << v;
}

TEST(ParameterConversion, ClampsOutOfRangeValues) {
    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(0.0, 1.0, 10.0), 1.0);
    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(0.0, 1.0, -10.0), 0.0);
    EXPECT_DOUBLE_EQ(aapParameterNormalizedToPlain(2.0, 4.0, 1.5), 4.0);
    EXPECT_DOUBLE_EQ(aapParameterNormalizedToPlain(2.0, 4.0, -0.5), 2.0);
    EXPECT_EQ(aapParameterPlainToTransportUint32(0, 14, 15), 0xFFFFFFFFu);
    EXPECT_EQ(aapParameterPlainToTransportUint32(0, 14, -1), 0u);
}

TEST(ParameterConversion, HandlesEmptyInvertedRangesAndNaN) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(1.0, 1.0, 1.0), 0.0) << "empty range";
    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(2.0, 0.0, 1.0), 0.0) << "inverted range";
    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(0.0, 1.0, nan), 0.0);
    EXPECT_DOUBLE_EQ(aapParameterPlainToNormalized(nan, 1.0, 0.5), 0.0);
    EXPECT_DOUBLE_EQ(aapParameterNormalizedToPlain(2.0, 4.0, nan), 2.0);
    EXPECT_DOUBLE_EQ(aapParameterNormalizedToPlain(3.0, 3.0, 0.5), 3.0);
    EXPECT_EQ(aapParameterNormalizedToUint32(nan), 0u);
    EXPECT_EQ(aapParameterPlainToTransportUint32(14, 0, 14), 0u) << "inverted range";
}

TEST(ParameterConversion, TransportFormCoversTheFullUint32Range) {
    EXPECT_EQ(aapParameterNormalizedToUint32(0.0), 0u);
    EXPECT_EQ(aapParameterNormalizedToUint32(1.0), 0xFFFFFFFFu);
    EXPECT_EQ(aapParameterNormalizedToUint32(2.0), 0xFFFFFFFFu);
    EXPECT_EQ(aapParameterNormalizedToUint32(-1.0), 0u);
    EXPECT_EQ(aapParameterNormalizedToUint32(0.5), 0x80000000u);
    EXPECT_DOUBLE_EQ(aapParameterUint32ToNormalized(0u), 0.0);
    EXPECT_DOUBLE_EQ(aapParameterUint32ToNormalized(0xFFFFFFFFu), 1.0);
    for (uint32_t v : {0u, 1u, 0x12345678u, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu})
        EXPECT_EQ(aapParameterNormalizedToUint32(aapParameterUint32ToNormalized(v)), v) << v;
}

// The same calls compiled as C99 (parameter-conversion-c.c): C and C++ see one set of functions.
TEST(ParameterConversion, CAgreesWithCxx) {
    aap_test_conversion_results c{};
    aap_test_conversions_in_c(&c);
    EXPECT_EQ(c.plain_to_transport_end, 0xFFFFFFFFu);
    EXPECT_EQ(c.plain_to_transport_start, 0u);
    EXPECT_EQ(c.plain_to_transport_mid, aapParameterPlainToTransportUint32(0, 14, 7));
    EXPECT_DOUBLE_EQ(c.transport_to_plain_end, 20000.0);
    EXPECT_DOUBLE_EQ(c.transport_to_plain_start, 20.0);
    EXPECT_DOUBLE_EQ(c.plain_to_normalized, 0.5);
    EXPECT_DOUBLE_EQ(c.normalized_to_plain, -12.0);
}

// ---- parameter-change SysEx8 (docs/spec/wire.md section 5) ----

TEST(ParameterSysex8, WritesTheWireLayout) {
    uint32_t w1, w2, w3, w4;
    aapMidi2ParameterSysex8(&w1, &w2, &w3, &w4, 3, 9, 60, 7, 0x1234, 0xCAFEBABEu);
    EXPECT_EQ(w1, 0x530E007Eu) << "size nibble 0xE, stream id 0";
    EXPECT_EQ(w2, 0x7F000009u);
    EXPECT_EQ(w3, 0x3C071234u);
    EXPECT_EQ(w4, 0xCAFEBABEu);
}

TEST(ParameterSysex8, MasksFieldsToTheirWidths) {
    uint32_t w1, w2, w3, w4;
    aapMidi2ParameterSysex8(&w1, &w2, &w3, &w4, 0xF3, 0xA9, 0xFF, 0x1FF, 0xFFFF, 0);
    EXPECT_EQ(w1, 0x530E007Eu);
    EXPECT_EQ(w2, 0x7F000009u);
    EXPECT_EQ(w3, 0xFFFFFFFFu) << "extra keeps its low 8 bits";
}

TEST(ParameterSysex8, ReadsWhatItWrites) {
    uint32_t w1, w2, w3, w4;
    aapMidi2ParameterSysex8(&w1, &w2, &w3, &w4, 2, 5, 64, 1, 300, 0x40000000u);
    uint8_t group = 0, channel = 0, key = 0, extra = 0;
    uint16_t index = 0;
    uint32_t value = 0;
    ASSERT_TRUE(aapReadMidi2ParameterSysex8(&group, &channel, &key, &extra, &index, &value, w1, w2, w3, w4));
    EXPECT_EQ(group, 2);
    EXPECT_EQ(channel, 5);
    EXPECT_EQ(key, 64);
    EXPECT_EQ(extra, 1);
    EXPECT_EQ(index, 300);
    EXPECT_EQ(value, 0x40000000u);
}

TEST(ParameterSysex8, AcceptsTheOlderSizeNibble) {
    uint16_t index = 0;
    // AAP 0.8 writes 0xF as the size nibble.
    EXPECT_TRUE(aapReadMidi2ParameterSysex8(nullptr, nullptr, nullptr, nullptr, &index, nullptr,
                                            0x500F007Eu, 0x7F000000u, 0x00000011u, 0u));
    EXPECT_EQ(index, 0x11);
}

TEST(ParameterSysex8, RejectsOtherMessagesAndWritesNothing) {
    uint8_t group = 0xAA;
    uint16_t index = 0xBBBB;
    uint32_t value = 0xCCCCCCCCu;
    // A MIDI 2.0 note on; an AAPXS SysEx8 (sub id 0x01); a packet with size nibble 0xD.
    EXPECT_FALSE(aapReadMidi2ParameterSysex8(&group, nullptr, nullptr, nullptr, &index, &value,
                                             0x40903C00u, 0xFFFF0000u, 0u, 0u));
    EXPECT_FALSE(aapReadMidi2ParameterSysex8(&group, nullptr, nullptr, nullptr, &index, &value,
                                             0x501E007Eu, 0x7F000105u, 0u, 0u));
    EXPECT_FALSE(aapReadMidi2ParameterSysex8(&group, nullptr, nullptr, nullptr, &index, &value,
                                             0x500D007Eu, 0x7F000000u, 0u, 0u));
    EXPECT_EQ(group, 0xAA);
    EXPECT_EQ(index, 0xBBBB);
    EXPECT_EQ(value, 0xCCCCCCCCu);
}

// ---- logging (aap/unstable/logging.h) ----

TEST(Logging, WritesOneTaggedLinePerMessageToStderr) {
    testing::internal::CaptureStderr();
    aap::a_log(AAP_LOG_LEVEL_WARN, "tag1", "plain % text");
    aap::a_log_f(AAP_LOG_LEVEL_ERROR, "tag2", "value=%d name=%s", 42, "x");
    aap::aprintf("%s", "from aprintf");
    aap::aputs("from aputs");
    std::string out = testing::internal::GetCapturedStderr();
    EXPECT_NE(out.find("[WARN] tag1: plain % text\n"), std::string::npos) << out;
    EXPECT_NE(out.find("[ERROR] tag2: value=42 name=x\n"), std::string::npos) << out;
    EXPECT_NE(out.find("[INFO] " logged_android_app_name ": from aprintf\n"), std::string::npos) << out;
    EXPECT_NE(out.find("[INFO] " logged_android_app_name ": from aputs\n"), std::string::npos) << out;
}

TEST(Logging, SurvivesNullArgumentsAndTruncatesLongMessages) {
    testing::internal::CaptureStderr();
    aap::a_log(AAP_LOG_LEVEL_INFO, nullptr, nullptr);
    std::string longText(5000, 'a');
    int length = aap::a_log_f(AAP_LOG_LEVEL_DEBUG, "long", "%s", longText.c_str());
    std::string out = testing::internal::GetCapturedStderr();
    EXPECT_NE(out.find("[INFO] (null): (null)\n"), std::string::npos) << out;
    EXPECT_EQ(length, 5000) << "returns the untruncated length";
    EXPECT_NE(out.find("aaa...\n"), std::string::npos) << "truncation is marked";
    EXPECT_LT(out.size(), 1100u);
    EXPECT_STREQ(aap_log_level_name(static_cast<AAP_LOG_LEVEL>(99)), "?");
}
