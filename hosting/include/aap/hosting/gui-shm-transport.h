#pragma once
// aap::GuiShmConnection: a GUI client of aap::GuiSessions whose transport is shared memory
// instead of a socket: one sealed memfd with two bounded single-producer/single-consumer byte
// rings (aap/gui-shm-channel.h), carrying exactly the GUI message set (aap/hosting/gui-protocol.h).
// A GUI program (gui:program) gets the memfd through the plugin service
// (HostedPlugin::connectGuiProgram) and is then one more client of the instance's GUI sessions:
// Hello with the token, Initialize, the DSP -> GUI stream, Events to the plugin (docs/gui.md,
// "Parameters of a GUI program").
//
//     std::shared_ptr<aap::GuiShmConnection> channel;
//     aap::GuiShmConnection::create(AAP_GUI_SHM_DEFAULT_CAPACITY, &channel, &error);
//     uint32_t client = sessions->attach(channel);   // then hand channel->fd() to the program
//
// Nothing wakes anyone: GuiSessions' display thread polls the program -> host ring at every tick
// (GuiConnection::poll) and writes the host -> program ring when it serves the client; the
// program polls its ends at its own display rate. The program is untrusted: every index it
// writes and every record is checked (aap_gui_shm_read / aap_gui_shm_write), every message is
// decoded by GuiSessions like a web client's; an index out of range, a torn or oversized record
// drops the client (GuiSessions::drop, with the reason) and the channel is not read again. The
// audio thread never touches the rings.
//
// Threads: send/close/poll are [thread-safe] (GuiSessions calls them from its display thread and
// from the threads that call its functions); never the audio thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aap/gui-shm-channel.h"
#include "aap/hosting/gui-sessions.h"
#include "aap/hosting/shared-memory.h"
#include "aap/hosting/status.h"

namespace aap {

class GuiShmConnection final : public GuiConnection {
public:
    // [main-thread] A new zeroed, sealed channel with `ringCapacity` bytes per ring (a power of two,
    // AAP_GUI_SHM_MIN_CAPACITY..AAP_GUI_SHM_MAX_CAPACITY). InvalidArgument or ResourceFailed.
    static HostingStatus create(uint32_t ringCapacity, std::shared_ptr<GuiShmConnection>* out,
                                std::string* error = nullptr);

    // The memfd to hand to the GUI program (SCM_RIGHTS); aap_gui_shm_size(ringCapacity()) bytes.
    int fd() const noexcept { return memory_.fd(); }
    uint32_t ringCapacity() const noexcept { return capacity_; }

    // GuiConnection: host -> program ring; false when it is full (the client gets a resync) or
    // broken or closed.
    bool send(const uint8_t* data, size_t size) override;
    void close(const std::string& reason) override;
    // Program -> host ring: every whole message published since the last poll goes to
    // sessions.receive(client, ...); a corrupt ring drops the client.
    void poll(GuiSessions& sessions, uint32_t client) override;

    bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
    std::string closeReason() const;
    uint64_t messagesReceived() const noexcept { return received_.load(std::memory_order_relaxed); }
    uint64_t messagesSent() const noexcept { return sent_.load(std::memory_order_relaxed); }

private:
    GuiShmConnection() = default;

    SharedMemory memory_;
    uint32_t capacity_ = 0;
    std::mutex writeLock_;
    aap_gui_shm_ring_t toProgram_{};
    std::mutex readLock_;
    aap_gui_shm_ring_t toHost_{};
    std::vector<uint8_t> scratch_;  // one record, copied out before it is decoded
    std::atomic<bool> closed_{false};
    std::atomic<bool> broken_{false};
    mutable std::mutex reasonLock_;
    std::string reason_;
    std::atomic<uint64_t> received_{0};
    std::atomic<uint64_t> sent_{0};
};

} // namespace aap
