/*
 * reports.h - building the report of each kind (reports.c): races,
 * dangling pointers, and the single-thread misuses the entry points find.
 */
#ifndef HMAP_INSTRUMENT_REPORTS_H
#define HMAP_INSTRUMENT_REPORTS_H

#include "hmap_internal.h"
#include "report.h"
#include "stack.h"
#include "thread.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

/* Who retired a table, and when: what a report about it names. */
struct hmap_retirement {
    const struct hmap *map;       /* the table's owner */
    uint64_t generation;          /* the table's generation */
    uint64_t map_generation;      /* the map's generation at retirement */
    pid_t tid;                    /* the retiring thread */
    const struct hmap__site *site;/* the call site of the retiring write, or NULL */
    const struct hmap_stack *stack; /* the retiring stack (guarded tables only), or NULL */
};

/* What the SIGSEGV handler found, handed to the report outside signal context. */
struct hmap_dangling {
    bool write;                   /* from the page-fault error code */
    uintptr_t addr;               /* the faulting address */
    const struct hmap *map;       /* the table's owner */
    uint64_t generation;          /* the table's generation */
    uint64_t map_generation;      /* the map's generation at retirement */
    pid_t retired_by;             /* thread that retired the table */
    struct hmap_stack fault;      /* the faulting stack */
    struct hmap_stack retired;    /* the stack that retired the table */
};

enum { HMAP_REPORT_DETAIL = 512 }; /* the detail line's buffer */

/* Whether m can be read at all as a header: not NULL, aligned, and in the
 * user part of the address space. */
bool hmap__plausible_map_pointer(const void *m);
/* Makes this thread the reporter (or parks it for good) and returns the
 * detail line's buffer (HMAP_REPORT_DETAIL bytes) to format into. */
char *hmap__report_prepare(void);
/* "prefix file:line in func", or "prefix an unchecked call site". */
void hmap__format_site(char *buf, size_t len, const char *prefix, const struct hmap__site *s);
/* A report about the calling thread alone. */
_Noreturn void hmap__report_single(enum hmap_kind kind, const struct hmap *m,
                                   const struct hmap__site *site, const char *role,
                                   const char *detail);
/* The races: another writer found inside the map (`other`, or 0 when it
 * left; `before`, the writer before this write, or 0), a read or an
 * iteration step met by a write, a write that a read or an iteration step
 * of `reader` met, a write under an iteration.  They return
 * only when the report was suppressed (suppress.h): the operation then
 * goes on, as it would have without the checks. */
void hmap__report_concurrent_writes(const struct hmap *m, const struct hmap__site *site,
                                              uint64_t other, uint64_t before);
void hmap__report_read_write(const struct hmap *m, const struct hmap__site *site,
                                       bool iterating);
void hmap__report_write_read(const struct hmap *m, const struct hmap__site *site, pid_t reader,
                             bool iterating);
void hmap__report_iteration_write(const struct hmap *m, const struct iter_state *s,
                                            struct hmap_thread *t,
                                            const struct hmap__site *site);

/* Called (outside signal context) on the faulting thread after the SIGSEGV
 * handler recognised a fault in a retired table; it already holds
 * hmap__report_begin.  Reports a dangling pointer read/write, or a
 * concurrent read/write when the thread was inside an operation on that
 * map. */
_Noreturn void hmap__report_dangling(const struct hmap_dangling *d);

/* Called when an unguarded retired table leaves a thread's queue (or at
 * thread or process exit) and its poison has changed: a write through a
 * dangling pointer.  `block` is the table's allocation, `offset` where in
 * it the first changed byte lies. */
_Noreturn void hmap__report_retired_write(const struct hmap_retirement *r, const void *block,
                                          size_t offset);
/* Called from ASan's report callback: ASan found a use after free at
 * `offset` in the allocation (`block`) of a table that r retired into its
 * quarantine. */
_Noreturn void hmap__report_asan_dangling(const struct hmap_retirement *r, const void *block,
                                          size_t offset, bool write);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_REPORTS_H */
