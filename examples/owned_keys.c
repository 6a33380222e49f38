/*
 * owned_keys.c - string keys the map's user owns.
 *
 * HMAP_TYPE_CSTR stores the key's pointer, not the string: the string must
 * outlive its entry and must not change while it is a key.  When keys come
 * from a buffer that is reused (here, lines read one after another), the
 * program copies each new key once, when it is first inserted, and frees
 * the copies itself before the map goes:
 *   - look the key up first: a key already there needs no copy;
 *   - strdup it only to insert it (the map then points at the copy);
 *   - walk the map to free the copies, then free the map.
 * Built with -DHMAP_CHECKED (examples/meson.build), it runs clean.
 */
#include <hmap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counts one more `word`, which lives in a buffer the caller reuses. */
static int count(hmap *counts, const char *word)
{
    unsigned *n = hmap_get(counts, &word);
    if (n) { /* already a key: the map holds its own copy */
        ++*n;
        return 0;
    }
    char *copy = strdup(word);
    if (!copy)
        return -1;
    const char *key = copy;
    unsigned one = 1;
    if (hmap_set(counts, &key, &one) != 0) {
        free(copy);
        return -1;
    }
    return 0;
}

int main(void)
{
    static const char *const input[] = { "pear", "fig", "pear", "plum", "fig", "pear" };
    hmap *counts = hmap_new(&HMAP_TYPE_CSTR(unsigned), 0);
    char line[32]; /* one buffer, overwritten by every word */
    for (size_t i = 0; i < sizeof input / sizeof input[0]; i++) {
        snprintf(line, sizeof line, "%s", input[i]);
        if (count(counts, line) != 0)
            return 1;
    }
    const char *pear = "pear";
    printf("%zu words, pear %u times\n", hmap_len(counts), *(unsigned *)hmap_get(counts, &pear));

    /* The copies are the program's: free them, then the map. */
    hmap_iter it;
    for (hmap_iter_init(&it, counts); hmap_iter_next(&it);)
        free(*(char **)it.key);
    hmap_free(counts);
    return 0;
}
