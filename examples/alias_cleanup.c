/*
 * alias_cleanup.c - crash reproduction: use of freed map.
 *
 * A shell loads its command aliases into a map.  The loader declares the
 * map with GCC's __attribute__((cleanup)) (systemd's _cleanup_, the same
 * idea as the `defer` proposed for C) so that every early error return
 * frees it.  The bug: the success path returns the map too - and the
 * cleanup runs on that path as well, after the return value is taken.  The
 * caller gets a freed map.  In the plain build that is a use after free.
 *
 * Built with -DHMAP_CHECKED the freed map is recognised at the first call
 * on it, every run:
 *     ==PID==ERROR: hmap: use of freed map on map 0x...
 * in expand_alias.  alias_cleanup_fixed.c hands the map over to the caller
 * (steal the pointer, then return it) so that the cleanup frees nothing.
 */
#include <hmap.h>

#include <stdio.h>

static void free_mapp(hmap **m)
{
    hmap_free(*m);
}
#define _cleanup_map_ __attribute__((cleanup(free_mapp)))

static const char *const defaults[][2] = {
    { "ll", "ls -l" }, { "la", "ls -A" }, { "gs", "git status" }, { "..", "cd .." },
};

/* Returns the alias table, or NULL on error. */
static hmap *load_aliases(void)
{
    _cleanup_map_ hmap *aliases = hmap_new(&HMAP_TYPE_CSTR(const char *), 0);
    if (!aliases)
        return NULL;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (hmap_set(aliases, &defaults[i][0], &defaults[i][1]) != 0)
            return NULL; /* the cleanup frees the half-filled map: fine */
    return aliases; /* the bug: ...and it frees this one too */
}

/* The command line an alias stands for, or the command itself. */
static const char *expand_alias(const hmap *aliases, const char *command)
{
    const char *const *expansion = hmap_get(aliases, &command);
    return expansion ? *expansion : command;
}

int main(void)
{
    hmap *aliases = load_aliases();
    if (!aliases)
        return 1;
    printf("ll -> %s\n", expand_alias(aliases, "ll"));
    hmap_free(aliases);
    return 0;
}
