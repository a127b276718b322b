#pragma once
// The page assets compiled into aap_web_gui (tools/aap-web-gui/*.js, *.html).

#include <string>

namespace aap::web_gui {

// AAPInterop (aap-interop.js), without the plugin information line the server puts before it.
const std::string& interopScript();
// The generated UI (generated-ui.html): a control per parameter, presets, meters, a keyboard.
const std::string& generatedPage();

} // namespace aap::web_gui
