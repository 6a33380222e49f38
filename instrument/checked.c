/*
 * checked.c - the checked entry points (hmap__checked_*) and the hook table
 * of checked maps.
 *
 * Every checked call does the same three things around the plain core:
 *
 *   1. validate the map pointer: NULL (an error for writes, an empty map
 *      for reads), freed (the FREED magic that guard.c keeps alive),
 *      or not a map at all (no magic);
 *   2. take the map's state for its kind of operation, recording the
 *      thread and call site, and detect what overlaps;
 *   3. note in the thread's record which map it is inside, so that a hash
 *      or equal callback that calls back into the same map is recognised.
 *
 * The per-map state (struct hmap_checked_state) follows Go's runtime map,
 * with the holes closed:
 *
 *   sole_user  the thread whose reads and writes take the fast path:
 *              the last writer, while no other thread used the map
 *              since.  Any other thread that reads, iterates, writes or
 *              reports leaves its mark there (thread.h); a fast operation
 *              compares the word once as it ends, and a mark found there
 *              is the race it names ("concurrent map writes", "... read
 *              and map write", "... iteration and map write").  A fast
 *              operation moves neither of the two words below: the sole
 *              user's next operation after a mark takes the whole
 *              protocol.
 *   owner      the tid of the thread inside a write through the whole
 *              protocol, taken on entry by compare-and-swap and checked on
 *              exit; a writer that finds it taken, or finds another tid
 *              in it when it leaves, reports "concurrent map writes" and
 *              names the other writer.
 *   write_seq  odd while a write through the whole protocol is in
 *              progress.  A read through the whole protocol loads it on
 *              entry and on exit: odd on entry, or changed on exit, means
 *              a write overlapped the read.  Readers store to the map only now and then (their
 *              mark in sole_user, once; their tid, sampled, for
 *              lingering: see below), so concurrent readers hardly slow
 *              each other.  It goes up by 2 for each such write, so it is
 *              the map's modification count as well: an iterator keeps
 *              the value it expects and compares on every step, and an
 *              iteration takes the sole use away, so that no write under
 *              it is a fast one.  Who wrote last, and from where, is
 *              recorded for the report.
 *
 * All of these are relaxed atomics: they order nothing, so under
 * ThreadSanitizer they create no happens-before edge that could hide a real
 * race from it (tsan.c reports map-level races to TSan separately).  Only
 * compiler barriers keep the core's work between the entry and exit marks.
 *
 * When a detection involves another thread, the report asks that thread
 * for its stack (stack.c); a thread still inside a checked operation waits
 * on its way out while a report is being written, so its stack shows the
 * map call it was making.  The reports themselves are built in reports.c.
 */
#include "asan.h"
#include "guard.h"
#include "options.h"
#include "quarantine.h"
#include "report.h"
#include "reports.h"
#include "stack.h"
#include "suppress.h"
#include "thread.h"
#include "trap.h"
#include "tsan.h"
#include "hash.h"
#include "lookup.h"
#include "write.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>


/* relocate=sampled: a write relocates the map once in about
 * SAMPLE_BASE + SAMPLE_PER_SLOT * slots writes, slots being the capacity of
 * all its tables (m->slots, 15 a group) when the countdown was drawn (at
 * creation, and after each relocation: a map created without a hint has
 * no table yet, and its first countdown is SAMPLE_BASE alone).  Each map
 * counts down from a number drawn uniformly below twice that
 * (relocation_countdown), so that a write pays a decrement rather than a
 * random draw.  A relocation copies every table to fresh memory and costs
 * a fixed part (an allocation and a retirement per table) plus about 3 ns
 * per entry of a full map at 1K-100K entries under guard=sampled, the
 * default (build/tools/hmap-relocate-cost), and 17-21 ns under guard=all,
 * whose every table costs system calls; it allocates each table at its
 * full size and walks all its groups, so a map emptied by deletions still
 * pays for its capacity, which is why the rate follows the capacity and
 * not the count.  With at most 7/8 of the slots full, the expected cost of
 * relocation is at most 7/32 of a relocated entry's per write at any size:
 * about a nanosecond under the default guard.  That is
 * far below Abseil's 16/capacity in sanitizer builds: a pointer held
 * across one write is caught only now and then, and across thousands of
 * writes almost surely.  relocate=always catches it on the first write. */
enum { SAMPLE_BASE = 1024, SAMPLE_PER_SLOT = 4 };

/* ---- start-up ------------------------------------------------------- */

static void hook_write_done(struct hmap *m);
static void hook_key_misplaced(const struct hmap *m, const void *key);

static void hook_slot_filling(const struct hmap *m, void *key, size_t ks, void *val, size_t vs)
{
    (void)m;
    hmap__unpoison_slot(key, ks, val, vs);
}

static void hook_slot_deleted(const struct hmap *m, void *key, size_t ks, void *val, size_t vs)
{
    (void)m;
    hmap__poison_slot(key, ks, val, vs);
}

static const struct hmap_hooks checked_hooks = {
    .table_alloc = hmap__guard_table_alloc,
    .table_retire = hmap__guard_table_retire,
    .slot_filling = hook_slot_filling,
    .slot_deleted = hook_slot_deleted,
    .key_misplaced = hook_key_misplaced,
    .write_done = hook_write_done,
    .map_free = hmap__guard_map_free,
    .deleted_fill = HMAP_POISON_BYTE,
};

static pthread_once_t runtime_once = PTHREAD_ONCE_INIT;
static bool runtime_ready; /* relaxed atomic */

static void runtime_init(void)
{
    /* Start-up leaves errno changed (libunwind's first unwind, the option
     * parser): a map call that succeeds must not. */
    int saved_errno = errno;
    hmap__options_init();
    hmap__tsan_init(); /* first: the stack's warm-up unwind depends on it */
    hmap__suppress_init();
    hmap__trap_init();
    hmap__stack_init();
    hmap__quarantine_init();
    hmap__asan_init();
    pthread_atfork(NULL, NULL, hmap__thread_after_fork);
    errno = saved_errno;
    __atomic_store_n(&runtime_ready, true, __ATOMIC_RELEASE);
}

/* The calling thread's record, with the runtime started.  A registered
 * thread implies a started runtime: every path that registers a thread
 * runs after the first checked call, which starts it. */
static __attribute__((noinline)) struct hmap_thread *first_use_by_thread(void)
{
    if (!__atomic_load_n(&runtime_ready, __ATOMIC_ACQUIRE))
        pthread_once(&runtime_once, runtime_init);
    return hmap__thread_self();
}

HMAP_INLINE struct hmap_thread *this_thread(void)
{
    if (HMAP_LIKELY(hmap__thread_record.registered))
        return &hmap__thread_record;
    return first_use_by_thread();
}

#define RELAXED_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define RELAXED_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Keeps the compiler from moving the core's accesses across the marks;
 * emits no instruction and is no synchronisation. */
#define COMPILER_BARRIER() __atomic_signal_fence(__ATOMIC_SEQ_CST)

