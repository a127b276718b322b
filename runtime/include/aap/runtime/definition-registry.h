#pragma once
// aap::AAPXSDefinitionRegistry: the AAPXS definitions (standard and third-party) a host or plugin
// service knows, and aap::UridTable: the per-instance URID assignment (1..255, 0 = unmapped) that
// the host makes and tells the plugin side (urid extension, opcode 1).
//
// Threads: add() and UridTable::assign() are [non-realtime] and must not run concurrently with
// lookups; build the registry and the instance's URID table before its sessions start. After
// that, lookups are [thread-safe]: UridTable::find() is an array index ([audio-thread] safe), and
// findByUri() is one hash of the URI with no allocation (used off the audio thread: the sessions
// send URI-only messages to the non-realtime worker for resolution).
//
// Ownership: the registry copies each definition and the URI string it names, so the caller's
// AAPXSDefinition may go away; the definition's aapxs_context and functions must outlive the
// registry. Pointers returned by lookups stay valid for the registry's lifetime (entries are
// never moved or removed). Nothing here is process-global: each host or service owns its
// registry, and each instance its UridTable.

#include "aapxs/aapxs.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aap {

enum class RegistryError : std::uint8_t {
    None,
    NullUri,          // definition.uri == nullptr
    EmptyUri,         // definition.uri == ""
    UriTooLong,       // longer than AAP_MAX_EXTENSION_URI_SIZE bytes
    BadDataCapacity,  // data_capacity <= 0 or larger than kMaxDataCapacity
    DuplicateUri,     // a definition with this URI is already registered
    OutOfMemory,      // storing the definition failed
};
const char* toString(RegistryError error) noexcept;

class AAPXSDefinitionRegistry {
public:
    // Upper bound for a definition's data_capacity: 16 MiB. Bigger blocks cannot be a realtime
    // extension payload anyway, and the bound keeps size arithmetic far from overflow.
    static constexpr std::int32_t kMaxDataCapacity = 16 * 1024 * 1024;

    AAPXSDefinitionRegistry() = default;
    AAPXSDefinitionRegistry(const AAPXSDefinitionRegistry&) = delete;
    AAPXSDefinitionRegistry& operator=(const AAPXSDefinitionRegistry&) = delete;

    // [non-realtime] Validates and copies definition. On error nothing is added.
    RegistryError add(const AAPXSDefinition& definition) noexcept;

    // [thread-safe] O(1) average, no allocation. nullptr when unknown.
    AAPXSDefinition* findByUri(std::string_view uri) const noexcept;

    std::size_t size() const noexcept { return entries_.size(); }
    AAPXSDefinition* at(std::size_t index) const noexcept {
        return index < entries_.size() ? &entries_[index]->definition : nullptr;
    }

private:
    struct Entry {
        std::string uri;
        AAPXSDefinition definition;
    };
    std::vector<std::unique_ptr<Entry>> entries_;
    std::unordered_map<std::string_view, Entry*> by_uri_;
};

enum class UridError : std::uint8_t {
    None,
    InvalidUrid,       // 0 (means "unmapped") is not assignable
    NullDefinition,
    UridInUse,         // the urid already names another definition
    DefinitionMapped,  // the definition already has a (different) urid
    TableFull,         // all 255 urids are in use (assignNext)
};
const char* toString(UridError error) noexcept;

class UridTable {
public:
    static constexpr std::uint8_t kUnmapped = 0;

    // [non-realtime] Binds urid (1..255) to definition (a registry entry).
    UridError assign(std::uint8_t urid, AAPXSDefinition* definition) noexcept;
    // [non-realtime] Binds the lowest free urid; writes it to *assigned on success.
    UridError assignNext(AAPXSDefinition* definition, std::uint8_t* assigned) noexcept;

    // [thread-safe] [audio-thread] nullptr for 0 or an unassigned urid.
    AAPXSDefinition* find(std::uint8_t urid) const noexcept { return definitions_[urid]; }
    // [thread-safe] The urid of definition, 0 when unmapped. O(255), no allocation.
    std::uint8_t uridOf(const AAPXSDefinition* definition) const noexcept;

private:
    std::array<AAPXSDefinition*, 256> definitions_{}; // index 0 stays null
};

} // namespace aap
