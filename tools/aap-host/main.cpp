// aap-host: the command-line AAP host. `aap-host --help` lists the subcommands; docs/aap-host.md
// documents every option and exit code.

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "aap/runtime/log.h"
#include "aap/version.h"
#include "commands.h"
#include "exit-codes.h"

namespace {

using namespace aap::host_tool;

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const std::vector<std::string>&);
};

const Command kCommands[] = {
    {"list", "list the plugins found on the search path (text or --json)", runListCommand},
    {"info", "show a plugin's metadata and what the running plugin reports", runInfoCommand},
    {"render", "run a plugin over a WAV and/or MIDI file and write a WAV", runRenderCommand},
    {"play", "play a chain of plugins live as a JACK client (MIDI in, audio in/out)", runPlayCommand},
    {"bench", "measure process() round trips, out of process beside in process", runBenchCommand},
    {"validate", "run a battery of checks on a plugin (PASS/WARN/FAIL per check)", runValidateCommand},
    {"gui", "run a plugin with its GUI: its web UI served on 127.0.0.1, or --native: its own X11 GUI",
     runGuiCommand},
    {"demo", "render a generated song through the example instrument and effect", runDemoCommand},
};

void printUsage(FILE* out) {
    std::fprintf(out,
                 "usage: aap-host <command> [options]\n"
                 "       aap-host <command> --help\n"
                 "\n"
                 "commands:\n");
    for (const Command& command : kCommands)
        std::fprintf(out, "  %-8s %s\n", command.name, command.summary);
    std::fprintf(out,
                 "\n"
                 "exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 plugin not found,\n"
                 "            4 bad input file, 5 output error, 6 validation failed,\n"
                 "            7 audio unavailable (no libjack or JACK server),\n"
                 "            8 gui unavailable (built without the web GUI server)\n");
}

} // namespace

int main(int argc, char** argv) {
    // A write to a pipe whose reader went away is an error value, not a silent death.
    std::signal(SIGPIPE, SIG_IGN);
    // Diagnostics of the SDK's libraries (aap/runtime/log.h) go to stderr, like aap-host's own.
    aap::setLogHandler(aap::stderrLogHandler("aap-host"));
    if (argc < 2) {
        printUsage(stderr);
        return kExitUsage;
    }
    const std::string first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
        if (first == "help" && argc > 2) {
            for (const Command& command : kCommands)
                if (argv[2] == std::string(command.name))
                    return command.run({"--help"});
            std::fprintf(stderr, "aap-host: unknown command '%s'\n", argv[2]);
            return kExitUsage;
        }
        printUsage(stdout);
        return kExitOk;
    }
    if (first == "--version") {
        std::printf("aap-host %d.%d.%d\n", AAP_VERSION_MAJOR, AAP_VERSION_MINOR, AAP_VERSION_PATCH);
        return kExitOk;
    }
    for (const Command& command : kCommands)
        if (first == command.name)
            return command.run(std::vector<std::string>(argv + 2, argv + argc));
    std::fprintf(stderr, "aap-host: unknown command '%s' (try aap-host --help)\n", first.c_str());
    return kExitUsage;
}