/* The entry points' first test: a live map.  Its range check is one
 * shift: a pointer below 4096 wraps around, and one at 2^47 or above
 * fails, but for the page just past it, which is not a canonical address
 * on x86-64 either.  A misaligned pointer is read as it is (x86-64 loads
 * need no alignment) and fails on its magic. */
HMAP_INLINE bool live_map(const struct hmap *m)
{
    return ((uintptr_t)m - 4096) >> 47 == 0 && m->magic == HMAP_MAGIC_LIVE;
}

/* The return address of the current checked entry point: the user's call.
 * Stacks in reports start at the frame that returns there, so frames of
 * the runtime itself (how many depends on inlining) are left out; it is
 * kept in the thread's record (written even before the thread registers)
 * so that another thread's stack, taken in its signal handler, can be
 * trimmed the same way. */
#define NOTE_ENTRY() (hmap__thread_record.entry_pc = (uintptr_t)__builtin_return_address(0))

/* ---- map validation ------------------------------------------------- */

enum access { READ, WRITE };

/* Reports a call on anything but a live map, and does not return: NULL
 * (for a write), a freed map, or no map at all. */
static _Noreturn __attribute__((noinline, cold)) void report_invalid_map(
    const struct hmap *m, enum access access, const struct hmap__site *site)
{
    (void)this_thread(); /* the runtime, started, reports */
    if (!m)
        hmap__report_single(HMAP_KIND_NIL_MAP_WRITE, NULL, site, "write", NULL);
    if (hmap__plausible_map_pointer(m) && m->magic == HMAP_MAGIC_FREED)
        hmap__report_single(HMAP_KIND_FREED_MAP, m, site, access == WRITE ? "write" : "read",
                      "the map was freed earlier (hmap_free); this call uses it again");
    hmap__report_single(HMAP_KIND_INVALID_MAP, m, site, access == WRITE ? "write" : "read",
                  "the pointer does not point at a live map (no map header there)");
}

/* Returns false for a NULL map that a read may treat as empty; reports
 * (and does not return) for every other bad pointer. */
static __attribute__((noinline)) bool validate_read_slow(const struct hmap *m,
                                                         const struct hmap__site *site)
{
    if (!m)
        return false;
    report_invalid_map(m, READ, site);
}

/* A write's failure does not return, so that the entry points keep
 * nothing live across it. */
HMAP_INLINE bool validate(const struct hmap *m, enum access access, const struct hmap__site *site)
{
    if (HMAP_LIKELY(live_map(m)))
        return true;
    if (access == WRITE)
        report_invalid_map(m, WRITE, site);
    return validate_read_slow(m, site);
}

/* ---- argument validation -------------------------------------------- */

/* A bad argument to a call on a live map: `detail` says which and why
 * (a format with one %zu, the map's value size, where it needs it). */
static _Noreturn __attribute__((noinline, cold)) void report_invalid_argument(
    const struct hmap *m, const struct hmap__site *site, enum access access, const char *detail)
{
    (void)this_thread(); /* the runtime, started, reports */
    char *line = hmap__report_prepare();
    snprintf(line, HMAP_REPORT_DETAIL, detail, m ? m->type.val_size : 0);
    hmap__report_single(HMAP_KIND_INVALID_ARGUMENT, m, site, access == WRITE ? "write" : "read",
                        line);
}

/* The key argument of a call on live map m: not NULL, and in a string
 * map not a pointer to NULL.  Checked before the map is looked at, so an
 * empty map reports it as a full one does. */
HMAP_INLINE void validate_key(const struct hmap *m, const void *key, enum access access,
                              const struct hmap__site *site)
{
    if (HMAP_UNLIKELY(!key))
        report_invalid_argument(m, site, access,
                                "the key is NULL: a key argument must point at a key");
    if (m->kind == KIND_CSTR && HMAP_UNLIKELY(!*(const char *const *)key))
        report_invalid_argument(m, site, access,
                                "the key points at a NULL string: a string map's key must "
                                "point at a pointer to a string");
}

/* BY_KIND for an entry point that has tested its key argument for NULL
 * and not yet for what validate_key checks besides: a string map's key
 * that points at a NULL string, which is tested in that kind's case
 * alone, so that the other kinds pay no second test of the kind.
 * `rejected` is the call that reports it. */
#define BY_KIND_OF_KEY(m, key, rejected, fn, ...)                            \
    do {                                                                     \
        switch ((enum key_kind)(m)->kind) {                                  \
        case KIND_U64:                                                       \
            return fn##_u64(__VA_ARGS__);                                    \
        case KIND_U32:                                                       \
            return fn##_u32(__VA_ARGS__);                                    \
        case KIND_CSTR:                                                      \
            if (HMAP_UNLIKELY(!*(const char *const *)(key)))                 \
                return rejected;                                             \
            return fn##_cstr(__VA_ARGS__);                                   \
        case KIND_GENERIC:                                                   \
            break;                                                           \
        }                                                                    \
        return fn##_generic(__VA_ARGS__);                                    \
    } while (0)

/* A read whose key argument is not usable: reported.  It is declared to
 * return, so that the entry points reach it by a tail call and need no
 * frame of their own. */
static __attribute__((noinline, cold)) void *read_of_bad_key(const struct hmap *m,
                                                             const void *key,
                                                             const struct hmap__site *site)
{
    validate_key(m, key, READ, site);
    return NULL;
}

/* A read of anything but a live map: NULL reads as empty, the rest is
 * reported.  Out of line, so that the entry points keep nothing live
 * across it. */
static __attribute__((noinline)) void *read_of_no_live_map(const struct hmap *m,
                                                           const struct hmap__site *site)
{
    validate_read_slow(m, site);
    return NULL;
}

/* The same two, as hmap_has's result, so that it reaches them by tail
 * calls too. */
static __attribute__((noinline, cold)) bool has_of_bad_key(const struct hmap *m, const void *key,
                                                           const struct hmap__site *site)
{
    return read_of_bad_key(m, key, site) != NULL;
}

static __attribute__((noinline)) bool has_of_no_live_map(const struct hmap *m,
                                                         const struct hmap__site *site)
{
    return read_of_no_live_map(m, site) != NULL;
}

/* ---- reentrancy ----------------------------------------------------- */

/* Marks the thread as inside m.  Usually it is inside no other map's
 * operation, and leaving simply clears the mark; inside one (a hash or
 * equal callback of another map called this), the outer marks are saved
 * in the caller's frame and restored on the way out, after checking that
 * the outer map is not m itself (a callback calling into the map it
 * serves).  The thread's fast paths are closed for as long as it is
 * inside, so that a call from a callback takes the whole protocol, which
 * sees the outer marks and keeps them. */
struct inside_mark {
    const struct hmap *map;
    const struct hmap__site *site;
    uint8_t op;
    uint64_t fast_tid;
};

static __attribute__((noinline)) void enter_nested(struct hmap_thread *t, const struct hmap *m,
                                                   const struct hmap__site *site,
                                                   struct inside_mark *saved)
{
    if (HMAP_UNLIKELY(t->inside == m)) {
        char *detail = hmap__report_prepare();
        hmap__format_site(detail, HMAP_REPORT_DETAIL,
                          "a hash or equal callback called into the map while the thread was "
                          "inside the map's operation from",
                          t->site);
        hmap__report_single(HMAP_KIND_REENTRANT, m, site, "access", detail);
    }
    saved->map = t->inside;
    saved->site = t->site;
    saved->op = t->op;
}

