/*
 * deathutil.h - running a misuse in a child process and checking how it
 * died (the death tests, meson suite `death`).
 *
 * death_run forks; the child sets HMAP_OPTIONS, runs the scenario and must
 * not return from it; the parent captures the child's stderr and its wait
 * status.  The death_expect_* checks then assert what DESIGN §4 promises of
 * a report: the termination, the first line with the exact kind string,
 * the SUMMARY line, and frames naming the test's own functions.
 */
#ifndef HMAP_DEATHUTIL_H
#define HMAP_DEATHUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Built under ThreadSanitizer: its warnings may precede a report, and it
 * delivers asynchronous signals late. */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

/* Built under AddressSanitizer: a use of a retired table that no page
 * guards is ASan's to catch, and its report comes before hmap's. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

struct death {
    pid_t pid;
    int status;          /* from waitpid */
    char err[256 << 10]; /* the child's stderr, NUL-terminated (truncated if longer) */
    size_t len;
};

/* Runs scenario() in a child with HMAP_OPTIONS=options (NULL: unset), with
 * a deadline of 60 s after which the child is killed. */
void death_run(struct death *d, void (*scenario)(void), const char *options);

/* The child was killed by signal sig (sig > 0) or exited with code -sig
 * (sig <= 0); otherwise the test fails showing the child's stderr. */
void death_expect_end(const struct death *d, int sig);

/* The report: line 1 is "==PID==ERROR: hmap: <kind>" (followed by " on map"
 * or the end of the line), the last line starts with "SUMMARY: hmap: <kind>",
 * and a frame line ("    #N ...") names each of the NULL-terminated
 * functions.  Under ThreadSanitizer or AddressSanitizer, whose own reports
 * may come first, the report is looked for anywhere in the output. */
void death_expect_report(const struct death *d, const char *kind, ...);

/* The stack under the first line that starts with `head` (a report's
 * thread part, "  read by thread ", or ASan's "READ of size ") holds a
 * frame of fn: a report whose stack for that part is missing, with fn only
 * in another part's stack, fails. */
void death_expect_stack(const struct death *d, const char *head, const char *fn);

/* The SUMMARY line is "SUMMARY: hmap: <kind> <file>:<line> in <fn>", the
 * file's name ending in `file`. */
void death_expect_summary(const struct death *d, const char *kind, const char *file,
                          const char *fn);

/* How many frame lines name function fn (" in fn+" or " in fn "). */
int death_count_frames(const struct death *d, const char *fn);

/* Whether the child's stderr contains s. */
bool death_stderr_has(const struct death *d, const char *s);

#endif /* HMAP_DEATHUTIL_H */
