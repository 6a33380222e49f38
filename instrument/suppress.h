/*
 * suppress.h - suppressions (suppress.c): reports of races the user cannot
 * fix yet (third-party code, say), silenced by HMAP_OPTIONS=suppressions=FILE.
 */
#ifndef HMAP_INSTRUMENT_SUPPRESS_H
#define HMAP_INSTRUMENT_SUPPRESS_H

#include "hmap_internal.h"
#include "report.h"

#include <stdbool.h>

#pragma GCC visibility push(hidden)

/* Reads the suppressions file, if the options name one; a line it cannot
 * use is an error (exit 1), as a bad option is.  Once, at start-up. */
void hmap__suppress_init(void);
/* Whether r matches a suppression (and counts it, for the summary printed
 * at exit).  Only races can be: a program can go on after one, as it
 * would have without the checks. */
bool hmap__suppressed(const struct hmap_report *r);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_SUPPRESS_H */