/* Returns the map the thread was inside before, NULL if none. */
HMAP_INLINE const struct hmap *enter_map(struct hmap_thread *t, const struct hmap *m,
                                         const struct hmap__site *site, enum hmap_op op,
                                         struct inside_mark *saved)
{
    const struct hmap *outer = t->inside;
    if (HMAP_UNLIKELY(outer != NULL))
        enter_nested(t, m, site, saved);
    saved->fast_tid = t->fast_tid;
    t->fast_tid = HMAP_FAST_CLOSED;
    t->site = site;
    t->op = (uint8_t)op;
    t->inside = m;
    return outer;
}

HMAP_INLINE void leave_map(struct hmap_thread *t, const struct hmap *outer,
                           const struct inside_mark *saved)
{
    t->fast_tid = saved->fast_tid;
    if (HMAP_LIKELY(outer == NULL)) {
        t->inside = NULL;
        return;
    }
    t->inside = saved->map;
    t->site = saved->site;
    t->op = saved->op;
}

/* ---- writers and readers -------------------------------------------- */

/* Two unsynchronised operations are only caught when they overlap in time,
 * and a map operation takes tens of nanoseconds: two threads that each
 * yield between operations, as in Go's crash tests, rarely overlap, and on
 * a loaded machine one may run its whole loop while the other waits for a
 * CPU.  So operations on a map that another thread is using linger inside
 * their window now and then: trapped (trap.c, a real sleep, thinned out
 * per call site), or else a sched_yield, which lets a thread waiting for
 * this CPU run into it.  The evidence of sharing is used up as it is
 * used, so that a map handed to one thread for good stops lingering:
 *  - a write lingers (one in WRITE_LINGER_ONE_IN) when another thread
 *    wrote the map last, or read it recently (readers leave their tid,
 *    sampled, and the write clears it);
 *  - a read lingers (one in READ_LINGER_ONE_IN) when another thread wrote
 *    last and the map was written since a read last lingered on it.
 * A map used by one thread never lingers: single-threaded code pays a
 * comparison or two. */
enum { WRITE_LINGER_ONE_IN = 4, READ_LINGER_ONE_IN = 8, READ_SAMPLE = 16 };

/* A map whose hash or equal function is the user's: its reads and writes
 * run user code, which may call into a map again, so they take the whole
 * protocol, whose marks nest. */
HMAP_INLINE bool runs_user_code(const struct hmap *m)
{
    return m->kind == KIND_GENERIC && (m->type.hash != NULL || m->type.equal != NULL);
}

/* The map's sole user (see this_thread_is_sole_user) is this thread from
 * now on: after a write that took the whole protocol, and at creation. */
HMAP_INLINE void claim_sole_use(struct hmap *m, const struct hmap_thread *t)
{
    if (!runs_user_code(m))
        RELAXED_STORE(&m->checked.sole_user, (uint64_t)t->tid);
}

/* Another thread than the sole user uses the map (`op`: a read, an
 * iteration step, a write through the whole protocol or from plain code):
 * it leaves its mark in the sole-user word (thread.h).  The sole user's
 * next write takes the whole protocol, which looks at who else used the
 * map, and a fast write of its under way finds the mark as it ends
 * (fast_write_end).  Stored once, so that readers sharing a map do not
 * keep writing to it. */
HMAP_INLINE void close_sole_use(const struct hmap *m, const struct hmap_thread *t,
                                enum hmap_op op)
{
    uint64_t sole = RELAXED_LOAD(&m->checked.sole_user);
    if (hmap__sole_use_held(sole) && sole != (uint64_t)t->tid)
        RELAXED_STORE((uint64_t *)&m->checked.sole_user, hmap__sole_use_mark(op, t->tid));
}

/* An iteration begins, or goes on after its hmap_iter_del: the sole use
 * is taken from this thread too.  A fast write leaves the write sequence
 * alone, so a write of this thread's own during the iteration must take
 * the whole protocol, which moves the count that the iteration compares. */
HMAP_INLINE void close_sole_use_for_iteration(const struct hmap *m, const struct hmap_thread *t)
{
    if (hmap__sole_use_held(RELAXED_LOAD(&m->checked.sole_user)))
        RELAXED_STORE((uint64_t *)&m->checked.sole_user, hmap__sole_use_mark(OP_ITERATE, t->tid));
}

/* Readers leave their tid behind, sampled, so that writers can tell the
 * map is shared without every read storing to it. */
HMAP_INLINE void note_read(const struct hmap *m, struct hmap_thread *t)
{
    if (HMAP_UNLIKELY(++t->reads % READ_SAMPLE == 0) &&
        RELAXED_LOAD(&m->checked.last_reader) != (uint64_t)t->tid)
        RELAXED_STORE((uint64_t *)&m->checked.last_reader, (uint64_t)t->tid);
}

HMAP_INLINE void write_linger_if_shared(struct hmap *m, struct hmap_thread *t, uint64_t prev_writer,
                                        const struct hmap__site *site)
{
    uint64_t self = (uint64_t)t->tid;
    uint64_t reader = RELAXED_LOAD(&m->checked.last_reader);
    bool other_writer = prev_writer != self && prev_writer != 0;
    bool other_reader = reader != self && reader != 0;
    if (HMAP_LIKELY(!other_writer && !other_reader))
        return;
    if (other_reader)
        RELAXED_STORE(&m->checked.last_reader, 0);
    if (hmap__trap(m, t, site))
        return;
    if (hmap__splitmix64(&t->rng) % WRITE_LINGER_ONE_IN == 0)
        sched_yield();
}

HMAP_INLINE void read_linger_if_shared(const struct hmap *m, struct hmap_thread *t,
                                       const struct hmap__site *site)
{
    uint64_t writer = RELAXED_LOAD(&m->checked.last_writer);
    if (HMAP_LIKELY(writer == (uint64_t)t->tid || writer == 0))
        return;
    /* The trap's bookkeeping is the runtime's own, not the map's. */
    if (hmap__trap((struct hmap *)m, t, site))
        return;
    uint64_t written = RELAXED_LOAD(&m->checked.write_seq);
    if (written == RELAXED_LOAD(&m->checked.read_linger_mark))
        return;
    if (hmap__splitmix64(&t->rng) % READ_LINGER_ONE_IN != 0)
        return;
    RELAXED_STORE((uint64_t *)&m->checked.read_linger_mark, written);
    sched_yield();
}

HMAP_INLINE void note_write(struct hmap *m, pid_t tid, const struct hmap__site *site)
{
    RELAXED_STORE(&m->checked.last_writer, (uint64_t)tid);
    RELAXED_STORE(&m->checked.last_write_site, (const void *)site);
}

/* The owner word, taken by a write through the whole protocol (to a map
 * that looks shared: another thread wrote it last or used it since) with
 * a compare-and-swap, so that of two such writers one gets it and the
 * other reports at once, naming the holder, whose stack it can then ask
 * for; checked again when the write ends (write_end).  The fast path
 * leaves it alone (fast_write_begin). */
