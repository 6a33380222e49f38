/*
 * quarantine.h - guarded tables (quarantine.c): their pages, kept PROT_NONE
 * once retired, and the SIGSEGV handler that recognises faults in them.
 */
#ifndef HMAP_INSTRUMENT_QUARANTINE_H
#define HMAP_INSTRUMENT_QUARANTINE_H

#include "hmap_internal.h"
#include "reports.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* Pages of their own for a guarded table (large, or guard=all), zeroed;
 * NULL with errno ENOMEM. */
void *hmap__quarantine_map_pages(size_t bytes, size_t align);
/* Pages of the pool for a sampled small table, zeroed; NULL if the pool
 * has no room. */
void *hmap__quarantine_pool_take(size_t bytes);
/* Whether p is in the pool (was allocated by hmap__quarantine_pool_take). */
bool hmap__quarantine_holds_pool(const void *p);
/* Makes a guarded allocation (from either of the above) inaccessible and
 * records it for the SIGSEGV handler; the quarantine owns it from here. */
void hmap__quarantine_guard(void *p, size_t bytes, const struct hmap_retirement *r);
/* Whether guarded retirements keep a stack (quarantine_mb > 0). */
bool hmap__quarantine_wants_stack(void);
/* The lock of the registry, also guard.c's; TSan does not see it as
 * synchronisation. */
void hmap__quarantine_lock(void);
void hmap__quarantine_unlock(void);
/* Installs the SIGSEGV handler (once) and this thread's alternate stack. */
void hmap__quarantine_init(void);
void hmap__altstack_install(void);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_QUARANTINE_H */
