/*
 * reports.c - building the report of each kind, from what the entry
 * points, the SIGSEGV handler and the retired-table checks found.
 *
 * A report is data (struct hmap_report: kind, map, the threads concerned
 * with their roles, call sites and stacks); report.c prints it.  The
 * builders here gather the parts: this thread's stack (trimmed to the
 * user's call), another thread's (asked for with a signal, stack.c), the
 * map's creation and, for a freed map, who freed it.  Only the thread that
 * won hmap__report_begin builds one, in static storage; every other
 * thread that gets here waits.  A report ends the process, but for a race
 * the user suppressed (suppress.c): then it is given up, the builder
 * returns, and the operation goes on.  Callers have started the runtime
 * (options read) before they report.
 */
#include "reports.h"
#include "suppress.h"
#include "report.h"
#include "stack.h"
#include "thread.h"

#include <sched.h>
#include <stdio.h>

#define RELAXED_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define RELAXED_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

/* How long a report waits for another thread's stack. */
enum { OTHER_STACK_TIMEOUT_MS = 1000 };

/* Whether m can be read at all as a header: not NULL, aligned, and above
 * the pages no real object lives in.  (A wild pointer elsewhere still
 * faults, and that fault goes to whoever handled SIGSEGV before us.) */
bool hmap__plausible_map_pointer(const void *m)
{
    uintptr_t p = (uintptr_t)m;
    return p >= 4096 && (p & (_Alignof(struct hmap) - 1)) == 0 && p < ((uintptr_t)1 << 47);
}

/* Live and freed headers still hold their type (freed ones stay in the
 * quarantine); anything else cannot be trusted. */
static bool header_readable(const struct hmap *m)
{
    return m && hmap__plausible_map_pointer(m) &&
           (m->magic == HMAP_MAGIC_LIVE || m->magic == HMAP_MAGIC_FREED);
}

static const char *type_name_of(const struct hmap *m)
{
    return header_readable(m) ? m->type.name : NULL;
}

static void unwind_from_entry(struct hmap_stack *st)
{
    hmap__unwind_here(st, 0);
    hmap__stack_trim_to_entry(st, hmap__thread_record.entry_pc);
}

/* Reports are built in static storage: only the one thread that won
 * hmap__report_begin writes to it. */
static struct hmap_stack own_stack, other_stack;
static char detail_line[512];

/* Makes this thread the reporter, waiting while another thread reports
 * (which usually ends the process; a suppressed report does not).  Called
 * before anything is formatted into the shared buffers below; a second
 * call by the reporter itself is a no-op. */
static void begin_report_or_park(void)
{
    struct hmap_thread *t = hmap__thread_self(); /* the caller started the runtime */
    if (__atomic_load_n(&hmap__reporter_tid, __ATOMIC_RELAXED) == t->tid)
        return;
    while (!hmap__report_begin())
        hmap__wait_for_report();
}

static void add_part(struct hmap_report *r, const char *role, pid_t tid,
                     const struct hmap__site *site, const struct hmap_stack *stack)
{
    if (r->nthreads < HMAP_REPORT_THREADS)
        r->threads[r->nthreads++] = (struct hmap_report_thread){ role, tid, site, stack };
}

/* "map created by thread T0 (tid 4242) at file:line in main", when known,
 * and for a freed map who freed it: hmap_free is its last write. */
static void add_creation(struct hmap_report *r, const struct hmap *m)
{
    if (header_readable(m) && m->checked.create_site)
        add_part(r, "map created", (pid_t)m->checked.creator,
                 (const struct hmap__site *)m->checked.create_site, NULL);
    if (m && hmap__plausible_map_pointer(m) && m->magic == HMAP_MAGIC_FREED)
        add_part(r, "map freed", (pid_t)m->checked.last_writer,
                 (const struct hmap__site *)m->checked.last_write_site, NULL);
}

/* A report about the calling thread alone. */
_Noreturn void hmap__report_single(enum hmap_kind kind, const struct hmap *m,
                                    const struct hmap__site *site, const char *role,
                                    const char *detail)
{
    begin_report_or_park();
    struct hmap_thread *t = hmap__thread_self();
    unwind_from_entry(&own_stack);
    struct hmap_report r = { .kind = kind, .map = m, .type_name = type_name_of(m),
                             .detail = detail, .summary_site = site };
    add_part(&r, role, t->tid, site, &own_stack);
    add_creation(&r, m);
    hmap__report_end(&r);
}

