/*
 * feature_flags.c - crash reproduction: invalid argument.
 *
 * A service keeps its feature flags in a string map and looks up the flag
 * named by an environment variable.  The bug: when the variable is unset,
 * getenv returns NULL, and the lookup is handed a key that points at a
 * NULL string.  In the plain build the string hash reads through it: a
 * bare SIGSEGV inside the library, with no word about which argument was
 * bad or where it came from.
 *
 * Built with -DHMAP_CHECKED it dies at the lookup, every run, whatever
 * the map holds:
 *     ==PID==ERROR: hmap: invalid argument
 * naming the key and flag_enabled.  feature_flags_fixed.c checks getenv's
 * answer first.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static bool flag_enabled(hmap *flags, const char *name)
{
    const bool *on = hmap_get(flags, &name); /* the bug: name may be NULL */
    return on && *on;
}

int main(void)
{
    hmap *flags = hmap_new(&HMAP_TYPE_CSTR(bool), 0);
    static const char *const names[] = { "fast-path", "new-ui", "audit-log" };
    for (int i = 0; i < 3; i++) {
        bool on = i != 1;
        hmap_set(flags, &names[i], &on);
    }
    unsetenv("FEATURE_UNDER_TEST"); /* as on a machine where nobody set it */
    const char *name = getenv("FEATURE_UNDER_TEST");
    printf("feature under test: %s\n", flag_enabled(flags, name) ? "on" : "off");
    hmap_free(flags);
    return 0;
}
