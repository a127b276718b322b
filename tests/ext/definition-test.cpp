// The standard AAPXS definitions called directly, as a recipient runtime calls them: registration,
// realtime-safety tables, every opcode against an in-process plugin, and hostile payloads.

#include <gtest/gtest.h>

#include <chrono>
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "aap/ext-cpp/gui-v5.h"
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
        if (all[i] == &guiExtensionDefinition() || all[i] == &guiV5ExtensionDefinition())
            continue;  // gui.h, gui-v5.h: answered with AAP_GUI_ERROR_NO_GUI_DEFINED, below
        for (int32_t op = 1; op <= 8; op++)
            EXPECT_FALSE(Call(*all[i], plugin, op, bytesOf({0, 0})).replied) << all[i]->uri << " " << op;
    }
    Call show(guiExtensionDefinition(), plugin, AAP_GUI_OPCODE_SHOW, bytesOf({1}));
    EXPECT_EQ(show.i32(), AAP_GUI_ERROR_NO_GUI_DEFINED);
    Call showV5(guiV5ExtensionDefinition(), plugin, AAP_GUI_V5_OPCODE_SHOW, bytesOf({1}));
    EXPECT_EQ(showV5.i32(), AAP_GUI_ERROR_NO_GUI_DEFINED);
    Call create(guiV5ExtensionDefinition(), plugin, AAP_GUI_V5_OPCODE_CREATE, bytesOf({AAP_GUI_API_X11, 0}));
    EXPECT_EQ(create.i32(), AAP_GUI_ERROR_NO_GUI_DEFINED);
}

// gui/v5 requests that do not decode get no reply (the runtime answers with an error): wrong
// sizes, a bool other than 0/1, a window whose reserved field is not 0, a title too long or with
// a NUL; values that decode but are out of range get AAP_GUI_ERROR_INVALID_ARGUMENT.
TEST(StandardDefinitions, GuiV5MalformedRequestsGetNoReply) {
    FakePlugin plugin;
    plugin.withExtensions = false;  // the checks come before the plugin would be asked
    const AAPXSDefinition& gui = guiV5ExtensionDefinition();
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_CREATE, bytesOf({AAP_GUI_API_X11})).replied);
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_CREATE, bytesOf({AAP_GUI_API_X11, 2})).replied);
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_IS_API_SUPPORTED, bytesOf({AAP_GUI_API_X11, -1})).replied);
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_SHOW, bytesOf({1, 0})).replied);
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_GET_PREFERRED_API, bytesOf({1})).replied);
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_SET_SIZE, bytesOf({1, 100})).replied);
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_SET_PARENT, bytesOf({1, AAP_GUI_API_X11, 5, 1, 0})).replied);
    EXPECT_TRUE(Call(gui, plugin, AAP_GUI_V5_OPCODE_SET_PARENT, bytesOf({1, AAP_GUI_API_X11, 0, 1, 0})).replied);
    std::vector<uint8_t> longTitle = bytesOf({1, AAP_GUI_MAX_TITLE_BYTES + 1});
    longTitle.resize(longTitle.size() + AAP_GUI_MAX_TITLE_BYTES + 1, 'x');
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_SUGGEST_TITLE, longTitle).replied);
    std::vector<uint8_t> nulTitle = bytesOf({1, 3});
    nulTitle.insert(nulTitle.end(), {'a', 0, 'b'});
    EXPECT_FALSE(Call(gui, plugin, AAP_GUI_V5_OPCODE_SUGGEST_TITLE, nulTitle).replied);
    std::vector<uint8_t> title = bytesOf({1, 3});
    title.insert(title.end(), {'a', 'b', 'c'});
    EXPECT_TRUE(Call(gui, plugin, AAP_GUI_V5_OPCODE_SUGGEST_TITLE, title).replied);
    EXPECT_FALSE(Call(gui, plugin, 99, {}).replied);
    EXPECT_FALSE(Call(gui, plugin, 0, {}).replied);
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
    releaseStateTransfers(&plugin.plugin);  // a random begin may have staged something
}

// ---- Chunked state transfers (state.h opcodes 4..8): tokens, bounds and release ----

