#pragma once
// The plugin side of the process transport: what `aap-plugin-service` runs. Serves one control
// connection (the host's socket) until EOF: answers the handshake, loads plugin libraries,
// maps the shared memory the host sends, runs each active instance's realtime loop on its own
// thread, and forwards the plugin's request_process to the host. Every message from the host is
// validated; malformed frames are answered with ProtocolError and end the connection.

namespace aap {

// Serves `controlFd` (owned; closed on return) on the calling thread. Returns the process exit
// code: 0 after a clean EOF, 2 after a protocol violation or handshake failure.
int runPluginService(int controlFd);

} // namespace aap
