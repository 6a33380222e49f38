/*
 * resolve_deps_fixed.c - a correct program: resolve_deps.c, iterating
 * first and writing after.
 *
 * Each pass walks the wanted set and only collects the dependencies that
 * are missing; the inserts happen once the walk is over.  Passes repeat
 * until one finds nothing new, so the result no longer depends on the
 * iteration order.  Built with -DHMAP_CHECKED it must run clean and find
 * all 7 packages.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const catalogue[][4] = {
    { "webapp", "http", "db", NULL },
    { "http", "tls", "zlib", NULL },
    { "db", "zlib", "log", NULL },
    { "tls", "crypto", NULL },
    { "log", NULL },
    { "zlib", NULL },
    { "crypto", NULL },
};
enum { PACKAGES = sizeof catalogue / sizeof catalogue[0] };

static const char *const *dependencies_of(const char *package)
{
    for (int i = 0; i < PACKAGES; i++)
        if (!strcmp(catalogue[i][0], package))
            return &catalogue[i][1];
    return NULL;
}

/* One pass: adds the missing direct dependencies of every wanted package.
 * Returns how many it added. */
static size_t add_dependencies(hmap *wanted)
{
    const char *missing[PACKAGES];
    size_t n = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, wanted); hmap_iter_next(&it);) {
        const char *const *deps = dependencies_of(*(const char *const *)it.key);
        for (; deps && *deps; deps++) {
            bool queued = false;
            for (size_t i = 0; i < n; i++)
                queued |= !strcmp(missing[i], *deps);
            if (!queued && !hmap_has(wanted, deps)) /* reads are fine mid-walk */
                missing[n++] = *deps;
        }
    }
    for (size_t i = 0; i < n; i++) /* the walk is over: now write */
        hmap_put(wanted, &missing[i], NULL);
    return n;
}

int main(void)
{
    hmap *wanted = hmap_new(&HMAP_TYPE_CSTR(bool), 0);
    if (!wanted)
        return 1;
    const char *request = "webapp";
    bool asked = true;
    hmap_set(wanted, &request, &asked);

    while (add_dependencies(wanted) > 0)
        ;
    printf("%zu packages to install (all %d needed)\n", hmap_len(wanted), PACKAGES);
    int ok = hmap_len(wanted) == PACKAGES;
    hmap_free(wanted);
    return ok ? 0 : 1;
}
