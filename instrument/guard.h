/*
 * guard.h - where a checked map's tables live and what becomes of
 * them when they retire (guard.c): the hooks of its memory.
 */
#ifndef HMAP_INSTRUMENT_GUARD_H
#define HMAP_INSTRUMENT_GUARD_H

#include "hmap_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* The hooks of a checked map's memory (hmap_hooks.h): which tables are
 * guarded, and the per-thread queue of poisoned unguarded ones. */
void *hmap__guard_table_alloc(const struct hmap *m, size_t bytes, size_t align);
void hmap__guard_table_retire(struct hmap *m, struct hmap_table *t);
/* Keeps a freed map header (magic already HMAP_MAGIC_FREED) out of malloc's
 * hands for a while, in the calling thread's queue, so that later use of
 * it is recognised. */
void hmap__guard_map_free(struct hmap *m);
/* The fill of deleted slots and unguarded retired tables: 0xdb, "dead
 * bytes".  As a pointer, 0xdbdbdbdbdbdbdbdb is non-canonical on x86-64
 * and faults at once; as an integer or string it stands out in a
 * debugger; it is none of ASan's fills (0xbe malloc) or glibc's
 * MALLOC_PERTURB_ default. */
enum { HMAP_POISON_BYTE = 0xdb };

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_GUARD_H */
