/*
 * asan.h - AddressSanitizer, found at run time (asan.c).
 */
#ifndef HMAP_INSTRUMENT_ASAN_H
#define HMAP_INSTRUMENT_ASAN_H

#include "hmap_internal.h"
#include "reports.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* Whether the process runs under AddressSanitizer (hmap__asan_init, once
 * at start-up, which also has ASan call back after its reports so that a
 * use of a retired table names the hmap misuse too). */
extern bool hmap__asan_active;
void hmap__asan_init(void);
/* Lifts ASan's poison (deleted slots') from [p, p + n); nothing without ASan. */
void hmap__asan_unpoison(void *p, size_t n);
/* ASan's poison on a deleted slot, and off it again before it is filled
 * (the core's fill of the slot is inline); only under ASan. */
void hmap__poison_slot(void *key, size_t key_size, void *val, size_t val_size);
void hmap__unpoison_slot(void *key, size_t key_size, void *val, size_t val_size);
/* Frees a retired unguarded table into ASan's quarantine, remembering who
 * retired it for the report after ASan's. */
void hmap__asan_free_retired(void *p, size_t bytes, size_t align,
                             const struct hmap_retirement *who);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_ASAN_H */
