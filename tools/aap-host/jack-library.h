#pragma once
// libjack loaded at run time ("weak JACK"): aap-host has no build-time dependency on JACK, runs
// where JACK is not installed, and works with any libjack.so.0 (JACK2's, or PipeWire's through
// `pw-jack`, which puts its own libjack first on LD_LIBRARY_PATH).
//
// JackLibrary::load dlopens $AAP_LIBJACK when set (a path to another libjack, for tests and
// unusual installs), else "libjack.so.0", and resolves EVERY function below at load time: a
// library missing any of them is rejected as a whole, so no call can ever fail on a missing symbol
// later. The declarations are the stable C ABI of jack/jack.h and jack/midiport.h (JACK 1 and 2,
// PipeWire); no JACK header is needed to build.
//
// Threads: load() [main-thread]; the function pointers are then immutable ([thread-safe] to read).
// The library is never unloaded (dlclose of a libjack with live threads is unsafe).

#include <cstddef>
#include <cstdint>
#include <string>

namespace aap::host_tool {

// The JACK C ABI subset aap-host uses.
namespace jack {
struct Client;  // jack_client_t
struct Port;    // jack_port_t
using NFrames = uint32_t;
using Time = uint64_t;
using MidiData = unsigned char;
struct MidiEvent {
    NFrames time;
    size_t size;
    MidiData* buffer;
};
// jack_options_t / jack_status_t bits.
constexpr int kNoStartServer = 0x01;
constexpr int kUseExactName = 0x02;
constexpr int kServerName = 0x04;
constexpr int kStatusFailure = 0x01;
constexpr int kStatusServerFailed = 0x10;
// JackPortFlags.
constexpr unsigned long kPortIsInput = 0x1;
constexpr unsigned long kPortIsOutput = 0x2;
constexpr unsigned long kPortIsPhysical = 0x4;
constexpr unsigned long kPortIsTerminal = 0x10;
constexpr const char* kDefaultAudioType = "32 bit float mono audio";
constexpr const char* kDefaultMidiType = "8 bit raw midi";
using ProcessCallback = int (*)(NFrames frames, void* arg);
using ShutdownCallback = void (*)(void* arg);
using InfoShutdownCallback = void (*)(int status, const char* reason, void* arg);
using XRunCallback = int (*)(void* arg);
using BufferSizeCallback = int (*)(NFrames frames, void* arg);
} // namespace jack

struct JackLibrary {
    jack::Client* (*client_open)(const char* name, int options, int* status, ...) = nullptr;
    int (*client_close)(jack::Client*) = nullptr;
    char* (*get_client_name)(jack::Client*) = nullptr;
    int (*activate)(jack::Client*) = nullptr;
    int (*deactivate)(jack::Client*) = nullptr;
    int (*set_process_callback)(jack::Client*, jack::ProcessCallback, void*) = nullptr;
    void (*on_shutdown)(jack::Client*, jack::ShutdownCallback, void*) = nullptr;
    void (*on_info_shutdown)(jack::Client*, jack::InfoShutdownCallback, void*) = nullptr;
    int (*set_xrun_callback)(jack::Client*, jack::XRunCallback, void*) = nullptr;
    int (*set_buffer_size_callback)(jack::Client*, jack::BufferSizeCallback, void*) = nullptr;
    jack::NFrames (*get_sample_rate)(jack::Client*) = nullptr;
    jack::NFrames (*get_buffer_size)(jack::Client*) = nullptr;
    jack::Port* (*port_register)(jack::Client*, const char* name, const char* type, unsigned long flags,
                                 unsigned long bufferSize) = nullptr;
    void* (*port_get_buffer)(jack::Port*, jack::NFrames) = nullptr;
    const char* (*port_name)(const jack::Port*) = nullptr;
    jack::Port* (*port_by_name)(jack::Client*, const char* name) = nullptr;
    int (*connect)(jack::Client*, const char* source, const char* destination) = nullptr;
    const char** (*get_ports)(jack::Client*, const char* namePattern, const char* typePattern,
                              unsigned long flags) = nullptr;
    void (*free)(void*) = nullptr;
    uint32_t (*midi_get_event_count)(void* buffer) = nullptr;
    int (*midi_event_get)(jack::MidiEvent* event, void* buffer, uint32_t index) = nullptr;
    void (*midi_clear_buffer)(void* buffer) = nullptr;
    int (*midi_event_write)(void* buffer, jack::NFrames time, const jack::MidiData* data, size_t size) = nullptr;
    float (*cpu_load)(jack::Client*) = nullptr;
    jack::NFrames (*last_frame_time)(const jack::Client*) = nullptr;
    int (*get_cycle_times)(const jack::Client*, jack::NFrames* currentFrames, jack::Time* currentUsecs,
                           jack::Time* nextUsecs, float* periodUsecs) = nullptr;
    uint64_t (*get_time)() = nullptr;  // jack_time_t jack_get_time(void)
    void (*set_error_function)(void (*)(const char*)) = nullptr;
    void (*set_info_function)(void (*)(const char*)) = nullptr;

    // [main-thread] Loads the library once per process (later calls return the same result).
    // On failure returns null and *error is the full message, starting with
    // "JACK is not available: install jackd2 or pipewire-jack".
    static const JackLibrary* load(std::string* error);
    // The path that was (or would be) opened: $AAP_LIBJACK or "libjack.so.0".
    static std::string libraryPath();
};

} // namespace aap::host_tool
