#pragma once
/*
 * AAPXS foundation types (docs/spec/abi.md section 2): how an extension travels between a host and an
 * out-of-process plugin.
 *
 * Every extension that crosses the process boundary has an AAPXSDefinition, supplied by the
 * extension's author. The runtime keeps one serialization block (AAPXSSerializationContext) per
 * extension per instance, shared between both processes, and carries requests and replies either
 * on the control channel (instance inactive) or as AAPXS SysEx8 inside process() (instance active;
 * docs/spec/wire.md). The definition's handlers (de)serialize a request or reply into that block and
 * call the real extension.
 *
 * Roles. The INITIATOR sends requests and receives replies: the host for plugin extensions, the
 * plugin side for host extensions. The RECIPIENT receives requests and sends replies. Opcodes >= 0
 * are plugin-extension traffic, < 0 host-extension traffic.
 *
 * Threads. Unless a member says otherwise, handlers run on a non-realtime thread of the side that
 * received the message ([main-thread] in the tags below means "a non-realtime thread of the
 * runtime, never concurrently for one instance and extension"). is_command_rt_safe and any handler
 * for an opcode it declares RT-safe may run on the audio thread ([audio-thread]).
 *
 * Ownership. Every AAPXS* struct passed to a handler is owned by the runtime and borrowed for the
 * call; `aapxs_context` members belong to the extension author; `host_context` members to the
 * runtime. The definition itself is owned by whoever registered it and must outlive every
 * instance that uses it. The layouts are those of AAP 0.8's aapxs.h, so existing definitions
 * initialize positionally.
 */

