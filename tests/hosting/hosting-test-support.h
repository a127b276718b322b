#pragma once
// Shared helpers of the hosting tests: the test-plugin catalog, host options pointing at the
// build tree's aap-plugin-service, and a /proc scan for child processes left behind.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aap/hosting/plugin-host.h"

namespace aap::test {

PluginCatalog testCatalog();
PluginHostOptions testOptions(PluginIsolation isolation);
// Live or zombie children of this process (from /proc/<pid>/stat).
std::vector<pid_t> childProcesses();
// Waits up to 2 s for every child to be gone (a killed child is reaped asynchronously).
bool noChildProcessesRemain();

// Fills the inputs of a gain-echo style instance (ports 0,1 audio in; 4 MIDI2 in) from `seed`.
void fillInputs(PluginInstance& instance, int32_t frames, uint32_t seed);
// Sets every output to a non-zero pattern so a test can see that a failure silenced it.
void poisonOutputs(PluginInstance& instance);
bool outputsSilent(PluginInstance& instance);

} // namespace aap::test
