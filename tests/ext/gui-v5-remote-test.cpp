// gui/v5 (aap/ext/gui-v5.h) through GuiV5Proxy against the ext test plugin, out of process and in
// process, while inactive (control channel) and active (AAPXS in the MIDI2 stream): every field of
// every call crosses in both directions with its value intact - the 64-bit window handles, sizes,
// the scale's bits, the resize hints, the title - and every host-extension request of the plugin
// (request_resize / show / hide, resize_hints_changed, closed) reaches the host's handlers with
// its id and values. The plugin's echo contract is in ext-test-plugin-data.h.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "ext-test-plugin-data.h"
#include "ext-test-support.h"

namespace aap::ext_test {
namespace {

// What the host's gui/v5 handlers received, in order.
struct GuiEvents {
    std::mutex mutex;
    std::vector<std::string> log;
    std::vector<std::pair<uint32_t, uint32_t>> resizes;
    std::atomic<int> count{0};

    void add(std::string line) {
        std::lock_guard<std::mutex> lock(mutex);
        log.push_back(std::move(line));
        count.fetch_add(1);
    }
};

StandardHostExtensions::Handlers handlersFor(GuiEvents* events) {
    StandardHostExtensions::Handlers h;
    h.user = events;
    h.guiRequestResize = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui, uint32_t width,
                            uint32_t height) noexcept {
        auto* e = static_cast<GuiEvents*>(user);
        {
            std::lock_guard<std::mutex> lock(e->mutex);
            e->resizes.emplace_back(width, height);
        }
        e->add("resize " + std::to_string(gui));
    };
    h.guiRequestShow = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui) noexcept {
        static_cast<GuiEvents*>(user)->add("show " + std::to_string(gui));
    };
    h.guiRequestHide = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui) noexcept {
        static_cast<GuiEvents*>(user)->add("hide " + std::to_string(gui));
    };
    h.guiResizeHintsChanged = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui) noexcept {
        static_cast<GuiEvents*>(user)->add("hints " + std::to_string(gui));
    };
    h.guiClosed = [](void* user, AndroidAudioPluginHost*, aap_gui_instance_id gui, bool wasDestroyed) noexcept {
        static_cast<GuiEvents*>(user)->add("closed " + std::to_string(gui) + (wasDestroyed ? " destroyed" : " kept"));
    };
    return h;
}

bool waitFor(const std::atomic<int>& counter, int value) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (counter.load() < value && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return counter.load() >= value;
}

std::pair<uint32_t, uint32_t> halves(uint64_t v) {
    return {static_cast<uint32_t>(v & 0xFFFFFFFFu), static_cast<uint32_t>(v >> 32)};
}

class GuiV5 : public ::testing::TestWithParam<std::tuple<PluginIsolation, bool>> {
protected:
    void SetUp() override {
        ASSERT_EQ(plugin_.open(std::get<0>(GetParam()), "urn:aap-ext-test:full", true, &notifications_), "");
        ASSERT_NE(plugin_.guiV5, nullptr);
        if (std::get<1>(GetParam())) {
            ASSERT_EQ(plugin_.instance->activate(), HostingStatus::Ok);
            audio_ = std::make_unique<AudioThread>(*plugin_.instance);
        }
    }
    void TearDown() override {
        if (audio_) {
            audio_->stop();
            EXPECT_EQ(audio_->failures(), 0u);
        }
    }

    GuiEvents events_;
    StandardHostExtensions notifications_{handlersFor(&events_)};
    RemotePlugin plugin_;
    std::unique_ptr<AudioThread> audio_;
};

template <typename T>
T valueOf(const ExtensionResult<T>& result) {
    EXPECT_TRUE(result.ok()) << toString(result.error());
    return result.ok() ? result.value() : T{};
}