/* A thread reporting on live map m takes the sole use of it away, so that
 * a fast read or write of the sole user's under way waits for the report
 * as it ends, inside its operation (checked.c, fast_read_end,
 * fast_write_end), where the report asks for its stack. */
static void close_sole_use_for_report(const struct hmap *m, pid_t self)
{
    if (header_readable(m) && m->magic == HMAP_MAGIC_LIVE)
        RELAXED_STORE((uint64_t *)&m->checked.sole_user, hmap__sole_use_mark(OP_REPORT, self));
}

/* A report about the calling thread and another one, whose stack is asked
 * for before ours is taken (it may be about to leave the map). */
static void report_pair(enum hmap_kind kind, const struct hmap *m,
                                  const struct hmap__site *site, const char *role,
                                  pid_t other, const struct hmap__site *other_site,
                                  const char *other_role, const char *detail,
                                  const struct hmap__site *summary_site)
{
    begin_report_or_park();
    struct hmap_thread *t = hmap__thread_self();
    close_sole_use_for_report(m, t->tid);
    const struct hmap_stack *theirs = NULL;
    if (other != 0 && other != t->tid) {
        hmap__stack_of_thread(other, m, &other_stack, OTHER_STACK_TIMEOUT_MS);
        theirs = &other_stack;
    }
    unwind_from_entry(&own_stack);
    struct hmap_report r = { .kind = kind, .map = m, .type_name = type_name_of(m),
                             .detail = detail, .summary_site = summary_site };
    add_part(&r, role, t->tid, site, &own_stack);
    if (!other_site && theirs)
        other_site = theirs->site; /* from inside its operation */
    add_part(&r, other_role, other, other_site, theirs);
    add_creation(&r, m);
    if (hmap__suppressed(&r)) { /* a race the user silenced: the operation goes on */
        hmap__report_abandon();
        return;
    }
    hmap__report_end(&r);
}

/* The site recorded for the last write by `tid`, if that is who it was. */
static const struct hmap__site *last_write_site_of(const struct hmap *m, pid_t tid)
{
    if ((pid_t)RELAXED_LOAD(&m->checked.last_writer) != tid)
        return NULL;
    return (const struct hmap__site *)RELAXED_LOAD(&m->checked.last_write_site);
}

/* The call site of a write in progress in another thread, for a report
 * about to name it.  That thread takes the map (the owner word) just before
 * it records its site, so a collision can fall between the two: give it a
 * moment to record it (it is inside its write, nanoseconds from there), up
 * to about a millisecond, or until it has left the map.  Not for the
 * SIGSEGV handler, which must not wait. */
static const struct hmap__site *write_site_of(const struct hmap *m, pid_t tid)
{
    for (int i = 0; i < 1000; i++) {
        const struct hmap__site *s = last_write_site_of(m, tid);
        if (s || (pid_t)RELAXED_LOAD(&m->checked.owner) != tid)
            return s;
        sched_yield();
    }
    return NULL;
}

static void format_site(char *buf, size_t len, const char *prefix, const struct hmap__site *s)
{
    if (s)
        snprintf(buf, len, "%s %s:%d in %s", prefix, s->file, s->line, s->func);
    else
        snprintf(buf, len, "%s an unchecked call site", prefix);
}

char *hmap__report_prepare(void)
{
    begin_report_or_park();
    return detail_line;
}

void hmap__format_site(char *buf, size_t len, const char *prefix, const struct hmap__site *s)
{
    format_site(buf, len, prefix, s);
}

/* ---- races ---------------------------------------------------------------- */

/* Another writer was found inside the map: `other`, or 0 when it has
 * left already.  It was then the map's last writer, unless we wrote after
 * it; failing that, the best guess is the writer before us (`before`, 0 if
 * not known), whose stack shows whether it is still at the map. */
