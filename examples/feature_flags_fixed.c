/*
 * feature_flags_fixed.c - feature_flags.c, correct: the flag name from the
 * environment is checked before it becomes a key.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static bool flag_enabled(hmap *flags, const char *name)
{
    if (!name)
        return false; /* no flag named: off */
    const bool *on = hmap_get(flags, &name);
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
    unsetenv("FEATURE_UNDER_TEST");
    const char *name = getenv("FEATURE_UNDER_TEST");
    printf("feature under test: %s\n", flag_enabled(flags, name) ? "on" : "off");
    hmap_free(flags);
    return 0;
}
