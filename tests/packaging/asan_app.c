/* A user's program with a stale pointer, built with -fsanitize=address
 * against an installed, uninstrumented hmap (tools/check-packaging.sh): the
 * checked runtime finds ASan at run time, frees the retired array into
 * ASan's quarantine, and ASan's report of the read is followed by hmap's. */
#define HMAP_CHECKED 1
#include <hmap.h>

static volatile int sink;

int main(void)
{
    hmap *m = hmap_new(&HMAP_TYPE(int, int), 0);
    int k = 0;
    int *p = hmap_put(m, &k, 0);
    for (k = 1; k < 100; k++) /* grows: the array p points into retires */
        hmap_set(m, &k, &k);
    sink = *p; /* the bug */
    hmap_free(m);
    return 0;
}