void hmap__report_concurrent_writes(
    const struct hmap *m, const struct hmap__site *site, uint64_t other, uint64_t before)
{
    uint64_t self = (uint64_t)hmap__thread_record.tid;
    if (other == 0 && RELAXED_LOAD(&m->checked.last_writer) != self)
        other = RELAXED_LOAD(&m->checked.last_writer);
    if (other == 0 && before != self)
        other = before;
    report_pair(HMAP_KIND_CONCURRENT_WRITES, m, site, "write", (pid_t)other,
                write_site_of(m, (pid_t)other), "concurrent write", NULL, site);
}

/* A write that found, as it ended, the mark of a reader (or an iteration
 * step) of another thread that used the map during it (checked.c). */
void hmap__report_write_read(const struct hmap *m, const struct hmap__site *site, pid_t reader,
                             bool iterating)
{
    if (iterating)
        report_pair(HMAP_KIND_CONCURRENT_ITERATION_WRITE, m, site, "write", reader, NULL,
                    "concurrent iteration step", NULL, site);
    else
        report_pair(HMAP_KIND_CONCURRENT_READ_WRITE, m, site, "write", reader, NULL,
                    "concurrent read", NULL, site);
}

/* The writer a reader collided with: the owner if one is inside, else
 * whoever wrote last. */
void hmap__report_read_write(const struct hmap *m, const struct hmap__site *site,
                                      bool iterating)
{
    pid_t writer = (pid_t)RELAXED_LOAD(&m->checked.owner);
    if (writer == 0)
        writer = (pid_t)RELAXED_LOAD(&m->checked.last_writer);
    if (iterating)
        report_pair(HMAP_KIND_CONCURRENT_ITERATION_WRITE, m, site, "iteration step", writer,
                    write_site_of(m, writer), "concurrent write", NULL, site);
    else
        report_pair(HMAP_KIND_CONCURRENT_READ_WRITE, m, site, "read", writer,
                write_site_of(m, writer), "concurrent write", NULL, site);
}

/* The map changed under an iteration: by this thread (anything but
 * hmap_iter_del) or by another one. */
void hmap__report_iteration_write(const struct hmap *m, const struct iter_state *s,
                                           struct hmap_thread *t, const struct hmap__site *site)
{
    begin_report_or_park();
    pid_t writer = (pid_t)RELAXED_LOAD(&m->checked.last_writer);
    const struct hmap__site *wsite = RELAXED_LOAD(&m->checked.last_write_site);
    const struct hmap__site *began = s->site;
    format_site(detail_line, sizeof detail_line, "the iteration began at", began);
    if (writer == t->tid) {
        unwind_from_entry(&own_stack);
        struct hmap_report r = { .kind = HMAP_KIND_MODIFIED_DURING_ITERATION, .map = m,
                                 .type_name = type_name_of(m), .detail = detail_line,
                                 .summary_site = wsite };
        add_part(&r, "iteration step", t->tid, site, &own_stack);
        add_part(&r, "map written", writer, wsite, NULL);
        add_creation(&r, m);
        hmap__report_end(&r);
    }
    report_pair(HMAP_KIND_CONCURRENT_ITERATION_WRITE, m, site, "iteration step", writer,
                wsite, "concurrent write", detail_line, wsite);
}

/* ---- dangling pointers --------------------------------------------------- */