#include "../aap/android-audio-plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The shared serialization block of one extension of one instance. `data` is owned by the runtime
 * and holds `data_capacity` bytes (the definition's data_capacity); `data_size` is the number of
 * valid bytes of the current request or reply. Writers never write beyond data_capacity; readers
 * never trust data_size beyond data_capacity (it can come from another process). */
typedef struct AAPXSSerializationContext {
    void* data;
    size_t data_size;
    size_t data_capacity;
} AAPXSSerializationContext;

/* Failure callback of an asynchronous request: `error` is a human-readable reason (never null,
 * valid only during the call), e.g. timeout, reply too large, peer died. Fired at most once per
 * request and never together with the success callback. [thread-safe]: it may run on any
 * non-realtime thread of the initiator. */
typedef void (*aapxs_error_callback)(void* context, void* pluginOrHost, const char* error);

/* One request (or its reply). Owned by the runtime for the duration of a handler call; copy what
 * you need. */
typedef struct AAPXSRequestContext {
    /* Success callback (null = nobody waits), invoked once with callback_user_data. */
    aapxs_completion_callback callback;
    void* callback_user_data;
    /* The extension's serialization block; never null in handlers. */
    AAPXSSerializationContext* serialization;
    /* The extension's URID (1..255), or 0 when not mapped (then `uri` identifies it). */
    uint8_t urid;
    /* The extension URI; may be null when urid != 0. Owned by the runtime. */
    const char* uri;
    /* Correlates a reply with its request; assigned by the initiator (get_new_request_id). */
    uint32_t request_id;
    /* >= 0: plugin extension operation; < 0: host extension operation (docs/spec/abi.md section 5). */
    int32_t opcode;
    /* Failure callback (null = nobody waits for failures), invoked with callback_user_data. */
    aapxs_error_callback error_callback;
} AAPXSRequestContext;

typedef struct AAPXSInitiatorInstance AAPXSInitiatorInstance;
typedef struct AAPXSRecipientInstance AAPXSRecipientInstance;

/* The sending side of one extension of one instance (host side for plugin extensions, plugin side
 * for host extensions). Created and owned by the runtime; valid until the instance is destroyed. */
struct AAPXSInitiatorInstance {
    /* Owned by the extension's AAPXS implementation. */
    void* aapxs_context;
    /* Owned by the runtime. */
    void* host_context;
    /* The extension's serialization block (never null). */
    AAPXSSerializationContext* serialization;
    /* The extension's URID, 0 when unmapped. */
    uint8_t urid;

    /* [thread-safe] Returns a fresh request id (never reused while its request is pending). */
    uint32_t (*get_new_request_id)(struct AAPXSInitiatorInstance* instance);

    /* [thread-safe] Sends the request whose payload is in context->serialization. Returns false
     * when it cannot be sent (queue full, payload too large, peer gone); then no callback fires.
     * Returns true otherwise; exactly one of callback / error_callback fires later. context is
     * copied; it need not outlive the call. Never blocks when called on the audio thread. */
    bool (*send_aapxs_request)(struct AAPXSInitiatorInstance* instance, AAPXSRequestContext* context);
};

/* The answering side of one extension of one instance. Created and owned by the runtime. */
struct AAPXSRecipientInstance {
    /* Owned by the extension's AAPXS implementation. */
    void* aapxs_context;
    /* Owned by the runtime. */
    void* host_context;
    /* The extension's serialization block (never null). */
    AAPXSSerializationContext* serialization;

    /* [thread-safe] Sends the reply whose payload is in context->serialization, correlated by
     * context->request_id. Call exactly once per request, from the handler or later. */
    void (*send_aapxs_reply)(struct AAPXSRecipientInstance* instance, AAPXSRequestContext* context);
};

/* What get_plugin_extension_proxy returns: a typed plugin-extension struct (e.g.
 * aap_presets_extension_t) on the host side whose calls become AAPXS requests. */
typedef struct AAPXSExtensionClientProxy {
    void* aapxs_context;
    /* [main-thread] The typed extension struct; owned by the proxy's aapxs_context. */
    void* (*as_plugin_extension)(struct AAPXSExtensionClientProxy* proxy);
} AAPXSExtensionClientProxy;

/* What get_host_extension_proxy returns: a typed host-extension struct on the plugin side whose
 * calls become AAPXS requests to the host. */
typedef struct AAPXSExtensionServiceProxy {
    void* aapxs_context;
    /* [main-thread] The typed host extension struct; owned by the proxy's aapxs_context. */
    void* (*as_host_extension)(struct AAPXSExtensionServiceProxy* proxy);
} AAPXSExtensionServiceProxy;

/* What get_host_extension_receiver returns: the host's own implementation of a host extension,
 * which incoming host-extension requests are dispatched to. */
typedef struct AAPXSExtensionHostReceiver {
    void* aapxs_context;
    /* [main-thread] The typed host extension struct; valid until the instance is destroyed. */
    void* (*as_host_extension)(struct AAPXSExtensionHostReceiver* receiver);
} AAPXSExtensionHostReceiver;

/*
 * The untyped description of one extension, supplied by its author and registered with the
 * runtime. Copyable; the first seven members are in AAP 0.8 order. Members after data_capacity
 * may be null where noted; the runtime answers the corresponding traffic with an error reply.
 */
typedef struct AAPXSDefinition {
    /* Owned by the extension author. */
    void* aapxs_context;

    /* The extension URI (never null, at most AAP_MAX_EXTENSION_URI_SIZE bytes), static storage. */
    const char* uri;

    /* Bytes of the shared serialization block for this extension (> 0). Requests and replies must
     * fit; bigger payloads are refused with an error, never truncated. */
    int32_t data_capacity;

    /* [main-thread], or [audio-thread] for opcodes is_command_rt_safe declares RT-safe.
     * Recipient side (plugin process): a plugin-extension request arrived; deserialize it from
     * request->serialization, call the plugin's extension, serialize the reply and call
     * aapxsInstance->send_aapxs_reply. May be null when the extension has no plugin side. */
    void (*process_incoming_plugin_aapxs_request)(struct AAPXSDefinition* definition,
                                                  AAPXSRecipientInstance* aapxsInstance,
                                                  AndroidAudioPlugin* plugin,
                                                  AAPXSRequestContext* request);

    /* [main-thread], or [audio-thread] for RT-safe opcodes. Same, host side: a host-extension
     * request from the plugin arrived. May be null. */
    void (*process_incoming_host_aapxs_request)(struct AAPXSDefinition* definition,
                                                AAPXSRecipientInstance* aapxsInstance,
                                                AndroidAudioPluginHost* host,
                                                AAPXSRequestContext* request);

    /* [main-thread] Initiator side (host): the reply to a plugin-extension request arrived in
     * request->serialization; deserialize it and fire request->callback. May be null. */
    void (*process_incoming_plugin_aapxs_reply)(struct AAPXSDefinition* definition,
                                                AAPXSInitiatorInstance* aapxsInstance,
                                                AndroidAudioPlugin* plugin,
                                                AAPXSRequestContext* request);

    /* [main-thread] Same, plugin side: the reply to a host-extension request arrived. May be null. */
    void (*process_incoming_host_aapxs_reply)(struct AAPXSDefinition* definition,
                                              AAPXSInitiatorInstance* aapxsInstance,
                                              AndroidAudioPluginHost* host,
                                              AAPXSRequestContext* request);

    /* [main-thread] Host side: the typed plugin-extension proxy for one instance. May be null. */
    AAPXSExtensionClientProxy (*get_plugin_extension_proxy)(struct AAPXSDefinition* definition,
                                                            AAPXSInitiatorInstance* aapxsInstance,
                                                            AAPXSSerializationContext* serialization);

    /* [main-thread] Plugin side: the typed host-extension proxy for one instance. May be null. */
    AAPXSExtensionServiceProxy (*get_host_extension_proxy)(struct AAPXSDefinition* definition,
                                                           AAPXSInitiatorInstance* aapxsInstance,
                                                           AAPXSSerializationContext* serialization);

    /* [audio-thread] Whether `opcode` of the plugin extension (isHostExtension false) or the host
     * extension (true) may be handled inline on the audio thread. Must itself be realtime-safe
     * (typically a switch). Null means "no command is RT-safe": every request of this extension
     * goes to the non-realtime worker while the instance is active. */
    bool (*is_command_rt_safe)(struct AAPXSDefinition* definition, bool isHostExtension, int32_t opcode);

    /* [main-thread] Host side: where incoming host-extension requests are dispatched, when the
     * host has no built-in implementation of this extension. May be null. */
    AAPXSExtensionHostReceiver (*get_host_extension_receiver)(struct AAPXSDefinition* definition,
                                                              AAPXSRecipientInstance* aapxsInstance,
                                                              AndroidAudioPluginHost* host);
} AAPXSDefinition;

#ifdef __cplusplus
} /* extern "C" */
#endif
