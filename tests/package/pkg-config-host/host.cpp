// A host built by package.pkg_config.host with nothing but the compiler and
// `pkg-config --cflags --libs aap-hosting` against a staged installation, then run from that
// installation's bin/ with no AAP_* environment variable: it must find the installed
// aap-plugin-service (in ../libexec/aap) by itself.
//
//     aap-pkg-config-host <plugin directory> <plugin id>

#include <cstdio>
#include <memory>
#include <string>

#include "aap/hosting/plugin-host.h"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: aap-pkg-config-host <plugin directory> <plugin id>\n");
        return 64;
    }
    aap::PluginHost host{aap::PluginCatalog::scan({argv[1]})};
    std::unique_ptr<aap::PluginInstance> instance;
    std::string error;
    aap::HostingStatus status = host.instantiate(argv[2], &instance, &error);
    if (status != aap::HostingStatus::Ok) {
        std::fprintf(stderr, "instantiate: %s: %s\n", aap::hostingStatusMessage(status), error.c_str());
        return 1;
    }
    if ((status = instance->prepare(128, 48000)) != aap::HostingStatus::Ok ||
        (status = instance->activate()) != aap::HostingStatus::Ok) {
        std::fprintf(stderr, "prepare/activate: %s\n", aap::hostingStatusMessage(status));
        return 1;
    }
    for (int cycle = 0; cycle < 20; cycle++) {
        if ((status = instance->process(128, 1'000'000'000)) != aap::HostingStatus::Ok) {
            std::fprintf(stderr, "process: %s\n", aap::hostingStatusMessage(status));
            return 1;
        }
    }
    std::printf("ok: %s ran out of process; realtime: %s\n", instance->information().displayName.c_str(),
                aap::describeRealtimeScheduling(instance->realtimeReport().scheduling).c_str());
    return instance->destroy() == aap::HostingStatus::Ok ? 0 : 1;
}
