/*
 * report.h - printing a report (report.c): one at a time, text or JSON,
 * with write(2) from preallocated buffers, then abort() or _exit().  The
 * kinds of report come from kinds.inc.
 */
#ifndef HMAP_INSTRUMENT_REPORT_H
#define HMAP_INSTRUMENT_REPORT_H

#include "hmap_internal.h"
#include "stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* One thread's part in a report. */
struct hmap_report_thread {
    const char *role;             /* "write", "concurrent write", "read", "iteration", ... */
    pid_t tid;                    /* 0: not known */
    const struct hmap__site *site;/* the call site of the operation, or NULL */
    const struct hmap_stack *stack; /* NULL: no stack for this part */
};

enum { HMAP_REPORT_THREADS = 4 };

/* The kinds of report (kinds.inc), and their strings and help. */
enum hmap_kind {
#define HMAP_KIND(id, name, help) HMAP_KIND_##id,
#include "kinds.inc"
#undef HMAP_KIND
    HMAP_KIND_COUNT
};
const char *hmap__kind_name(enum hmap_kind kind);
const char *hmap__kind_help(enum hmap_kind kind);

struct hmap_report {
    enum hmap_kind kind;
    const struct hmap *map;       /* the map concerned (may be freed or invalid) */
    const char *type_name;        /* the map's type name, or NULL when the map cannot be read */
    const char *detail;           /* an extra line (e.g. generations), or NULL */
    struct hmap_report_thread threads[HMAP_REPORT_THREADS];
    int nthreads;
    /* The call site named on the SUMMARY line; NULL: the first frame of
     * threads[0]'s stack is used instead. */
    const struct hmap__site *summary_site;
};

/* Makes this thread the only reporter.  Returns false if another thread
 * is already reporting: the caller must then park (hmap__park). */
bool hmap__report_begin(void);
/* True while some thread is reporting: checked operations park on exit. */
extern int hmap__reporter_tid;
HMAP_INLINE bool hmap__reporting(void)
{
    return __atomic_load_n(&hmap__reporter_tid, __ATOMIC_RELAXED) != 0;
}
/* Gives the report up (it was suppressed): another may begin. */
void hmap__report_abandon(void);
/* Waits, answering stack requests, while another thread reports: returns
 * if that report is abandoned; usually it ends the process first. */
void hmap__wait_for_report(void);
/* Never returns: serves stack requests until the reporter ends the process. */
_Noreturn void hmap__park(void);
/* Writes the report (text or JSON, to stderr or log_path) and ends the
 * process: abort(), or _exit(exitcode).  Caller holds hmap__report_begin. */
_Noreturn void hmap__report_end(const struct hmap_report *r);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_REPORT_H */
