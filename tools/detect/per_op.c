/*
 * per_op.c - hmap-per-op: runs each kind of operation n times on one map of
 * uint64_t keys, in the plain build and then in the checked one, for
 * tools/instr-per-op.sh to count under callgrind:
 *
 *   hmap-per-op [n]        (default 100000)
 *
 * Keys are random 64-bit numbers from a fixed seed, so that two runs do the
 * same work.
 */
#include <hmap.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DECLARE(build)                                                       \
    hmap *per_op_##build##_new(void);                                        \
    void per_op_##build##_insert(hmap *m, const uint64_t *keys, size_t n);   \
    uint64_t per_op_##build##_hit(hmap *m, const uint64_t *keys, size_t n);  \
    uint64_t per_op_##build##_miss(hmap *m, const uint64_t *keys, size_t n); \
    void per_op_##build##_replace(hmap *m, const uint64_t *keys, size_t n);  \
    uint64_t per_op_##build##_iterate(hmap *m);                              \
    size_t per_op_##build##_erase(hmap *m, const uint64_t *keys, size_t n);  \
    void per_op_##build##_free(hmap *m);
DECLARE(plain)
DECLARE(checked)

#define RUN(build)                                                           \
    do {                                                                     \
        hmap *m = per_op_##build##_new();                                    \
        per_op_##build##_insert(m, keys, n);                                 \
        sum += per_op_##build##_hit(m, keys, n);                             \
        sum += per_op_##build##_miss(m, keys, n);                            \
        per_op_##build##_replace(m, keys, n);                                \
        sum += per_op_##build##_iterate(m);                                  \
        sum += per_op_##build##_erase(m, keys, n);                           \
        per_op_##build##_free(m);                                            \
    } while (0)

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    uint64_t *keys = malloc(n * sizeof *keys);
    if (!keys || n == 0)
        return 2;
    uint64_t s = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (s += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        keys[i] = z ^ (z >> 31);
    }
    uint64_t sum = 0;
    RUN(plain);
    RUN(checked);
    printf("%llu\n", (unsigned long long)sum);
    free(keys);
    return 0;
}
