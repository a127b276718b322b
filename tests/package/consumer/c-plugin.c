/* The smallest plugin: silence. Proves a C99 plugin builds against the consumed headers. */
#include <aap/aap.h>
#include <aapxs/aapxs.h>

#include <stdlib.h>
#include <string.h>

static void prepare(AndroidAudioPlugin* plugin, int sampleRate, aap_buffer_t* buffer) {
    (void) plugin; (void) sampleRate; (void) buffer;
}
static void control(AndroidAudioPlugin* plugin) { (void) plugin; }
static void process(AndroidAudioPlugin* plugin, aap_buffer_t* buffer, int32_t frames, int64_t timeout) {
    (void) plugin; (void) buffer; (void) frames; (void) timeout;
}
static void* get_extension(AndroidAudioPlugin* plugin, const char* uri) {
    (void) plugin;
    return aap_abi_get_extension(uri);
}
static AndroidAudioPlugin* instantiate(AndroidAudioPluginFactory* f, const char* id, AndroidAudioPluginHost* host) {
    AndroidAudioPlugin* plugin;
    (void) f;
    if (id == NULL || host == NULL)
        return NULL;
    plugin = (AndroidAudioPlugin*) calloc(1, sizeof(AndroidAudioPlugin));
    if (plugin == NULL)
        return NULL;
    plugin->prepare = prepare;
    plugin->activate = control;
    plugin->process = process;
    plugin->deactivate = control;
    plugin->get_extension = get_extension;
    return plugin;
}
static void release(AndroidAudioPluginFactory* f, AndroidAudioPlugin* plugin) {
    (void) f;
    free(plugin);
}
static AndroidAudioPluginFactory factory = {instantiate, release, NULL};
AndroidAudioPluginFactory* GetAndroidAudioPluginFactory(void) { return &factory; }
