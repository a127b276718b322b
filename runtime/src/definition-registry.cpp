#include "aap/runtime/definition-registry.h"

#include <cstring>
#include <new>

namespace aap {

const char* toString(RegistryError error) noexcept {
    switch (error) {
    case RegistryError::None: return "ok";
    case RegistryError::NullUri: return "definition has a null URI";
    case RegistryError::EmptyUri: return "definition has an empty URI";
    case RegistryError::UriTooLong: return "definition URI is longer than AAP_MAX_EXTENSION_URI_SIZE";
    case RegistryError::BadDataCapacity: return "definition data_capacity is not within 1..16 MiB";
    case RegistryError::DuplicateUri: return "a definition with this URI is already registered";
    case RegistryError::OutOfMemory: return "out of memory while registering the definition";
    }
    return "unknown registry error";
}

const char* toString(UridError error) noexcept {
    switch (error) {
    case UridError::None: return "ok";
    case UridError::InvalidUrid: return "urid 0 means unmapped and cannot be assigned";
    case UridError::NullDefinition: return "definition is null";
    case UridError::UridInUse: return "urid already names another definition";
    case UridError::DefinitionMapped: return "definition already has a urid";
    case UridError::TableFull: return "all 255 urids are in use";
    }
    return "unknown urid error";
}

RegistryError AAPXSDefinitionRegistry::add(const AAPXSDefinition& definition) noexcept {
    if (!definition.uri)
        return RegistryError::NullUri;
    const std::size_t length = strnlen(definition.uri, AAP_MAX_EXTENSION_URI_SIZE + 1);
    if (length == 0)
        return RegistryError::EmptyUri;
    if (length > AAP_MAX_EXTENSION_URI_SIZE)
        return RegistryError::UriTooLong;
    if (definition.data_capacity <= 0 || definition.data_capacity > kMaxDataCapacity)
        return RegistryError::BadDataCapacity;
    const std::string_view uri{definition.uri, length};
    if (by_uri_.find(uri) != by_uri_.end())
        return RegistryError::DuplicateUri;
    try {
        auto entry = std::make_unique<Entry>();
        entry->uri.assign(uri);
        entry->definition = definition;
        entry->definition.uri = entry->uri.c_str();
        entries_.reserve(entries_.size() + 1);
        by_uri_.emplace(std::string_view{entry->uri}, entry.get());
        entries_.push_back(std::move(entry)); // cannot throw: capacity reserved above
    } catch (const std::bad_alloc&) {
        // emplace may have succeeded before push_back; keep the two containers consistent.
        by_uri_.erase(uri);
        return RegistryError::OutOfMemory;
    }
    return RegistryError::None;
}

AAPXSDefinition* AAPXSDefinitionRegistry::findByUri(std::string_view uri) const noexcept {
    auto it = by_uri_.find(uri);
    return it == by_uri_.end() ? nullptr : &it->second->definition;
}

UridError UridTable::assign(std::uint8_t urid, AAPXSDefinition* definition) noexcept {
    if (urid == kUnmapped)
        return UridError::InvalidUrid;
    if (!definition)
        return UridError::NullDefinition;
    if (definitions_[urid] == definition)
        return UridError::None; // idempotent
    if (definitions_[urid])
        return UridError::UridInUse;
    if (uridOf(definition) != kUnmapped)
        return UridError::DefinitionMapped;
    definitions_[urid] = definition;
    return UridError::None;
}

UridError UridTable::assignNext(AAPXSDefinition* definition, std::uint8_t* assigned) noexcept {
    if (!definition)
        return UridError::NullDefinition;
    if (const std::uint8_t existing = uridOf(definition)) {
        if (assigned)
            *assigned = existing;
        return UridError::None;
    }
    for (std::size_t urid = 1; urid < definitions_.size(); ++urid) {
        if (!definitions_[urid]) {
            definitions_[urid] = definition;
            if (assigned)
                *assigned = static_cast<std::uint8_t>(urid);
            return UridError::None;
        }
    }
    return UridError::TableFull;
}

std::uint8_t UridTable::uridOf(const AAPXSDefinition* definition) const noexcept {
    if (!definition)
        return kUnmapped;
    for (std::size_t urid = 1; urid < definitions_.size(); ++urid)
        if (definitions_[urid] == definition)
            return static_cast<std::uint8_t>(urid);
    return kUnmapped;
}

} // namespace aap
