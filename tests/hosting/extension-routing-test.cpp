// The routing rule of docs/spec/abi.md section 4 through both transports, with the test "transform"
// extension (test-transform-extension.h) whose AAPXS definition the test plugin library exports:
// requests on the control channel while the instance is not active, SysEx8 in the MIDI2 stream
// while it is, replies correlated by id and arriving cycles later, every request completed
// exactly once (also when the plugin dies).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstring>
#include <string>

#include "aap/ext/midi.h"
#include "hosting-test-support.h"
#include "test-transform-extension.h"

namespace aap {
namespace {

constexpr int32_t kFrames = 128;
const std::string kUri = AAP_TEST_TRANSFORM_URI;

// Filled in by the completion callback on the thread that runs process().
struct Outcome {
    std::atomic<int> calls{0};
    RequestStatus status = RequestStatus::Cancelled;
    int32_t errorCode = 0;
    uint8_t data[AAP_TEST_TRANSFORM_CAPACITY];
    size_t size = 0;
    int cycle = -1;
    const int* currentCycle = nullptr;

    static void complete(void* user, const RequestCompletion& completion) noexcept {
        auto* self = static_cast<Outcome*>(user);
        self->status = completion.status;
        self->errorCode = completion.errorCode;
        self->size = completion.dataSize < sizeof(self->data) ? completion.dataSize : sizeof(self->data);
        if (completion.data != nullptr)
            std::memcpy(self->data, completion.data, self->size);
        self->cycle = self->currentCycle != nullptr ? *self->currentCycle : -1;
        self->calls.fetch_add(1);
    }
    std::string text() const { return std::string(reinterpret_cast<const char*>(data), size); }
};

InitiatorSession::Request transformRequest(int32_t opcode, const std::string& bytes, Outcome* outcome) {
    InitiatorSession::Request request;
    request.uri = AAP_TEST_TRANSFORM_URI;
    request.uriSize = kUri.size();
    request.opcode = opcode;
    request.data = reinterpret_cast<const uint8_t*>(bytes.data());
    request.dataSize = bytes.size();
    request.onComplete = &Outcome::complete;
    request.user = outcome;
    return request;
}

class ExtensionRouting : public ::testing::TestWithParam<PluginIsolation> {
protected:
    void SetUp() override {
        host_ = std::make_unique<PluginHost>(test::testCatalog(), test::testOptions(GetParam()));
        std::string error;
        ASSERT_EQ(host_->instantiate("urn:aap-test:gain-echo", &instance_, &error), HostingStatus::Ok) << error;
        ASSERT_EQ(instance_->addExtension(kUri, AAP_TEST_TRANSFORM_CAPACITY, &block_), HostingStatus::Ok);
    }

    HostingStatus callInactive(int32_t opcode, const std::string& bytes, std::string* reply) {
        std::memcpy(block_, bytes.data(), bytes.size());
        uint32_t replySize = 0;
        HostingStatus status = instance_->extension(kUri, opcode, 7, static_cast<uint32_t>(bytes.size()), &replySize,
                                                    1000000000);
        if (status == HostingStatus::Ok)
            reply->assign(reinterpret_cast<const char*>(block_), replySize);
        return status;
    }

    // Runs cycles 200 us apart (a short audio period: the in-process transport is otherwise so
    // fast that hundreds of cycles pass before the worker thread is even scheduled) until every
    // outcome completed, at most `maxCycles`; returns the cycle that completed the last one.
    int runUntilComplete(std::initializer_list<Outcome*> outcomes, int maxCycles = 5000) {
        for (cycle_ = 1; cycle_ <= maxCycles; cycle_++) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            test::fillInputs(*instance_, kFrames, static_cast<uint32_t>(cycle_));
            EXPECT_EQ(instance_->process(kFrames, 1000000000), HostingStatus::Ok) << "cycle " << cycle_;
            // The host's MIDI output carries the plugin's echo only: AAPXS replies were stripped.
            auto* out = static_cast<const uint8_t*>(instance_->portBuffer(5));
            AAPMidiBufferHeader header;
            std::memcpy(&header, out, sizeof(header));
            for (uint32_t offset = 0; offset + 4 <= header.length; offset += 8) {
                uint32_t word;
                std::memcpy(&word, out + 32 + offset, sizeof(word));
                EXPECT_EQ(word >> 28, 0x4u) << "a non-echo UMP reached the host's MIDI output";
            }
            bool all = true;
            for (Outcome* outcome : outcomes)
                all &= outcome->calls.load() > 0;
            if (all)
                return cycle_;
        }
        return -1;
    }

