/* A user's program with a stale pointer, built with -fsanitize=address
 * against an installed, uninstrumented hmap (tools/check-packaging.sh).
 * The checked runtime finds ASan at run time:
 *
 *   asan_app small    a pointer into a small map kept across its growth:
 *                     the retired table is freed into ASan's quarantine,
 *                     and ASan's report of the read is followed by hmap's
 *   asan_app large    the same with a large table (values of 200 bytes:
 *                     a table of 128 groups takes about 390 KiB): tables
 *                     of 256 KiB and up are always guarded, so hmap's
 *                     fault report catches the read, whatever ASan does
 *   asan_app deleted  a pointer to an entry kept across its deletion: the
 *                     slot is poisoned, and ASan reports the read
 */
#define HMAP_CHECKED 1
#include <hmap.h>

#include <string.h>

static volatile int sink;

/* Holds a pointer into the map at `first` entries, across its growth to
 * `last`, which retires the table it points into. */
static int stale_read(int first, int last)
{
    hmap *m = hmap_new(&HMAP_TYPE(int, int), 0);
    int k;
    for (k = 1; k < first; k++)
        hmap_set(m, &k, &k);
    k = 0;
    int *p = hmap_put(m, &k, 0);
    for (k = first; k < last; k++)
        hmap_set(m, &k, &k);
    sink = *p; /* the bug */
    hmap_free(m);
    return 0;
}

struct record {
    char bytes[200];
};

/* As stale_read, with values large enough to make the table that grows
 * to 128 groups (past 840 entries) one of 256 KiB and up; the split at
 * its 1680th entry retires it. */
static int stale_read_large(void)
{
    hmap *m = hmap_new(&HMAP_TYPE(int, struct record), 0);
    struct record r;
    memset(&r, 1, sizeof r);
    int k;
    for (k = 1; k < 1000; k++)
        hmap_set(m, &k, &r);
    k = 0;
    struct record *p = hmap_put(m, &k, 0);
    for (k = 1000; k < 4000; k++)
        hmap_set(m, &k, &r);
    sink = p->bytes[0]; /* the bug */
    hmap_free(m);
    return 0;
}

/* 8-byte keys and values: ASan poisons whole 8-byte granules only. */
static int deleted_read(void)
{
    hmap *m = hmap_new(&HMAP_TYPE(long, long), 0);
    for (long k = 0; k < 10; k++)
        hmap_set(m, &k, &k);
    long k = 3;
    long *p = hmap_get(m, &k);
    hmap_del(m, &k);
    sink = *p; /* the bug */
    hmap_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "small";
    if (strcmp(mode, "deleted") == 0)
        return deleted_read();
    if (strcmp(mode, "large") == 0)
        return stale_read_large();
    return stale_read(1, 100);
}
