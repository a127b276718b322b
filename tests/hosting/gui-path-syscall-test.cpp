// The audio thread's share of the GUI path makes NO system call at all, and no heap operation:
// exactly what BM_GuiPathCycle times (drain N GUI events into the cycle's event queue, merge them
// into the MIDI2 input, copy out four audio ports' peaks and the plugin's MIDI2 output, end the
// cycle) with 0, 1 and 64 GUI events per cycle, the GUI thread's push() and the display thread's
// reads in between.
//
// The rt-guard counts calls into the C library by name; a seccomp filter sees every system call
// the kernel is asked for, whoever makes it. So the cycles run in a forked child that first
// installs a filter allowing nothing but exit_group and rt_sigreturn: any other system call raises
// SIGSYS, whose handler writes the call's number to memory shared with the test and ends the
// child (or, when a sanitizer's own handler makes a system call first, the kernel ends it with
// SIGSYS: a system call all the same, number unknown). The heap is counted by aap::RealtimeGuard in the same child. A self-test makes a system
// call under the same filter and must see it reported: the check can fail.
//
// Linux only (seccomp), x86-64 and AArch64 (the architectures the filter names).

#include <gtest/gtest.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aap/hosting/event-queue.h"
#include "aap/hosting/gui-path.h"
#include "aap/runtime/realtime-guard.h"
#include "aapxs/midi2-buffer.h"
#include "aapxs/parameter-sysex8.h"

namespace aap {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
#error "gui-path-syscall-test: the seccomp filter names x86-64 and AArch64 only"
#endif

constexpr int32_t kFrames = 256;
constexpr int32_t kRate = 48000;

// What the child reports, in memory shared with the test.
struct Report {
    volatile int finished;      // 1 when the child ran to its end
    volatile long syscallNumber;  // the first system call made under the filter, -1 if none
    volatile uint64_t heapOperations;
    volatile uint64_t cycles;
    volatile uint64_t delivered;
    volatile uint64_t discrete;  // DSP -> GUI events the display side read
};

Report* gReport = nullptr;
constexpr long kUnknownSyscall = -2;  // the child died of SIGSYS before its handler could say which

void onSigsys(int, siginfo_t* info, void*) {
    gReport->syscallNumber = info->si_syscall;
    ::syscall(SYS_exit_group, 3);  // allowed by the filter
}

// Installs the filter on the calling thread (the child has only one): exit_group and
// rt_sigreturn pass, any other system call (or another architecture's) traps.
bool installFilter() {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
    };
    struct sock_fprog program {};
    program.len = static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0]));
    program.filter = filter;
    return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

// Runs `warmUp` then `measured` in a forked child, the latter under the filter and a RealtimeGuard;
// returns the child's report. `measured` returns what it counted (cycles, delivered, discrete).
Report runUnderFilter(const std::function<void()>& warmUp, const std::function<void(Report&)>& measured,
                      std::string* failure) {
    void* shared = ::mmap(nullptr, sizeof(Report), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    Report result{};
    result.syscallNumber = -1;
    if (shared == MAP_FAILED) {
        *failure = "mmap failed";
        return result;
    }
    gReport = static_cast<Report*>(shared);
    gReport->finished = 0;
    gReport->syscallNumber = -1;
    std::fflush(nullptr);
    const pid_t child = ::fork();
    if (child == 0) {
        struct sigaction action {};
        action.sa_sigaction = onSigsys;
        action.sa_flags = SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGSYS, &action, nullptr);
        warmUp();
        // The exit below goes through syscall(): resolve it now, outside the filter.
        (void) ::syscall(SYS_getpid);
        RealtimeGuard guard;
        if (!installFilter())
            ::syscall(SYS_exit_group, 4);
        measured(*gReport);
        gReport->heapOperations = guard.heapOperations();
        gReport->finished = 1;
        ::syscall(SYS_exit_group, 0);
    }
    if (child < 0) {
        *failure = "fork failed";
        ::munmap(shared, sizeof(Report));
        return result;
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    result.finished = gReport->finished;
    result.syscallNumber = gReport->syscallNumber;
    result.heapOperations = gReport->heapOperations;
    result.cycles = gReport->cycles;
    result.delivered = gReport->delivered;
    result.discrete = gReport->discrete;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS && result.syscallNumber == -1) {
        // The kernel ended the child: a system call was made while SIGSYS was blocked (under
        // ThreadSanitizer its own signal handler makes one before ours runs). Which one is unknown.
        result.syscallNumber = kUnknownSyscall;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
        *failure = "the seccomp filter could not be installed";
    else if (!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3)))
        *failure = "the child ended abnormally (status " + std::to_string(status) + ")";
    ::munmap(shared, sizeof(Report));
    gReport = nullptr;
    return result;
}

TEST(GuiPathSyscalls, TheFilterReportsASystemCall) {
    std::string failure;
    const Report report = runUnderFilter([] {}, [](Report&) { (void) ::getppid(); }, &failure);
    ASSERT_EQ(failure, "");
    EXPECT_EQ(report.finished, 0);
    EXPECT_TRUE(report.syscallNumber == static_cast<long>(SYS_getppid) || report.syscallNumber == kUnknownSyscall)
        << "the filter missed getppid() (reported: " << report.syscallNumber << ")";
}

