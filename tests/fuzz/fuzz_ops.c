/*
 * fuzz_ops.c - a libFuzzer target: sequences of map operations checked
 * against a reference model (tests/fuzz/meson.build builds it twice, for
 * the plain and for the checked build).
 *
 * The input is read as a list of operations, three bytes each: an opcode,
 * a key (0..KEYS-1) and a byte for the value.  Two maps take the same
 * operations, one of uint64_t keys and one of string keys (pointers into
 * a fixed table of strings, so the map never owns them), and the model
 * is two arrays indexed by key.  After each operation the answer must be
 * the model's; at the end, and on demand, an iteration must visit exactly
 * the model's entries, deleting some of them with hmap_iter_del.
 *
 * The checked build runs with relocate=always (every write moves the
 * map) and guard=none, so that retired tables go to ASan's quarantine:
 * a stale pointer inside the core is ASan's report at once, with no page
 * protection to slow the fuzzer down.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Under relocate=always every write copies the map: shorter bursts keep
 * the checked target's inputs as fast as the plain one's, near enough. */
#ifdef HMAP_CHECKED
enum { KEYS = 512, BURST = 48 };
#else
enum { KEYS = 512, BURST = 300 };
#endif

static char names[KEYS][8];
static const char *name_ptr[KEYS];

struct model {
    bool present[KEYS];
    uint64_t val[KEYS];
    size_t count;
};

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_ops: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                         \
        }                                                                    \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
#ifdef HMAP_CHECKED
    setenv("HMAP_OPTIONS", "relocate=always:guard=none", 1);
#endif
    for (int i = 0; i < KEYS; i++) {
        snprintf(names[i], sizeof names[i], "k%d", i);
        name_ptr[i] = names[i];
    }
    return 0;
}

static void set_both(hmap *u, hmap *s, struct model *md, unsigned k, uint64_t v)
{
    uint64_t key = k;
    CHECK(hmap_set(u, &key, &v) == 0);
    CHECK(hmap_set(s, &name_ptr[k], &v) == 0);
    md->count += !md->present[k];
    md->present[k] = true;
    md->val[k] = v;
}

static void check_key(const hmap *u, const hmap *s, const struct model *md, unsigned k)
{
    uint64_t key = k;
    const uint64_t *a = hmap_get(u, &key), *b = hmap_get(s, &name_ptr[k]);
    CHECK(!a == !md->present[k] && !b == !md->present[k]);
    if (a)
        CHECK(*a == md->val[k] && *b == md->val[k]);
    CHECK(hmap_has(u, &key) == md->present[k] && hmap_has(s, &name_ptr[k]) == md->present[k]);
}

/* Visits every entry of u once (checked against the model) and deletes
 * those whose key the pattern picks, from both maps and the model. */
static void iterate(hmap *u, hmap *s, struct model *md, unsigned pattern)
{
    bool seen[KEYS] = { false };
    size_t n = 0, before = md->count;
    hmap_iter it;
    for (hmap_iter_init(&it, u); hmap_iter_next(&it);) {
        uint64_t k = *(const uint64_t *)it.key;
        CHECK(k < KEYS && md->present[k] && !seen[k]);
        CHECK(*(const uint64_t *)it.val == md->val[k]);
        seen[k] = true;
        n++;
        if (pattern && (k * 7 + pattern) % 5 == 0) {
            hmap_iter_del(&it);
            CHECK(hmap_del(s, &name_ptr[k]));
            md->present[k] = false;
            md->count--;
        }
    }
    CHECK(n == before);
    size_t m = 0;
    for (hmap_iter_init(&it, s); hmap_iter_next(&it);) {
        const char *name = *(const char *const *)it.key;
        unsigned k = (unsigned)atoi(name + 1);
        CHECK(k < KEYS && md->present[k] && name == name_ptr[k]);
        m++;
    }
    CHECK(m == md->count);
    CHECK(hmap_len(u) == md->count && hmap_len(s) == md->count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hmap *u = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), size > 0 ? data[0] % 3 * 40 : 0);
    hmap *s = hmap_new(&HMAP_TYPE_CSTR(uint64_t), 0);
    CHECK(u && s);
    static struct model md;
    memset(&md, 0, sizeof md);
    for (size_t i = 1; i + 3 <= size; i += 3) {
        unsigned op = data[i] % 12, k = (data[i + 1] | (unsigned)data[i + 2] << 8) % KEYS;
        uint64_t v = (uint64_t)data[i + 2] * 0x9e3779b97f4a7c15ull + i;
        uint64_t key = k;
        switch (op) {
        case 0:
        case 1:
            set_both(u, s, &md, k, v);
            break;
        case 2: {
            bool ins_u, ins_s;
            uint64_t *a = hmap_put(u, &key, &ins_u), *b = hmap_put(s, &name_ptr[k], &ins_s);
            CHECK(a && b && ins_u == !md.present[k] && ins_s == ins_u);
            if (ins_u)
                CHECK(*a == 0 && *b == 0);
            *a = *b = v;
            md.count += ins_u;
            md.present[k] = true;
            md.val[k] = v;
            break;
        }
        case 3:
        case 4:
            check_key(u, s, &md, k);
            break;
        case 5:
        case 6: {
            bool a = hmap_del(u, &key), b = hmap_del(s, &name_ptr[k]);
            CHECK(a == md.present[k] && b == a);
            md.count -= a;
            md.present[k] = false;
            break;
        }
        case 7:
            if (k % 8 == 0) { /* rare: it empties everything */
                hmap_clear(u);
                hmap_clear(s);
                memset(&md, 0, sizeof md);
            }
            break;
        case 8:
            iterate(u, s, &md, k % 5);
            break;
        case 9: /* a burst that makes the maps grow */
            for (unsigned j = 0; j < BURST; j++)
                set_both(u, s, &md, (k + j) % KEYS, v + j);
            break;
        case 10:
            CHECK(hmap_len(u) == md.count && hmap_len(s) == md.count);
            break;
        case 11:
            CHECK(hmap_verify(u) && hmap_verify(s));
            break;
        }
    }
    for (unsigned k = 0; k < KEYS; k++)
        check_key(u, s, &md, k);
    iterate(u, s, &md, 0);
    hmap_free(u);
    hmap_free(s);
    return 0;
}
