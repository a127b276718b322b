// aap-plugin-service: the process that loads AAP plugin libraries on behalf of a host using
// aap::hosting's ProcessTransport. The host spawns it with its end of a UNIX socket pair:
//
//     aap-plugin-service --control-fd <fd>
//
// It exits when the host closes the socket, and (through PR_SET_PDEATHSIG set by the host
// between fork and exec) when the host dies.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "aap/hosting/plugin-service.h"
#include "aap/runtime/log.h"

namespace {

int usage(const char* program) {
    std::fprintf(stderr,
                 "usage: %s --control-fd <fd> [--sandbox [--sandbox-writable <absolute dir>]...]\n"
                 "          [--gui-deadlines-ms HELLO,CREATE,CALL]\n"
                 "Started by an AAP host (aap::hosting ProcessTransport); not meant to be run by hand.\n",
                 program);
    return 64;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        usage(argv[0]);
        return 0;
    }
    if (argc < 3 || std::strcmp(argv[1], "--control-fd") != 0)
        return usage(argv[0]);
    bool sandbox = false;
    std::vector<std::string> writable;
    for (int i = 3; i < argc; i++) {
        if (std::strcmp(argv[i], "--sandbox") == 0 && !sandbox) {
            sandbox = true;
        } else if (std::strcmp(argv[i], "--sandbox-writable") == 0 && i + 1 < argc && argv[i + 1][0] == '/') {
            writable.emplace_back(argv[++i]);
        } else if (std::strcmp(argv[i], "--gui-deadlines-ms") == 0 && i + 1 < argc) {
            // Three whole millisecond counts, 1 .. 60000 each (docs/gui.md, "Native GUIs").
            long values[3];
            const char* text = argv[++i];
            for (int k = 0; k < 3; k++) {
                char* end = nullptr;
                errno = 0;
                values[k] = std::strtol(text, &end, 10);
                if (errno != 0 || end == text || values[k] < 1 || values[k] > 60000 || *end != (k < 2 ? ',' : '\0'))
                    return usage(argv[0]);
                text = end + 1;
            }
            aap::setServiceGuiDeadlines(values[0] * 1000000LL, values[1] * 1000000LL, values[2] * 1000000LL);
        } else {
            return usage(argv[0]);
        }
    }
    if (!writable.empty() && !sandbox)
        return usage(argv[0]);
    char* end = nullptr;
    errno = 0;
    long fd = std::strtol(argv[2], &end, 10);
    if (errno != 0 || end == argv[2] || *end != '\0' || fd < 0 || fd > 1024 || ::fcntl(static_cast<int>(fd), F_GETFD) < 0) {
        std::fprintf(stderr, "aap-plugin-service: --control-fd must name an open descriptor\n");
        return 64;
    }
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    // The libraries only report through a handler; the service's own stderr is where its
    // diagnostics go (the host's terminal, unless the host redirected it).
    aap::setLogHandler(aap::stderrLogHandler("aap-plugin-service"));
    // Default signal state (SIGPIPE ignored), child subreaper, and every descendant killed on the
    // way out (docs/hosting.md, fault model).
    return aap::runPluginServiceProcess(static_cast<int>(fd), sandbox, writable);
}