std::vector<uint8_t> u32s(std::initializer_list<uint32_t> values, std::vector<uint8_t> tail = {}) {
    std::vector<uint8_t> bytes(values.size() * 4);
    ByteWriter writer{bytes.data(), bytes.size()};
    for (uint32_t v : values)
        writer.u32(v);
    bytes.insert(bytes.end(), tail.begin(), tail.end());
    return bytes;
}

// The status, token and total of a begin reply (token/total 0 when the status is an error).
struct Begin {
    int32_t status = 1;
    uint32_t token = 0;
    uint32_t total = 0;
};
Begin getBegin(const AAPXSDefinition& state, FakePlugin& plugin) {
    Call call(state, plugin, kStateOpcodeGetBegin, {});
    ByteReader reader{call.reply.data(), call.reply.size()};
    Begin begin;
    begin.status = reader.i32();
    if (begin.status == kStateTransferOk) {
        begin.token = reader.u32();
        begin.total = reader.u32();
    }
    EXPECT_TRUE(call.replied && reader.done());
    return begin;
}
Begin setBegin(const AAPXSDefinition& state, FakePlugin& plugin, uint32_t total) {
    Call call(state, plugin, kStateOpcodeSetBegin, u32s({total}));
    ByteReader reader{call.reply.data(), call.reply.size()};
    Begin begin;
    begin.status = reader.i32();
    if (begin.status == kStateTransferOk)
        begin.token = reader.u32();
    EXPECT_TRUE(call.replied && reader.done());
    return begin;
}
// Status of a get chunk; *bytes receives the chunk.
int32_t getChunk(const AAPXSDefinition& state, FakePlugin& plugin, uint32_t token, uint32_t offset, uint32_t max,
                 std::vector<uint8_t>* bytes = nullptr) {
    Call call(state, plugin, kStateOpcodeGetChunk, u32s({token, offset, max}));
    EXPECT_TRUE(call.replied);
    if (bytes != nullptr && call.reply.size() >= 4)
        bytes->assign(call.reply.begin() + 4, call.reply.end());
    return call.i32();
}
int32_t setChunk(const AAPXSDefinition& state, FakePlugin& plugin, uint32_t token, uint32_t offset,
                 std::vector<uint8_t> bytes) {
    Call call(state, plugin, kStateOpcodeSetChunk, u32s({token, offset}, std::move(bytes)));
    EXPECT_TRUE(call.replied);
    EXPECT_EQ(call.reply.size(), 4u);
    return call.i32();
}
int32_t commit(const AAPXSDefinition& state, FakePlugin& plugin, uint32_t token) {
    Call call(state, plugin, kStateOpcodeSetCommit, u32s({token}));
    EXPECT_TRUE(call.replied);
    EXPECT_EQ(call.reply.size(), 4u);
    return call.i32();
}

// Every test starts and ends with nothing staged and the default limits.
class ChunkedState : public ::testing::Test {
protected:
    void SetUp() override {
        setStateTransferLimits(StateTransferLimits{});
        ASSERT_EQ(stagedStateBytes(), 0u);
    }
    void TearDown() override {
        releaseStateTransfers(&a.plugin);
        releaseStateTransfers(&b.plugin);
        EXPECT_EQ(stagedStateBytes(), 0u);
        setStateTransferLimits(StateTransferLimits{});
    }
    const AAPXSDefinition& state = stateExtensionDefinition();
    FakePlugin a;
    FakePlugin b;
};