HMAP_INLINE void take_owner_cas(struct hmap *m, pid_t tid, const struct hmap__site *site)
{
    uint64_t holder = 0;
    if (HMAP_UNLIKELY(!__atomic_compare_exchange_n(&m->checked.owner, &holder, (uint64_t)tid,
                                                   false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)))
        hmap__report_concurrent_writes(m, site, holder, 0);
}

/* The write is under way: odd sequence, and who and where. */
HMAP_INLINE void mark_writing(struct hmap *m, pid_t tid, const struct hmap__site *site)
{
    RELAXED_STORE(&m->checked.write_seq, RELAXED_LOAD(&m->checked.write_seq) + 1);
    note_write(m, tid, site);
}

/* Returns the map's previous writer, for write_end. */
HMAP_INLINE uint64_t write_begin(struct hmap *m, struct hmap_thread *t,
                                 const struct hmap__site *site)
{
    uint64_t prev_writer = RELAXED_LOAD(&m->checked.last_writer);
    close_sole_use(m, t, OP_WRITE);
    take_owner_cas(m, t->tid, site);
    mark_writing(m, t->tid, site);
    hmap__tsan_write(m, (const void *)hmap__thread_record.entry_pc);
    write_linger_if_shared(m, t, prev_writer, site);
    COMPILER_BARRIER();
    return prev_writer;
}

/* A thread leaving a map while another reports waits for the report,
 * which usually ends the process (and returns if it was suppressed). */
HMAP_INLINE void park_if_reporting(void)
{
    if (HMAP_UNLIKELY(hmap__reporting()))
        hmap__wait_for_report();
}

/* `before`: the writer before this write (write_begin), or 0. */
HMAP_INLINE void write_end(struct hmap *m, const struct hmap__site *site, uint64_t before)
{
    COMPILER_BARRIER();
    RELAXED_STORE(&m->checked.write_seq, RELAXED_LOAD(&m->checked.write_seq) + 1);
    uint64_t holder = RELAXED_LOAD(&m->checked.owner);
    if (HMAP_UNLIKELY(holder != (uint64_t)hmap__thread_record.tid))
        hmap__report_concurrent_writes(m, site, holder, before);
    RELAXED_STORE(&m->checked.owner, 0);
    park_if_reporting();
}

/* What a read is, for the report when a write overlaps it: an iteration
 * step that meets a write is Go's "concurrent map iteration and map write". */
enum read_kind { AS_READ, AS_ITERATION };

HMAP_INLINE uint64_t read_begin(const struct hmap *m, struct hmap_thread *t,
                           const struct hmap__site *site, enum read_kind rk)
{
    uint64_t seq = RELAXED_LOAD(&m->checked.write_seq);
    if (HMAP_UNLIKELY(seq & 1))
        hmap__report_read_write(m, site, rk == AS_ITERATION);
    note_read(m, t);
    close_sole_use(m, t, rk == AS_ITERATION ? OP_ITERATE : OP_READ);
    read_linger_if_shared(m, t, site);
    hmap__tsan_read(m, (const void *)hmap__thread_record.entry_pc);
    COMPILER_BARRIER();
    return seq;
}

HMAP_INLINE void read_end(const struct hmap *m, uint64_t seq, const struct hmap__site *site,
                     enum read_kind rk)
{
    COMPILER_BARRIER();
    if (HMAP_UNLIKELY(RELAXED_LOAD(&m->checked.write_seq) != seq))
        hmap__report_read_write(m, site, rk == AS_ITERATION);
    park_if_reporting();
}

/* Brackets for the entry points: a write or a read of m by this thread. */
#define WRITE_OP(m, site, body)                                              \
    do {                                                                     \
        struct hmap_thread *t_ = this_thread();                              \
        struct inside_mark saved_;                                           \
        const struct hmap *outer_ = enter_map(t_, (m), (site), OP_WRITE, &saved_); \
        uint64_t before_ = write_begin((m), t_, (site));                     \
        hmap__tsan_ignore_begin();                                           \
        body;                                                                \
        hmap__tsan_ignore_end();                                             \
        write_end((m), (site), before_);                                     \
        claim_sole_use((m), t_);                                             \
        leave_map(t_, outer_, &saved_);                                      \
    } while (0)

#define READ_OP(m, site, rk, body)                                         \
    do {                                                                     \
        struct hmap_thread *t_ = this_thread();                              \
        struct inside_mark saved_;                                           \
        const struct hmap *outer_ = enter_map(t_, (m), (site),               \
            (rk) == AS_ITERATION ? OP_ITERATE : OP_READ, &saved_);           \
        uint64_t seq_ = read_begin((m), t_, (site), (rk));                   \
        hmap__tsan_ignore_begin();                                           \
        body;                                                                \
        hmap__tsan_ignore_end();                                             \
        read_end((m), seq_, (site), (rk));                                   \
        leave_map(t_, outer_, &saved_);                                      \
    } while (0)

/* ---- the fast paths ------------------------------------------------- */

/* Most reads are by a thread that is inside no other map operation, of a
 * map whose sole user it is (this_thread_is_sole_user): those take a fast
 * path with nothing to save and nothing to linger for; every other read
 * takes READ_OP's whole protocol, out of line.  The fast read's window is
 * the sole-user word, as the fast write's is: it leaves the map's words
 * alone, and compares that word once more as it ends.  Any other thread
 * that uses the map meanwhile leaves its mark there (close_sole_use),
 * and a writer among them is the race the read reports
 * (fast_read_close_slow).  Under TSan every read takes the whole
 * protocol, for its annotation (t->fast_tid is closed there, and inside
 * an operation that took the whole protocol).  A map created by a plain
 * caller has no sole user until a checked write: its reads take the
 * whole protocol until then. */
HMAP_INLINE void mark_fast_read(struct hmap_thread *t, const struct hmap *m,
                                const struct hmap__site *site, enum hmap_op op)
{
    t->site = site;
    t->op = (uint8_t)op;
    t->inside = m;
    COMPILER_BARRIER();
}

/* The end of a fast read whose sole-user word no longer holds this
 * thread: another thread used the map since the read began (or this
 * thread began an iteration, which takes the word from it too).  A
 * writer's mark, or a writer that has since made itself the sole user,
 * is a write that overlapped the read.  A reader's mark may hide a writer
 * that came after it (a write stores its mark only over a sole user's
 * tid): that one is inside now (the owner word), or has written since the
 * read began, when this thread was the last writer.  A thread reporting
 * on the map is waited for. */
static __attribute__((noinline)) void fast_read_close_slow(const struct hmap *m)
{
    struct hmap_thread *t = &hmap__thread_record;
    uint64_t word = RELAXED_LOAD(&m->checked.sole_user);
    int op = hmap__sole_use_held(word) ? OP_WRITE : (int)(word >> 32) - 1;
    bool written = op == OP_WRITE;
    if (op == OP_READ || op == OP_ITERATE)
        written = RELAXED_LOAD(&m->checked.owner) != 0 ||
                  RELAXED_LOAD(&m->checked.last_writer) != (uint64_t)t->tid;
    if (written)
        hmap__report_read_write(m, t->site, t->op == OP_ITERATE);
    park_if_reporting();
}

