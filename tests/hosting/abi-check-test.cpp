// The host side of ABI versioning (docs/abi.md, aap/abi.h): right after instantiate the host asks
// the plugin for its ABI record; another major or a malformed record fails instantiation with
// AbiMismatch and the aap_abi_describe line, after releasing the instance (and, out of process,
// without leaving a service behind); a legacy plugin (no record) and a current one run. Every
// test plugin also checks the host's own record in its instantiate, so every successful
// instantiation here proves the host answers AAP_ABI_EXTENSION_URI in that transport.

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <string>

#include "aap/abi.h"
#include "hosting-test-support.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 64;

// The line the host must report for a refused plugin, computed independently of the host.
std::string describeLine(const std::string& pluginId, const aap_abi_version_t* record) {
    char line[1024];
    aap_abi_describe(line, sizeof(line), ("plugin " + pluginId).c_str(), record);
    return line;
}

class AbiCheck : public ::testing::TestWithParam<PluginIsolation> {
protected:
    void SetUp() override { host_ = std::make_unique<PluginHost>(test::testCatalog(), test::testOptions(GetParam())); }

    // Instantiates `id` and expects it to be refused with AbiMismatch and exactly `expected`.
    void expectRefused(const std::string& id, const std::string& expected) {
        std::unique_ptr<PluginInstance> instance;
        std::string error = "stale text from an earlier call";
        EXPECT_EQ(host_->instantiate(id, &instance, &error), HostingStatus::AbiMismatch);
        EXPECT_EQ(instance, nullptr);
        EXPECT_EQ(error, expected);
        // A per-instance service is gone with the refused instance; a shared one stays for the
        // host's next instance (TheHostRunsOtherPluginsAfterARefusal).
        if (GetParam() != PluginIsolation::SharedProcess)
            EXPECT_TRUE(test::noChildProcessesRemain());
    }

    // A full cycle of the gain-echo behaviour: out = in * 0.5.
    void expectRuns(const std::string& id) {
        std::unique_ptr<PluginInstance> instance;
        std::string error;
        ASSERT_EQ(host_->instantiate(id, &instance, &error), HostingStatus::Ok) << error;
        EXPECT_TRUE(error.empty()) << error;
        ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
        ASSERT_EQ(instance->activate(), HostingStatus::Ok);
        test::fillInputs(*instance, kFrames, 7);
        ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
        EXPECT_EQ(instance->audioBuffer(2)[5], instance->audioBuffer(0)[5] * 0.5f);
        EXPECT_EQ(instance->destroy(), HostingStatus::Ok);
    }

    std::unique_ptr<PluginHost> host_;
};

TEST_P(AbiCheck, APluginBuiltAgainstAnotherMajorIsRefusedWithTheDescribeLine) {
    const aap_abi_version_t major2{AAP_ABI_MAGIC, 2, 0, 20000};
    const std::string expected = describeLine("urn:aap-test:abi-major-2", &major2);
    EXPECT_NE(expected.find("built against AAP ABI 2.0"), std::string::npos) << expected;
    expectRefused("urn:aap-test:abi-major-2", expected);
}

TEST_P(AbiCheck, AMalformedAbiRecordIsRefused) {
    const aap_abi_version_t bad{0x12345678u, AAP_ABI_VERSION_MAJOR, AAP_ABI_VERSION_MINOR, 0};
    const std::string expected = describeLine("urn:aap-test:abi-malformed", &bad);
    EXPECT_NE(expected.find("malformed AAP ABI record"), std::string::npos) << expected;
    expectRefused("urn:aap-test:abi-malformed", expected);
}

TEST_P(AbiCheck, ALegacyPluginWithoutARecordIsAccepted) { expectRuns("urn:aap-test:abi-legacy"); }

TEST_P(AbiCheck, APluginWithTheCurrentRecordIsAccepted) { expectRuns("urn:aap-test:gain-echo"); }

TEST_P(AbiCheck, TheHostRunsOtherPluginsAfterARefusal) {
    std::unique_ptr<PluginInstance> refused;
    ASSERT_EQ(host_->instantiate("urn:aap-test:abi-major-2", &refused), HostingStatus::AbiMismatch);
    expectRuns("urn:aap-test:gain-echo");
    ASSERT_EQ(host_->instantiate("urn:aap-test:abi-malformed", &refused), HostingStatus::AbiMismatch);
    expectRuns("urn:aap-test:abi-legacy");
    host_.reset();
    EXPECT_TRUE(test::noChildProcessesRemain());
}

INSTANTIATE_TEST_SUITE_P(Transports, AbiCheck,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance,
                                           PluginIsolation::SharedProcess),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             switch (info.param) {
                             case PluginIsolation::InProcess: return "InProcess";
                             case PluginIsolation::ProcessPerInstance: return "ProcessPerInstance";
                             case PluginIsolation::SharedProcess: return "SharedProcess";
                             }
                             return "Unknown";
                         });

// In process the refused instance must have gone through the factory's release: the test
// library counts its live instances, and holding our own reference keeps that count readable
// across the host's dlopen/dlclose.
TEST(AbiCheckInProcess, TheRefusedInstanceIsReleased) {
    PluginCatalog catalog = test::testCatalog();
    const PluginInformation* info = catalog.findByUniqueId("urn:aap-test:abi-major-2");
    ASSERT_NE(info, nullptr);
    void* library = ::dlopen(info->libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library, nullptr) << ::dlerror();
    auto live = reinterpret_cast<int32_t (*)()>(::dlsym(library, "aap_hosting_test_live_instances"));
    ASSERT_NE(live, nullptr);
    PluginHost host{catalog, test::testOptions(PluginIsolation::InProcess)};
    for (const char* id : {"urn:aap-test:abi-major-2", "urn:aap-test:abi-malformed"}) {
        std::unique_ptr<PluginInstance> instance;
        EXPECT_EQ(host.instantiate(id, &instance), HostingStatus::AbiMismatch) << id;
        EXPECT_EQ(live(), 0) << id;
    }
    std::unique_ptr<PluginInstance> legacy;
    ASSERT_EQ(host.instantiate("urn:aap-test:abi-legacy", &legacy), HostingStatus::Ok);
    EXPECT_EQ(live(), 1);  // the counter does see instances: the zeros above mean "released"
    legacy.reset();
    EXPECT_EQ(live(), 0);
    ::dlclose(library);
}

TEST(AbiCheckStatus, AbiMismatchIsAStableWireValue) {
    EXPECT_EQ(static_cast<int32_t>(HostingStatus::AbiMismatch), -13);
    EXPECT_EQ(hostingStatusFromWire(-13), HostingStatus::AbiMismatch);
    EXPECT_EQ(hostingStatusFromWire(-14), HostingStatus::ProtocolError);
    EXPECT_STREQ(hostingStatusMessage(HostingStatus::AbiMismatch),
                 "the plugin was built against an incompatible AAP ABI");
}

} // namespace
} // namespace aap
