#pragma once
// The floor every cross-process benchmark is measured against: a forked child that sleeps on a
// futex word, applies the same 0.5 gain to two channels and copies a MIDI2 buffer (header plus
// its declared length), then wakes the parent. No framing, no protocol: the cheapest way two
// processes can move a period's bytes. One copy for all benchmark programs, so every "floor" in
// docs/performance.md is the same code.
//
// The block lives in shared memory (aap::SharedMemory, zero-filled); the parent sets `frames`
// (<= MaxFrames) before the first request, fills in/midiIn, bumps `request`, wakes it, and waits
// for `reply` to equal the request.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "aap/ext/midi.h"
#include "futex.h"

namespace aap::bench {

template <uint32_t MaxFrames, uint32_t MidiBytes>
struct FutexPingPongBlock {
    static_assert(MidiBytes >= sizeof(AAPMidiBufferHeader), "a MIDI2 buffer holds at least its header");
    uint32_t request;
    uint32_t reply;
    uint32_t quit;
    uint32_t frames;
    uint32_t reserved[12];
    float in[2][MaxFrames];
    float out[2][MaxFrames];
    uint8_t midiIn[MidiBytes];
    uint8_t midiOut[MidiBytes];
};

// In the forked child: serve requests until `quit`, then _exit(0).
template <class Block>
[[noreturn]] void runFutexPingPongChild(Block* block) {
    constexpr uint32_t kMidiBytes = sizeof(block->midiIn);
    constexpr uint32_t kMaxFrames = sizeof(block->in[0]) / sizeof(float);
    uint32_t last = 0;
    for (;;) {
        uint32_t request;
        while ((request = loadAcquire(&block->request)) == last && loadAcquire(&block->quit) == 0)
            futex::wait(&block->request, last, -1);
        if (loadAcquire(&block->quit) != 0)
            ::_exit(0);
        const uint32_t frames = block->frames <= kMaxFrames ? block->frames : kMaxFrames;
        for (int c = 0; c < 2; c++)
            for (uint32_t i = 0; i < frames; i++)
                block->out[c][i] = block->in[c][i] * 0.5f;
        AAPMidiBufferHeader header;
        std::memcpy(&header, block->midiIn, sizeof(header));
        const uint32_t length = header.length <= kMidiBytes - sizeof(header) ? header.length & ~3u : 0;
        std::memcpy(block->midiOut, block->midiIn, sizeof(header) + length);
        storeRelease(&block->reply, request);
        futex::wake(&block->reply, 1);
        last = request;
    }
}

// Forks the child; returns its pid, or -1 when fork failed.
template <class Block>
pid_t startFutexPingPong(Block* block, uint32_t frames) {
    block->frames = frames;
    const pid_t child = ::fork();
    if (child == 0)
        runFutexPingPongChild(block);
    return child;
}

// Tells the child to quit and reaps it.
template <class Block>
void stopFutexPingPong(Block* block, pid_t child) {
    if (child <= 0)
        return;
    storeRelease(&block->quit, 1u);
    futex::wake(&block->request, 1);
    ::waitpid(child, nullptr, 0);
}

} // namespace aap::bench