HMAP_INLINE void fast_read_end(const struct hmap *m)
{
    COMPILER_BARRIER();
    if (HMAP_UNLIKELY(RELAXED_LOAD(&m->checked.sole_user) != hmap__thread_record.fast_tid))
        fast_read_close_slow(m);
    hmap__thread_record.inside = NULL;
}

/* Most writes are by a thread inside no other map operation, to a map
 * that this thread wrote last and no other thread used since: nothing to
 * save or linger for.  That thread is the map's sole user (claim_sole_use,
 * close_sole_use), one word to test; its reads and writes take a fast
 * path, and every other read or write takes the whole protocol.  A map
 * that runs user code has no sole user.  Under TSan every operation takes
 * the whole protocol, for its annotation. */
HMAP_INLINE bool this_thread_is_sole_user(const struct hmap *m, const struct hmap_thread *t)
{
    return RELAXED_LOAD(&m->checked.sole_user) == t->fast_tid;
}

/* The fast path's window: the thread's marks and the call site of the
 * map's last write, and nothing else on the map.  This thread is its
 * sole user, and the sole-user word is the window: any other thread that
 * uses the map meanwhile, a writer above all, leaves its mark there
 * (close_sole_use), and a thread that reports on the map leaves one too
 * (reports.c), so that the write, which compares the word as it ends,
 * finds it.  Neither the owner word nor the write sequence moves: each
 * costs the write a load and a store at both ends, and together they made
 * an erase of 1M keys cost 1.35-1.45x the plain build's where this window
 * costs 1.1x (docs/checked-cost.md).  A reader or a writer of another
 * thread finds its mark in the sole user's way instead: the sole user's
 * next write takes the whole protocol. */
HMAP_INLINE void fast_write_begin(struct hmap *m, const struct hmap__site *site)
{
    struct hmap_thread *t = &hmap__thread_record;
    t->site = site;
    t->op = OP_WRITE;
    t->inside = m;
    RELAXED_STORE(&m->checked.last_write_site, (const void *)site);
    COMPILER_BARRIER();
}

/* The end of a fast write that found another thread's mark (or, its own
 * write done, that thread's tid) in the sole-user word: the race it is,
 * named after what the other thread did; or, for a thread reporting on
 * the map, a wait for its report.  The call site is the one the window's
 * mark holds. */
static __attribute__((noinline)) void fast_write_close_slow(struct hmap *m)
{
    const struct hmap__site *site = hmap__thread_record.site;
    uint64_t word = RELAXED_LOAD(&m->checked.sole_user);
    pid_t other = (pid_t)(uint32_t)word;
    int op = hmap__sole_use_held(word) ? OP_WRITE : (int)(word >> 32) - 1;
    if (op == OP_READ || op == OP_ITERATE)
        hmap__report_write_read(m, site, other, op == OP_ITERATE);
    else if (op == OP_WRITE)
        hmap__report_concurrent_writes(m, site, (uint64_t)other, 0);
    park_if_reporting();
}

/* Closes the window: one compare of the sole-user word. */
HMAP_INLINE void fast_write_end(struct hmap *m)
{
    COMPILER_BARRIER();
    if (HMAP_UNLIKELY(RELAXED_LOAD(&m->checked.sole_user) != hmap__thread_record.fast_tid))
        fast_write_close_slow(m);
    hmap__thread_record.inside = NULL;
}

/* A read or write of m by this thread, where register pressure does not
 * matter (the body calls out anyway): the fast path when it applies, else
 * the whole protocol.  Lookups and the ordinary writes keep their whole
 * protocol out of line instead (DEFINE_CHECKED_LOOKUP, _WRITE). */
#define CHECKED_READ(m, site, rk, body)                                      \
    do {                                                                     \
        if (this_thread_is_sole_user((m), &hmap__thread_record)) {           \
            mark_fast_read(&hmap__thread_record, (m), (site),                \
                           (rk) == AS_ITERATION ? OP_ITERATE : OP_READ);     \
            body;                                                            \
            fast_read_end(m);                                                \
        } else {                                                             \
            READ_OP(m, site, rk, body);                                      \
        }                                                                    \
    } while (0)

#define CHECKED_WRITE(m, site, body)                                         \
    do {                                                                     \
        if (this_thread_is_sole_user((m), &hmap__thread_record)) {           \
            fast_write_begin((m), (site));                                   \
            body;                                                            \
            fast_write_end(m);                                               \
        } else {                                                             \
            WRITE_OP(m, site, body);                                         \
        }                                                                    \
    } while (0)

/* ---- the entry points ----------------------------------------------- */

/* The writes until the map's next relocation, drawn from the thread's
 * random stream (seed= makes it reproducible). */
static uint64_t relocation_countdown(const struct hmap *m, struct hmap_thread *t)
{
    switch (hmap__opts.relocate) {
    case RELOCATE_ALWAYS:
        return 1;
    case RELOCATE_SAMPLED: {
        /* uniform in [1, 2 * mean]; below 2^63 for any real slot count */
        uint64_t mean = SAMPLE_BASE + (uint64_t)SAMPLE_PER_SLOT * m->slots, draw;
        /* by multiplication (Lemire): a division costs more than the rest */
        hmap__mul128(hmap__splitmix64(&t->rng), 2 * mean, &draw);
        return 1 + draw;
    }
    case RELOCATE_NEVER:
        break;
    }
    return UINT64_MAX;
}

hmap *hmap__checked_new(const hmap_type *type, size_t hint, const struct hmap__site *site)
{
    NOTE_ENTRY();
    struct hmap_thread *t = this_thread();
    /* for TSan's "heap block allocated by": the user's frame */
    hmap__tsan_func_entry((const void *)hmap__thread_record.entry_pc);
    struct hmap *m = hmap__new_hooked(type, hint, &checked_hooks);
    hmap__tsan_func_exit();
    if (!m)
        return NULL;
    m->poisons_slots = hmap__asan_active;
    note_small_slots(m);
    m->checked.creator = (uint64_t)t->tid;
    /* Creating a map counts as writing it: another thread's first use of
     * it is evidence that it is shared (trap.c). */
    m->checked.last_writer = (uint64_t)t->tid;
    claim_sole_use(m, t);
    m->checked.create_site = site;
    m->checked.relocate_countdown = relocation_countdown(m, t);
    return m;
}

/* hmap_free's write, the header left for the quarantine. */
static void free_tables(struct hmap *m)
{
    hmap__release_tables(m);
    m->magic = HMAP_MAGIC_FREED;
}

void hmap__checked_free(hmap *m, const struct hmap__site *site)
{
    NOTE_ENTRY();
    if (!m)
        return;
    validate(m, WRITE, site);
    CHECKED_WRITE(m, site, free_tables(m));
    /* Kept, poisoned by its FREED magic, so later use is recognised; the
     * same for maps created by plain callers. */
    hmap__guard_map_free(m);
}

size_t hmap__checked_len(const hmap *m, const struct hmap__site *site)
{
    NOTE_ENTRY();
    if (!validate(m, READ, site))
        return 0;
    size_t n;
    CHECKED_READ(m, site, AS_READ, n = hmap_len(m));
    return n;
}