TEST_P(GuiV5, EveryFieldRoundTripsInBothDirections) {
    GuiV5Proxy& gui = *plugin_.guiV5;
    EXPECT_TRUE(valueOf(gui.isApiSupported(AAP_GUI_API_X11, false)));
    EXPECT_TRUE(valueOf(gui.isApiSupported(AAP_GUI_API_WAYLAND, true)));
    EXPECT_FALSE(valueOf(gui.isApiSupported(AAP_GUI_API_WAYLAND, false)));
    EXPECT_FALSE(valueOf(gui.isApiSupported(42, true)));
    const GuiPreferredApi preferred = valueOf(gui.getPreferredApi());
    EXPECT_TRUE(preferred.has);
    EXPECT_EQ(preferred.api, AAP_GUI_API_X11);
    EXPECT_FALSE(preferred.floating);

    EXPECT_EQ(valueOf(gui.create(AAP_GUI_API_WAYLAND, false)), AAP_GUI_ERROR_UNSUPPORTED_API);
    const int32_t id = valueOf(gui.create(AAP_GUI_API_X11, false));
    ASSERT_EQ(id, aap_ext_test::kGuiV5FirstId);
    EXPECT_EQ(valueOf(gui.create(AAP_GUI_API_X11, false)), AAP_GUI_ERROR_ALREADY_INSTANTIATED);

    // Host -> plugin: a handle using all 64 bits, a scale whose bits are not round, a size, a title.
    const uint64_t handle = 0xFEDCBA9876543210ull;
    EXPECT_EQ(valueOf(gui.setParent(id, aap_gui_window_t{AAP_GUI_API_X11, 0, handle})), AAP_GUI_RESULT_OK);
    EXPECT_EQ(valueOf(gui.setTransient(id, aap_gui_window_t{AAP_GUI_API_X11, 0, 1})), AAP_GUI_ERROR_WRONG_STATE);
    const double scale = 1.0 + 1.0 / 3.0;
    EXPECT_EQ(valueOf(gui.setScale(id, scale)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(valueOf(gui.setScale(id, 0.0)), AAP_GUI_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(valueOf(gui.setSize(id, GuiSize{0xFFFFFFFEu, 3})), AAP_GUI_RESULT_OK);
    EXPECT_EQ(valueOf(gui.setSize(id, GuiSize{0, 3})), AAP_GUI_ERROR_INVALID_ARGUMENT);
    const std::string title = "Editor \xE2\x80\x94 s\xC3\xBC\xC3\x9F";
    EXPECT_EQ(valueOf(gui.suggestTitle(id, title)), AAP_GUI_RESULT_OK);

    // Plugin -> host in replies: sizes and every hint field.
    const GuiReply<GuiSize> size = valueOf(gui.getSize(id));
    EXPECT_EQ(size.result, AAP_GUI_RESULT_OK);
    EXPECT_EQ(size.value.width, 0xFFFFFFFEu);
    EXPECT_EQ(size.value.height, 3u);
    const GuiReply<GuiSize> adjusted = valueOf(gui.adjustSize(id, GuiSize{1, 100000}));
    EXPECT_EQ(adjusted.result, AAP_GUI_RESULT_OK);
    EXPECT_EQ(adjusted.value.width, aap_ext_test::kGuiMin);
    EXPECT_EQ(adjusted.value.height, aap_ext_test::kGuiMax);
    const GuiReply<aap_gui_resize_hints_t> hints = valueOf(gui.getResizeHints(id));
    EXPECT_EQ(hints.result, AAP_GUI_RESULT_OK);
    EXPECT_EQ(std::memcmp(&hints.value, &aap_ext_test::kGuiHints, sizeof(aap_gui_resize_hints_t)), 0);

    // Plugin -> host through the host extension: show makes the plugin echo what it holds.
    EXPECT_EQ(valueOf(gui.show(id)), AAP_GUI_RESULT_OK);
    ASSERT_TRUE(waitFor(events_.count, 9));
    uint64_t scaleBits;
    std::memcpy(&scaleBits, &scale, sizeof(scaleBits));
    {
        std::lock_guard<std::mutex> lock(events_.mutex);
        const std::string n = std::to_string(id);
        const std::vector<std::string> expected{"resize " + n, "resize " + n, "resize " + n,
                                                "resize " + n, "resize " + n, "show " + n,
                                                "hide " + n,   "hints " + n,  "closed " + n + " kept"};
        EXPECT_EQ(events_.log, expected);
        const std::vector<std::pair<uint32_t, uint32_t>> values{
            halves(handle), {0u, 0u}, halves(scaleBits), {0xFFFFFFFEu, 3u},
            {static_cast<uint32_t>(title.size()), aap_ext_test::fnv1a(title.data(), static_cast<uint32_t>(title.size()))}};
        EXPECT_EQ(events_.resizes, values);
    }
    EXPECT_EQ(valueOf(gui.hide(id)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(valueOf(gui.destroy(id)), AAP_GUI_RESULT_OK);
    // The id is dead: a late call on it is refused, a new session gets a new id.
    EXPECT_EQ(valueOf(gui.show(id)), AAP_GUI_ERROR_UNKNOWN_GUI);
    EXPECT_EQ(valueOf(gui.getSize(id)).result, AAP_GUI_ERROR_UNKNOWN_GUI);
    const int32_t floating = valueOf(gui.create(AAP_GUI_API_X11, true));
    EXPECT_EQ(floating, aap_ext_test::kGuiV5FirstId + 1);
    EXPECT_EQ(valueOf(gui.setParent(floating, aap_gui_window_t{AAP_GUI_API_X11, 0, 5})), AAP_GUI_ERROR_WRONG_STATE);
    const uint64_t transient = 0x8000000000000001ull;
    EXPECT_EQ(valueOf(gui.setTransient(floating, aap_gui_window_t{AAP_GUI_API_X11, 0, transient})), AAP_GUI_RESULT_OK);
    EXPECT_EQ(valueOf(gui.show(floating)), AAP_GUI_RESULT_OK);
    ASSERT_TRUE(waitFor(events_.count, 18));
    {
        std::lock_guard<std::mutex> lock(events_.mutex);
        ASSERT_EQ(events_.resizes.size(), 10u);
        EXPECT_EQ(events_.resizes[5], std::make_pair(0u, 0u));
        EXPECT_EQ(events_.resizes[6], halves(transient));
        EXPECT_EQ(events_.resizes[8], std::make_pair(640u, 480u));
        EXPECT_EQ(events_.log.back(), "closed " + std::to_string(floating) + " destroyed");
    }
    EXPECT_EQ(valueOf(gui.destroy(floating)), AAP_GUI_RESULT_OK);
}

TEST_P(GuiV5, TitlesAreCutAtACharacterBoundary) {
    GuiV5Proxy& gui = *plugin_.guiV5;
    const int32_t id = valueOf(gui.create(AAP_GUI_API_X11, true));
    ASSERT_GE(id, 0);
    // 255 ASCII bytes then a 2-byte character: the cut drops the whole character.
    std::string title(AAP_GUI_MAX_TITLE_BYTES - 1, 'a');
    title += "\xC3\xBC";
    EXPECT_EQ(valueOf(gui.suggestTitle(id, title)), AAP_GUI_RESULT_OK);
    EXPECT_EQ(gui.suggestTitle(id, std::string("a\0b", 3)).error(), ExtensionError::InvalidArgument);
    EXPECT_EQ(valueOf(gui.show(id)), AAP_GUI_RESULT_OK);
    ASSERT_TRUE(waitFor(events_.count, 9));
    std::lock_guard<std::mutex> lock(events_.mutex);
    const uint32_t kept = AAP_GUI_MAX_TITLE_BYTES - 1;
    EXPECT_EQ(events_.resizes[4], std::make_pair(kept, aap_ext_test::fnv1a(title.data(), kept)));
}

TEST_P(GuiV5, APluginWithoutTheExtensionAnswersNoGuiDefined) {
    RemotePlugin bare;
    ASSERT_EQ(bare.open(std::get<0>(GetParam()), "urn:aap-ext-test:bare"), "");
    EXPECT_EQ(valueOf(bare.guiV5->create(AAP_GUI_API_X11, false)), AAP_GUI_ERROR_NO_GUI_DEFINED);
    EXPECT_EQ(valueOf(bare.guiV5->show(1)), AAP_GUI_ERROR_NO_GUI_DEFINED);
    EXPECT_FALSE(valueOf(bare.guiV5->isApiSupported(AAP_GUI_API_X11, false)));
}

INSTANTIATE_TEST_SUITE_P(BothTransports, GuiV5,
                         ::testing::Combine(::testing::Values(PluginIsolation::ProcessPerInstance,
                                                              PluginIsolation::InProcess),
                                            ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<PluginIsolation, bool>>& info) {
                             return std::string(std::get<0>(info.param) == PluginIsolation::InProcess ? "InProcess"
                                                                                                      : "Process") +
                                    (std::get<1>(info.param) ? "Active" : "Inactive");
                         });

} // namespace
} // namespace aap::ext_test
