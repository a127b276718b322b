#pragma once
// aap-host's process exit codes (docs/aap-host.md). Distinct per failure class so scripts can
// tell a typo from a broken plugin from a bad file.

namespace aap::host_tool {

enum ExitCode : int {
    kExitOk = 0,
    kExitRuntimeFailure = 1,   // the plugin or its process failed (instantiate, prepare, process, extension)
    kExitUsage = 2,            // bad command line: unknown option, bad value, missing argument
    kExitPluginNotFound = 3,   // no plugin (or more than one) matches the name given
    kExitBadInput = 4,         // an input file (WAV, MIDI, state) is missing, corrupt or unsupported
    kExitOutputError = 5,      // an output file could not be written
    kExitValidationFailed = 6, // aap-host validate: at least one check FAILed (the plugin is faulty)
    kExitAudioUnavailable = 7, // aap-host play: no libjack, no JACK server to connect to, or the server went away
    kExitGuiUnavailable = 8,   // aap-host gui: this aap-host was built without the web GUI server (civetweb);
                               // gui --native: built without X11, or no X display reachable
};

} // namespace aap::host_tool