    std::unique_ptr<PluginHost> host_;
    std::unique_ptr<PluginInstance> instance_;
    uint8_t* block_ = nullptr;
    int cycle_ = 0;
};

TEST_P(ExtensionRouting, RequestsWhileNotActiveTravelOnTheControlChannel) {
    std::string reply;
    ASSERT_EQ(callInactive(AAP_TEST_TRANSFORM_REVERSE, "hello", &reply), HostingStatus::Ok);  // unprepared
    EXPECT_EQ(reply, "olleh");
    ASSERT_EQ(instance_->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(callInactive(AAP_TEST_TRANSFORM_SHOUT, "hey", &reply), HostingStatus::Ok);  // inactive
    EXPECT_EQ(reply, "hey!");
    // A handler that never replies is reported, not waited for.
    EXPECT_EQ(callInactive(AAP_TEST_TRANSFORM_IGNORE, "x", &reply), HostingStatus::Unsupported);
    // Requests larger than the block are refused before they travel.
    uint32_t replySize = 0;
    EXPECT_EQ(instance_->extension(kUri, 1, 8, AAP_TEST_TRANSFORM_CAPACITY + 1, &replySize, 1000000000),
              HostingStatus::InvalidArgument);
    // After deactivation the control channel is the path again.
    ASSERT_EQ(instance_->activate(), HostingStatus::Ok);
    ASSERT_EQ(instance_->deactivate(), HostingStatus::Ok);
    ASSERT_EQ(callInactive(AAP_TEST_TRANSFORM_REVERSE, "ab", &reply), HostingStatus::Ok);
    EXPECT_EQ(reply, "ba");
}

TEST_P(ExtensionRouting, AnExtensionWithoutADefinitionIsNotFound) {
    std::unique_ptr<PluginInstance> other;
    ASSERT_EQ(host_->instantiate("urn:aap-test:gain-echo", &other), HostingStatus::Ok);
    uint8_t* block = nullptr;
    ASSERT_EQ(other->addExtension("urn:aap-test:no-definition/v1", 64, &block), HostingStatus::Ok);
    uint32_t replySize = 0;
    EXPECT_EQ(other->extension("urn:aap-test:no-definition/v1", 1, 1, 0, &replySize, 1000000000),
              HostingStatus::NotFound);
}

TEST_P(ExtensionRouting, RequestsWhileActiveTravelInTheMidiStreamAndRepliesArriveInLaterCycles) {
    ASSERT_EQ(instance_->prepare(kFrames, 48000), HostingStatus::Ok);
    EXPECT_EQ(instance_->submitExtensionRequest(transformRequest(1, "x", nullptr), nullptr), HostingStatus::InvalidState);
    ASSERT_EQ(instance_->activate(), HostingStatus::Ok);
    Outcome reverse, shout;
    reverse.currentCycle = shout.currentCycle = &cycle_;
    uint32_t reverseId = 0, shoutId = 0;
    ASSERT_EQ(instance_->submitExtensionRequest(transformRequest(AAP_TEST_TRANSFORM_REVERSE, "abc", &reverse), &reverseId),
              HostingStatus::Ok);
    ASSERT_EQ(instance_->submitExtensionRequest(transformRequest(AAP_TEST_TRANSFORM_SHOUT, "hey", &shout), &shoutId),
              HostingStatus::Ok);
    EXPECT_NE(reverseId, shoutId);
    EXPECT_EQ(instance_->pendingExtensionRequests(), 2u);
    ASSERT_GT(runUntilComplete({&reverse, &shout}), 0) << "replies never arrived";
    EXPECT_EQ(reverse.status, RequestStatus::Completed);
    EXPECT_EQ(reverse.text(), "cba");
    EXPECT_EQ(shout.status, RequestStatus::Completed);
    EXPECT_EQ(shout.text(), "hey!");
    // The non-RT handler sleeps 3 ms on the worker: its reply cannot be in the first cycle.
    EXPECT_GT(shout.cycle, 1);
    // Exactly once: more cycles, deactivation and destruction deliver nothing more.
    runUntilComplete({}, 5);
    ASSERT_EQ(instance_->deactivate(), HostingStatus::Ok);
    ASSERT_EQ(instance_->destroy(), HostingStatus::Ok);
    EXPECT_EQ(reverse.calls.load(), 1);
    EXPECT_EQ(shout.calls.load(), 1);
}

TEST_P(ExtensionRouting, ARequestTheHandlerNeverAnswersGetsAnErrorReplyOnce) {
    ASSERT_EQ(instance_->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance_->activate(), HostingStatus::Ok);
    Outcome ignored;
    ASSERT_EQ(instance_->submitExtensionRequest(transformRequest(AAP_TEST_TRANSFORM_IGNORE, "z", &ignored), nullptr),
              HostingStatus::Ok);
    ASSERT_GT(runUntilComplete({&ignored}), 0);
    EXPECT_EQ(ignored.status, RequestStatus::ErrorReply);
    runUntilComplete({}, 5);
    EXPECT_EQ(ignored.calls.load(), 1);
}

TEST_P(ExtensionRouting, PendingRequestsAreCancelledOnceWhenTheInstanceIsDestroyed) {
    ASSERT_EQ(instance_->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance_->activate(), HostingStatus::Ok);
    Outcome never;
    ASSERT_EQ(instance_->submitExtensionRequest(transformRequest(AAP_TEST_TRANSFORM_REVERSE, "q", &never), nullptr),
              HostingStatus::Ok);
    ASSERT_EQ(instance_->destroy(), HostingStatus::Ok);  // no cycle ran: the request never left
    EXPECT_EQ(never.calls.load(), 1);
    EXPECT_EQ(never.status, RequestStatus::Cancelled);
}

INSTANTIATE_TEST_SUITE_P(BothTransports, ExtensionRouting,
                         ::testing::Values(PluginIsolation::InProcess, PluginIsolation::ProcessPerInstance),
                         [](const ::testing::TestParamInfo<PluginIsolation>& info) {
                             return info.param == PluginIsolation::InProcess ? "InProcess" : "Process";
                         });

TEST(ExtensionRoutingFaults, RequestsInFlightFailExactlyOnceWhenThePluginProcessDies) {
    PluginHost host{test::testCatalog(), test::testOptions(PluginIsolation::ProcessPerInstance)};
    std::unique_ptr<PluginInstance> instance;
    ASSERT_EQ(host.instantiate("urn:aap-test:crash-in-process", &instance), HostingStatus::Ok);
    ASSERT_EQ(instance->prepare(kFrames, 48000), HostingStatus::Ok);
    ASSERT_EQ(instance->activate(), HostingStatus::Ok);
    ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
    ASSERT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Ok);
    Outcome lost;
    ASSERT_EQ(instance->submitExtensionRequest(transformRequest(AAP_TEST_TRANSFORM_SHOUT, "a", &lost), nullptr),
              HostingStatus::Ok);
    EXPECT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Offline);  // the plugin dies
    EXPECT_EQ(lost.calls.load(), 1);
    EXPECT_EQ(lost.status, RequestStatus::Cancelled);
    EXPECT_EQ(instance->process(kFrames, 1000000000), HostingStatus::Offline);
    EXPECT_EQ(instance->destroy(), HostingStatus::Ok);
    EXPECT_EQ(lost.calls.load(), 1);
    EXPECT_TRUE(test::noChildProcessesRemain());
}

} // namespace
} // namespace aap
