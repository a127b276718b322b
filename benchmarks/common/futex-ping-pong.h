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
//
// The ring (FutexRingBlock, below) extends the same floor to a chain of N children: the parent
// wakes child 1, child k wakes child k+1 after its work, the last child wakes the parent: N + 1
// wake-ups per cycle, the least any N-process chain can do (what issue 13's graph aims at). Child k
// reads child k-1's output in place (no copy between stages) and writes its own.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <vector>

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

// A ring of up to MaxStages forked children. stage k (0-based) waits on go[k], reads audio[k] and
// midi[k], writes audio[k+1] and midi[k+1] (gain 0.5, MIDI header + length copied), then wakes
// go[k+1] or, the last, `done`. `wakes` counts every futex wake call made (the parent's included),
// so a cycle's wake-ups are counted, not inferred.
template <uint32_t MaxFrames, uint32_t MidiBytes, uint32_t MaxStages>
struct FutexRingBlock {
    static_assert(MidiBytes >= sizeof(AAPMidiBufferHeader), "a MIDI2 buffer holds at least its header");
    uint32_t go[MaxStages];
    uint32_t done;
    uint32_t quit;
    uint32_t frames;
    uint32_t stages;
    uint32_t wakes;
    uint32_t reserved[11];
    float audio[MaxStages + 1][2][MaxFrames];
    uint8_t midi[MaxStages + 1][MidiBytes];
};

// In forked child `stage`: serve cycles until `quit`, then _exit(0).
template <class Ring>
[[noreturn]] void runFutexRingStage(Ring* ring, uint32_t stage) {
    constexpr uint32_t kMidiBytes = sizeof(ring->midi[0]);
    constexpr uint32_t kMaxFrames = sizeof(ring->audio[0][0]) / sizeof(float);
    uint32_t last = 0;
    for (;;) {
        uint32_t request;
        while ((request = loadAcquire(&ring->go[stage])) == last && loadAcquire(&ring->quit) == 0)
            futex::wait(&ring->go[stage], last, -1);
        if (loadAcquire(&ring->quit) != 0)
            ::_exit(0);
        const uint32_t frames = ring->frames <= kMaxFrames ? ring->frames : kMaxFrames;
        for (int c = 0; c < 2; c++)
            for (uint32_t i = 0; i < frames; i++)
                ring->audio[stage + 1][c][i] = ring->audio[stage][c][i] * 0.5f;
        AAPMidiBufferHeader header;
        std::memcpy(&header, ring->midi[stage], sizeof(header));
        const uint32_t length = header.length <= kMidiBytes - sizeof(header) ? header.length & ~3u : 0;
        std::memcpy(ring->midi[stage + 1], ring->midi[stage], sizeof(header) + length);
        uint32_t* next = stage + 1 < ring->stages ? &ring->go[stage + 1] : &ring->done;
        storeRelease(next, request);
        __atomic_fetch_add(&ring->wakes, 1u, __ATOMIC_RELAXED);
        futex::wake(next, 1);
        last = request;
    }
}

// Forks `stages` (1..MaxStages) children into *pids; false (none left running) when a fork failed.
template <class Ring>
bool startFutexRing(Ring* ring, uint32_t stages, uint32_t frames, std::vector<pid_t>* pids) {
    ring->frames = frames;
    ring->stages = stages;
    pids->clear();
    for (uint32_t k = 0; k < stages; k++) {
        const pid_t child = ::fork();
        if (child == 0)
            runFutexRingStage(ring, k);
        if (child < 0) {
            for (pid_t pid : *pids)
                ::kill(pid, SIGKILL);
            for (pid_t pid : *pids)
                ::waitpid(pid, nullptr, 0);
            pids->clear();
            return false;
        }
        pids->push_back(child);
    }
    return true;
}

// One cycle from the parent: the caller filled audio[0]/midi[0]; returns with the last stage's
// output in audio[stages]/midi[stages], or false after timeoutNs (a stage died or hung).
template <class Ring>
bool runFutexRingCycle(Ring* ring, uint32_t sequence, int64_t timeoutNs) {
    storeRelease(&ring->go[0], sequence);
    __atomic_fetch_add(&ring->wakes, 1u, __ATOMIC_RELAXED);
    futex::wake(&ring->go[0], 1);
    const int64_t deadline = monotonicNanoseconds() + timeoutNs;
    uint32_t seen;
    while ((seen = loadAcquire(&ring->done)) != sequence) {
        const int64_t left = deadline - monotonicNanoseconds();
        if (left <= 0)
            return false;
        futex::wait(&ring->done, seen, left);
    }
    return true;
}

// Tells every stage to quit and reaps them.
template <class Ring>
void stopFutexRing(Ring* ring, std::vector<pid_t>* pids) {
    storeRelease(&ring->quit, 1u);
    for (uint32_t k = 0; k < ring->stages; k++)
        futex::wake(&ring->go[k], 1);
    for (pid_t pid : *pids)
        ::waitpid(pid, nullptr, 0);
    pids->clear();
}

} // namespace aap::bench
