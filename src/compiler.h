/*
 * compiler.h - the compiler and platform macros the library's files share:
 * branch hints, forced inlining, thread-locals.
 */
#ifndef HMAP_COMPILER_H
#define HMAP_COMPILER_H

#define HMAP_LIKELY(x) __builtin_expect(!!(x), 1)
#define HMAP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HMAP_INLINE static inline __attribute__((always_inline))
/* Thread-locals reached without a call to __tls_get_addr: the library is
 * loaded with the program (or dlopened with glibc's static TLS surplus,
 * which these few words fit in), so initial-exec is safe and the checked
 * entry points, which touch thread-locals on every call, stay cheap. */
#define HMAP_TLS __thread __attribute__((tls_model("initial-exec")))

#endif /* HMAP_COMPILER_H */
