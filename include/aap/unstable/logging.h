#pragma once
/*
 * Logging for plugins and hosts (unstable: kept for AAP 0.8 source compatibility; the API may
 * change). Header-only: everything is defined inline here, so a plugin that logs links without
 * any AAP library. On desktop every message goes to stderr as one line
 * "[LEVEL] tag: message"; on Android (__ANDROID__) to logcat.
 *
 * Threads: [thread-safe], but NOT realtime-safe: formatting and stdio may allocate and lock.
 * Never log from the audio thread.
 *
 * C API:   aap_log(level, tag, message), aap_log_printf(level, tag, fmt, ...),
 *          aap_log_vprintf(level, tag, fmt, va_list).
 * C++ API: aap::a_log, aap::a_log_f, aap::a_log_vprintf, aap::aprintf, aap::avprintf, aap::aputs.
 * A null tag or message is printed as "(null)"; a null format prints nothing.
 */

#include <stdarg.h>
#include <stdio.h>

#include "../private/std.h"
#include "../private/macros.h"

#ifdef __ANDROID__
#include <android/log.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The tag aprintf / aputs use. */
#define logged_android_app_name "AAPHostNative"

/* Levels, numbered like Android's log priorities. */
enum AAP_LOG_LEVEL {
    AAP_LOG_LEVEL_UNKNOWN = 0, /* do not use */
    AAP_LOG_LEVEL_DEFAULT = 1, /* do not use */
    AAP_LOG_LEVEL_VERBOSE = 2,
    AAP_LOG_LEVEL_DEBUG = 3,
    AAP_LOG_LEVEL_INFO = 4,
    AAP_LOG_LEVEL_WARN = 5,
    AAP_LOG_LEVEL_ERROR = 6,
    AAP_LOG_LEVEL_FATAL = 7
};
typedef enum AAP_LOG_LEVEL AAP_LOG_LEVEL;

#if defined(__GNUC__) || defined(__clang__)
#define AAP_LOG_PRINTF_FORMAT(formatIndex, firstArgIndex) \
    __attribute__((format(printf, formatIndex, firstArgIndex)))
#else
#define AAP_LOG_PRINTF_FORMAT(formatIndex, firstArgIndex)
#endif

/* The name printed for a level; "?" for values outside the enum. */
static inline const char* aap_log_level_name(AAP_LOG_LEVEL level) {
    switch (level) {
    case AAP_LOG_LEVEL_UNKNOWN: return "UNKNOWN";
    case AAP_LOG_LEVEL_DEFAULT: return "DEFAULT";
    case AAP_LOG_LEVEL_VERBOSE: return "VERBOSE";
    case AAP_LOG_LEVEL_DEBUG: return "DEBUG";
    case AAP_LOG_LEVEL_INFO: return "INFO";
    case AAP_LOG_LEVEL_WARN: return "WARN";
    case AAP_LOG_LEVEL_ERROR: return "ERROR";
    case AAP_LOG_LEVEL_FATAL: return "FATAL";
    }
    return "?";
}

/* Formats into a bounded stack buffer (longer messages are truncated, marked with "...") so that
 * each message reaches stderr as one write and lines from several threads do not interleave.
 * Returns the number of characters of the formatted message (before truncation), or a negative
 * value on a formatting error or null fmt. */
static inline int aap_log_vprintf(AAP_LOG_LEVEL level, const char* tag, const char* fmt, va_list ap) {
#ifdef __ANDROID__
    if (!fmt)
        return -1;
    return __android_log_vprint(level, tag ? tag : "(null)", fmt, ap);
#else
    char message[1024];
    int length;
    if (!fmt)
        return -1;
    length = vsnprintf(message, sizeof(message), fmt, ap);
    if (length < 0)
        return length;
    if (AAP_CAST(size_t, length) >= sizeof(message)) {
        message[sizeof(message) - 4] = '.';
        message[sizeof(message) - 3] = '.';
        message[sizeof(message) - 2] = '.';
    }
    fprintf(stderr, "[%s] %s: %s\n", aap_log_level_name(level), tag ? tag : "(null)", message);
    return length;
#endif
}

/* printf-style logging; see aap_log_vprintf. */
static inline int aap_log_printf(AAP_LOG_LEVEL level, const char* tag, const char* fmt, ...)
    AAP_LOG_PRINTF_FORMAT(3, 4);
static inline int aap_log_printf(AAP_LOG_LEVEL level, const char* tag, const char* fmt, ...) {
    va_list ap;
    int result;
    va_start(ap, fmt);
    result = aap_log_vprintf(level, tag, fmt, ap);
    va_end(ap);
    return result;
}

/* Logs `message` verbatim (no format interpretation). */
static inline void aap_log(AAP_LOG_LEVEL level, const char* tag, const char* message) {
    aap_log_printf(level, tag, "%s", message ? message : "(null)");
}

#ifdef __cplusplus
} /* extern "C" */

namespace aap {

inline int a_log_vprintf(AAP_LOG_LEVEL logLevel, const char* tag, const char* fmt, va_list ap) {
    return aap_log_vprintf(logLevel, tag, fmt, ap);
}

inline int avprintf(const char* fmt, va_list ap) {
    return aap_log_vprintf(AAP_LOG_LEVEL_INFO, logged_android_app_name, fmt, ap);
}

inline int a_log_f(AAP_LOG_LEVEL logLevel, const char* tag, const char* fmt, ...) AAP_LOG_PRINTF_FORMAT(3, 4);
inline int a_log_f(AAP_LOG_LEVEL logLevel, const char* tag, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int result = aap_log_vprintf(logLevel, tag, fmt, ap);
    va_end(ap);
    return result;
}

inline int aprintf(const char* fmt, ...) AAP_LOG_PRINTF_FORMAT(1, 2);
inline int aprintf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int result = aap_log_vprintf(AAP_LOG_LEVEL_INFO, logged_android_app_name, fmt, ap);
    va_end(ap);
    return result;
}

inline void a_log(AAP_LOG_LEVEL logLevel, const char* tag, const char* s) {
    aap_log(logLevel, tag, s);
}

inline void aputs(const char* s) {
    aap_log(AAP_LOG_LEVEL_INFO, logged_android_app_name, s);
}

} /* namespace aap */
#endif
