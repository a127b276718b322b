// Every memfd shared with the other process is sealed against shrinking and growing before it is
// passed, and a received one without those seals is refused with a clear reason (docs/hosting.md,
// fault model): a peer that truncates a shared file can no longer SIGBUS us.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "aap/hosting/shared-memory.h"

namespace aap {
namespace {

TEST(SharedMemorySeals, CreatedMemoryIsSealedAndCannotBeResizedOrUnsealed) {
    SharedMemory memory;
    ASSERT_EQ(SharedMemory::create(4096, "seal-test", &memory), HostingStatus::Ok);
    const int seals = ::fcntl(memory.fd(), F_GET_SEALS);
    EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    EXPECT_EQ(seals & F_SEAL_WRITE, 0);  // both sides still write it
    // What a hostile peer would try on its copy of the descriptor (or one reopened via /proc).
    EXPECT_EQ(::ftruncate(memory.fd(), 0), -1);
    EXPECT_EQ(errno, EPERM);
    EXPECT_EQ(::ftruncate(memory.fd(), 8192), -1);
    EXPECT_EQ(errno, EPERM);
    const std::string path = "/proc/self/fd/" + std::to_string(memory.fd());
    int reopened = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(reopened, 0);
    EXPECT_EQ(::ftruncate(reopened, 0), -1);
    ::close(reopened);
    EXPECT_EQ(::fcntl(memory.fd(), F_ADD_SEALS, F_SEAL_WRITE), -1);  // F_SEAL_SEAL: no more changes
    static_cast<volatile char*>(memory.data())[4095] = 1;             // and the mapping is whole
}

TEST(SharedMemorySeals, AdoptRefusesAnUnsealedMemfdWithAClearReason) {
    UniqueFd fd{::memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING)};
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(::ftruncate(fd.get(), 4096), 0);
    SharedMemory memory;
    std::string error;
    EXPECT_EQ(SharedMemory::adopt(UniqueFd{::dup(fd.get())}, 4096, &memory, &error), HostingStatus::ProtocolError);
    EXPECT_NE(error.find("not sealed against shrinking and growing"), std::string::npos) << error;
    EXPECT_FALSE(memory.valid());
    // Sealed against shrinking only is not enough: the rule is both seals, so the size is fixed.
    ASSERT_EQ(::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK), 0);
    EXPECT_EQ(SharedMemory::adopt(UniqueFd{::dup(fd.get())}, 4096, &memory, &error), HostingStatus::ProtocolError);
    ASSERT_EQ(::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW), 0);
    // Sealed, but announced with another size than the file has.
    EXPECT_EQ(SharedMemory::adopt(UniqueFd{::dup(fd.get())}, 8192, &memory, &error), HostingStatus::ProtocolError);
    EXPECT_NE(error.find("size"), std::string::npos) << error;
    EXPECT_EQ(SharedMemory::adopt(UniqueFd{::dup(fd.get())}, 4096, &memory, &error), HostingStatus::Ok) << error;
    EXPECT_TRUE(memory.valid());
}

TEST(SharedMemorySeals, AdoptRefusesWhatIsNotAMemfd) {
    int pipeFds[2];
    ASSERT_EQ(::pipe2(pipeFds, O_CLOEXEC), 0);
    ::close(pipeFds[1]);
    SharedMemory memory;
    std::string error;
    EXPECT_EQ(SharedMemory::adopt(UniqueFd{pipeFds[0]}, 4096, &memory, &error), HostingStatus::ProtocolError);
    EXPECT_NE(error.find("not a memfd"), std::string::npos) << error;
}

} // namespace
} // namespace aap
