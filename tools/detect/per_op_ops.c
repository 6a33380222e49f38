/*
 * per_op_ops.c - one loop per kind of operation on one map, compiled twice
 * (plain here, checked by per_op_checked.c) so that hmap-per-op can count
 * the instructions each costs in both builds (tools/instr-per-op.sh, under
 * callgrind).  Each loop is its own function, so that callgrind's inclusive
 * count of it is the cost of that phase and nothing else.
 */
#include <hmap.h>

#include <stdint.h>
#include <stdlib.h>

#ifndef PER_OP
#define PER_OP(name) per_op_plain_##name
#endif

#define NOINLINE __attribute__((noinline))

NOINLINE hmap *PER_OP(new)(void)
{
    hmap *m = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    if (!m)
        abort();
    return m;
}

NOINLINE void PER_OP(insert)(hmap *m, const uint64_t *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hmap_set(m, &keys[i], &keys[i]) != 0)
            abort();
}

NOINLINE uint64_t PER_OP(hit)(hmap *m, const uint64_t *keys, size_t n)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t *v = hmap_get(m, &keys[i]);
        sum += v ? *v : 0;
    }
    return sum;
}

NOINLINE uint64_t PER_OP(miss)(hmap *m, const uint64_t *keys, size_t n)
{
    uint64_t found = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = ~keys[i];
        found += hmap_has(m, &k);
    }
    return found;
}

NOINLINE void PER_OP(replace)(hmap *m, const uint64_t *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t v = i;
        if (hmap_set(m, &keys[i], &v) != 0)
            abort();
    }
}

NOINLINE uint64_t PER_OP(iterate)(hmap *m)
{
    uint64_t sum = 0;
    hmap_iter it;
    hmap_iter_init(&it, m);
    while (hmap_iter_next(&it))
        sum += *(const uint64_t *)it.val;
    return sum;
}

NOINLINE size_t PER_OP(erase)(hmap *m, const uint64_t *keys, size_t n)
{
    size_t removed = 0;
    for (size_t i = 0; i < n; i++)
        removed += hmap_del(m, &keys[i]);
    return removed;
}

NOINLINE void PER_OP(free)(hmap *m)
{
    hmap_free(m);
}
