#pragma once
/*
 * Plugin metadata as seen from code: the plugin, its ports and its parameters.
 *
 * A host builds these views from the plugin's aap_metadata.xml (docs/spec/abi.md section 6) and hands
 * them to a plugin through AndroidAudioPlugin.get_plugin_info or the host's plugin-info extension
 * (aap/ext/plugin-info.h). Every member except `context` is a function pointer taking the struct
 * itself; `context` belongs to whoever filled the struct and nobody else reads it.
 *
 * Strings returned by these functions are owned by the provider and stay valid as long as the
 * provider's plugin instance (or, for the host, the host's catalog entry) lives; never free them.
 * Struct values returned by get_port / get_parameter are small handles copied by value.
 *
 * Threads: the string getters are [main-thread] (RT_UNSAFE); the counts, get_port, get_parameter
 * and the numeric getters are [thread-safe] and realtime-safe (RT_SAFE): providers serve them
 * from memory prepared beforehand.
 */

#include "private/std.h"
#include "private/macros.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a port carries. The values are part of the ABI. */
enum aap_content_type {
    AAP_CONTENT_TYPE_UNDEFINED = 0,
    AAP_CONTENT_TYPE_AUDIO = 1,
    AAP_CONTENT_TYPE_MIDI = 2,
    AAP_CONTENT_TYPE_MIDI2 = 3
};
/* C++ sources name the enum without `enum`; this typedef lets C sources do the same. */
typedef enum aap_content_type aap_content_type;

/* Which way data flows through a port, seen from the plugin. The values are part of the ABI. */
enum aap_port_direction {
    AAP_PORT_DIRECTION_INPUT = 0,
    AAP_PORT_DIRECTION_OUTPUT = 1
};
typedef enum aap_port_direction aap_port_direction;

typedef struct aap_plugin_info_port aap_plugin_info_port_t;

typedef aap_port_direction (*get_port_direction_property_func)(aap_plugin_info_port_t* port);
typedef aap_content_type (*get_content_type_property_func)(aap_plugin_info_port_t* port);
typedef uint32_t (*get_uint32_port_property_func)(aap_plugin_info_port_t* port);
typedef const char* (*get_string_port_property_func)(aap_plugin_info_port_t* port);

/* One port. Every function takes this struct (never null). */
struct aap_plugin_info_port {
    /* Owned by the provider; opaque to everyone else. May be null. */
    void* context;
    /* [thread-safe] Zero-based port index. */
    RT_SAFE get_uint32_port_property_func index;
    /* [main-thread] Port name; never null (may be ""). Owned by the provider. */
    RT_UNSAFE get_string_port_property_func name;
    /* [thread-safe] AAP_CONTENT_TYPE_*. */
    RT_SAFE get_content_type_property_func content_type;
    /* [thread-safe] AAP_PORT_DIRECTION_*. */
    RT_SAFE get_port_direction_property_func direction;
};

typedef struct aap_plugin_info_parameter aap_plugin_info_parameter_t;

typedef uint32_t (*get_uint32_parameter_property_func)(aap_plugin_info_parameter_t* parameter);
typedef float (*get_float_parameter_property_func)(aap_plugin_info_parameter_t* parameter);
typedef const char* (*get_string_parameter_property_func)(aap_plugin_info_parameter_t* parameter);

/* One parameter as declared in metadata. Every function takes this struct (never null). */
struct aap_plugin_info_parameter {
    /* Owned by the provider; opaque to everyone else. May be null. */
    void* context;
    /* [thread-safe] The stable parameter id (0..16383). */
    RT_SAFE get_uint32_parameter_property_func id;
    /* [main-thread] Display name; never null. Owned by the provider. */
    RT_UNSAFE get_string_parameter_property_func name;
    /* [thread-safe] Range and default, in plain (not normalized) units. */
    RT_SAFE get_float_parameter_property_func min_value;
    RT_SAFE get_float_parameter_property_func max_value;
    RT_SAFE get_float_parameter_property_func default_value;
};

typedef struct aap_plugin_info_t aap_plugin_info_t;

typedef uint32_t (*get_uint32_plugin_property_func)(aap_plugin_info_t* plugin);
typedef const char* (*get_string_plugin_property_func)(aap_plugin_info_t* plugin);
typedef aap_plugin_info_parameter_t (*get_plugin_info_get_parameter_func)(aap_plugin_info_t* plugin, uint32_t index);
typedef aap_plugin_info_port_t (*get_plugin_info_get_port_func)(aap_plugin_info_t* plugin, uint32_t index);

/* One plugin. Every function takes this struct (never null). A struct whose members are all null
 * means "no information" (what get_plugin_info returns when the plugin has none to offer). */
struct aap_plugin_info_t {
    /* Owned by the provider; opaque to everyone else. May be null. */
    void* context;
    /* [main-thread] Strings owned by the provider; never null (may be ""). */
    RT_UNSAFE get_string_plugin_property_func plugin_package_name;
    RT_UNSAFE get_string_plugin_property_func plugin_local_name;
    RT_UNSAFE get_string_plugin_property_func display_name;
    RT_UNSAFE get_string_plugin_property_func developer_name;
    RT_UNSAFE get_string_plugin_property_func version;
    RT_UNSAFE get_string_plugin_property_func primary_category;
    RT_UNSAFE get_string_plugin_property_func identifier_string;
    RT_UNSAFE get_string_plugin_property_func plugin_id;

    /* [thread-safe] Ports, 0 .. get_port_count() - 1. An out-of-range index yields a port whose
     * members are all null. */
    RT_SAFE get_uint32_plugin_property_func get_port_count;
    RT_SAFE get_plugin_info_get_port_func get_port;
    /* [thread-safe] Parameters, 0 .. get_parameter_count() - 1. An out-of-range index yields a
     * parameter whose members are all null. */
    RT_SAFE get_uint32_plugin_property_func get_parameter_count;
    RT_SAFE get_plugin_info_get_parameter_func get_parameter;
};

#ifdef __cplusplus
} /* extern "C" */
#endif
