/*
 * word_count.c - a correct program: counts the words of a text with string
 * keys, then removes the rare ones while iterating.  It must run clean in
 * every build.
 */
#include <hmap.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char text[] =
    "It was the best of times, it was the worst of times, it was the age of "
    "wisdom, it was the age of foolishness, it was the epoch of belief, it "
    "was the epoch of incredulity, it was the season of Light, it was the "
    "season of Darkness, it was the spring of hope, it was the winter of "
    "despair.";

/* Splits `text` into lower-case words kept in one buffer; the map stores
 * pointers into it, so the buffer outlives the map. */
static char *next_word(char **cursor)
{
    char *p = *cursor;
    while (*p && !isalpha((unsigned char)*p))
        p++;
    if (!*p)
        return NULL;
    char *w = p;
    while (isalpha((unsigned char)*p)) {
        *p = (char)tolower((unsigned char)*p);
        p++;
    }
    if (*p)
        *p++ = '\0';
    *cursor = p;
    return w;
}

int main(void)
{
    hmap_type t = HMAP_TYPE_CSTR(unsigned);
    hmap *counts = hmap_new(&t, 0);
    char *words = strdup(text), *cursor = words;
    if (!counts || !words)
        return 1;

    for (const char *w; (w = next_word(&cursor));) {
        unsigned *n = hmap_put(counts, &w, NULL);
        if (!n)
            return 1;
        (*n)++;
    }
    printf("%zu distinct words\n", hmap_len(counts));

    hmap_iter it;
    for (hmap_iter_init(&it, counts); hmap_iter_next(&it);)
        if (*(unsigned *)it.val < 2)
            hmap_iter_del(&it);

    const char *key = "was";
    unsigned *was = hmap_get(counts, &key);
    printf("%zu words occur twice or more; \"was\" occurs %u times\n", hmap_len(counts),
           was ? *was : 0);
    int ok = hmap_verify(counts) && was && *was == 10;
    hmap_free(counts);
    free(words);
    return ok ? 0 : 1;
}
