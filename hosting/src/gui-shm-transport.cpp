#include "aap/hosting/gui-shm-transport.h"

#include <algorithm>

namespace aap {

HostingStatus GuiShmConnection::create(uint32_t ringCapacity, std::shared_ptr<GuiShmConnection>* out,
                                       std::string* error) {
    std::string ignored;
    std::string& why = error != nullptr ? *error : ignored;
    if (out == nullptr || !aap_gui_shm_capacity_valid(ringCapacity)) {
        why = "GuiShmConnection::create: the ring capacity must be a power of two of " +
              std::to_string(AAP_GUI_SHM_MIN_CAPACITY) + ".." + std::to_string(AAP_GUI_SHM_MAX_CAPACITY) + " bytes";
        return HostingStatus::InvalidArgument;
    }
    std::shared_ptr<GuiShmConnection> connection{new GuiShmConnection()};
    const HostingStatus status =
        SharedMemory::create(aap_gui_shm_size(ringCapacity), "aap-gui-channel", &connection->memory_);
    if (status != HostingStatus::Ok) {
        why = "GuiShmConnection::create: no shared memory for the GUI channel";
        return status;
    }
    auto* base = static_cast<uint8_t*>(connection->memory_.data());
    aap_gui_shm_init(base, ringCapacity);
    connection->capacity_ = ringCapacity;
    connection->toProgram_ = aap_gui_shm_ring(base, ringCapacity, AAP_GUI_SHM_RING_TO_PROGRAM);
    connection->toHost_ = aap_gui_shm_ring(base, ringCapacity, AAP_GUI_SHM_RING_TO_HOST);
    connection->scratch_.resize(AAP_GUI_SHM_MAX_MESSAGE);
    *out = std::move(connection);
    return HostingStatus::Ok;
}

bool GuiShmConnection::send(const uint8_t* data, size_t size) {
    if (closed() || broken_.load(std::memory_order_acquire) || size > AAP_GUI_SHM_MAX_MESSAGE)
        return false;
    std::lock_guard<std::mutex> guard{writeLock_};
    const int result = aap_gui_shm_write(&toProgram_, data, static_cast<uint32_t>(size));
    if (result == AAP_GUI_SHM_OK) {
        sent_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    if (result == AAP_GUI_SHM_CORRUPT) {
        // The program's read index is out of range. send() may not drop the client (GuiSessions
        // holds its send lock); the next poll does.
        {
            std::lock_guard<std::mutex> reasonGuard{reasonLock_};
            if (reason_.empty())
                reason_ = "the GUI program's read index of the host -> program ring is out of range (corrupt ring)";
        }
        broken_.store(true, std::memory_order_release);
    }
    return false;
}

void GuiShmConnection::close(const std::string& reason) {
    {
        std::lock_guard<std::mutex> guard{reasonLock_};
        if (reason_.empty() || !broken_.load())
            reason_ = reason;
    }
    closed_.store(true, std::memory_order_release);
}

std::string GuiShmConnection::closeReason() const {
    std::lock_guard<std::mutex> guard{reasonLock_};
    return reason_;
}

void GuiShmConnection::poll(GuiSessions& sessions, uint32_t client) {
    if (closed())
        return;
    std::unique_lock<std::mutex> guard{readLock_};
    if (broken_.load(std::memory_order_acquire)) {
        guard.unlock();
        (void)sessions.drop(client, closeReason());
        return;
    }
    // At most one ring's worth per tick: a program that writes as fast as it can cannot keep the
    // display thread here.
    size_t budget = capacity_;
    while (budget > 0 && !closed()) {
        uint32_t size = 0;
        const int result = aap_gui_shm_read(&toHost_, scratch_.data(), static_cast<uint32_t>(scratch_.size()), &size);
        if (result == AAP_GUI_SHM_EMPTY)
            return;
        if (result != AAP_GUI_SHM_OK) {
            const std::string reason =
                "the GUI program's program -> host ring is corrupt (write index out of range, or a record "
                "whose size is 0, above " + std::to_string(AAP_GUI_SHM_MAX_MESSAGE) + " bytes or past what was published)";
            {
                std::lock_guard<std::mutex> reasonGuard{reasonLock_};
                reason_ = reason;
            }
            broken_.store(true, std::memory_order_release);
            guard.unlock();
            (void)sessions.drop(client, reason);
            return;
        }
        received_.fetch_add(1, std::memory_order_relaxed);
        budget -= std::min<size_t>(budget, aap_gui_shm_record_size(size));
        // Decoded and checked by GuiSessions like any client's message; a bad one drops the client.
        if (sessions.receive(client, scratch_.data(), size) == HostingStatus::NotFound)
            return;
    }
}

} // namespace aap
