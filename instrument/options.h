/*
 * options.h - HMAP_OPTIONS (options.c): the settings every other part reads.
 */
#ifndef HMAP_INSTRUMENT_OPTIONS_H
#define HMAP_INSTRUMENT_OPTIONS_H

#include "hmap_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* The most frames a stack in a report may have (stack_depth=1..64). */
enum { HMAP_STACK_DEPTH_MAX = 64 };

enum hmap_relocate { RELOCATE_NEVER, RELOCATE_SAMPLED, RELOCATE_ALWAYS };
enum hmap_guard { GUARD_NONE, GUARD_SAMPLED, GUARD_ALL };

enum hmap_log_format { LOG_TEXT, LOG_JSON };
typedef char hmap_path[1024];

/* One field per option of options.inc, named after it: the value after
 * start-up (relocate=always is RELOCATE_ALWAYS; exitcode=none is 0,
 * which no setting can be; log_path=stderr is ""). */
struct hmap_options {
#define HMAP_OPTION(type, name, default_text, help) type name;
#include "options.inc"
#undef HMAP_OPTION
    bool signal_chosen;          /* signal= was set by the user, not left at its default */
};

/* Filled once, before the first checked map exists, from HMAP_OPTIONS.
 * help=1 prints the options to stderr and carries on; a malformed or unknown
 * option prints an error naming it and exits 1. */
extern struct hmap_options hmap__opts;
void hmap__options_init(void);
/* Sets hmap__opts to the defaults and then to `text` (HMAP_OPTIONS's
 * syntax).  Returns false, with the reason in why, on the first error;
 * prints nothing (help=1 is only recorded). */
bool hmap__options_parse(const char *text, char *why, size_t why_size);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_OPTIONS_H */
