#pragma once
/*
 * Toolchain and ABI macros shared by the public AAP headers. Nothing here changes a struct
 * layout; every macro expands to something valid in C99 and later and C++11 and later.
 */

/* RT_SAFE / RT_UNSAFE: realtime annotations on extension function pointers, kept by name for
 * source compatibility with AAP 0.8 plugins. RT_SAFE means "the implementation must not allocate,
 * lock, block or wait unboundedly: the host may call it on the audio thread"; RT_UNSAFE means the
 * host calls it only from a non-realtime thread. With clang they become `annotate` attributes
 * that static analysis can read; elsewhere they expand to nothing. Defined only when the including
 * code has not defined them already. */
#ifndef RT_SAFE
#if defined(__clang__)
#define RT_SAFE __attribute__((annotate("AAP_RT_SAFE")))
#else
#define RT_SAFE
#endif
#endif

#ifndef RT_UNSAFE
#if defined(__clang__)
#define RT_UNSAFE __attribute__((annotate("AAP_RT_UNSAFE")))
#else
#define RT_UNSAFE
#endif
#endif

/* AAP_EXPORT marks the one symbol a plugin library exports (GetAndroidAudioPluginFactory), so it
 * stays visible when a plugin is built with -fvisibility=hidden. AAP_PUBLIC_API is the 0.8 name. */
#if defined(_WIN32) || defined(__CYGWIN__)
#define AAP_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define AAP_EXPORT __attribute__((visibility("default")))
#else
#define AAP_EXPORT
#endif
#ifndef AAP_PUBLIC_API
#if (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32) && !defined(__CYGWIN__)
/* Token for token the 0.8 definition, so a source that repeats that #define after including these
 * headers redefines it identically (no -Wmacro-redefined / "redefined" warning, as with 0.8). */
#define AAP_PUBLIC_API __attribute__((__visibility__("default")))
#else
#define AAP_PUBLIC_API AAP_EXPORT
#endif
#endif

/* AAP_CAST(T, v): an explicit conversion that is a static_cast in C++ (clean under
 * -Wold-style-cast) and a plain cast in C. AAP_CONST_CAST(T, v) removes const the same way; the
 * headers use it only where the 0.8 ABI returns `void*` for data the receiver must not modify. */
#ifdef __cplusplus
#define AAP_CAST(T, v) static_cast<T>(v)
#define AAP_CONST_CAST(T, v) const_cast<T>(v)
#else
#define AAP_CAST(T, v) ((T)(v))
#define AAP_CONST_CAST(T, v) ((T)(v))
#endif

/* AAP_NULL: the null pointer constant (nullptr in C++, clean under -Wzero-as-null-pointer-constant). */
#ifdef __cplusplus
#define AAP_NULL nullptr
#else
#define AAP_NULL ((void*)0)
#endif
