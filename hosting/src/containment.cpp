#include "containment.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "futex.h"

namespace aap {

namespace {

// The children of every thread of `pid` (a child is listed under the thread that forked it).
void childrenOf(pid_t pid, std::vector<pid_t>* out) {
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (dir == nullptr)
        return;
    while (struct dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.')
            continue;
        std::ifstream children(tasks + "/" + entry->d_name + "/children");
        long child;
        while (children >> child)
            out->push_back(static_cast<pid_t>(child));
    }
    ::closedir(dir);
}

bool isZombieOrGone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return true;
    size_t close = line.rfind(')');
    return close == std::string::npos || close + 2 >= line.size() || line[close + 2] == 'Z' || line[close + 2] == 'X';
}

} // namespace

int killDescendants(pid_t root) noexcept {
    if (root <= 0)
        return 0;
    int signalled = 0;
    const int64_t deadline = monotonicNanoseconds() + 1000000000;
    try {
        for (;;) {
            std::vector<pid_t> tree;
            childrenOf(root, &tree);
            for (size_t i = 0; i < tree.size(); i++)  // breadth first: tree grows as we walk it
                childrenOf(tree[i], &tree);
            bool anyAlive = false;
            for (pid_t pid : tree) {
                if (isZombieOrGone(pid))
                    continue;
                anyAlive = true;
                if (::kill(pid, SIGKILL) == 0)
                    signalled++;
            }
            if (!anyAlive || monotonicNanoseconds() >= deadline)
                return signalled;
            ::usleep(1000);  // let the killed die and their orphans be reparented to root
        }
    } catch (...) {
        return signalled;  // out of memory while walking: what was signalled stays signalled
    }
}

void resetSignalDispositionsAndMask() noexcept {
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction current {};
        if (sigaction(sig, nullptr, &current) != 0 || current.sa_handler != SIG_IGN)
            continue;
        struct sigaction defaults {};
        defaults.sa_handler = SIG_DFL;
        sigemptyset(&defaults.sa_mask);
        sigaction(sig, &defaults, nullptr);
    }
}

} // namespace aap
