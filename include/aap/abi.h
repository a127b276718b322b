#pragma once
/*
 * ABI versioning: how a host learns which ABI a plugin binary was built against, and the reverse.
 *
 * The struct layouts of AAP 0.8 are frozen (existing plugins initialize them positionally), and a
 * plugin library exports exactly one symbol, so the version travels as an extension:
 *
 *   - A plugin built with this SDK answers get_extension(plugin, AAP_ABI_EXTENSION_URI) with a
 *     pointer to a static const aap_abi_version_t carrying the AAP_ABI_VERSION_MAJOR/MINOR it was
 *     compiled with. One line in a plugin's get_extension does it:
 *
 *         void* e = aap_abi_get_extension(uri); if (e) return e;
 *
 *   - A host built with this SDK answers the same URI from AndroidAudioPluginHost.get_extension,
 *     so a plugin can check the host in instantiate.
 *
 *   - A peer that answers null is a "legacy" AAP 0.8 peer. The 0.8 layouts are ABI 1.0, so a
 *     legacy peer is accepted (AAP_ABI_CHECK_LEGACY).
 *
 * What each side does (aap_abi_check gives the verdict; see docs/abi.md):
 *
 *   Host, right after instantiate: v = plugin->get_extension(plugin, AAP_ABI_EXTENSION_URI);
 *   if aap_abi_check(v) < 0, release the instance immediately (no prepare), mark the plugin
 *   unusable and report the line aap_abi_describe writes ("plugin <id>: built against AAP ABI
 *   <major>.<minor>; this side supports AAP ABI <AAP_ABI_VERSION_MAJOR>.x: <reason>").
 *
 *   Plugin, in instantiate: v = host->get_extension(host, AAP_ABI_EXTENSION_URI); if
 *   aap_abi_check(v) < 0, write the aap_abi_describe line to stderr and return null from
 *   instantiate.
 *
 * Compatibility rule: same major = compatible, whatever the minors. A minor bump only adds things
 * a peer discovers at runtime (new extensions, new optional members at the END of a struct, which
 * the peer must check for null); a major bump means a layout or semantic break.
 */

#include <stdio.h>

#include "private/std.h"
#include "private/macros.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The extension URI carrying an aap_abi_version_t. The "/v1" versions the record's own layout,
 * which never changes; the ABI version is inside it. */
#define AAP_ABI_EXTENSION_URI "urn://androidaudioplugin.org/abi/v1"

/* First member of every aap_abi_version_t: "AAPA" as a little-endian uint32. A record without it
 * is malformed (a peer answering the URI with something else). */
#define AAP_ABI_MAGIC 0x41504141u

/* What get_extension(AAP_ABI_EXTENSION_URI) returns: a pointer to a static, read-only record that
 * lives as long as the library that owns it. Never modify it. 16 bytes, no padding. */
typedef struct aap_abi_version_t {
    uint32_t magic;          /* AAP_ABI_MAGIC */
    uint32_t abi_major;      /* AAP_ABI_VERSION_MAJOR the peer was compiled with */
    uint32_t abi_minor;      /* AAP_ABI_VERSION_MINOR the peer was compiled with */
    uint32_t sdk_version;    /* informative: SDK major * 10000 + minor * 100 + patch */
} aap_abi_version_t;

/* Verdicts of aap_abi_check. Negative values mean "refuse". */
enum aap_abi_check_result {
    AAP_ABI_CHECK_COMPATIBLE = 0,      /* same major */
    AAP_ABI_CHECK_LEGACY = 1,          /* no record: an AAP 0.8 peer, whose layout is ABI 1.0 */
    AAP_ABI_CHECK_MAJOR_MISMATCH = -1, /* refuse: different major */
    AAP_ABI_CHECK_MALFORMED = -2       /* refuse: record without AAP_ABI_MAGIC */
};
typedef enum aap_abi_check_result aap_abi_check_result;

/* [thread-safe] The record describing the ABI of the code that includes this header. */
static inline const aap_abi_version_t* aap_abi_current_version(void) {
    static const aap_abi_version_t version = {
        AAP_ABI_MAGIC, AAP_ABI_VERSION_MAJOR, AAP_ABI_VERSION_MINOR,
        AAP_VERSION_MAJOR * 10000u + AAP_VERSION_MINOR * 100u + AAP_VERSION_PATCH
    };
    return &version;
}

