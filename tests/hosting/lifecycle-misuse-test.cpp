// Every call in the wrong lifecycle state returns the documented error value (plugin-host.h),
// through both the in-process and the process transport.

#include <gtest/gtest.h>

#include "hosting-test-support.h"

namespace aap {
namespace {

class LifecycleMisuse : public ::testing::TestWithParam<PluginIsolation> {
protected:
    void SetUp() override {
        host_ = std::make_unique<PluginHost>(test::testCatalog(), test::testOptions(GetParam()));
        std::string error;
        ASSERT_EQ(host_->instantiate("urn:aap-test:gain-echo", &instance_, &error), HostingStatus::Ok) << error;
    }
    std::unique_ptr<PluginHost> host_;
    std::unique_ptr<PluginInstance> instance_;
};

TEST_P(LifecycleMisuse, UnpreparedInstanceRejectsActivateProcessAndDeactivate) {
    EXPECT_EQ(instance_->state(), InstanceState::Unprepared);
    EXPECT_EQ(instance_->activate(), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->deactivate(), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->process(16, 1000000), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->portBuffer(0), nullptr);
    EXPECT_EQ(instance_->state(), InstanceState::Unprepared);
}

TEST_P(LifecycleMisuse, PrepareRejectsBadArgumentsAndASecondPrepare) {
    EXPECT_EQ(instance_->prepare(0, 48000), HostingStatus::InvalidArgument);
    EXPECT_EQ(instance_->prepare(-5, 48000), HostingStatus::InvalidArgument);
    EXPECT_EQ(instance_->prepare(65537, 48000), HostingStatus::InvalidArgument);
    EXPECT_EQ(instance_->prepare(256, 0), HostingStatus::InvalidArgument);
    ASSERT_EQ(instance_->prepare(256, 48000), HostingStatus::Ok);
    EXPECT_EQ(instance_->state(), InstanceState::Inactive);
    EXPECT_EQ(instance_->prepare(256, 48000), HostingStatus::InvalidState);
    uint8_t* block = nullptr;
    EXPECT_EQ(instance_->addExtension("urn:x/v1", 64, &block), HostingStatus::InvalidState);
}

TEST_P(LifecycleMisuse, InactiveInstanceRejectsProcessAndDeactivate) {
    ASSERT_EQ(instance_->prepare(128, 48000), HostingStatus::Ok);
    EXPECT_EQ(instance_->process(128, 1000000000), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->deactivate(), HostingStatus::InvalidState);
    EXPECT_NE(instance_->portBuffer(0), nullptr);
    EXPECT_EQ(instance_->portBuffer(6), nullptr);
    EXPECT_EQ(instance_->portBuffer(-1), nullptr);
    EXPECT_EQ(instance_->portBufferSize(0), 128u * sizeof(float));
    EXPECT_EQ(instance_->portBufferSize(4), 8192u);
}

TEST_P(LifecycleMisuse, ActiveInstanceRejectsActivatePrepareAndControlChannelExtensions) {
    uint8_t* block = nullptr;
    ASSERT_EQ(instance_->addExtension("urn:aap-test:ext/v1", 256, &block), HostingStatus::Ok);
    ASSERT_EQ(instance_->prepare(128, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance_->activate(), HostingStatus::Ok);
    EXPECT_EQ(instance_->activate(), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->prepare(128, 48000), HostingStatus::InvalidState);
    uint32_t replySize = 0;
    EXPECT_EQ(instance_->extension("urn:aap-test:ext/v1", 1, 1, 0, &replySize, 1000000000), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->process(129, 1000000000), HostingStatus::InvalidArgument);
    EXPECT_EQ(instance_->process(-1, 1000000000), HostingStatus::InvalidArgument);
    EXPECT_EQ(instance_->process(128, 0), HostingStatus::InvalidArgument);
    EXPECT_EQ(instance_->process(0, 1000000000), HostingStatus::Ok);
    EXPECT_EQ(instance_->state(), InstanceState::Active);
}

TEST_P(LifecycleMisuse, ExtensionCallsValidateTheirUriAndSize) {
    uint8_t* block = nullptr;
    EXPECT_EQ(instance_->addExtension("", 256, &block), HostingStatus::InvalidArgument);
    EXPECT_EQ(instance_->addExtension("urn:aap-test:ext/v1", 0, &block), HostingStatus::InvalidArgument);
    ASSERT_EQ(instance_->addExtension("urn:aap-test:ext/v1", 256, &block), HostingStatus::Ok);
    ASSERT_NE(block, nullptr);
    uint32_t replySize = 0;
    EXPECT_EQ(instance_->extension("urn:aap-test:unknown/v1", 1, 1, 0, &replySize, 1000000000), HostingStatus::NotFound);
    EXPECT_EQ(instance_->extension("urn:aap-test:ext/v1", 1, 1, 0, nullptr, 1000000000), HostingStatus::InvalidArgument);
}

TEST_P(LifecycleMisuse, DestroyedInstanceRejectsEverythingButDestroy) {
    ASSERT_EQ(instance_->prepare(64, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance_->activate(), HostingStatus::Ok);
    EXPECT_EQ(instance_->destroy(), HostingStatus::Ok);  // deactivates first
    EXPECT_EQ(instance_->state(), InstanceState::Terminated);
    EXPECT_EQ(instance_->destroy(), HostingStatus::Ok);
    EXPECT_EQ(instance_->prepare(64, 48000), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->activate(), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->deactivate(), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->process(64, 1000000), HostingStatus::InvalidState);
    EXPECT_EQ(instance_->portBuffer(0), nullptr);
}

INSTANTIATE_TEST_SUITE_P(BothTransports, LifecycleMisuse,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

TEST(PluginHost, UnknownPluginIdIsNotFound) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    std::string error;
    EXPECT_EQ(host.instantiate("urn:aap-test:no-such-plugin", &instance, &error), HostingStatus::NotFound);
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(instance, nullptr);
}

TEST(PluginHost, AMissingEntryPointIsALoadFailureInBothTransports) {
    for (PluginIsolation isolation : {PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance}) {
        PluginHost host{test::testCatalog(), test::testOptions(isolation)};
        std::unique_ptr<PluginInstance> instance;
        EXPECT_EQ(host.instantiate("urn:aap-test:missing-entrypoint", &instance), HostingStatus::LoadFailed);
    }
    EXPECT_TRUE(test::noChildProcessesRemain());
}

TEST(PluginHost, InvalidMidiBufferSizeIsRejected) {
    PluginHostOptions options = test::testOptions(PluginIsolation::InProcess);
    options.midiBufferSize = 30;
    PluginHost host{test::testCatalog(), options};
    std::unique_ptr<PluginInstance> instance;
    EXPECT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::InvalidArgument);
}

} // namespace
} // namespace aap
