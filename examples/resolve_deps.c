/*
 * resolve_deps.c - crash reproduction: map modified during iteration.
 *
 * A package manager computes what to install: the set of wanted packages
 * starts with what the user asked for, and every package pulls in its
 * dependencies.  The bug: add_dependencies inserts into the set while it is
 * iterating over that same set, hoping the loop will also visit the new
 * entries.  Whether it does is up to chance (iteration order is random,
 * and an insert may grow the map mid-walk), so some runs install less than
 * they should.
 *
 * Built with -DHMAP_CHECKED it dies at the step of the walk that follows
 * the first insert, every run:
 *     ==PID==ERROR: hmap: map modified during iteration on map 0x...
 * naming where the iteration began and where the map was written (both in
 * add_dependencies).  Built plain it runs to the end without a word and
 * prints 3 packages in some runs, 7 in others.  resolve_deps_fixed.c
 * collects first and writes after the walk.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Each package with its direct dependencies, NULL-terminated. */
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

/* Adds every dependency of every wanted package to `wanted`
 * (package name -> whether the user asked for it). */
static void add_dependencies(hmap *wanted)
{
    hmap_iter it;
    for (hmap_iter_init(&it, wanted); hmap_iter_next(&it);) {
        const char *const *deps = dependencies_of(*(const char *const *)it.key);
        for (; deps && *deps; deps++)
            hmap_put(wanted, deps, NULL); /* the bug: a write in the middle of the walk */
    }
}

int main(void)
{
    hmap *wanted = hmap_new(&HMAP_TYPE_CSTR(bool), 0);
    if (!wanted)
        return 1;
    const char *request = "webapp";
    bool asked = true;
    hmap_set(wanted, &request, &asked);

    add_dependencies(wanted);
    printf("%zu packages to install (all %d needed)\n", hmap_len(wanted), PACKAGES);
    hmap_free(wanted);
    return 0;
}
