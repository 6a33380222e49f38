/*
 * logging_hash.c - crash reproduction: reentrant map access.
 *
 * A program keeps its options in a string map with its own hash function,
 * and someone debugging a performance problem made the hash function log
 * the keys it hashes - when tracing is switched on.  Whether tracing is on
 * is itself an option: the hash callback looks it up in the map it is
 * hashing for.  The bug: a hash or equal callback must not call back into
 * the map it serves; the map is in the middle of an operation.  In the
 * plain build the lookup hashes its key, which looks the option up, which
 * hashes... until the stack overflows.
 *
 * Built with -DHMAP_CHECKED the first re-entry is reported, every run:
 *     ==PID==ERROR: hmap: reentrant map access on map 0x...
 * with the stack through option_hash back to set_option, the outer call.
 * logging_hash_fixed.c reads the tracing switch once, outside the map.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdio.h>

static hmap *options; /* option name -> value */

static bool tracing(const char *topic)
{
    const char *const *value = hmap_get(options, &topic); /* the bug: same map */
    return value && **value == '1';
}

/* The usual string hash, plus a trace line when tracing is on. */
static uint64_t option_hash(const void *key, uint64_t seed)
{
    if (tracing("trace.hash"))
        fprintf(stderr, "hashing %s\n", *(const char *const *)key);
    return hmap_hash_cstr(key, seed);
}

static void set_option(const char *name, const char *value)
{
    hmap_set(options, &name, &value);
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
    printf("%zu options\n", hmap_len(options));
    hmap_free(options);
    return 0;
}