/* The end of a fast read's window that found another thread's mark
 * (fast_read_close_slow), for the lookup's probe: one returns the value
 * pointer found, the other whether there was one (for hmap_has). */
static __attribute__((noinline)) void *fast_read_close_slow_lookup(const struct hmap *m,
                                                                   void *found)
{
    fast_read_close_slow(m);
    hmap__thread_record.inside = NULL;
    return found;
}

static __attribute__((noinline)) bool fast_read_close_slow_has(const struct hmap *m, void *found)
{
    return fast_read_close_slow_lookup(m, found) != NULL;
}

/* The fast path of a checked lookup of one key kind: the read's checks
 * and the core's probe (lookup.h) in one function.  Its every exit other
 * than the common one goes to another function (a probe past the first
 * group, a window that closes with another thread's mark in it), by a
 * tail call, so that for the built-in integer kinds it needs
 * no frame and few registers saved: on a large map, the fewer
 * instructions a lookup takes, the more of a loop's lookups wait on
 * memory together.  One function returns the value pointer (`op` lookup,
 * `ret` void *, CONVERT AS_VALUE: hmap_get), one whether the key is there
 * (has, bool, AS_FOUND: hmap_has); each exit has a version of each
 * result type, so that no exit converts a result after a call. */
#define AS_VALUE(v) (v)
#define AS_FOUND(v) ((v) != NULL)
#define DEFINE_CHECKED_PROBE(op, name, KIND, ret, CONVERT)                           \
    static __attribute__((noinline)) ret checked_##op##_##name(                      \
        const struct hmap *m, const void *key, const struct hmap__site *site)        \
    {                                                                                \
        if (!this_thread_is_sole_user(m, &hmap__thread_record) ||                    \
            (KIND == KIND_GENERIC && runs_user_code(m)))                             \
            return checked_##op##_slow_##name(m, key, site);                         \
        mark_fast_read(&hmap__thread_record, m, site, OP_READ);                      \
        void *v = NULL;                                                              \
        if (m->count) {                                                              \
            uint64_t h = key_hash(m, key, KIND);                                     \
            bool further = false;                                                    \
            char *slot = find_in_first_group(m, entry_of(m, h), h, key, KIND, NULL,  \
                                             &further);                              \
            if (slot)                                                                \
                v = slot + m->layout.val_off;                                        \
            else if (HMAP_UNLIKELY(further))                                         \
                return checked_##op##_further_##name(m, key, h);                     \
        }                                                                            \
        COMPILER_BARRIER();                                                          \
        if (HMAP_UNLIKELY(RELAXED_LOAD(&m->checked.sole_user) !=                     \
                          hmap__thread_record.fast_tid))                             \
            return fast_read_close_slow_##op(m, v);                                  \
        hmap__thread_record.inside = NULL;                                           \
        return CONVERT(v);                                                           \
    }

/* A checked lookup of one key kind: the whole protocol, the fast path's
 * exits, and the fast paths of hmap_get and hmap_has. */
#define DEFINE_CHECKED_LOOKUP(name, KIND)                                            \
    static __attribute__((noinline)) void *checked_lookup_slow_##name(               \
        const struct hmap *m, const void *key, const struct hmap__site *site)        \
    {                                                                                \
        void *v;                                                                     \
        READ_OP(m, site, AS_READ, v = m->count ? lookup(m, key, KIND) : NULL);       \
        return v;                                                                    \
    }                                                                                \
    static __attribute__((noinline)) bool checked_has_slow_##name(                   \
        const struct hmap *m, const void *key, const struct hmap__site *site)        \
    {                                                                                \
        return checked_lookup_slow_##name(m, key, site) != NULL;                     \
    }                                                                                \
    static __attribute__((noinline)) void *checked_lookup_further_##name(            \
        const struct hmap *m, const void *key, uint64_t h)                           \
    {                                                                                \
        void *v = find_value_beyond(m, h, key, KIND);                                \
        fast_read_end(m);                                                            \
        return v;                                                                    \
    }                                                                                \
    static __attribute__((noinline)) bool checked_has_further_##name(                \
        const struct hmap *m, const void *key, uint64_t h)                           \
    {                                                                                \
        return checked_lookup_further_##name(m, key, h) != NULL;                     \
    }                                                                                \
    DEFINE_CHECKED_PROBE(lookup, name, KIND, void *, AS_VALUE)                       \
    DEFINE_CHECKED_PROBE(has, name, KIND, bool, AS_FOUND)
FOR_EACH_KIND(DEFINE_CHECKED_LOOKUP)
HMAP_INLINE void *checked_lookup(const struct hmap *m, const void *key,
                                 const struct hmap__site *site)
{
    BY_KIND_OF_KEY(m, key, read_of_bad_key(m, key, site), checked_lookup, m, key, site);
}

HMAP_INLINE bool checked_has(const struct hmap *m, const void *key,
                             const struct hmap__site *site)
{
    BY_KIND_OF_KEY(m, key, has_of_bad_key(m, key, site), checked_has, m, key, site);
}

void *hmap__checked_get(const hmap *m, const void *key, const struct hmap__site *site)
{
    NOTE_ENTRY();
    if (HMAP_UNLIKELY(!live_map(m)))
        return read_of_no_live_map(m, site);
    if (HMAP_UNLIKELY(!key))
        return read_of_bad_key(m, key, site);
    return checked_lookup(m, key, site);
}

bool hmap__checked_has(const hmap *m, const void *key, const struct hmap__site *site)
{
    NOTE_ENTRY();
    if (HMAP_UNLIKELY(!live_map(m)))
        return has_of_no_live_map(m, site);
    if (HMAP_UNLIKELY(!key))
        return has_of_bad_key(m, key, site);
    return checked_has(m, key, site);
}

/* The relocation sampler, for a write of this thread that changed the
 * map: when the map's countdown runs out it is relocated, and the entry
 * whose value slot is val (NULL: none) is followed to its new place. */
HMAP_INLINE void *count_write(struct hmap *m, void *val)
{
    if (HMAP_LIKELY(--m->checked.relocate_countdown != 0))
        return val;
    val = hmap__relocate_following(m, val);
    m->checked.relocate_countdown = relocation_countdown(m, &hmap__thread_record);
    return val;
}

/* A fast replacement's value copied where the map's slots are not small
 * (copy_small may call memcpy), and the write ended. */
static __attribute__((noinline)) int fast_set_value(struct hmap *m, void *slot, const void *val)
{
    copy_small(slot, val, m->type.val_size);
    count_write(m, NULL);
    fast_write_end(m);
    return 0;
}

/* A checked write of one key kind on the fast path: the write's window
 * and the core's insertion or deletion (write.h) in one function, which
 * counts the write for relocation itself (the core's write_done hook
 * would note a write that did not pass the window, and this one did).  A
 * put or a set takes an insertion's common cases itself (write.h,
 * insert_common) and goes on with the rest, window open, in a second
 * function.
 * A set's value is copied before the write ends: it may point into the
 * table that the insertion's growth replaced.  A deletion fills the slot
 * with the poison byte of checked_hooks, named here so that its stores
 * are constants (a map made by a plain caller, which has no hooks, gets
 * the same fill: the slot is free either way). */
