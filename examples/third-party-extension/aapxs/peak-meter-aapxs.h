#pragma once
// The AAPXS definition of the peak-meter extension. The plugin library exports it
// (aap_plugin_get_aapxs_definitions) so the plugin service registers it at run time and answers
// requests for it; a host process that wanted to answer it itself would register it with its
// aap::AAPXSDefinitionRegistry the same way.

#include "aapxs/aapxs.h"

namespace aap_example {

const AAPXSDefinition& peakMeterDefinition() noexcept;

} // namespace aap_example
