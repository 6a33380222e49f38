/*
 * alloc.h - where the core gets memory and randomness (alloc.c): the
 * program's allocator or malloc for headers, directories and small
 * tables, mappings for large ones, and the per-thread random stream.
 */
#ifndef HMAP_ALLOC_H
#define HMAP_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

uint64_t hmap__random64(void);
void *hmap__alloc(size_t bytes);
void hmap__free(void *p, size_t bytes); /* what hmap__alloc(bytes) gave */
/* Memory aligned to align, its contents undefined: mmap'ed from 256 KiB
 * up, else from the program's allocator or malloc; freed with the same
 * size and align. */
void *hmap__alloc_aligned(size_t bytes, size_t align);
/* The same, for memory prepared ahead of need, which the caller may do
 * without: the tests' failure injection leaves it alone. */
void *hmap__alloc_ahead(size_t bytes, size_t align);
void hmap__free_aligned(void *p, size_t bytes, size_t align);
/* x86-64's huge page: mappings this large start on a multiple of it. */
#define HMAP_HUGE_PAGE ((size_t)2 << 20)
void *hmap__map(size_t bytes, int prot);

#pragma GCC visibility pop

#endif /* HMAP_ALLOC_H */
