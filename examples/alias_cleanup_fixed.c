/*
 * alias_cleanup_fixed.c - a correct program: alias_cleanup.c, handing the
 * map over instead of letting the cleanup free it.
 *
 * The cleanup attribute stays - it is what frees the map on the error
 * paths - but the success path steals the pointer first (systemd's
 * TAKE_PTR), so the cleanup sees NULL and frees nothing.  The caller owns
 * the map and, with the same attribute, frees it when it is done.  Built
 * with -DHMAP_CHECKED it must run clean.
 */
#include <hmap.h>

#include <stdio.h>
#include <string.h>

static void free_mapp(hmap **m)
{
    hmap_free(*m); /* hmap_free(NULL) does nothing */
}
#define _cleanup_map_ __attribute__((cleanup(free_mapp)))

/* Returns *p and sets it to NULL: ownership moves to the caller. */
static hmap *take_map(hmap **p)
{
    hmap *m = *p;
    *p = NULL;
    return m;
}

static const char *const defaults[][2] = {
    { "ll", "ls -l" }, { "la", "ls -A" }, { "gs", "git status" }, { "..", "cd .." },
};

/* Returns the alias table, which the caller frees, or NULL on error. */
static hmap *load_aliases(void)
{
    _cleanup_map_ hmap *aliases = hmap_new(&HMAP_TYPE_CSTR(const char *), 0);
    if (!aliases)
        return NULL;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (hmap_set(aliases, &defaults[i][0], &defaults[i][1]) != 0)
            return NULL; /* the cleanup frees the half-filled map */
    return take_map(&aliases); /* the cleanup now frees nothing */
}

static const char *expand_alias(const hmap *aliases, const char *command)
{
    const char *const *expansion = hmap_get(aliases, &command);
    return expansion ? *expansion : command;
}

int main(void)
{
    _cleanup_map_ hmap *aliases = load_aliases();
    if (!aliases)
        return 1;
    const char *ll = expand_alias(aliases, "ll");
    printf("ll -> %s\n", ll);
    return strcmp(ll, "ls -l") == 0 ? 0 : 1;
}
