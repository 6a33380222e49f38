/*
 * logging_hash_fixed.c - a correct program: logging_hash.c, with the hash
 * callback kept out of the map it serves.
 *
 * The tracing switch is read from the options once, by the program, into a
 * plain variable; the hash callback reads only that variable.  A hash or
 * equal callback may do anything except call into its own map (another
 * map is fine).  Built with -DHMAP_CHECKED it must run clean.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdio.h>

static hmap *options;     /* option name -> value */
static bool trace_hashes; /* a copy of option trace.hash, read outside the map */

static uint64_t option_hash(const void *key, uint64_t seed)
{
    if (trace_hashes)
        fprintf(stderr, "hashing %s\n", *(const char *const *)key);
    return hmap_hash_cstr(key, seed);
}

static void set_option(const char *name, const char *value)
{
    hmap_set(options, &name, &value);
}

/* Called after the options change: refreshes the copies callbacks use. */
static void options_changed(void)
{
    const char *name = "trace.hash";
    const char *const *value = hmap_get(options, &name);
    trace_hashes = value && **value == '1';
}

int main(void)
{
    hmap_type type = HMAP_TYPE_CSTR(const char *);
    type.hash = option_hash;
    options = hmap_new(&type, 0);
    if (!options)
        return 1;

    set_option("trace.hash", "0");
    set_option("color", "auto");
    options_changed();
    printf("%zu options, hash tracing %s\n", hmap_len(options), trace_hashes ? "on" : "off");
    hmap_free(options);
    return 0;
}
