// The standard AAPXS definitions called directly, as a recipient runtime calls them: registration,
// realtime-safety tables, every opcode against an in-process plugin, and hostile payloads.

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "aap/ext-cpp/gui.h"
#include "aap/ext-cpp/midi.h"
#include "aap/ext-cpp/port-config.h"
#include "aap/ext-cpp/urid.h"
#include "aap/ext-cpp/parameters.h"
#include "aap/ext-cpp/presets.h"
#include "aap/ext-cpp/standard-extensions.h"
#include "aap/ext-cpp/state.h"
#include "ext-test-plugin-data.h"

namespace aap {
namespace {

// A plugin with parameters, presets and state, in this process.
struct FakePlugin {
    std::vector<uint8_t> state;
    int32_t presetIndex = -1;
    std::string lastUri;
    bool withExtensions = true;
    AndroidAudioPlugin plugin{};

    static FakePlugin* of(AndroidAudioPlugin* p) { return static_cast<FakePlugin*>(p->plugin_specific); }

    FakePlugin() {
        plugin.plugin_specific = this;
        plugin.get_extension = [](AndroidAudioPlugin* p, const char* uri) -> void* {
            static aap_parameters_extension_t parameters{
                nullptr, [](aap_parameters_extension_t*, AndroidAudioPlugin*) { return aap_ext_test::kParameterCount; },
                [](aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t i) { return aap_ext_test::parameter(i); },
                [](aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t id, int32_t property) {
                    return aap_ext_test::property(id, property);
                },
                [](aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t id) { return aap_ext_test::enumerationCount(id); },
                [](aap_parameters_extension_t*, AndroidAudioPlugin*, int32_t id, int32_t i) {
                    return aap_ext_test::enumeration(id, i);
                }};
            static aap_presets_extension_t presets{
                nullptr, [](aap_presets_extension_t*, AndroidAudioPlugin*) { return aap_ext_test::kPresetCount; },
                [](aap_presets_extension_t*, AndroidAudioPlugin* plugin, int32_t i, aap_preset_t* preset,
                   aapxs_completion_callback callback, void* data) {
                    *preset = aap_ext_test::preset(i);
                    if (callback != nullptr)
                        callback(data, plugin);
                },
                [](aap_presets_extension_t*, AndroidAudioPlugin* plugin, int32_t i) { of(plugin)->presetIndex = i; }};
            static aap_state_extension_t state{
                nullptr, [](aap_state_extension_t*, AndroidAudioPlugin* plugin) { return of(plugin)->state.size(); },
                [](aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* destination) {
                    auto& s = of(plugin)->state;
                    if (destination->data_size < s.size()) {
                        destination->data_size = 0;
                        return;
                    }
                    if (!s.empty())
                        std::memcpy(destination->data, s.data(), s.size());
                    destination->data_size = s.size();
                },
                [](aap_state_extension_t*, AndroidAudioPlugin* plugin, aap_state_t* source) {
                    auto* bytes = static_cast<const uint8_t*>(source->data);
                    of(plugin)->state.assign(bytes, bytes + (bytes ? source->data_size : 0));
                }};
            static aap_midi_extension_t midi{nullptr, [](aap_midi_extension_t*, AndroidAudioPlugin*) {
                                                 return static_cast<aap_midi_mapping_policy>(aap_ext_test::kMappingPolicy);
                                             }};
            static aap_urid_extension_t urid{nullptr, [](aap_urid_extension_t*, AndroidAudioPlugin* plugin, uint8_t,
                                                         const char* uri) { of(plugin)->lastUri = uri; }};
            static aap_gui_extension_t gui{nullptr, [](aap_gui_extension_t*, AndroidAudioPlugin*, const char*, int32_t,
                                                       void*) { return 1; },
                                           nullptr, nullptr, nullptr, nullptr};
            if (!of(p)->withExtensions)
                return nullptr;
            if (std::strcmp(uri, AAP_URID_EXTENSION_URI) == 0)
                return &urid;
            if (std::strcmp(uri, AAP_GUI_EXTENSION_URI) == 0)
                return &gui;
            if (std::strcmp(uri, AAP_PARAMETERS_EXTENSION_URI) == 0)
                return &parameters;
            if (std::strcmp(uri, AAP_PRESETS_EXTENSION_URI) == 0)
                return &presets;
            if (std::strcmp(uri, AAP_STATE_EXTENSION_URI) == 0)
                return &state;
            if (std::strcmp(uri, AAP_MIDI_EXTENSION_URI) == 0)
                return &midi;
            return nullptr;
        };
    }
};

// Calls a definition's plugin-side handler the way the runtime does, with a block of the
// definition's capacity.
struct Call {
    bool replied = false;
    std::vector<uint8_t> reply;