TEST_F(ChunkedState, RoundTripsWithTheTokenOfItsBegin) {
    a.state = {1, 2, 3, 4, 5};
    Begin get = getBegin(state, a);
    ASSERT_EQ(get.status, kStateTransferOk);
    EXPECT_NE(get.token, 0u);
    EXPECT_EQ(get.total, 5u);
    EXPECT_EQ(stagedStateBytes(), 5u);
    std::vector<uint8_t> first, second;
    EXPECT_EQ(getChunk(state, a, get.token, 0, 3, &first), kStateTransferOk);
    EXPECT_EQ(getChunk(state, a, get.token, 3, 3, &second), kStateTransferOk);
    EXPECT_EQ(first, (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_EQ(second, (std::vector<uint8_t>{4, 5}));
    EXPECT_EQ(stagedStateBytes(), 0u);  // the last chunk ended the transfer
    EXPECT_EQ(getChunk(state, a, get.token, 0, 3), kStateTransferUnknownToken);

    Begin set = setBegin(state, a, 3);
    ASSERT_EQ(set.status, kStateTransferOk);
    EXPECT_NE(set.token, get.token);  // tokens are not reused
    EXPECT_EQ(stagedStateBytes(), 3u);
    EXPECT_EQ(setChunk(state, a, set.token, 0, {7, 8}), kStateTransferOk);
    EXPECT_EQ(setChunk(state, a, set.token, 2, {9}), kStateTransferOk);
    EXPECT_EQ(commit(state, a, set.token), kStateTransferOk);
    EXPECT_EQ(a.state, (std::vector<uint8_t>{7, 8, 9}));
    EXPECT_EQ(stagedStateBytes(), 0u);
    EXPECT_EQ(commit(state, a, set.token), kStateTransferUnknownToken);  // ended
}

TEST_F(ChunkedState, ChunksAndCommitsWithoutABeginAreRefused) {
    EXPECT_EQ(getChunk(state, a, 1, 0, 10), kStateTransferUnknownToken);
    EXPECT_EQ(getChunk(state, a, 0, 0, 10), kStateTransferUnknownToken);
    EXPECT_EQ(setChunk(state, a, 1, 0, {1}), kStateTransferUnknownToken);
    EXPECT_EQ(commit(state, a, 1), kStateTransferUnknownToken);
    EXPECT_TRUE(a.state.empty());
}

TEST_F(ChunkedState, AWrongTokenIsRefused) {
    a.state = {1, 2, 3};
    Begin get = getBegin(state, a);
    Begin set = setBegin(state, a, 2);
    ASSERT_EQ(get.status, kStateTransferOk);
    ASSERT_EQ(set.status, kStateTransferOk);
    EXPECT_EQ(getChunk(state, a, get.token + 1000, 0, 10), kStateTransferUnknownToken);  // never issued
    EXPECT_EQ(getChunk(state, a, set.token, 0, 10), kStateTransferUnknownToken);         // the other direction
    EXPECT_EQ(setChunk(state, a, get.token, 0, {1, 2}), kStateTransferUnknownToken);
    EXPECT_EQ(commit(state, a, get.token), kStateTransferUnknownToken);
    b.state = {9};
    EXPECT_EQ(getChunk(state, b, get.token, 0, 10), kStateTransferUnknownToken);         // another instance's
    EXPECT_EQ(setChunk(state, b, set.token, 0, {1, 2}), kStateTransferUnknownToken);
    // The right tokens still work after all that.
    std::vector<uint8_t> bytes;
    EXPECT_EQ(getChunk(state, a, get.token, 0, 10, &bytes), kStateTransferOk);
    EXPECT_EQ(bytes, a.state);
    EXPECT_EQ(setChunk(state, a, set.token, 0, {5, 6}), kStateTransferOk);
    EXPECT_EQ(commit(state, a, set.token), kStateTransferOk);
}

TEST_F(ChunkedState, ANewBeginEndsTheUnfinishedTransferOfThatDirection) {
    a.state = {1, 2, 3};
    Begin first = getBegin(state, a);
    Begin second = getBegin(state, a);
    ASSERT_EQ(second.status, kStateTransferOk);
    EXPECT_EQ(getChunk(state, a, first.token, 0, 10), kStateTransferUnknownToken);
    EXPECT_EQ(stagedStateBytes(), 3u);  // one snapshot, not two
    EXPECT_EQ(getChunk(state, a, second.token, 0, 10), kStateTransferOk);
}

TEST_F(ChunkedState, AStaleTokenAfterReleaseIsRefusedAndItsBytesAreFreed) {
    a.state = std::vector<uint8_t>(100, 4);
    Begin get = getBegin(state, a);
    Begin set = setBegin(state, a, 50);
    ASSERT_EQ(get.status, kStateTransferOk);
    ASSERT_EQ(set.status, kStateTransferOk);
    EXPECT_EQ(stagedStateBytes(), 150u);
    releaseStateTransfers(&a.plugin);  // what the plugin process does when the instance is released
    EXPECT_EQ(stagedStateBytes(), 0u);
    EXPECT_EQ(getChunk(state, a, get.token, 0, 10), kStateTransferUnknownToken);
    EXPECT_EQ(setChunk(state, a, set.token, 0, {1}), kStateTransferUnknownToken);
    EXPECT_EQ(commit(state, a, set.token), kStateTransferUnknownToken);
    releaseStateTransfers(&a.plugin);  // nothing left: still fine
    releaseStateTransfers(nullptr);
}

// A released instance whose address (and registry) a later instance reuses: the later instance's
// registration has another generation, so the earlier transfer is neither visible nor kept.
TEST_F(ChunkedState, ALaterInstanceAtTheSameAddressNeverSeesAnEarlierSnapshot) {
    AAPXSDefinitionRegistry first, second;
    ASSERT_EQ(registerStandardExtensions(first), RegistryError::None);
    ASSERT_EQ(registerStandardExtensions(second), RegistryError::None);
    const AAPXSDefinition& earlier = *first.findByUri(AAP_STATE_EXTENSION_URI);
    const AAPXSDefinition& later = *second.findByUri(AAP_STATE_EXTENSION_URI);
    ASSERT_NE(earlier.aapxs_context, later.aapxs_context);
    a.state = {6, 6, 6};
    Begin old = getBegin(earlier, a);
    ASSERT_EQ(old.status, kStateTransferOk);
    a.state = {1};  // "the new instance"
    EXPECT_EQ(getChunk(later, a, old.token, 0, 10), kStateTransferUnknownToken);
    Begin fresh = getBegin(later, a);  // ends the earlier generation's transfers at this address
    ASSERT_EQ(fresh.status, kStateTransferOk);
    EXPECT_EQ(stagedStateBytes(), 1u);
    EXPECT_EQ(getChunk(earlier, a, old.token, 0, 10), kStateTransferUnknownToken);
    std::vector<uint8_t> bytes;
    EXPECT_EQ(getChunk(later, a, fresh.token, 0, 10, &bytes), kStateTransferOk);
    EXPECT_EQ(bytes, (std::vector<uint8_t>{1}));
}

TEST_F(ChunkedState, ChunksOutOfRangeAreRefused) {
    a.state = {1, 2, 3};
    Begin get = getBegin(state, a);
    ASSERT_EQ(get.status, kStateTransferOk);
    EXPECT_EQ(getChunk(state, a, get.token, 4, 10), kStateTransferOutOfRange);  // beyond the snapshot
    EXPECT_EQ(getChunk(state, a, get.token, 3, 10), kStateTransferOutOfRange);  // nothing left there
    Begin set = setBegin(state, a, 3);
    ASSERT_EQ(set.status, kStateTransferOk);
    EXPECT_EQ(setChunk(state, a, set.token, 1, {2}), kStateTransferOutOfRange);        // a gap
    EXPECT_EQ(setChunk(state, a, set.token, 0, {1, 2, 3, 4}), kStateTransferOutOfRange);  // more than announced
    EXPECT_EQ(setChunk(state, a, set.token, 0, {1}), kStateTransferOk);
    EXPECT_EQ(setChunk(state, a, set.token, 0, {1}), kStateTransferOutOfRange);  // a repeat
    EXPECT_EQ(commit(state, a, set.token), kStateTransferIncomplete);             // 1 of 3 bytes
    EXPECT_EQ(commit(state, a, set.token), kStateTransferUnknownToken);           // and it is gone
    EXPECT_EQ(a.state, (std::vector<uint8_t>{1, 2, 3}));                         // untouched
    EXPECT_EQ(setBegin(state, a, kMaxStateSize + 1).status, kStateTransferTooLarge);
}

TEST_F(ChunkedState, StagingBeyondTheProcessBoundIsRefused) {
    StateTransferLimits limits;
    limits.maxStagedBytes = 100;
    setStateTransferLimits(limits);
    EXPECT_EQ(setBegin(state, a, 101).status, kStateTransferOverBudget);
    Begin sixty = setBegin(state, a, 60);
    ASSERT_EQ(sixty.status, kStateTransferOk);
    EXPECT_EQ(setBegin(state, b, 41).status, kStateTransferOverBudget);  // 60 + 41 > 100
    b.state = std::vector<uint8_t>(41, 1);
    EXPECT_EQ(getBegin(state, b).status, kStateTransferOverBudget);      // snapshots count too
    EXPECT_EQ(stagedStateBytes(), 60u);
    EXPECT_EQ(setBegin(state, b, 40).status, kStateTransferOk);          // exactly the bound
    EXPECT_EQ(stagedStateBytes(), 100u);
    releaseStateTransfers(&a.plugin);
    EXPECT_EQ(getBegin(state, b).status, kStateTransferOk);              // room again
    EXPECT_EQ(getChunk(state, a, sixty.token, 0, 1), kStateTransferUnknownToken);
}

TEST_F(ChunkedState, IdleTransfersExpire) {
    StateTransferLimits limits;
    limits.idleTimeoutNs = 1'000'000;  // 1 ms
    setStateTransferLimits(limits);
    a.state = {1, 2};
    Begin get = getBegin(state, a);
    ASSERT_EQ(get.status, kStateTransferOk);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(getChunk(state, a, get.token, 0, 1), kStateTransferUnknownToken);
    EXPECT_EQ(stagedStateBytes(), 0u);
    // Another instance's begin also sweeps idle transfers.
    Begin set = setBegin(state, a, 10);
    ASSERT_EQ(set.status, kStateTransferOk);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    b.state = {3};
    ASSERT_EQ(getBegin(state, b).status, kStateTransferOk);
    EXPECT_EQ(stagedStateBytes(), 1u);
}

// ---- get_plugin_extension_proxy: the AAP 0.8 host's C proxies over an AAPXSInitiatorInstance ----

// A runtime's initiator for one extension of one instance: send_aapxs_request hands the request to
// the definition's plugin side (FakePlugin), whose reply comes back through the definition's
// process_incoming_plugin_aapxs_reply in a block of its own, as aap::runtime's InitiatorSession
// delivers it. Inline replies before send returns; Threaded replies later on another thread;
// Refusing makes send fail. A request without a reply fires error_callback.
struct FakeInitiator {
    enum class Mode { Inline, Threaded, Refusing };
    FakeInitiator(const AAPXSDefinition& d, FakePlugin& p, Mode m, std::size_t capacity)
        : definition(d), plugin(p), mode(m), block(capacity) {
        serialization = AAPXSSerializationContext{block.data(), 0, block.size()};
        instance.host_context = this;
        instance.serialization = &serialization;
        instance.get_new_request_id = [](AAPXSInitiatorInstance* i) {
            return static_cast<FakeInitiator*>(i->host_context)->nextId++;
        };
        instance.send_aapxs_request = [](AAPXSInitiatorInstance* i, AAPXSRequestContext* context) {
            auto* self = static_cast<FakeInitiator*>(i->host_context);
            if (self->mode == Mode::Refusing)
                return false;
            self->sent++;
            std::vector<uint8_t> request(static_cast<uint8_t*>(context->serialization->data),
                                         static_cast<uint8_t*>(context->serialization->data) +
                                             context->serialization->data_size);
            AAPXSRequestContext copy = *context;
            if (self->mode == Mode::Inline)
                self->deliver(copy, std::move(request));
            else
                self->threads.emplace_back([self, copy, request]() mutable {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    self->deliver(copy, std::move(request));
                });
            return true;
        };
    }
    ~FakeInitiator() {
        for (auto& thread : threads)
            thread.join();
    }
    void deliver(AAPXSRequestContext context, std::vector<uint8_t> request) {
        // The plugin side works in a block of its own ("the other process").
        std::vector<uint8_t> recipientBlock(block.size());
        if (!request.empty())
            std::memcpy(recipientBlock.data(), request.data(), request.size());
        AAPXSSerializationContext recipientSerialization{recipientBlock.data(), request.size(), recipientBlock.size()};
        bool replied = false;
        std::vector<uint8_t> reply;
        struct Sink {
            bool* replied;
            std::vector<uint8_t>* reply;
        } sink{&replied, &reply};
        AAPXSRecipientInstance recipient{nullptr, &sink, &recipientSerialization,
                                         [](AAPXSRecipientInstance* r, AAPXSRequestContext* c) {
                                             auto* out = static_cast<Sink*>(r->host_context);
                                             *out->replied = true;
                                             auto* data = static_cast<uint8_t*>(c->serialization->data);
                                             out->reply->assign(data, data + c->serialization->data_size);
                                         }};
        AAPXSRequestContext incoming = context;
        incoming.serialization = &recipientSerialization;
        definition.process_incoming_plugin_aapxs_request(&definition, &recipient, &plugin.plugin, &incoming);
        if (!replied) {
            context.error_callback(context.callback_user_data, &plugin.plugin, "no reply");
            return;
        }
        std::vector<uint8_t> replyBlock(block.size());  // the runtime's reply block, not the instance's
        if (!reply.empty())
            std::memcpy(replyBlock.data(), reply.data(), reply.size());
        AAPXSSerializationContext replySerialization{replyBlock.data(), reply.size(), replyBlock.size()};
        context.serialization = &replySerialization;
        definition.process_incoming_plugin_aapxs_reply(&definition, &instance, &plugin.plugin, &context);
    }
    template <typename Typed>
    Typed* typed() {
        AAPXSExtensionClientProxy proxy = definition.get_plugin_extension_proxy(&definition, &instance, &serialization);
        return static_cast<Typed*>(proxy.as_plugin_extension(&proxy));
    }

    AAPXSDefinition definition;
    FakePlugin& plugin;
    Mode mode;
    std::vector<uint8_t> block;
    AAPXSSerializationContext serialization{};
    AAPXSInitiatorInstance instance{};
    uint32_t nextId = 1;
    int sent = 0;
    std::vector<std::thread> threads;
};

class PluginExtensionProxy : public ::testing::TestWithParam<FakeInitiator::Mode> {};

TEST_P(PluginExtensionProxy, EveryFunctionOfParametersPresetsAndStateReachesThePlugin) {
    FakePlugin plugin;
    FakeInitiator parametersInitiator(parametersExtensionDefinition(), plugin, GetParam(), kParametersDataCapacity);
    auto* parameters = parametersInitiator.typed<aap_parameters_extension_t>();
    ASSERT_NE(parameters, nullptr);
    EXPECT_EQ(parameters->get_parameter_count(parameters, &plugin.plugin), aap_ext_test::kParameterCount);
    EXPECT_EQ(parameters->get_parameter(parameters, &plugin.plugin, 1).stable_id, 11);
    EXPECT_STREQ(parameters->get_parameter(parameters, &plugin.plugin, 0).display_name, "Gain");
    EXPECT_EQ(parameters->get_parameter_property(parameters, &plugin.plugin, 10, AAP_PARAMETER_PROPERTY_MAX_VALUE), 2.0);
    EXPECT_EQ(parameters->get_enumeration_count(parameters, &plugin.plugin, 11), 3);
    EXPECT_STREQ(parameters->get_enumeration(parameters, &plugin.plugin, 11, 2).name, "Fold");
    EXPECT_EQ(parametersInitiator.sent, 6);  // one request per call, all through the runtime's initiator

    FakeInitiator presetsInitiator(presetsExtensionDefinition(), plugin, GetParam(), kPresetsDataCapacity);
    auto* presets = presetsInitiator.typed<aap_presets_extension_t>();
    ASSERT_NE(presets, nullptr);
    EXPECT_EQ(presets->get_preset_count(presets, &plugin.plugin), aap_ext_test::kPresetCount);
    aap_preset_t preset{};
    int called = 0;
    presets->get_preset(presets, &plugin.plugin, 2, &preset, [](void* data, void*) { ++*static_cast<int*>(data); },
                        &called);
    EXPECT_EQ(called, 1);
    EXPECT_EQ(preset.id, aap_ext_test::preset(2).id);
    EXPECT_EQ(std::strlen(preset.name), 255u);
    presets->set_preset_index(presets, &plugin.plugin, 1);
    EXPECT_EQ(plugin.presetIndex, 1);

    // A small block: a 200-byte state takes the chunked transfer through the same initiator.
    FakeInitiator stateInitiator(stateExtensionDefinition(), plugin, GetParam(), 64);
    auto* state = stateInitiator.typed<aap_state_extension_t>();
    ASSERT_NE(state, nullptr);
    std::vector<uint8_t> blob(200);
    for (std::size_t i = 0; i < blob.size(); i++)
        blob[i] = static_cast<uint8_t>(i * 7);
    aap_state_t in{blob.data(), blob.size()};
    state->set_state(state, &plugin.plugin, &in);
    EXPECT_EQ(plugin.state, blob);
    EXPECT_EQ(state->get_state_size(state, &plugin.plugin), blob.size());
    std::vector<uint8_t> back(256);
    aap_state_t out{back.data(), back.size()};
    state->get_state(state, &plugin.plugin, &out);
    ASSERT_EQ(out.data_size, blob.size());
    EXPECT_TRUE(std::equal(blob.begin(), blob.end(), back.begin()));
    EXPECT_GT(stateInitiator.sent, 8);  // begin, chunks, commit both ways
    EXPECT_EQ(stagedStateBytes(), 0u);
}

INSTANTIATE_TEST_SUITE_P(InlineAndLaterReplies, PluginExtensionProxy,
                         ::testing::Values(FakeInitiator::Mode::Inline, FakeInitiator::Mode::Threaded),
                         [](const ::testing::TestParamInfo<FakeInitiator::Mode>& info) {
                             return std::string(info.param == FakeInitiator::Mode::Inline ? "Inline" : "Threaded");
                         });

TEST(PluginExtensionProxyErrors, ARefusedSendOrAMissingReplyGivesTheAbiNothingValues) {
    FakePlugin plugin;
    FakeInitiator refusing(parametersExtensionDefinition(), plugin, FakeInitiator::Mode::Refusing,
                           kParametersDataCapacity);
    auto* parameters = refusing.typed<aap_parameters_extension_t>();
    ASSERT_NE(parameters, nullptr);
    EXPECT_EQ(parameters->get_parameter_count(parameters, &plugin.plugin), -1);
    EXPECT_EQ(parameters->get_parameter(parameters, &plugin.plugin, 0).stable_id, -1);

    FakePlugin bare;
    bare.withExtensions = false;  // the plugin side does not reply: the runtime fires error_callback
    FakeInitiator silent(presetsExtensionDefinition(), bare, FakeInitiator::Mode::Threaded, kPresetsDataCapacity);
    auto* presets = silent.typed<aap_presets_extension_t>();
    ASSERT_NE(presets, nullptr);
    EXPECT_EQ(presets->get_preset_count(presets, &bare.plugin), 0);
    aap_preset_t preset{};
    presets->get_preset(presets, &bare.plugin, 0, &preset, nullptr, nullptr);
    EXPECT_EQ(preset.id, -1);
    EXPECT_EQ(silent.sent, 2);
}

TEST(PluginExtensionProxyErrors, OneStructPerInitiatorAndNoneWithoutOne) {
    FakePlugin plugin;
    FakeInitiator first(presetsExtensionDefinition(), plugin, FakeInitiator::Mode::Inline, kPresetsDataCapacity);
    FakeInitiator second(presetsExtensionDefinition(), plugin, FakeInitiator::Mode::Inline, kPresetsDataCapacity);
    auto* a = first.typed<aap_presets_extension_t>();
    EXPECT_EQ(first.typed<aap_presets_extension_t>(), a);
    EXPECT_NE(second.typed<aap_presets_extension_t>(), a);
    AAPXSDefinition definition = presetsExtensionDefinition();
    AAPXSExtensionClientProxy none = definition.get_plugin_extension_proxy(&definition, nullptr, nullptr);
    EXPECT_EQ(none.as_plugin_extension(&none), nullptr);
    // Only parameters, presets and state offer one.
    EXPECT_EQ(midiExtensionDefinition().get_plugin_extension_proxy, nullptr);
    EXPECT_EQ(guiExtensionDefinition().get_plugin_extension_proxy, nullptr);
}

} // namespace
} // namespace aap
