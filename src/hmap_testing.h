/*
 * hmap_testing.h - hooks for the project's own tests, not part of the public
 * API nor exported from the shared library: they let a test make the
 * library's allocations fail on demand, so that "out of memory leaves the
 * map exactly as before" can be proved for every allocation a growth
 * makes.  (Memory a plain map prepares ahead of its next growth is not
 * counted: its failure changes nothing.)
 */
#ifndef HMAP_TESTING_H
#define HMAP_TESTING_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Hidden: the shared library exports the public API and the checked entry
 * points only; the tests link the static library, where these are found. */
#pragma GCC visibility push(hidden)

/* Make the n-th allocation from now fail (1 = the next one); 0 disables.
 * Only the one allocation fails; later ones succeed again. */
void hmap_testing_fail_nth_alloc(long n);

/* How many allocations the library has attempted (including failed ones)
 * since either of these two hooks was first called: counting starts then,
 * so that programs that never ask do not pay for it.  Lets a test count
 * the allocations an operation makes, to sweep every one of them. */
long hmap_testing_alloc_count(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
