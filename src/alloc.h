/*
 * alloc.h - where the core gets memory and randomness (alloc.c): the
 * program's allocator or malloc for headers and small arrays, mappings for
 * large ones, reservations that grow in place, and the per-thread random
 * stream.
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
/* Zeroed memory aligned to align: mmap'ed from 256 KiB up, else from the
 * program's allocator or malloc; freed with the same size and align. */
void *hmap__alloc_zeroed_aligned(size_t bytes, size_t align);
void hmap__free_zeroed_aligned(void *p, size_t bytes, size_t align);
size_t hmap__page_size(void);
size_t hmap__page_up(size_t x);
/* x86-64's huge page: mappings this large start on a multiple of it. */
#define HMAP_HUGE_PAGE ((size_t)2 << 20)
void *hmap__map(size_t bytes, int prot);
void hmap__drop_pages(size_t alloc_bytes, size_t align, void *p, size_t bytes, bool reserve);
/* A reservation: *reserved bytes of address space, the first `bytes`
 * usable; hmap__extend makes more usable, hmap__unreserve gives it back. */
void *hmap__reserve(size_t bytes, size_t *reserved);
bool hmap__extend(void *base, size_t from, size_t to, bool counted);
void hmap__unreserve(void *p, size_t reserve);
void hmap__prefault(void *p, size_t bytes);
bool hmap__growth_in_place_allowed(void);

#pragma GCC visibility pop

#endif /* HMAP_ALLOC_H */
