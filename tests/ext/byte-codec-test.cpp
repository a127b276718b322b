// The little-endian codec and the field-by-field layouts of the standard extension structs.

#include <gtest/gtest.h>

#include <cstring>

#include "aapxs/byte-codec.hpp"
#include "aap/ext-cpp/parameters.h"
#include "aap/ext-cpp/presets.h"

namespace aap {
namespace {

TEST(ByteCodec, WritesLittleEndianWhateverTheHost) {
    uint8_t buffer[32];
    ByteWriter writer{buffer, sizeof(buffer)};
    writer.u8(0xAB);
    writer.i16(-2);
    writer.u32(0x01020304u);
    writer.f64(1.0);
    ASSERT_TRUE(writer.ok());
    ASSERT_EQ(writer.size(), 15u);
    const uint8_t expected[] = {0xAB, 0xFE, 0xFF, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F};
    EXPECT_EQ(std::memcmp(buffer, expected, sizeof(expected)), 0);
    ByteReader reader{buffer, writer.size()};
    EXPECT_EQ(reader.u8(), 0xAB);
    EXPECT_EQ(reader.i16(), -2);
    EXPECT_EQ(reader.u32(), 0x01020304u);
    EXPECT_EQ(reader.f64(), 1.0);
    EXPECT_TRUE(reader.done());
}

TEST(ByteCodec, AWriterOutOfRoomFailsAndWritesNothingMore) {
    uint8_t buffer[6] = {9, 9, 9, 9, 9, 9};
    ByteWriter writer{buffer, 5};
    writer.u32(1);
    writer.u32(2);  // does not fit
    writer.u8(3);   // nor does anything after a failure
    EXPECT_FALSE(writer.ok());
    EXPECT_EQ(buffer[4], 9);
    EXPECT_EQ(buffer[5], 9);
    ByteWriter none{nullptr, 100};
    none.u8(1);
    EXPECT_FALSE(none.ok());
}

TEST(ByteCodec, AShortPayloadReadsZerosAndFails) {
    const uint8_t bytes[3] = {1, 2, 3};
    ByteReader reader{bytes, sizeof(bytes)};
    EXPECT_EQ(reader.u32(), 0u);
    EXPECT_FALSE(reader.ok());
    EXPECT_EQ(reader.u8(), 0u);  // stays failed
    EXPECT_EQ(reader.view(0), nullptr);
    ByteReader huge{bytes, sizeof(bytes)};
    EXPECT_EQ(huge.view(SIZE_MAX), nullptr);  // no overflow in the bounds check
    EXPECT_FALSE(huge.ok());
}

TEST(ByteCodec, FixedStringsAreAlwaysTerminated) {
    uint8_t buffer[8];
    ByteWriter writer{buffer, sizeof(buffer)};
    writer.fixedString("abcdefghijk", 8);  // truncated to 7 bytes + NUL
    ASSERT_TRUE(writer.ok());
    EXPECT_STREQ(reinterpret_cast<const char*>(buffer), "abcdefg");
    std::memset(buffer, 'z', sizeof(buffer));  // a hostile peer: no NUL at all
    ByteReader reader{buffer, sizeof(buffer)};
    char text[8];
    reader.fixedString(text, sizeof(text));
    EXPECT_STREQ(text, "zzzzzzz");
}

// On LP64 the wire form must equal the native layout that AAP 0.8 peers memcpy.
TEST(WireLayout, ParameterInfoIsByteIdenticalToTheLp64Layout) {
    aap_parameter_info_t info;
    std::memset(&info, 0, sizeof(info));  // padding zero, as the wire says
    info.stable_id = 0x1234;
    std::strcpy(info.display_name, "Cutoff");
    std::strcpy(info.path, "/Filter/Main");
    info.min_value = 20.0;
    info.max_value = 20000.0;
    info.default_value = 440.0;
    info.per_note_enabled = true;
    uint8_t wire[AAP_PARAMETER_INFO_WIRE_SIZE + 8];
    ByteWriter writer{wire, sizeof(wire)};
    ASSERT_TRUE(writeParameterInfo(writer, info));
    ASSERT_EQ(writer.size(), 184u);
    if (sizeof(void*) == 8) {
        ASSERT_EQ(sizeof(info), 184u);
        EXPECT_EQ(std::memcmp(wire, &info, 184), 0);
    }
    EXPECT_EQ(wire[AAP_PARAMETER_INFO_WIRE_OFFSET_STABLE_ID], 0x34);
    EXPECT_EQ(wire[AAP_PARAMETER_INFO_WIRE_OFFSET_DISPLAY_NAME], 'C');
    EXPECT_EQ(wire[AAP_PARAMETER_INFO_WIRE_OFFSET_PATH], '/');
    EXPECT_EQ(wire[AAP_PARAMETER_INFO_WIRE_OFFSET_PER_NOTE_ENABLED], 1);
    double max = 0;
    std::memcpy(&max, wire + AAP_PARAMETER_INFO_WIRE_OFFSET_MAX_VALUE, 8);
    EXPECT_EQ(max, 20000.0);
    aap_parameter_info_t back{};
    ByteReader reader{wire, writer.size()};
    ASSERT_TRUE(readParameterInfo(reader, &back));
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(std::memcmp(&back, &info, sizeof(info)), 0);
    ByteReader truncated{wire, 183};
    EXPECT_FALSE(readParameterInfo(truncated, &back));
}

TEST(WireLayout, PresetIsByteIdenticalToTheNativeLayout) {
    aap_preset_t preset;
    std::memset(&preset, 0, sizeof(preset));
    preset.id = -77;
    std::strcpy(preset.name, "Warm Pad");
    uint8_t wire[AAP_PRESET_WIRE_SIZE];
    ByteWriter writer{wire, sizeof(wire)};
    ASSERT_TRUE(writePreset(writer, preset));
    ASSERT_EQ(writer.size(), 260u);
    EXPECT_EQ(std::memcmp(wire, &preset, 260), 0);
    ByteWriter small{wire, 259};
    EXPECT_FALSE(writePreset(small, preset));
}

TEST(WireLayout, ParameterEnumIs72Bytes) {
    aap_parameter_enum_t entry;
    std::memset(&entry, 0, sizeof(entry));
    std::strcpy(entry.name, "Square");
    entry.value = 3.0;
    uint8_t wire[AAP_PARAMETER_ENUM_WIRE_SIZE];
    ByteWriter writer{wire, sizeof(wire)};
    ASSERT_TRUE(writeParameterEnum(writer, entry));
    ASSERT_EQ(writer.size(), 72u);
    EXPECT_EQ(std::memcmp(wire, &entry, 72), 0);
}

} // namespace
} // namespace aap