_Noreturn void hmap__report_dangling(const struct hmap_dangling *d)
{
    struct hmap_thread *t = hmap__thread_self();
    const struct hmap *m = d->map;
    /* The thread faulted inside an operation on the table's own map, and
     * another thread wrote it: not a stale pointer of the user's but an
     * operation racing with a write that retired the table.  (If this
     * thread wrote last, the stale pointer is the user's, passed in, e.g.
     * a key pointing into the map: a dangling pointer after all.) */
    pid_t writer = (pid_t)RELAXED_LOAD(&m->checked.owner);
    if (writer == 0)
        writer = (pid_t)RELAXED_LOAD(&m->checked.last_writer);
    if (t->inside == m && writer != 0 && writer != t->tid) {
        close_sole_use_for_report(m, t->tid);
        hmap__stack_of_thread(writer, m, &other_stack, OTHER_STACK_TIMEOUT_MS);
        enum hmap_kind kind = t->op == OP_ITERATE ? HMAP_KIND_CONCURRENT_ITERATION_WRITE
                           : t->op == OP_WRITE ? HMAP_KIND_CONCURRENT_WRITES
                                               : HMAP_KIND_CONCURRENT_READ_WRITE;
        const char *role = t->op == OP_ITERATE ? "iteration step"
                           : t->op == OP_WRITE ? "write"
                                               : "read";
        struct hmap_report r = { .kind = kind, .map = m, .type_name = type_name_of(m),
                                 .summary_site = t->site };
        add_part(&r, role, t->tid, t->site, &d->fault);
        add_part(&r, "concurrent write", writer, last_write_site_of(m, writer), &other_stack);
        add_creation(&r, m);
        hmap__report_end(&r);
    }
    snprintf(detail_line, sizeof detail_line,
             "address %#lx is in a table of generation %llu, retired when the map was at "
             "generation %llu; the map is now at generation %llu",
             (unsigned long)d->addr, (unsigned long long)d->generation,
             (unsigned long long)d->map_generation,
             (unsigned long long)(m->magic == HMAP_MAGIC_LIVE ? m->generation : 0));
    struct hmap_report r = { .kind = d->write ? HMAP_KIND_DANGLING_WRITE : HMAP_KIND_DANGLING_READ,
                             .map = m, .type_name = type_name_of(m), .detail = detail_line };
    add_part(&r, d->write ? "write" : "read", t->tid, NULL, &d->fault);
    add_part(&r, "table retired", d->retired_by, NULL, &d->retired);
    add_creation(&r, m);
    hmap__report_end(&r);
}

/* ---- writes to unguarded retired tables ------------------------------ */

/* The detail line of a report about a byte of a retired table (`offset`
 * into its allocation, `block`). */
static void describe_retired_byte(const struct hmap_retirement *w, const void *block,
                                  size_t offset, const char *what)
{
    snprintf(detail_line, sizeof detail_line,
             "byte %zu of a table of generation %llu (at %p), retired when the map was "
             "at generation %llu%s",
             offset, (unsigned long long)w->generation, block,
             (unsigned long long)w->map_generation, what);
}

_Noreturn void hmap__report_retired_write(const struct hmap_retirement *w, const void *block,
                                          size_t offset)
{
    begin_report_or_park();
    struct hmap_thread *t = hmap__thread_self();
    const struct hmap *m = w->map;
    describe_retired_byte(w, block, offset,
                          ", was written after it was retired; found when its poison was "
                          "checked (as it left the retiring thread's queue, or at exit)");
    unwind_from_entry(&own_stack);
    struct hmap_report r = { .kind = HMAP_KIND_DANGLING_WRITE, .map = m,
                             .type_name = type_name_of(m), .detail = detail_line,
                             .summary_site = w->site };
    add_part(&r, "found", t->tid, t->inside ? t->site : NULL, &own_stack);
    add_part(&r, "table retired", w->tid, w->site, NULL);
    add_creation(&r, m);
    hmap__report_end(&r);
}

/* After ASan's own report of a use after free in a table an hmap write
 * retired (guard.c): hmap's, naming the misuse, the map and the retiring
 * call site.  ASan's report above has both stacks (the access, and the
 * retirement as "freed by"), so this one repeats neither. */
_Noreturn void hmap__report_asan_dangling(const struct hmap_retirement *w, const void *block,
                                          size_t offset, bool write)
{
    begin_report_or_park();
    struct hmap_thread *t = hmap__thread_self();
    const struct hmap *m = w->map;
    describe_retired_byte(w, block, offset,
                          "; AddressSanitizer's report above has the access and the retiring "
                          "stacks");
    struct hmap_report r = { .kind = write ? HMAP_KIND_DANGLING_WRITE : HMAP_KIND_DANGLING_READ,
                             .map = m, .type_name = type_name_of(m), .detail = detail_line,
                             .summary_site = w->site };
    add_part(&r, write ? "write" : "read", t->tid, NULL, NULL);
    add_part(&r, "table retired", w->tid, w->site, NULL);
    add_creation(&r, m);
    hmap__report_end(&r);
}
