// Where ProcessTransport finds aap-plugin-service when the host names no path (docs/install.md,
// docs/hosting.md section 1). The install locations are compiled in by hosting/CMakeLists.txt.

#include "service-location.h"

#include <dlfcn.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#ifndef AAP_HOSTING_INSTALLED_SERVICE
#error "hosting/CMakeLists.txt defines AAP_HOSTING_INSTALLED_SERVICE (the installed service's absolute path)"
#endif
#ifndef AAP_HOSTING_SERVICE_FROM_BINDIR
#error "hosting/CMakeLists.txt defines AAP_HOSTING_SERVICE_FROM_BINDIR (the service's directory relative to bindir)"
#endif

namespace aap {

namespace {

bool isExecutableFile(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string directoryOf(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string{"."} : path.substr(0, slash);
}

} // namespace

std::string locateServiceExecutable(std::vector<std::string>* tried) {
    std::vector<std::string> candidates;
    // 1. The override.
    if (const char* env = std::getenv("AAP_PLUGIN_SERVICE"); env != nullptr && env[0] != '\0')
        candidates.emplace_back(env);
    // 2. Next to the binary that contains aap::hosting (a shared build of it, or the host), as in
    //    the build tree, where aap-host and the service are written side by side.
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&locateServiceExecutable), &info) != 0 && info.dli_fname != nullptr &&
        info.dli_fname[0] == '/')
        candidates.push_back(directoryOf(info.dli_fname) + "/aap-plugin-service");
    // 3. Next to the executable, and where an installation puts the service relative to its
    //    bindir: a host installed into the same prefix finds it even when that prefix was moved
    //    (`cmake --install --prefix <elsewhere>`).
    char self[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (length > 0) {
        self[length] = '\0';
        const std::string directory = directoryOf(self);
        candidates.push_back(directory + "/aap-plugin-service");
        candidates.push_back(directory + "/" AAP_HOSTING_SERVICE_FROM_BINDIR "/aap-plugin-service");
    }
    // 4. The installation this library was built for (CMAKE_INSTALL_PREFIX at configure time).
    candidates.emplace_back(AAP_HOSTING_INSTALLED_SERVICE);

    for (const std::string& candidate : candidates) {
        bool seen = false;
        if (tried != nullptr) {
            for (const std::string& earlier : *tried)
                seen = seen || earlier == candidate;
            if (!seen)
                tried->push_back(candidate);
        }
        if (isExecutableFile(candidate))
            return candidate;
    }
    return {};
}

} // namespace aap
