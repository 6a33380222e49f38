/*
 * mixed.h - test_mixed's two halves: maps shared between translation units
 * built with and without HMAP_CHECKED.
 */
#ifndef HMAP_TEST_MIXED_H
#define HMAP_TEST_MIXED_H

#include <hmap.h>

hmap *checked_new(void);
void checked_fill(hmap *m, uint64_t from, uint64_t to);
uint64_t checked_sum(hmap *m);
bool checked_del(hmap *m, uint64_t k);
size_t checked_len(hmap *m);
bool checked_verify(hmap *m);
void checked_free(hmap *m);

#endif