#define DEFINE_FAST_WRITES(name, KIND)                                               \
    static __attribute__((noinline)) void *fast_put_growing_##name(                  \
        struct hmap *m, const void *key, uint64_t h, bool further, bool *inserted)   \
    {                                                                                \
        void *v = insert_growing(m, key, h, further, inserted, KIND);                \
        end_of_write(m);                                                             \
        if (v)                                                                       \
            v = count_write(m, v);                                                   \
        fast_write_end(m);                                                           \
        return v;                                                                    \
    }                                                                                \
    static __attribute__((noinline)) void *fast_put_##name(                          \
        struct hmap *m, const void *key, bool *inserted, const struct hmap__site *site) \
    {                                                                                \
        fast_write_begin(m, site);                                                   \
        uint64_t h = key_hash(m, key, KIND);                                         \
        bool further = false;                                                        \
        void *v = insert_common(m, key, h, KIND, inserted, &further);                \
        if (!v)                                                                      \
            return fast_put_growing_##name(m, key, h, further, inserted);            \
        v = count_write(m, v);                                                       \
        fast_write_end(m);                                                           \
        return v;                                                                    \
    }                                                                                \
    static __attribute__((noinline)) int fast_set_growing_##name(                    \
        struct hmap *m, const void *key, uint64_t h, bool further, const void *val)  \
    {                                                                                \
        void *slot = insert_growing(m, key, h, further, NULL, KIND);                 \
        if (slot)                                                                    \
            copy_small(slot, val, m->type.val_size);                                 \
        end_of_write(m);                                                             \
        if (slot)                                                                    \
            count_write(m, NULL);                                                    \
        fast_write_end(m);                                                           \
        return slot ? 0 : ENOMEM;                                                    \
    }                                                                                \
    static __attribute__((noinline)) int fast_set_##name(                            \
        struct hmap *m, const void *key, const void *val, const struct hmap__site *site) \
    {                                                                                \
        fast_write_begin(m, site);                                                   \
        uint64_t h = key_hash(m, key, KIND);                                         \
        bool further = false;                                                        \
        void *slot = insert_common(m, key, h, KIND, NULL, &further);                 \
        if (!slot)                                                                   \
            return fast_set_growing_##name(m, key, h, further, val);                 \
        /* found, if the slots are not small (insert_at_hand needs them) */          \
        if (HMAP_UNLIKELY(!m->small_slots))                                          \
            return fast_set_value(m, slot, val);                                     \
        copy_inline(slot, val, m->type.val_size);                                    \
        count_write(m, NULL);                                                        \
        fast_write_end(m);                                                           \
        return 0;                                                                    \
    }                                                                                \
    static __attribute__((noinline)) bool fast_del_##name(                           \
        struct hmap *m, const void *key, const struct hmap__site *site)              \
    {                                                                                \
        fast_write_begin(m, site);                                                   \
        bool removed = m->count != 0 && del_of_kind(m, key, KIND, HMAP_POISON_BYTE); \
        if (removed)                                                                 \
            count_write(m, NULL);                                                    \
        fast_write_end(m);                                                           \
        return removed;                                                              \
    }
FOR_EACH_KIND(DEFINE_FAST_WRITES)

/* The same writes through the core's entry points, for the whole
 * protocol (hmap__put_unhooked, hmap__set_unhooked, hmap__del_unhooked:
 * without the write_done hook, for the same reason). */
HMAP_INLINE void *put_counted(struct hmap *m, const void *key, bool *inserted)
{
    void *v = hmap__put_unhooked(m, key, inserted);
    return v ? count_write(m, v) : NULL;
}

HMAP_INLINE int set_counted(struct hmap *m, const void *key, const void *val)
{
    int err = hmap__set_unhooked(m, key, val);
    if (!err)
        count_write(m, NULL);
    return err;
}

HMAP_INLINE bool del_counted(struct hmap *m, const void *key)
{
    bool removed = hmap__del_unhooked(m, key);
    if (removed)
        count_write(m, NULL);
    return removed;
}

/* An argument list in parentheses, without them. */
#define UNPARENTHESIZED(...) __VA_ARGS__

/* Each write entry point: the fast path of the map's key kind when it
 * applies, else the whole protocol out of line, which checks the
 * arguments in full first (check_args reports what it rejects).  A call
 * on anything but a live map, or with an argument that `usable` rejects
 * on entry (the rest is BY_KIND_OF_KEY's), goes to a function that
 * reports it, reached by a tail call as the others are, so that the
 * entry point needs no frame of its own. */
#define DEFINE_CHECKED_WRITE(ret, name, params, args, usable, check_args, write)      \
    static __attribute__((noinline)) ret checked_##name##_slow params                 \
    {                                                                                 \
        check_args;                                                                   \
        ret r;                                                                        \
        WRITE_OP(m, site, r = write);                                                 \
        return r;                                                                     \
    }                                                                                 \
    static __attribute__((noinline, cold)) ret checked_##name##_rejected params       \
    {                                                                                 \
        validate(m, WRITE, site);                                                     \
        return checked_##name##_slow args;                                            \
    }                                                                                 \
    ret hmap__checked_##name params                                                   \
    {                                                                                 \
        NOTE_ENTRY();                                                                 \
        if (HMAP_UNLIKELY(!live_map(m) || !(usable)))                                 \
            return checked_##name##_rejected args;                                    \
        if (!this_thread_is_sole_user(m, &hmap__thread_record))                       \
            return checked_##name##_slow args;                                        \
        BY_KIND_OF_KEY(m, key, checked_##name##_rejected args, fast_##name,           \
                       UNPARENTHESIZED args);                                         \
    }

/* hmap_set's value: NULL only where values have no bytes. */
HMAP_INLINE bool val_is_usable(const struct hmap *m, const void *val)
{
    return val != NULL || m->type.val_size == 0;
}

HMAP_INLINE void validate_val(const struct hmap *m, const void *val, const struct hmap__site *site)
{
    if (HMAP_UNLIKELY(!val_is_usable(m, val)))
        report_invalid_argument(m, site, WRITE,
                                "the value is NULL, and the map's values are %zu bytes: a "
                                "value argument must point at a value");
}

DEFINE_CHECKED_WRITE(void *, put,
                     (hmap *m, const void *key, bool *inserted, const struct hmap__site *site),
                     (m, key, inserted, site), key != NULL,
                     validate_key(m, key, WRITE, site), put_counted(m, key, inserted))
DEFINE_CHECKED_WRITE(int, set,
                     (hmap *m, const void *key, const void *val, const struct hmap__site *site),
                     (m, key, val, site), key != NULL && val_is_usable(m, val),
                     (validate_key(m, key, WRITE, site), validate_val(m, val, site)),
                     set_counted(m, key, val))
DEFINE_CHECKED_WRITE(bool, del, (hmap *m, const void *key, const struct hmap__site *site),
                     (m, key, site), key != NULL, validate_key(m, key, WRITE, site),
                     del_counted(m, key))