/* [thread-safe] For a get_extension implementation (plugin or host): returns the ABI record (as
 * the void* get_extension returns) when uri is AAP_ABI_EXTENSION_URI, null otherwise (including a
 * null uri). The record is read-only even though the 0.8 signature says void*. */
static inline void* aap_abi_get_extension(const char* uri) {
    if (uri == AAP_NULL || strcmp(uri, AAP_ABI_EXTENSION_URI) != 0)
        return AAP_NULL;
    return AAP_CONST_CAST(void*, AAP_CAST(const void*, aap_abi_current_version()));
}

/* [thread-safe] Judges a peer's record (what its get_extension returned for AAP_ABI_EXTENSION_URI;
 * null allowed) against the ABI of the caller. */
static inline aap_abi_check_result aap_abi_check(const void* peerRecord) {
    const aap_abi_version_t* peer = AAP_CAST(const aap_abi_version_t*, peerRecord);
    if (peer == AAP_NULL)
        return AAP_ABI_CHECK_LEGACY;
    if (peer->magic != AAP_ABI_MAGIC)
        return AAP_ABI_CHECK_MALFORMED;
    if (peer->abi_major != AAP_ABI_VERSION_MAJOR)
        return AAP_ABI_CHECK_MAJOR_MISMATCH;
    return AAP_ABI_CHECK_COMPATIBLE;
}

/* [thread-safe] A static, human-readable explanation of a verdict; never null. */
static inline const char* aap_abi_check_result_message(aap_abi_check_result result) {
    switch (result) {
    case AAP_ABI_CHECK_COMPATIBLE:
        return "compatible AAP ABI (same major version)";
    case AAP_ABI_CHECK_LEGACY:
        return "legacy AAP 0.8 peer without an ABI record; its layout is AAP ABI 1.0";
    case AAP_ABI_CHECK_MAJOR_MISMATCH:
        return "incompatible AAP ABI: the peer was built against a different major ABI version";
    case AAP_ABI_CHECK_MALFORMED:
        return "malformed AAP ABI record: the peer answered " AAP_ABI_EXTENSION_URI
               " with something that is not an aap_abi_version_t";
    }
    return "unknown AAP ABI check result";
}

/* [thread-safe, not realtime-safe] Writes the one-line report a host (or plugin) gives when it
 * checks a peer: what the peer was built against, what this side supports, and the verdict, e.g.
 *   "plugin urn:example:x: built against AAP ABI 2.0; this side supports AAP ABI 1.x: incompatible
 *    AAP ABI: the peer was built against a different major ABI version"
 * peerDescription names the peer ("plugin <id>", "host"); null prints "peer". The text is
 * truncated to fit and always NUL-terminated when capacity > 0. Returns what snprintf returns. */
static inline int aap_abi_describe(char* buffer, size_t capacity, const char* peerDescription,
                                   const void* peerRecord) {
    const aap_abi_version_t* peer = AAP_CAST(const aap_abi_version_t*, peerRecord);
    aap_abi_check_result verdict = aap_abi_check(peerRecord);
    const char* name = peerDescription != AAP_NULL ? peerDescription : "peer";
    if (buffer == AAP_NULL || capacity == 0)
        return -1;
    if (verdict == AAP_ABI_CHECK_LEGACY || verdict == AAP_ABI_CHECK_MALFORMED)
        return snprintf(buffer, capacity, "%s: this side supports AAP ABI %u.x: %s", name,
                        AAP_CAST(unsigned, AAP_ABI_VERSION_MAJOR), aap_abi_check_result_message(verdict));
    return snprintf(buffer, capacity, "%s: built against AAP ABI %u.%u; this side supports AAP ABI %u.x: %s", name,
                    AAP_CAST(unsigned, peer->abi_major), AAP_CAST(unsigned, peer->abi_minor),
                    AAP_CAST(unsigned, AAP_ABI_VERSION_MAJOR), aap_abi_check_result_message(verdict));
}

#ifdef __cplusplus
} /* extern "C" */
#endif
