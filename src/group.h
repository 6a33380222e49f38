/*
 * group.h - a table's groups: 16 control bytes (15 tags and an overflow
 * byte) matched all at once, with SSE2 where the target has it and with
 * 64-bit SWAR arithmetic elsewhere; and how a hash becomes a tag, an
 * overflow bit and a probe sequence.
 *
 * The hash's bits are shared out so that no two uses depend on each
 * other: the top bits pick the directory entry (and split tables), the
 * low bits the first group, bits 24-31 the tag, bits 32-34 the overflow
 * bit.  The directory's depth is held to 29 bits, so that its bits never
 * reach those.
 */
#ifndef HMAP_GROUP_H
#define HMAP_GROUP_H

#include "compiler.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#pragma GCC visibility push(hidden)

enum {
    GROUP_BYTES = 16,
    GROUP_SLOTS = 15,       /* byte 15 of a group is its overflow byte */
    TAG_EMPTY = 0,
    TAG_SHIFT = 24,
    OVERFLOW_SHIFT = 32,
};

/* A bit per slot of a group, bit i for slot i. */
typedef uint32_t slot_mask;
#define ALL_SLOTS ((slot_mask)0x7fff)

/* A tag is a byte of the hash, 0 (TAG_EMPTY) moved to 1: 255 values.
 * A tag that matches a slot other than the key's costs a load of that
 * slot's key, which waits on the control bytes' cache miss, and usually
 * a mispredicted branch; in a large map that is most of what a lookup of
 * an absent key costs.  So the tag takes every bit of its byte, and a
 * group's live slots are found by comparing with TAG_EMPTY. */
HMAP_INLINE uint8_t tag_of(uint64_t hash)
{
    uint8_t tag = (uint8_t)(hash >> TAG_SHIFT);
    return (uint8_t)(tag + (tag == TAG_EMPTY));
}

HMAP_INLINE uint8_t overflow_bit(uint64_t hash)
{
    return (uint8_t)(1u << ((hash >> OVERFLOW_SHIFT) & 7));
}

HMAP_INLINE size_t first_group(uint64_t hash, size_t groups)
{
    return (size_t)hash & (groups - 1);
}

/* Triangular probing: the i-th step (i = 1, 2, ...) moves i groups on, so
 * the sequence visits every group of a power-of-two table once. */
HMAP_INLINE size_t next_group(size_t g, size_t step, size_t groups)
{
    return (g + step) & (groups - 1);
}

HMAP_INLINE unsigned first_slot(slot_mask m)
{
    return (unsigned)__builtin_ctz(m);
}

#if defined(__SSE2__)

HMAP_INLINE slot_mask group_match(const uint8_t *ctrl, uint8_t tag)
{
    __m128i g = _mm_loadu_si128((const __m128i *)(const void *)ctrl);
    __m128i eq = _mm_cmpeq_epi8(g, _mm_set1_epi8((char)tag));
    return (slot_mask)_mm_movemask_epi8(eq) & ALL_SLOTS;
}

#else

/* 0x80 in every byte of w equal to b, and no other.  (The shorter
 * (x - 0x01..) & ~x & 0x80.. trick also flags a byte 0x01 above a true
 * zero.) */
HMAP_INLINE uint64_t bytes_equal(uint64_t w, uint8_t b)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t x = w ^ (0x0101010101010101ull * b);
    return ~(((x & lo7) + lo7) | x | lo7);
}

/* The 0x80 bits of the eight bytes of w, gathered into a byte. */
HMAP_INLINE unsigned gather_high_bits(uint64_t w)
{
    return (unsigned)((((w >> 7) & 0x0101010101010101ull) * 0x0102040810204080ull) >> 56);
}

HMAP_INLINE slot_mask group_match(const uint8_t *ctrl, uint8_t tag)
{
    uint64_t lo, hi;
    memcpy(&lo, ctrl, 8);
    memcpy(&hi, ctrl + 8, 8);
    return (gather_high_bits(bytes_equal(lo, tag)) |
            gather_high_bits(bytes_equal(hi, tag)) << 8) & ALL_SLOTS;
}

#endif

HMAP_INLINE slot_mask group_empty(const uint8_t *ctrl)
{
    return group_match(ctrl, TAG_EMPTY);
}

HMAP_INLINE slot_mask group_live(const uint8_t *ctrl)
{
    return ~group_empty(ctrl) & ALL_SLOTS;
}

HMAP_INLINE uint8_t group_overflow(const uint8_t *ctrl)
{
    return ctrl[GROUP_SLOTS];
}

#pragma GCC visibility pop

#endif /* HMAP_GROUP_H */
