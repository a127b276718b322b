#include "jack-library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace aap::host_tool {

namespace {

// Resolves `name` into *slot; false (with the missing name appended to *missing) when absent.
template <typename Function>
bool resolve(void* handle, const char* name, Function* slot, std::string* missing) {
    void* symbol = ::dlsym(handle, name);
    if (symbol == nullptr) {
        *missing += missing->empty() ? "" : ", ";
        *missing += name;
        return false;
    }
    // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
    *slot = reinterpret_cast<Function>(symbol);
    return true;
}

bool resolveAll(void* handle, JackLibrary* jack, std::string* missing) {
    bool ok = true;
#define AAP_JACK_RESOLVE(field) ok &= resolve(handle, "jack_" #field, &jack->field, missing)
    AAP_JACK_RESOLVE(client_open);
    AAP_JACK_RESOLVE(client_close);
    AAP_JACK_RESOLVE(get_client_name);
    AAP_JACK_RESOLVE(activate);
    AAP_JACK_RESOLVE(deactivate);
    AAP_JACK_RESOLVE(set_process_callback);
    AAP_JACK_RESOLVE(on_shutdown);
    AAP_JACK_RESOLVE(on_info_shutdown);
    AAP_JACK_RESOLVE(set_xrun_callback);
    AAP_JACK_RESOLVE(set_buffer_size_callback);
    AAP_JACK_RESOLVE(get_sample_rate);
    AAP_JACK_RESOLVE(get_buffer_size);
    AAP_JACK_RESOLVE(port_register);
    AAP_JACK_RESOLVE(port_get_buffer);
    AAP_JACK_RESOLVE(port_name);
    AAP_JACK_RESOLVE(port_by_name);
    AAP_JACK_RESOLVE(connect);
    AAP_JACK_RESOLVE(get_ports);
    AAP_JACK_RESOLVE(free);
    AAP_JACK_RESOLVE(midi_get_event_count);
    AAP_JACK_RESOLVE(midi_event_get);
    AAP_JACK_RESOLVE(midi_clear_buffer);
    AAP_JACK_RESOLVE(midi_event_write);
    AAP_JACK_RESOLVE(cpu_load);
    AAP_JACK_RESOLVE(last_frame_time);
    AAP_JACK_RESOLVE(get_cycle_times);
    AAP_JACK_RESOLVE(get_time);
    AAP_JACK_RESOLVE(set_error_function);
    AAP_JACK_RESOLVE(set_info_function);
#undef AAP_JACK_RESOLVE
    return ok;
}

} // namespace

std::string JackLibrary::libraryPath() {
    const char* path = std::getenv("AAP_LIBJACK");
    return path != nullptr && *path != '\0' ? path : "libjack.so.0";
}

const JackLibrary* JackLibrary::load(std::string* error) {
    static std::once_flag once;
    static JackLibrary library;
    static bool loaded = false;
    static std::string failure;
    std::call_once(once, [] {
        const std::string path = libraryPath();
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            const char* reason = ::dlerror();
            failure = "JACK is not available: install jackd2 or pipewire-jack (cannot load " + path +
                      (reason != nullptr ? std::string(": ") + reason : std::string()) + ")";
            return;
        }
        std::string missing;
        if (!resolveAll(handle, &library, &missing)) {
            failure = "JACK is not available: install jackd2 or pipewire-jack (" + path +
                      " lacks " + missing + ")";
            ::dlclose(handle);
            library = JackLibrary{};
            return;
        }
        loaded = true;  // never dlclosed: JACK's threads may outlive any owner
    });
    if (!loaded) {
        if (error != nullptr)
            *error = failure;
        return nullptr;
    }
    return &library;
}

} // namespace aap::host_tool
