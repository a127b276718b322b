#pragma once
// URID extension (aap/ext/urid.h) over AAPXS: the host tells the plugin which URID names which
// extension URI, before prepare.
//
// Wire: 1 map: u8 urid, u32 L, L bytes of URI (no NUL); reply empty. L is at most
// AAP_MAX_EXTENSION_URI_SIZE. A plugin without the extension does not reply (NotImplemented).

#include <cstdint>
#include <string_view>

#include "aap/ext-cpp/extension-client.h"
#include "aap/ext/urid.h"

namespace aap {

inline constexpr std::int32_t kUridDataCapacity = AAP_MAX_EXTENSION_URI_SIZE + 16;

class UridProxy {
public:
    explicit UridProxy(ExtensionClient& client) noexcept;
    ExtensionStatus map(std::uint8_t urid, std::string_view uri, std::int64_t timeoutNs = 0);

    // The C struct for C host code. map makes a sync call ([main-thread], never on the process()
    // thread); a null uri is not sent (urid.h: never null), errors are dropped (map returns
    // nothing in the ABI; use map() above to see them). Valid as long as this proxy.
    aap_urid_extension_t* asPluginExtension() noexcept { return &extension_; }

private:
    ExtensionClient& client_;
    aap_urid_extension_t extension_;
};

} // namespace aap
