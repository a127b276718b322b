// libFuzzer target: AAPXS replies from a hostile peer into an InitiatorSession (runtime), as the
// host reads the MIDI2 output buffer a plugin service wrote into shared memory after process():
// the 32-byte buffer header (its length field included) and every UMP word are the peer's.
// Requests are submitted and framed first, so replies can name real request ids.
//
// Input: byte 0 = configuration (bits 0-1: requests - 1; bit 2: the plugin side instead of the
// host side; bit 3: start the buffer with a genuine reply to each request, whose data comes from
// the input, and append the rest of the input as raw UMP words; else the whole rest is the raw
// buffer, header included; bit 4: then overwrite the header's length field with the next 4
// bytes). Beyond "no crash, no sanitizer report", it checks: every request completes exactly once
// (by a reply, an error reply or cancelAll), a reply's data is readable and within maxDataSize,
// and the session never reports more matched replies than requests.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "aap/runtime/aapxs-wire.h"
#include "aap/runtime/initiator-session.h"

namespace {

void check(bool condition) {
    if (!condition)
        __builtin_trap();
}

constexpr size_t kMaxDataSize = 64;
constexpr size_t kCapacity = 32 + 4096;
constexpr char kUri[] = "urn:fuzz:extension/v1";

struct Outcome {
    int completions = 0;
    uint64_t checksum = 0;
};

void onComplete(void* user, const aap::RequestCompletion& completion) noexcept {
    auto* outcome = static_cast<Outcome*>(user);
    outcome->completions++;
    check(completion.dataSize <= kMaxDataSize);
    check(completion.dataSize == 0 || completion.data != nullptr);
    for (size_t i = 0; i < completion.dataSize; i++)
        outcome->checksum += completion.data[i];  // ASan sees a bad pointer here
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1)
        return 0;
    const uint8_t config = data[0];
    data++;
    size--;
    const size_t requests = (config & 3u) + 1;
    const aap::SessionSide side = (config & 4u) ? aap::SessionSide::Plugin : aap::SessionSide::Host;
    aap::InitiatorSession::Options options;
    options.side = side;
    options.maxInFlight = 8;
    options.maxDataSize = kMaxDataSize;
    aap::SessionError error = aap::SessionError::None;
    std::unique_ptr<aap::InitiatorSession> session = aap::InitiatorSession::create(options, &error);
    check(session != nullptr);

    Outcome outcomes[4];
    uint32_t ids[4] = {};
    int32_t opcodes[4] = {};
    const uint8_t payload[4] = {1, 2, 3, 4};
    for (size_t i = 0; i < requests; i++) {
        aap::InitiatorSession::Request request;
        request.urid = static_cast<uint8_t>(i % 2 == 0 ? 0 : 7);
        request.uri = request.urid == 0 ? kUri : nullptr;
        request.uriSize = request.urid == 0 ? sizeof(kUri) - 1 : 0;
        opcodes[i] = side == aap::SessionSide::Host ? static_cast<int32_t>(i) : -1 - static_cast<int32_t>(i);
        request.opcode = opcodes[i];
        request.data = payload;
        request.dataSize = sizeof(payload);
        request.onComplete = onComplete;
        request.user = &outcomes[i];
        aap::SubmitResult submitted = session->submit(request);
        check(submitted.ok());
        ids[i] = submitted.requestId;
    }
    std::vector<uint32_t> outgoingWords(kCapacity / 4);
    auto* outgoing = reinterpret_cast<uint8_t*>(outgoingWords.data());
    std::memset(outgoing, 0, 32);
    check(session->writeRequests(outgoing, kCapacity) == requests);

    std::vector<uint32_t> incomingWords(kCapacity / 4);
    auto* incoming = reinterpret_cast<uint8_t*>(incomingWords.data());
    size_t used = 0;
    if (config & 8u) {
        std::memset(incoming, 0, 32);
        for (size_t i = 0; i < requests; i++) {
            aap::AapxsMessageView reply;
            reply.requestId = ids[i];
            reply.opcode = opcodes[i];
            reply.urid = static_cast<uint8_t>(i % 2 == 0 ? 0 : 7);
            reply.uri = reply.urid == 0 ? kUri : nullptr;
            reply.uriSize = reply.urid == 0 ? sizeof(kUri) - 1 : 0;
            const size_t take = size < 8 ? size : 8;
            reply.data = data;
            reply.dataSize = take;
            aap::appendAapxsMessage(incoming, kCapacity, reply);
        }
        uint32_t length;
        std::memcpy(&length, incoming + 4, 4);
        used = 32 + length;
        const size_t raw = std::min(size, kCapacity - used) & ~size_t{3};
        std::memcpy(incoming + used, data, raw);
        used += raw;
        length = static_cast<uint32_t>(used - 32);
        std::memcpy(incoming + 4, &length, 4);
    } else {
        used = std::min(size, kCapacity);
        std::memcpy(incoming, data, used);
    }
    if ((config & 16u) && size >= 4)
        std::memcpy(incoming + 4, data + size - 4, 4);
    // The capacity is the shared buffer's size, not what the peer filled.
    session->readReplies(incoming, kCapacity);
    session->expire(0);
    session->cancelAll();
    aap::InitiatorSession::Statistics statistics = session->statistics();
    check(statistics.repliesMatched <= requests);
    for (size_t i = 0; i < requests; i++)
        check(outcomes[i].completions == 1);
    return 0;
}
