#pragma once
// Private to aap::hosting: the search for aap-plugin-service (service-location.cpp).

#include <string>
#include <vector>

namespace aap {

// [main-thread] The first executable among: $AAP_PLUGIN_SERVICE; next to the binary containing
// aap::hosting; next to /proc/self/exe; <exe dir>/<bindir -> service dir>; the compiled-in
// install path. "" when none is. Every path looked at is appended to *tried (when not null),
// for the error message.
std::string locateServiceExecutable(std::vector<std::string>* tried = nullptr);

} // namespace aap
