// The URID handshake: addExtension maps the extension to a urid and tells the plugin side before
// activate (control message 10 out of process); realtime requests then travel URI-less with the
// urid, and an RT-safe opcode (the test transform's REVERSE) is answered INLINE on the plugin
// side, so its completion fires inside the very process() call that carried it. A non-RT-safe
// opcode still goes to the worker; an unknown urid gets an error reply.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "aap/runtime/aapxs-wire.h"
#include "hosting-test-support.h"
#include "test-transform-extension.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 128;
const std::string kUri = AAP_TEST_TRANSFORM_URI;

struct Completion {
    std::atomic<int> calls{0};
    RequestStatus status = RequestStatus::Cancelled;
    int32_t errorCode = 0;
    std::string reply;

    static void complete(void* user, const RequestCompletion& completion) noexcept {
        auto* self = static_cast<Completion*>(user);
        self->status = completion.status;
        self->errorCode = completion.errorCode;
        if (completion.data != nullptr)
            self->reply.assign(reinterpret_cast<const char*>(completion.data), completion.dataSize);
        self->calls.fetch_add(1);
    }
};

InitiatorSession::Request request(int32_t opcode, const std::string& bytes, Completion* completion, uint8_t urid = 0) {
    InitiatorSession::Request r;
    r.urid = urid;
    r.uri = AAP_TEST_TRANSFORM_URI;
    r.uriSize = kUri.size();
    r.opcode = opcode;
    r.data = reinterpret_cast<const uint8_t*>(bytes.data());
    r.dataSize = bytes.size();
    r.onComplete = &Completion::complete;
    r.user = completion;
    return r;
}

class UridHandshake : public ::testing::TestWithParam<PluginIsolation> {
protected:
    void SetUp() override {
        host_ = std::make_unique<PluginHost>(test::testCatalog(), test::testOptions(GetParam()));
        std::string error;
        ASSERT_EQ(host_->instantiate("urn:aap-test:gain-echo", &instance_, &error), HostingStatus::Ok) << error;
        uint8_t* block = nullptr;
        ASSERT_EQ(instance_->addExtension(kUri, AAP_TEST_TRANSFORM_CAPACITY, &block), HostingStatus::Ok);
        ASSERT_EQ(instance_->prepare(kFrames, 48000), HostingStatus::Ok);
        ASSERT_EQ(instance_->activate(), HostingStatus::Ok);
    }

    std::unique_ptr<PluginHost> host_;
    std::unique_ptr<PluginInstance> instance_;
};

TEST_P(UridHandshake, AddExtensionMapsTheFirstUrid) {
    EXPECT_EQ(instance_->uridOf(kUri.data(), kUri.size()), 1);
    EXPECT_EQ(instance_->uridOf("urn:aap-test:other", 18), 0);
    EXPECT_EQ(instance_->uridOf(nullptr, 0), 0);
}

TEST_P(UridHandshake, AnRtSafeOpcodeCompletesInTheSameCycle) {
    const std::string bytes = "abcdef";
    for (int round = 0; round < 20; round++) {
        Completion done;
        ASSERT_EQ(instance_->submitExtensionRequest(request(AAP_TEST_TRANSFORM_REVERSE, bytes, &done), nullptr),
                  HostingStatus::Ok);
        test::fillInputs(*instance_, kFrames, static_cast<uint32_t>(round));
        ASSERT_EQ(instance_->process(kFrames, 1000000000), HostingStatus::Ok);
        // Completed inside that process() call: inline on the plugin side, framed into the same
        // cycle's output, matched by the host before process() returned.
        ASSERT_EQ(done.calls.load(), 1) << "round " << round;
        EXPECT_EQ(done.status, RequestStatus::Completed);
        EXPECT_EQ(done.reply, "fedcba");
        // The plugin still ran: its audio is there.
        EXPECT_EQ(instance_->audioBuffer(2)[1], instance_->audioBuffer(0)[1] * 0.5f);
    }
}

TEST_P(UridHandshake, ANonRtSafeOpcodeStillGoesToTheWorkerAndAnswersLater) {
    Completion done;
    ASSERT_EQ(instance_->submitExtensionRequest(request(AAP_TEST_TRANSFORM_SHOUT, "hey", &done), nullptr),
              HostingStatus::Ok);
    ASSERT_EQ(instance_->process(kFrames, 1000000000), HostingStatus::Ok);
    EXPECT_EQ(done.calls.load(), 0);  // the handler sleeps 3 ms on the worker
    for (int cycle = 0; cycle < 5000 && done.calls.load() == 0; cycle++) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        ASSERT_EQ(instance_->process(kFrames, 1000000000), HostingStatus::Ok);
    }
    ASSERT_EQ(done.calls.load(), 1);
    EXPECT_EQ(done.status, RequestStatus::Completed);
    EXPECT_EQ(done.reply, "hey!");
}

TEST_P(UridHandshake, AnUnknownUridGetsAnErrorReplyInTheSameCycle) {
    Completion done;
    ASSERT_EQ(instance_->submitExtensionRequest(request(AAP_TEST_TRANSFORM_REVERSE, "xy", &done, 200), nullptr),
              HostingStatus::Ok);
    ASSERT_EQ(instance_->process(kFrames, 1000000000), HostingStatus::Ok);
    ASSERT_EQ(done.calls.load(), 1);
    EXPECT_EQ(done.status, RequestStatus::ErrorReply);
    EXPECT_EQ(done.errorCode, static_cast<int32_t>(AapxsReplyError::UnknownExtension));
}

INSTANTIATE_TEST_SUITE_P(BothTransports, UridHandshake,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

// An extension the plugin side has no definition for keeps working by URI (no urid), and the
// mapping is refused while the instance is active.
TEST(UridHandshakeEdges, AnExtensionWithoutADefinitionStaysUnmapped) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:gain-echo", &instance), HostingStatus::Ok);
    uint8_t* block = nullptr;
    ASSERT_EQ(instance->addExtension("urn:aap-test:nothing-defines-this", 64, &block), HostingStatus::Ok);
    EXPECT_EQ(instance->uridOf("urn:aap-test:nothing-defines-this", 33), 0);
    ASSERT_EQ(instance->addExtension(kUri, AAP_TEST_TRANSFORM_CAPACITY, &block), HostingStatus::Ok);
    EXPECT_EQ(instance->uridOf(kUri.data(), kUri.size()), 1);  // the unmapped one consumed no urid
}

} // namespace
} // namespace aap
