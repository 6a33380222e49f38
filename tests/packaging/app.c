/* A user's program, built against an installed hmap (pkg-config) or hmap
 * as a meson subproject, by tools/check-packaging.sh. */
#include <hmap.h>

#include <stdio.h>

int main(void)
{
    hmap *m = hmap_new(&HMAP_TYPE(int, int), 0);
    for (int i = 0; i < 1000; i++)
        hmap_set(m, &i, &i);
    int k = 500;
    int *v = hmap_get(m, &k);
    int ok = v && *v == 500 && hmap_len(m) == 1000;
    hmap_free(m);
    puts(ok ? "packaging: ok" : "packaging: wrong result");
    return ok ? 0 : 1;
}
