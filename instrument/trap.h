/*
 * trap.h - traps (trap.c): an operation on a shared map now and then held
 * open, so that a racing one lands inside it.
 */
#ifndef HMAP_INSTRUMENT_TRAP_H
#define HMAP_INSTRUMENT_TRAP_H

#include "hmap_internal.h"
#include "thread.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

void hmap__trap_init(void);
/* Called inside an operation on m that met evidence of another thread
 * using it: now and then sleeps trap_us, the window held open.  Returns
 * whether it did. */
bool hmap__trap(struct hmap *m, struct hmap_thread *t, const struct hmap__site *site);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_TRAP_H */
