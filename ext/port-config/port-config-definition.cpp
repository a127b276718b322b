// The AAPXS definition of the port-config extension and its typed proxy.

#include <climits>
#include <cstring>
#include <vector>

#include "aap/ext-cpp/port-config.h"
#include "aap/ext-cpp/standard-extensions.h"
#include "../common/plugin-side.h"
#include "../common/typed-call.h"

namespace aap {

namespace {

using namespace ext_detail;

void handleRequest(AAPXSDefinition*, AAPXSRecipientInstance* instance, AndroidAudioPlugin* plugin,
                   AAPXSRequestContext* request) {
    auto* ext = pluginExtension<aap_port_config_extension_t>(plugin, AAP_PORT_CONFIG_EXTENSION_URI);
    if (ext == nullptr)
        return;
    ByteReader in = requestReader(request);
    ByteWriter out = replyWriter(request);
    switch (request->opcode) {
    case kPortConfigOpcodeGetOptions: {
        if (ext->get_options == nullptr || !in.done())
            return;
        aap_port_config_t options{};
        ext->get_options(ext, plugin, &options);
        out.u8(options.has_midi_input ? 1 : 0);
        out.u8(options.has_midi_output ? 1 : 0);
        out.i32(options.num_audio_ports);
        if (options.named_config == nullptr) {
            out.u32(kPortConfigNullString);
        } else {
            // Bounded: the plugin's string is trusted to be terminated, but not to be short.
            std::size_t length = 0;
            while (length <= AAP_MAX_EXTENSION_URI_SIZE && options.named_config[length] != '\0')
                length++;
            if (length > AAP_MAX_EXTENSION_URI_SIZE)
                return;
            out.u32(static_cast<uint32_t>(length));
            out.bytes(options.named_config, length);
        }
        const bool hasExtra = options.extra_data != nullptr && options.extra_data_size > 0;
        out.u32(hasExtra ? static_cast<uint32_t>(options.extra_data_size) : 0u);
        if (hasExtra)
            out.bytes(options.extra_data, static_cast<std::size_t>(options.extra_data_size));
        break;  // a reply that does not fit the block is not sent (the runtime reports it)
    }
    case kPortConfigOpcodeSelect: {
        const uint32_t length = in.u32();
        if (ext->select == nullptr)
            return;
        if (length == kPortConfigNullString) {
            if (!in.done())
                return;
            ext->select(ext, plugin, nullptr);
            break;
        }
        if (length > AAP_MAX_EXTENSION_URI_SIZE)
            return;
        const uint8_t* bytes = in.view(length);
        if (!in.done())
            return;
        char name[AAP_MAX_EXTENSION_URI_SIZE + 1];  // the stack: select is RT-safe
        if (length > 0)
            std::memcpy(name, bytes, length);
        name[length] = '\0';
        ext->select(ext, plugin, name);
        break;
    }
    default:
        return;
    }
    sendReply(instance, request, out);
}

bool isRtSafe(AAPXSDefinition*, bool isHostExtension, int32_t opcode) {
    return !isHostExtension && (opcode == kPortConfigOpcodeGetOptions || opcode == kPortConfigOpcodeSelect);
}

AAPXSDefinition makeDefinition() noexcept {
    AAPXSDefinition d{};
    d.uri = AAP_PORT_CONFIG_EXTENSION_URI;
    d.data_capacity = kPortConfigDataCapacity;
    d.process_incoming_plugin_aapxs_request = &handleRequest;
    d.is_command_rt_safe = &isRtSafe;
    return d;
}

bool parseOptions(const uint8_t* data, std::size_t size, PortConfigOptions* options) noexcept try {
    ByteReader reader{data, size};
    PortConfigOptions result;
    result.hasMidiInput = reader.u8() != 0;
    result.hasMidiOutput = reader.u8() != 0;
    result.numAudioPorts = reader.i32();
    const uint32_t length = reader.u32();
    if (length != kPortConfigNullString) {
        const uint8_t* bytes = reader.view(length);
        if (bytes == nullptr)
            return false;
        result.namedConfig = std::string(reinterpret_cast<const char*>(bytes), length);
    }
    const uint32_t extra = reader.u32();
    const uint8_t* bytes = reader.view(extra);
    if (!reader.done())
        return false;
    if (extra > 0)
        result.extraData.assign(bytes, bytes + extra);
    *options = std::move(result);
    return true;
} catch (...) {
    return false;  // out of memory for the strings
}

} // namespace

// The C struct's functions; a friend of PortConfigProxy for its pointer storage.
struct PortConfigCStruct {
    static PortConfigProxy* proxyOf(aap_port_config_extension_t* ext) {
        return static_cast<PortConfigProxy*>(ext->aapxs_context);
    }
    static void getOptions(aap_port_config_extension_t* ext, AndroidAudioPlugin*, aap_port_config_t* destination) {
        if (destination == nullptr)
            return;
        *destination = aap_port_config_t{};
        PortConfigProxy* proxy = proxyOf(ext);
        auto result = proxy->getOptions();
        if (!result.ok())
            return;
        PortConfigOptions& options = result.value();
        if (options.extraData.size() > static_cast<std::size_t>(INT32_MAX))
            return;  // cannot be described by extra_data_size
        std::lock_guard<std::mutex> lock(proxy->cStorageMutex_);
        try {
            proxy->cNamedConfig_ = options.namedConfig ? *options.namedConfig : std::string();
        } catch (...) {
            return;  // out of memory: report "nothing", as for any other error
        }
        proxy->cExtraData_.swap(options.extraData);
        destination->has_midi_input = options.hasMidiInput;
        destination->has_midi_output = options.hasMidiOutput;
        destination->num_audio_ports = options.numAudioPorts;
        destination->named_config = options.namedConfig ? proxy->cNamedConfig_.c_str() : nullptr;
        destination->extra_data = proxy->cExtraData_.empty() ? nullptr : proxy->cExtraData_.data();
        destination->extra_data_size = static_cast<int32_t>(proxy->cExtraData_.size());
    }
    static void select(aap_port_config_extension_t* ext, AndroidAudioPlugin*, const char* configuration) {
        std::optional<std::string_view> name;
        if (configuration != nullptr)
            name = std::string_view{configuration};
        (void)proxyOf(ext)->select(name);
    }
};

PortConfigProxy::PortConfigProxy(ExtensionClient& client) noexcept : client_(client), extension_{} {
    extension_.aapxs_context = this;
    extension_.get_options = &PortConfigCStruct::getOptions;
    extension_.select = &PortConfigCStruct::select;
}

const AAPXSDefinition& portConfigExtensionDefinition() noexcept {
    static const AAPXSDefinition definition = makeDefinition();
    return definition;
}

ExtensionResult<PortConfigOptions> PortConfigProxy::getOptions(std::int64_t timeoutNs) {
    ByteWriter request{nullptr, 0};
    return callTyped<PortConfigOptions>(client_, AAP_PORT_CONFIG_EXTENSION_URI, kPortConfigOpcodeGetOptions, request,
                                        nullptr, &parseOptions, timeoutNs);
}

ExtensionStatus PortConfigProxy::select(std::optional<std::string_view> configuration, std::int64_t timeoutNs) {
    if (configuration && configuration->size() > AAP_MAX_EXTENSION_URI_SIZE)
        return ExtensionError::InvalidArgument;
    uint8_t bytes[4 + AAP_MAX_EXTENSION_URI_SIZE];
    ByteWriter request{bytes, 4 + (configuration ? configuration->size() : 0)};
    if (configuration) {
        request.u32(static_cast<uint32_t>(configuration->size()));
        request.bytes(configuration->data(), configuration->size());
    } else {
        request.u32(kPortConfigNullString);
    }
    return callTyped<NoValue>(client_, AAP_PORT_CONFIG_EXTENSION_URI, kPortConfigOpcodeSelect, request, bytes,
                              &parseNothing, timeoutNs);
}

} // namespace aap