int hmap__checked_reserve(hmap *m, size_t n, const struct hmap__site *site)
{
    NOTE_ENTRY();
    validate(m, WRITE, site);
    int err;
    WRITE_OP(m, site, err = hmap_reserve(m, n));
    return err;
}

void hmap__checked_stats(const hmap *m, struct hmap_stats *out, const struct hmap__site *site)
{
    NOTE_ENTRY();
    if (!validate(m, READ, site)) {
        hmap_stats(NULL, out);
        return;
    }
    CHECKED_READ(m, site, AS_READ, hmap_stats(m, out));
}

void hmap__checked_clear(hmap *m, const struct hmap__site *site)
{
    NOTE_ENTRY();
    validate(m, WRITE, site);
    WRITE_OP(m, site, hmap_clear(m));
}

bool hmap__checked_verify(const hmap *m, const struct hmap__site *site)
{
    NOTE_ENTRY();
    if (!validate(m, READ, site))
        return true;
    bool ok;
    READ_OP(m, site, AS_READ, ok = hmap__verify_reporting(m, hook_key_misplaced));
    return ok;
}

/* ---- iteration ------------------------------------------------------ */

/* The snapshot is taken inside the read's window, so a write that slips in
 * between is caught by the window's own check. */
static void begin_iteration(hmap_iter *it, hmap *m, const struct hmap__site *site)
{
    hmap_iter_init(it, m);
    struct iter_state *s = hmap__iter_state(it);
    s->modcount = (uintptr_t)RELAXED_LOAD(&m->checked.write_seq);
    s->modcount_word = &m->checked.write_seq;
    s->site = site;
}

void hmap__checked_iter_init(hmap_iter *it, hmap *m, const struct hmap__site *site)
{
    NOTE_ENTRY();
    if (!validate(m, READ, site)) {
        hmap_iter_init(it, NULL);
        return;
    }
    CHECKED_READ(m, site, AS_ITERATION, begin_iteration(it, m, site));
    /* after the read's window, which would take this thread's own mark
     * for another thread's and close the slow way */
    close_sole_use_for_iteration(m, &hmap__thread_record);
}

/* Whether a checked iteration is still under way, so that a write since
 * it began is a write during it.  One that reached its end is over: the
 * map may be written again, and the finished iterator only answers "no
 * more entries". */
static bool iterating(const struct iter_state *s)
{
    return s->site && s->m;
}

/* One step, inside the read's window: the modification count is compared
 * before the core touches the table, which a write may have retired. */
static bool iteration_step(hmap_iter *it, const struct hmap *m, const struct hmap__site *site)
{
    struct iter_state *s = hmap__iter_state(it);
    if (iterating(s) &&
        HMAP_UNLIKELY((uintptr_t)RELAXED_LOAD(&m->checked.write_seq) != s->modcount)) {
        hmap__report_iteration_write(m, s, hmap__thread_self(), site);
        /* suppressed: the iteration goes on from here, reported once (a
         * write still under way ends at the next even count) */
        s->modcount = (uintptr_t)((RELAXED_LOAD(&m->checked.write_seq) + 1) & ~(uint64_t)1);
    }
    return hmap_iter_next(it);
}

/* Reached from the inline step at the end of a run of groups or on a
 * mismatch (hmap.h); the fast read path applies as for lookups. */
bool hmap__checked_iter_next(hmap_iter *it, const struct hmap__site *site)
{
    NOTE_ENTRY();
    struct iter_state *s = hmap__iter_state(it);
    struct hmap *m = s->origin;
    if (!m)
        return hmap_iter_next(it);
    validate(m, READ, site);
    bool more;
    CHECKED_READ(m, site, AS_ITERATION, more = iteration_step(it, m, site));
    return more;
}

void hmap__checked_iter_del(hmap_iter *it, const struct hmap__site *site)
{
    NOTE_ENTRY();
    struct iter_state *s = hmap__iter_state(it);
    struct hmap *m = s->origin;
    if (!m) {
        hmap_iter_del(it); /* an iteration begun unchecked */
        return;
    }
    validate(m, WRITE, site);
    /* No current entry: the plain build's hmap_iter_del does nothing then,
     * but a call that deletes nothing is a bug in the loop around it. */
    if (HMAP_UNLIKELY(!s->m))
        report_invalid_argument(m, site, WRITE,
                                "hmap_iter_del without a current entry: the iteration has ended");
    if (HMAP_UNLIKELY(!it->key))
        report_invalid_argument(m, site, WRITE,
                                "hmap_iter_del without a current entry: hmap_iter_next has not "
                                "returned one yet, or it was deleted already");
    struct hmap_thread *t = this_thread();
    if (iterating(s) && HMAP_UNLIKELY((uintptr_t)RELAXED_LOAD(&m->checked.write_seq) != s->modcount))
        hmap__report_iteration_write(m, s, t, site);
    WRITE_OP(m, site, hmap_iter_del(it));
    /* The one write an iteration allows: it expects it, and the whole
     * protocol, which gave this thread the sole use, takes it back. */
    s->modcount = (uintptr_t)RELAXED_LOAD(&m->checked.write_seq);
    close_sole_use_for_iteration(m, t);
}

/* ---- hooks ---------------------------------------------------------- */

/* After the writes that src/hmap_hooks.h lists, when they come from a
 * plain translation unit, or from hmap_clear: a plain write did not pass
 * write_begin, and still counts for iterators. */
static void hook_write_done(struct hmap *m)
{
    struct hmap_thread *t = this_thread();
    if (t->inside != m) {
        RELAXED_STORE(&m->checked.write_seq, RELAXED_LOAD(&m->checked.write_seq) + 2);
        note_write(m, t->tid, NULL);
        close_sole_use(m, t, OP_WRITE);
    }
    count_write(m, NULL);
}

static void describe_key(char *buf, size_t len, const struct hmap *m, const void *key)
{
    int n = snprintf(buf, len, "a stored key no longer hashes to where it was stored: ");
    if (n < 0 || (size_t)n >= len)
        return;
    if (m->kind == KIND_CSTR) {
        const char *str;
        memcpy(&str, key, sizeof str);
        snprintf(buf + n, len - (size_t)n, "key \"%.64s\" (its string was changed after insertion)",
                 str);
        return;
    }
    size_t shown = m->type.key_size < 16 ? m->type.key_size : 16;
    n += snprintf(buf + n, len - (size_t)n, "key bytes");
    for (size_t i = 0; i < shown && (size_t)n + 4 < len; i++)
        n += snprintf(buf + n, len - (size_t)n, " %02x", ((const unsigned char *)key)[i]);
    if (shown < m->type.key_size && (size_t)n + 5 < len)
        snprintf(buf + n, len - (size_t)n, " ...");
}

static void hook_key_misplaced(const struct hmap *m, const void *key)
{
    struct hmap_thread *t = this_thread();
    char *detail = hmap__report_prepare();
    describe_key(detail, HMAP_REPORT_DETAIL, m, key);
    const struct hmap__site *site = t->inside == m ? t->site : NULL;
    hmap__report_single(HMAP_KIND_KEY_MODIFIED, m, site, "found", detail);
}