struct Cycle {
    std::unique_ptr<GuiPath> path;
    EventQueue queue;
    std::vector<uint8_t> midiIn = std::vector<uint8_t>(8192);
    std::vector<uint8_t> midiOut = std::vector<uint8_t>(8192);
    std::vector<std::vector<float>> audio = std::vector<std::vector<float>>(4, std::vector<float>(kFrames));
    uint32_t salt = 0;

    explicit Cycle(int events) {
        std::vector<GuiPathParameter> parameters;
        for (int32_t i = 0; i < 16; i++)
            parameters.push_back(GuiPathParameter{i, 0.0, 1.0, 0.5});
        GuiPathOptions options;
        // Small queues, so that the warm-up has used every cell before the filter is on.
        options.inboxCapacity = 128;
        options.outputCapacity = 256;
        options.automationCapacity = 64;
        path = std::make_unique<GuiPath>(parameters, std::vector<int32_t>{0, 1, 2, 3}, options);
        queue.reserve(1024, 8192 - 32);
        queue.setMaxFrame(kFrames);
        for (size_t p = 0; p < audio.size(); p++)
            for (int32_t i = 0; i < kFrames; i++)
                audio[p][i] = static_cast<float>((i * 37 + static_cast<int>(p) * 11) % 200 - 100) / 100.0f;
        aapxs_midi2_buffer_clear(midiOut.data(), midiOut.size());
        uint32_t report[4];
        aapxs_parameter_sysex8_write(report, 0, 0, 0, 0, 3, 0x40000000u);
        aapxs_midi2_buffer_append_ump(midiOut.data(), midiOut.size(), report, 4);
        for (int i = 0; i < events; i++) {
            const uint32_t words[2] = {0x40903C00u, 0x80000000u};
            aapxs_midi2_buffer_append_ump(midiOut.data(), midiOut.size(), words, 2);
        }
    }

    // One cycle as BM_GuiPathCycle runs it, with the GUI thread's pushes before it and the display
    // thread's and the host's reads after it. Returns the discrete events read.
    uint64_t run(int events) {
        for (int i = 0; i < events; i++) {
            if (i % 4 == 0) {
                uint32_t words[4];
                aapxs_parameter_sysex8_write(words, 0, 0, 0, 0, static_cast<uint16_t>(i % 16), salt * 7919u + i);
                path->push(1, (i * 3) % kFrames, words, 4);
            } else {
                const uint32_t words[2] = {0x40903C00u | (static_cast<uint32_t>(i & 0x7F) << 8), 0x80000000u};
                path->push(1, (i * 3) % kFrames, words, 2);
            }
        }
        salt++;
        aapxs_midi2_buffer_clear(midiIn.data(), midiIn.size());
        // The audio thread's share.
        path->drainInto(queue, kFrames, [](void*, int32_t, double) {}, nullptr);
        EventQueue* queues[1] = {&queue};
        EventQueue::writeMerged(queues, 1, kFrames, kRate, midiIn.data(), midiIn.size());
        for (size_t p = 0; p < audio.size(); p++)
            path->publishLevel(p, audio[p].data(), kFrames);
        path->publishMidiOutput(midiOut.data(), midiOut.size());
        path->endCycle();
        // The display thread and the host.
        uint64_t discrete = 0;
        GuiOutboundEvent event;
        while (path->popOutput(&event))
            discrete++;
        GuiAutomationRecord record;
        while (path->popAutomation(&record)) {
        }
        for (size_t p = 0; p < 4; p++)
            (void) path->takePeak(p);
        (void) path->takeResync();
        return discrete;
    }
};

class GuiPathSyscallsPerEvents : public ::testing::TestWithParam<int> {};

TEST_P(GuiPathSyscallsPerEvents, TheAudioThreadsShareMakesNoSystemCallAndNoHeapOperation) {
    const int events = GetParam();
    constexpr int kCycles = 2000;
    Cycle cycle(events);
    std::string failure;
    const Report report = runUnderFilter(
        [&] {
            for (int i = 0; i < 64; i++)
                cycle.run(events);
        },
        [&](Report& out) {
            const uint64_t deliveredBefore = cycle.path->delivered();
            for (int i = 0; i < kCycles; i++) {
                out.discrete = out.discrete + cycle.run(events);
                out.cycles = out.cycles + 1;
            }
            out.delivered = cycle.path->delivered() - deliveredBefore;
        },
        &failure);
    ASSERT_EQ(failure, "");
    EXPECT_EQ(report.syscallNumber, -1) << "system call number " << report.syscallNumber
                                        << " on the GUI path (see <sys/syscall.h> / ausyscall; -2: which one is unknown)";
    ASSERT_EQ(report.finished, 1);
    EXPECT_EQ(report.heapOperations, 0u);
    EXPECT_EQ(report.cycles, static_cast<uint64_t>(kCycles));
    EXPECT_EQ(report.delivered, static_cast<uint64_t>(kCycles) * static_cast<uint64_t>(events))
        << "the GUI events did not all reach the cycles";
    EXPECT_EQ(report.discrete, static_cast<uint64_t>(kCycles) * static_cast<uint64_t>(events))
        << "the plugin's output did not all reach the display side";
}

INSTANTIATE_TEST_SUITE_P(GuiEvents, GuiPathSyscallsPerEvents, ::testing::Values(0, 1, 64),
                         [](const ::testing::TestParamInfo<int>& info) {
                             return std::to_string(info.param) + "PerCycle";
                         });

} // namespace
} // namespace aap