    Call(const AAPXSDefinition& definition, FakePlugin& plugin, int32_t opcode, const std::vector<uint8_t>& request,
         size_t claimedSize = SIZE_MAX) {
        std::vector<uint8_t> block(static_cast<size_t>(definition.data_capacity));
        if (!request.empty())
            std::memcpy(block.data(), request.data(), std::min(request.size(), block.size()));
        AAPXSSerializationContext serialization{block.data(), claimedSize == SIZE_MAX ? request.size() : claimedSize,
                                                block.size()};
        AAPXSRecipientInstance recipient{definition.aapxs_context, this, &serialization,
                                         [](AAPXSRecipientInstance* instance, AAPXSRequestContext* context) {
                                             auto* self = static_cast<Call*>(instance->host_context);
                                             ASSERT_FALSE(self->replied) << "replied twice";
                                             ASSERT_LE(context->serialization->data_size,
                                                       context->serialization->data_capacity);
                                             self->replied = true;
                                             auto* data = static_cast<uint8_t*>(context->serialization->data);
                                             self->reply.assign(data, data + context->serialization->data_size);
                                         }};
        AAPXSRequestContext context{};
        context.serialization = &serialization;
        context.uri = definition.uri;
        context.opcode = opcode;
        auto* mutableDefinition = const_cast<AAPXSDefinition*>(&definition);
        definition.process_incoming_plugin_aapxs_request(mutableDefinition, &recipient, &plugin.plugin, &context);
    }
    int32_t i32() const {
        ByteReader reader{reply.data(), reply.size()};
        return reader.i32();
    }
};

std::vector<uint8_t> bytesOf(std::initializer_list<int32_t> values) {
    std::vector<uint8_t> bytes(values.size() * 4);
    ByteWriter writer{bytes.data(), bytes.size()};
    for (int32_t v : values)
        writer.i32(v);
    return bytes;
}

TEST(StandardDefinitions, RegisterAllOnceAndKeepTheCallersOwn) {
    AAPXSDefinitionRegistry registry;
    AAPXSDefinition own{};
    own.uri = AAP_PRESETS_EXTENSION_URI;
    own.data_capacity = 1000;
    ASSERT_EQ(registry.add(own), RegistryError::None);
    EXPECT_EQ(registerStandardExtensions(registry), RegistryError::None);
    std::size_t count = 0;
    standardExtensionDefinitions(&count);
    EXPECT_EQ(registry.size(), count);
    EXPECT_EQ(registry.findByUri(AAP_PRESETS_EXTENSION_URI)->data_capacity, 1000);
    EXPECT_NE(registry.findByUri(AAP_STATE_EXTENSION_URI), nullptr);
    EXPECT_NE(registry.findByUri(AAP_PARAMETERS_EXTENSION_URI), nullptr);
    EXPECT_NE(registry.findByUri(AAP_MIDI_EXTENSION_URI), nullptr);
    EXPECT_EQ(registerStandardExtensions(registry), RegistryError::None);  // again: nothing new
    EXPECT_EQ(registry.size(), count);
}

TEST(StandardDefinitions, RealtimeSafeOpcodesAreTheCountQueriesAndNotifications) {
    auto rt = [](const AAPXSDefinition& d, bool host, int32_t opcode) {
        return d.is_command_rt_safe != nullptr &&
               d.is_command_rt_safe(const_cast<AAPXSDefinition*>(&d), host, opcode);
    };
    const AAPXSDefinition& parameters = parametersExtensionDefinition();
    EXPECT_TRUE(rt(parameters, false, AAP_PARAMETERS_OPCODE_GET_PARAMETER_COUNT));
    for (int32_t op : {2, 3, 4, 5, 6, 0})
        EXPECT_FALSE(rt(parameters, false, op)) << op;
    EXPECT_TRUE(rt(parameters, true, AAP_PARAMETERS_OPCODE_NOTIFY_PARAMETERS_CHANGED));
    const AAPXSDefinition& presets = presetsExtensionDefinition();
    EXPECT_TRUE(rt(presets, false, AAP_PRESETS_OPCODE_GET_PRESET_COUNT));
    EXPECT_FALSE(rt(presets, false, AAP_PRESETS_OPCODE_GET_PRESET));
    EXPECT_FALSE(rt(presets, false, AAP_PRESETS_OPCODE_SET_PRESET_INDEX));
    EXPECT_TRUE(rt(presets, true, AAP_PRESETS_OPCODE_NOTIFY_PRESET_LOADED));
    EXPECT_TRUE(rt(presets, true, AAP_PRESETS_OPCODE_NOTIFY_PRESETS_UPDATED));
    for (int32_t op = -3; op <= 9; op++)
        EXPECT_FALSE(rt(stateExtensionDefinition(), false, op)) << op;
    EXPECT_FALSE(rt(midiExtensionDefinition(), false, AAP_MIDI_OPCODE_GET_MAPPING_POLICY));
    for (int32_t op = 1; op <= 5; op++)
        EXPECT_FALSE(rt(guiExtensionDefinition(), false, op)) << op;
    EXPECT_FALSE(rt(uridExtensionDefinition(), false, AAP_URID_OPCODE_MAP));
    EXPECT_TRUE(rt(portConfigExtensionDefinition(), false, kPortConfigOpcodeGetOptions));
    EXPECT_TRUE(rt(portConfigExtensionDefinition(), false, kPortConfigOpcodeSelect));
}

TEST(StandardDefinitions, EveryPluginOpcodeAnswersFromThePlugin) {
    FakePlugin plugin;
    const AAPXSDefinition& parameters = parametersExtensionDefinition();
    EXPECT_EQ(Call(parameters, plugin, 1, {}).i32(), aap_ext_test::kParameterCount);
    Call info(parameters, plugin, 2, bytesOf({1}));
    ASSERT_EQ(info.reply.size(), 184u);
    EXPECT_EQ(std::memcmp(info.reply.data() + 2, "Mode", 5), 0);
    Call property(parameters, plugin, 3, bytesOf({10, AAP_PARAMETER_PROPERTY_MAX_VALUE}));
    ASSERT_EQ(property.reply.size(), 8u);
    EXPECT_EQ(ByteReader(property.reply.data(), 8).f64(), 2.0);
    EXPECT_EQ(Call(parameters, plugin, 4, bytesOf({11})).i32(), 3);
    EXPECT_EQ(Call(parameters, plugin, 5, bytesOf({11, 0})).reply.size(), 72u);

    const AAPXSDefinition& presets = presetsExtensionDefinition();
    EXPECT_EQ(Call(presets, plugin, 1, {}).i32(), aap_ext_test::kPresetCount);
    Call preset(presets, plugin, 2, bytesOf({1}));
    ASSERT_EQ(preset.reply.size(), 260u);
    EXPECT_EQ(preset.i32(), aap_ext_test::preset(1).id);
    Call select(presets, plugin, 3, bytesOf({2}));
    EXPECT_TRUE(select.replied);
    EXPECT_TRUE(select.reply.empty());
    EXPECT_EQ(plugin.presetIndex, 2);

    EXPECT_EQ(Call(midiExtensionDefinition(), plugin, 1, {}).i32(), aap_ext_test::kMappingPolicy);

    const AAPXSDefinition& state = stateExtensionDefinition();
    std::vector<uint8_t> setRequest = bytesOf({3});
    setRequest.insert(setRequest.end(), {7, 8, 9});
    EXPECT_TRUE(Call(state, plugin, AAP_STATE_OPCODE_SET_STATE, setRequest).replied);
    EXPECT_EQ(plugin.state, (std::vector<uint8_t>{7, 8, 9}));
    EXPECT_EQ(Call(state, plugin, AAP_STATE_OPCODE_GET_STATE_SIZE, {}).i32(), 3);
    Call get(state, plugin, AAP_STATE_OPCODE_GET_STATE, {});
    EXPECT_EQ(get.reply, (std::vector<uint8_t>{3, 0, 0, 0, 7, 8, 9}));
}

TEST(StandardDefinitions, APluginWithoutTheExtensionGetsNoReply) {
    FakePlugin plugin;
    plugin.withExtensions = false;
    std::size_t count = 0;
    const AAPXSDefinition* const* all = standardExtensionDefinitions(&count);
    for (std::size_t i = 0; i < count; i++) {
        if (all[i] == &guiExtensionDefinition())
            continue;  // gui.h: answered with AAP_GUI_ERROR_NO_GUI_DEFINED, below
        for (int32_t op = 1; op <= 8; op++)
            EXPECT_FALSE(Call(*all[i], plugin, op, bytesOf({0, 0})).replied) << all[i]->uri << " " << op;
    }
    Call show(guiExtensionDefinition(), plugin, AAP_GUI_OPCODE_SHOW, bytesOf({1}));
    EXPECT_EQ(show.i32(), AAP_GUI_ERROR_NO_GUI_DEFINED);
}

TEST(StandardDefinitions, MalformedRequestsNeverReplyWithGarbageOrCrash) {
    FakePlugin plugin;
    // Wrong sizes: too short, too long, and a data_size beyond the block's capacity.
    EXPECT_FALSE(Call(parametersExtensionDefinition(), plugin, 2, {1, 0}).replied);
    EXPECT_FALSE(Call(parametersExtensionDefinition(), plugin, 2, bytesOf({0, 0})).replied);
    EXPECT_FALSE(Call(parametersExtensionDefinition(), plugin, 1, {}, SIZE_MAX - 1).replied);
    EXPECT_FALSE(Call(presetsExtensionDefinition(), plugin, 3, {}).replied);
    EXPECT_FALSE(Call(presetsExtensionDefinition(), plugin, 42, {}).replied);  // unknown opcode
    // gui create whose pluginId length runs past the payload; urid map with a huge length.
    std::vector<uint8_t> create = bytesOf({0, 1000});
    create.push_back('x');
    EXPECT_FALSE(Call(guiExtensionDefinition(), plugin, AAP_GUI_OPCODE_CREATE, create).replied);
    std::vector<uint8_t> map{1, 0xFF, 0xFF, 0xFF, 0x7F};
    EXPECT_FALSE(Call(uridExtensionDefinition(), plugin, AAP_URID_OPCODE_MAP, map).replied);
    std::vector<uint8_t> good{3, 2, 0, 0, 0, 'a', 'b'};
    EXPECT_TRUE(Call(uridExtensionDefinition(), plugin, AAP_URID_OPCODE_MAP, good).replied);
    EXPECT_EQ(plugin.lastUri, "ab");
    // A gui extension without show: the NO_SHOW_DEFINED code.
    EXPECT_EQ(Call(guiExtensionDefinition(), plugin, AAP_GUI_OPCODE_SHOW, bytesOf({1})).i32(),
              AAP_GUI_ERROR_NO_SHOW_DEFINED);
    EXPECT_EQ(Call(guiExtensionDefinition(), plugin, AAP_GUI_OPCODE_DESTROY, bytesOf({1})).i32(),
              AAP_GUI_ERROR_NO_DESTROY_DEFINED);
    // set state whose size field disagrees with the payload, or is negative.
    EXPECT_FALSE(Call(stateExtensionDefinition(), plugin, 3, bytesOf({100, 1})).replied);
    EXPECT_FALSE(Call(stateExtensionDefinition(), plugin, 3, bytesOf({-1})).replied);
    // Random payloads for every opcode of every definition.
    std::mt19937 random{1234};
    std::size_t count = 0;
    const AAPXSDefinition* const* all = standardExtensionDefinitions(&count);
    for (int round = 0; round < 200; round++) {
        std::vector<uint8_t> request(random() % 40);
        for (auto& b : request)
            b = static_cast<uint8_t>(random());
        const AAPXSDefinition& definition = *all[random() % count];
        const int32_t opcode = static_cast<int32_t>(random() % 12) - 2;
        Call call(definition, plugin, opcode, request);
        EXPECT_LE(call.reply.size(), static_cast<size_t>(definition.data_capacity));
    }
}

TEST(StandardDefinitions, ChunkedStateRejectsOutOfOrderAndIncompleteTransfers) {
    FakePlugin plugin;
    const AAPXSDefinition& state = stateExtensionDefinition();
    std::vector<uint8_t> chunk = bytesOf({0});
    chunk.push_back(1);
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetChunk, chunk).i32(), -1);       // nothing begun
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetBegin, bytesOf({3})).i32(), 0);
    std::vector<uint8_t> late = bytesOf({2});
    late.push_back(9);
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetChunk, late).i32(), -1);        // a gap
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetChunk, chunk).i32(), 0);
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetCommit, {}).i32(), -1);         // 1 of 3 bytes
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetCommit, {}).i32(), -1);         // and it is gone
    EXPECT_TRUE(plugin.state.empty());
    std::vector<uint8_t> tooMuch = bytesOf({0});
    tooMuch.insert(tooMuch.end(), {1, 2, 3, 4});
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetBegin, bytesOf({3})).i32(), 0);
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetChunk, tooMuch).i32(), -1);     // beyond the total
    EXPECT_EQ(Call(state, plugin, kStateOpcodeSetBegin, bytesOf({static_cast<int32_t>(kMaxStateSize + 1)})).i32(), -1);
    // A get chunk beyond the snapshot is not answered.
    plugin.state = {1, 2, 3};
    Call begin(state, plugin, kStateOpcodeGetBegin, {});
    EXPECT_EQ(begin.i32(), 3);
    EXPECT_FALSE(Call(state, plugin, kStateOpcodeGetChunk, bytesOf({4, 10})).replied);
    Call all(state, plugin, kStateOpcodeGetChunk, bytesOf({0, 10}));
    EXPECT_EQ(all.reply, (std::vector<uint8_t>{1, 2, 3}));
}

} // namespace
} // namespace aap
