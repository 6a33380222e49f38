/*
 * fuzz_options.c - a libFuzzer target: HMAP_OPTIONS text, parsed the way
 * start-up parses it (hmap__options_parse), which must never crash, read
 * past the text, or accept a setting outside its documented range.
 */
#include "options.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_options: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                         \
        }                                                                    \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1); /* exactly the input: ASan sees any overread */
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char why[256];
    memset(why, 0x5a, sizeof why);
    bool ok = hmap__options_parse(text, why, sizeof why);
    CHECK(memchr(why, '\0', sizeof why) != NULL);
    if (ok) {
        const struct hmap_options *o = &hmap__opts;
        CHECK(why[0] == '\0');
        CHECK(o->relocate == RELOCATE_NEVER || o->relocate == RELOCATE_SAMPLED ||
              o->relocate == RELOCATE_ALWAYS);
        CHECK(o->guard == GUARD_NONE || o->guard == GUARD_SAMPLED || o->guard == GUARD_ALL);
        CHECK(o->quarantine_mb >= 1);
        CHECK(o->guard_sample_kb >= 1);
        CHECK(o->exitcode >= 0 && o->exitcode <= 255); /* 0: none, abort() */
        CHECK(o->stack_depth >= 1 && o->stack_depth <= HMAP_STACK_DEPTH_MAX);
        CHECK(o->signal >= SIGRTMIN && o->signal <= SIGRTMAX);
        CHECK(o->trap_budget_pct <= 100);
        CHECK(memchr(o->log_path, '\0', sizeof o->log_path) != NULL);
    } else {
        CHECK(why[0] != '\0');
    }
    free(text);
    return 0;
}
