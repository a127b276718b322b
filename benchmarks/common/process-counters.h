#pragma once
// What a set of processes did, from /proc: CPU time on the processor (schedstat, nanoseconds, every
// thread) and voluntary context switches (every thread's; a thread that sleeps on a futex and is
// woken makes one). The difference of two readings around a run of cycles gives CPU time per
// cycle summed over processes and wake-ups per cycle, counted rather than inferred. Linux only;
// a process that has exited counts as zero.

#include <dirent.h>
#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace aap::bench {

struct ProcessCounters {
    int64_t cpuNs = 0;
    int64_t voluntarySwitches = 0;

    ProcessCounters operator-(const ProcessCounters& other) const {
        return {cpuNs - other.cpuNs, voluntarySwitches - other.voluntarySwitches};
    }
};

// Sums over every thread of every process in `pids` (0 means this process).
inline ProcessCounters readProcessCounters(const std::vector<pid_t>& pids) {
    ProcessCounters total;
    char path[128];
    char line[256];
    for (pid_t pid : pids) {
        const std::string tasks = pid == 0 ? "/proc/self/task" : "/proc/" + std::to_string(pid) + "/task";
        DIR* directory = ::opendir(tasks.c_str());
        if (directory == nullptr)
            continue;
        while (dirent* entry = ::readdir(directory)) {
            if (entry->d_name[0] == '.')
                continue;
            std::snprintf(path, sizeof(path), "%s/%s/schedstat", tasks.c_str(), entry->d_name);
            if (FILE* file = std::fopen(path, "r")) {
                long long onCpu = 0;
                if (std::fscanf(file, "%lld", &onCpu) == 1)
                    total.cpuNs += onCpu;
                std::fclose(file);
            }
            std::snprintf(path, sizeof(path), "%s/%s/status", tasks.c_str(), entry->d_name);
            if (FILE* file = std::fopen(path, "r")) {
                while (std::fgets(line, sizeof(line), file) != nullptr)
                    if (std::strncmp(line, "voluntary_ctxt_switches:", 24) == 0)
                        total.voluntarySwitches += std::atoll(line + 24);
                std::fclose(file);
            }
        }
        ::closedir(directory);
    }
    return total;
}

} // namespace aap::bench
