/*
 * tsan.h - ThreadSanitizer, found at run time (tsan.c): the wrappers every
 * other part calls, one predictable branch each when TSan is absent.
 */
#ifndef HMAP_INSTRUMENT_TSAN_H
#define HMAP_INSTRUMENT_TSAN_H

#include "hmap_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* Whether the process runs under ThreadSanitizer, found when the runtime
 * starts (hmap__tsan_init); the library itself need not be built with it.
 * The wrappers below cost one predictable branch when it does not. */
extern bool hmap__tsan_active;

void hmap__tsan_init(void);
void hmap__tsan_read_slow(const struct hmap *m, const void *caller_pc);
void hmap__tsan_write_slow(const struct hmap *m, const void *caller_pc);
void hmap__tsan_ignore_begin_slow(void);
void hmap__tsan_ignore_end_slow(void);
void hmap__tsan_ignore_sync_begin_slow(void);
void hmap__tsan_ignore_sync_end_slow(void);
void hmap__tsan_func_entry_slow(const void *caller_pc);
void hmap__tsan_func_exit_slow(void);

HMAP_INLINE bool hmap__under_tsan(void)
{
    return HMAP_UNLIKELY(__atomic_load_n(&hmap__tsan_active, __ATOMIC_RELAXED));
}

/* A checked read or write of m, as the user's call at caller_pc. */
HMAP_INLINE void hmap__tsan_read(const struct hmap *m, const void *caller_pc)
{
    if (hmap__under_tsan())
        hmap__tsan_read_slow(m, caller_pc);
}

HMAP_INLINE void hmap__tsan_write(const struct hmap *m, const void *caller_pc)
{
    if (hmap__under_tsan())
        hmap__tsan_write_slow(m, caller_pc);
}

/* Around a call into the core that allocates: TSan's stacks, which it
 * keeps itself for instrumented code only, gain the user's frame. */
HMAP_INLINE void hmap__tsan_func_entry(const void *caller_pc)
{
    if (hmap__under_tsan())
        hmap__tsan_func_entry_slow(caller_pc);
}

HMAP_INLINE void hmap__tsan_func_exit(void)
{
    if (hmap__under_tsan())
        hmap__tsan_func_exit_slow();
}

/* Around the core's work inside a checked operation: TSan ignores it. */
HMAP_INLINE void hmap__tsan_ignore_begin(void)
{
    if (hmap__under_tsan())
        hmap__tsan_ignore_begin_slow();
}

HMAP_INLINE void hmap__tsan_ignore_end(void)
{
    if (hmap__under_tsan())
        hmap__tsan_ignore_end_slow();
}

/* Around the runtime's own locks (and libunwind's): TSan does not take
 * them for synchronisation of the program. */
HMAP_INLINE void hmap__tsan_ignore_sync_begin(void)
{
    if (hmap__under_tsan())
        hmap__tsan_ignore_sync_begin_slow();
}

HMAP_INLINE void hmap__tsan_ignore_sync_end(void)
{
    if (hmap__under_tsan())
        hmap__tsan_ignore_sync_end_slow();
}

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_TSAN_H */
