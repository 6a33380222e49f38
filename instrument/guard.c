/*
 * guard.c - where a checked map's tables live and what becomes of them
 * when they retire: guarded (inaccessible, so that a stale pointer faults
 * at once) or poisoned and queued (so that a write through a stale
 * pointer is found later), and the freed map headers kept recognisable.
 *
 * Guarding a table costs system calls (pages of its own, a protection
 * change when it retires), tens of microseconds where a small map's whole
 * life takes a few hundred nanoseconds.  So, GWP-ASan style, only some are
 * guarded (HMAP_OPTIONS=guard=, default sampled):
 *
 *   - tables of LARGE_TABLE and up, which the plain map maps on its own
 *     anyway: always, in mappings of their own (quarantine.c).  A table is
 *     at most MAX_GROUPS groups (about 32 KiB for 8-byte keys and values),
 *     so only big entries, or a hash that does not spread keys (a table
 *     that grows beyond MAX_GROUPS), make one this large;
 *   - the first table allocated by each call site: a bug in code that
 *     runs once (a test, above all) is caught the first time, and the
 *     sites of a program are few, so this costs nothing in steady state;
 *   - one small table in about guard_sample_kb KiB allocated, counted
 *     down per thread from the seed= generator: in a slot of quarantine.c's
 *     pool of pages, mapped once, so that the guard is one mprotect at
 *     retirement and nothing at allocation.
 *
 * guard=all gives every table pages of its own (deterministic, slow);
 * guard=none guards nothing, and leaves large tables to the allocator.
 *
 * The rest come from malloc.  When one retires it is filled with
 * HMAP_POISON_BYTE and kept in the retiring thread's queue, bounded in
 * bytes (retired_queue_kb) and entries; a read through a stale pointer then
 * sees the poison, and a write changes it.  When a table leaves the queue
 * (pushed out by newer ones, at thread exit, or still queued at process
 * exit) its poison is checked, and a change is reported as a dangling
 * pointer write with the map, the table's generation and the retiring
 * thread and call site.  No system call, no lock, no stack unwinding: the
 * retiring site is already known.
 *
 * Under AddressSanitizer (found at run time: its interface is linked in)
 * the rest are freed at once instead, into ASan's own quarantine, which
 * keeps them poisoned: ASan catches every read and write through a stale
 * pointer, with the stack that freed the table (the retiring write).  A
 * ring of recent retirements lets the error-report callback that ASan
 * calls before it ends the process name the hmap kind, the map and the
 * generation after ASan's own report (asan.c).
 *
 * Freed map headers wait in the same per-thread structure, so that hmap_free
 * takes no lock either.
 *
 * ThreadSanitizer: the queue is the retiring thread's own; the exit check
 * reads other threads' queues under their busy flag, with TSan ignoring the
 * poison's bytes (the retirements that wrote them ran inside the checked
 * operations, which TSan ignores too).
 */
#include "guard.h"
#include "asan.h"
#include "options.h"
#include "quarantine.h"
#include "reports.h"
#include "stack.h"
#include "thread.h"
#include "tsan.h"
#include "hash.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* Tables from this size on are guarded in pages of their own; the plain
 * map maps them on its own too (src/alloc.c, MMAP_MIN). */
#define LARGE_TABLE ((size_t)256 << 10)

/* Entries per thread's queue at most, whatever their bytes: each costs a
 * few words, and a program with many threads should not pay much each. */
enum { QUEUE_MAX = 4096, QUEUE_FIRST = 64 };

/* Freed map headers kept per thread before free() gets them back. */
enum { FREED_PER_THREAD = 1024 };

/* Call sites remembered for "the first table of each site" (sites_seen,
 * open addressing); beyond that many, new sites are no longer guarded
 * first (sampling still applies). */
enum { SITES_SEEN = 4096, SITE_PROBES = 32 };

/* ---- which tables are guarded ---------------------------------------- */

static const struct hmap__site *sites_seen[SITES_SEEN]; /* CAS-inserted, never removed */

/* True the first time `site` asks.  False for no site, and for a site
 * that finds no room in sites_seen within SITE_PROBES slots of its hash:
 * once that fills, new sites are left to sampling. */
static bool first_at_site(const struct hmap__site *site)
{
    if (!site)
        return false;
    size_t h = (size_t)(hmap__hash_u64((uint64_t)(uintptr_t)site, 0) % SITES_SEEN);
    for (int i = 0; i < SITE_PROBES; i++) {
        const struct hmap__site **slot = &sites_seen[(h + (size_t)i) % SITES_SEEN];
        const struct hmap__site *seen = __atomic_load_n(slot, __ATOMIC_RELAXED);
        if (seen == site)
            return false;
        if (seen == NULL) {
            const struct hmap__site *expected = NULL;
            if (__atomic_compare_exchange_n(slot, &expected, site, false, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED))
                return true;
            if (expected == site)
                return false;
        }
    }
    return false;
}

/* The bytes of small tables until the next guarded one: uniform in
 * [1, 2 * guard_sample_kb KiB], so one in guard_sample_kb KiB on average. */
static int64_t next_countdown(struct hmap_thread *t)
{
    uint64_t span = (uint64_t)hmap__opts.guard_sample_kb << 11;
    return (int64_t)(1 + hmap__splitmix64(&t->rng) % span);
}

/* Whether a small table about to be allocated for m is guarded: the first
 * table allocated at the call site of the checked operation on m that
 * allocates it, or the one whose bytes end the thread's countdown. */
static bool sample_guard(const struct hmap *m, size_t bytes)
{
    struct hmap_thread *t = hmap__thread_self();
    if (t->inside == m && first_at_site(t->site))
        return true;
    if (t->guard_countdown == 0)
        t->guard_countdown = next_countdown(t);
    t->guard_countdown -= (int64_t)bytes;
    if (t->guard_countdown > 0)
        return false;
    t->guard_countdown = next_countdown(t);
    return true;
}

/* Whether an allocation of `bytes` has pages of its own (else it is in the
 * pool or on the heap).  The same question at allocation and retirement
 * gives the same answer: the options do not change once read. */
static bool has_own_pages(size_t bytes)
{
    return hmap__opts.guard == GUARD_ALL ||
           (hmap__opts.guard == GUARD_SAMPLED && bytes >= LARGE_TABLE);
}

void *hmap__guard_table_alloc(const struct hmap *m, size_t bytes, size_t align)
{
    if (has_own_pages(bytes))
        return hmap__quarantine_map_pages(bytes, align);
    if (hmap__opts.guard == GUARD_SAMPLED && align <= 4096 && sample_guard(m, bytes)) {
        void *p = hmap__quarantine_pool_take(bytes);
        if (p)
            return p;
    }
    return hmap__alloc_aligned(bytes, align);
}

/* ---- the per-thread queue --------------------------------------------- */

struct queued {
    char *p;
    size_t bytes;
    size_t align;                 /* what hmap__free_aligned needs */
    struct hmap_retirement who;   /* who.stack is NULL: not kept */
};

/* One thread's retired memory.  Only its thread changes it, holding
 * `busy`; the exit check takes `busy` to read it. */
struct thread_retired {
    int busy;
    struct queued *ring;          /* cap entries (a power of two), oldest at head */
    size_t cap, head, count, bytes;
    struct hmap *freed[FREED_PER_THREAD];
    size_t freed_head, freed_count;
    struct thread_retired *prev, *next; /* all threads' queues, under the lock */
};

static HMAP_TLS struct thread_retired *this_thread_retired;
static struct thread_retired *all_queues;
static pthread_key_t queue_key;
static pthread_once_t queue_key_once = PTHREAD_ONCE_INIT;

static void take(struct thread_retired *r)
{
    while (__atomic_exchange_n(&r->busy, 1, __ATOMIC_ACQUIRE))
        sched_yield(); /* only the exit check ever holds it for long */
}

static void give(struct thread_retired *r)
{
    __atomic_store_n(&r->busy, 0, __ATOMIC_RELEASE);
}

/* Whether the n bytes at p all still hold the poison; if not, *where is
 * the first that does not.  The common answer, yes, takes one pass that
 * folds whole words together; only a change is looked for byte by byte. */
static bool still_poisoned(const char *p, size_t n, size_t *where)
{
    const uint64_t word = 0x0101010101010101ull * HMAP_POISON_BYTE;
    uint64_t diff = 0;
    size_t words = n / 8;
    for (size_t i = 0; i < words; i++) {
        uint64_t w;
        memcpy(&w, p + i * 8, 8);
        diff |= w ^ word;
    }
    for (size_t i = words * 8; i < n; i++)
        diff |= (unsigned char)p[i] ^ HMAP_POISON_BYTE;
    if (HMAP_LIKELY(diff == 0))
        return true;
    *where = 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)p[i] != HMAP_POISON_BYTE) {
            *where = i;
            break;
        }
    }
    return false;
}

static void check_poison(const struct queued *q)
{
    size_t where;
    if (HMAP_UNLIKELY(!still_poisoned(q->p, q->bytes, &where)))
        hmap__report_retired_write(&q->who, q->p, where);
}

/* Checks and frees the oldest entry.  busy held, count > 0. */
static void release_oldest(struct thread_retired *r)
{
    struct queued q = r->ring[r->head];
    r->head = (r->head + 1) & (r->cap - 1);
    r->count--;
    r->bytes -= q.bytes;
    check_poison(&q);
    hmap__free_aligned(q.p, q.bytes, q.align);
}

static size_t queue_limit(void)
{
    size_t kb = hmap__opts.retired_queue_kb;
    return kb > (SIZE_MAX >> 10) ? SIZE_MAX : kb << 10;
}

/* Room for one more entry: a larger ring, or the oldest released. */
static void make_room(struct thread_retired *r)
{
    if (r->count < r->cap)
        return;
    size_t cap = r->cap ? r->cap * 2 : QUEUE_FIRST;
    struct queued *ring = cap <= QUEUE_MAX ? malloc(cap * sizeof *ring) : NULL;
    if (!ring) {
        release_oldest(r);
        return;
    }
    for (size_t i = 0; i < r->count; i++)
        ring[i] = r->ring[(r->head + i) & (r->cap - 1)];
    free(r->ring);
    r->ring = ring;
    r->cap = cap;
    r->head = 0;
}

static void push(struct thread_retired *r, const struct queued *q)
{
    take(r);
    make_room(r);
    if (r->count < r->cap) {
        r->ring[(r->head + r->count) & (r->cap - 1)] = *q;
        r->count++;
        r->bytes += q->bytes;
    } else {
        check_poison(q); /* no ring at all: out of memory */
        hmap__free_aligned(q->p, q->bytes, q->align);
    }
    size_t limit = queue_limit();
    while (r->count > 0 && r->bytes > limit)
        release_oldest(r);
    give(r);
}

static void free_header(struct hmap *m)
{
    /* Other threads wrote it with nothing ordering those writes before
     * this free (by design: the runtime's atomics are invisible to TSan),
     * and TSan would report the free as racing with them.  Its accesses
     * are ignored instead (AnnotateNewMemory would be the natural tool, but
     * it is a no-op in TSan's current runtime). */
    hmap__tsan_ignore_begin();
    hmap__free(m, sizeof *m);
    hmap__tsan_ignore_end();
}

/* The list of all threads' queues is changed and walked under the lock,
 * whose synchronisation TSan does not see (hmap__quarantine_lock): its
 * links are atomics, as quarantine.c's registry is. */
#define LINK_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define LINK_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

static void list_add(struct thread_retired *r)
{
    hmap__quarantine_lock();
    struct thread_retired *first = LINK_LOAD(&all_queues);
    LINK_STORE(&r->next, first);
    if (first)
        LINK_STORE(&first->prev, r);
    LINK_STORE(&all_queues, r);
    hmap__quarantine_unlock();
}

static void list_remove(struct thread_retired *r)
{
    hmap__quarantine_lock();
    struct thread_retired *prev = LINK_LOAD(&r->prev), *next = LINK_LOAD(&r->next);
    if (prev)
        LINK_STORE(&prev->next, next);
    else
        LINK_STORE(&all_queues, next);
    if (next)
        LINK_STORE(&next->prev, prev);
    hmap__quarantine_unlock();
}

/* At thread exit (the queue key's destructor): everything the thread still
 * holds is checked and freed. */
static void drain(void *arg)
{
    struct thread_retired *r = arg;
    list_remove(r);
    take(r);
    hmap__tsan_ignore_begin();
    while (r->count > 0)
        release_oldest(r);
    hmap__tsan_ignore_end();
    for (size_t i = 0; i < r->freed_count; i++)
        free_header(r->freed[(r->freed_head + i) % FREED_PER_THREAD]);
    free(r->ring);
    this_thread_retired = NULL;
    free(r);
}

/* At process exit: the poison of every table still queued, in every
 * thread.  A thread busy with its queue is skipped (it may be the one
 * exiting, or never give it back). */
static void check_at_exit(void)
{
    hmap__quarantine_lock();
    hmap__tsan_ignore_begin();
    for (struct thread_retired *r = LINK_LOAD(&all_queues); r; r = LINK_LOAD(&r->next)) {
        if (__atomic_exchange_n(&r->busy, 1, __ATOMIC_ACQUIRE))
            continue;
        for (size_t i = 0; i < r->count; i++)
            check_poison(&r->ring[(r->head + i) & (r->cap - 1)]);
        give(r);
    }
    hmap__tsan_ignore_end();
    hmap__quarantine_unlock();
}

static void queue_key_create(void)
{
    (void)pthread_key_create(&queue_key, drain);
    atexit(check_at_exit);
}

static struct thread_retired *thread_retired(void)
{
    struct thread_retired *r = this_thread_retired;
    if (HMAP_LIKELY(r != NULL))
        return r;
    r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    (void)pthread_once(&queue_key_once, queue_key_create);
    list_add(r);
    (void)pthread_setspecific(queue_key, r);
    this_thread_retired = r;
    return r;
}

/* ---- retiring --------------------------------------------------------- */

/* An unguarded allocation: poisoned and queued (or, with no queue, freed). */
static void poison_and_queue(void *p, size_t bytes, size_t align, const struct hmap_retirement *who)
{
    struct thread_retired *r = thread_retired();
    if (!r || bytes > queue_limit()) {
        /* no queue, or one the table would empty at once (a table larger
         * than retired_queue_kb, under guard=none): poisoning it would buy
         * nothing */
        hmap__free_aligned(p, bytes, align);
        return;
    }
    hmap__asan_unpoison(p, bytes); /* deleted slots may carry ASan's poison */
    memset(p, HMAP_POISON_BYTE, bytes);
    struct queued q = { p, bytes, align, *who };
    q.who.stack = NULL;
    push(r, &q);
}

/* The retiring stack, unwound once per retirement and only if something
 * is guarded. */
struct retiring {
    struct hmap_retirement who;
    struct hmap_stack *stack;     /* room for it, filled only if needed */
    bool unwound;
};

/* Kept out of line, so that the stack unwound here starts at a known
 * depth: its caller's caller is the core's retirement. */
static __attribute__((noinline)) void retire_one(void *p, size_t bytes, size_t align,
                                                 struct retiring *r)
{
    if (!has_own_pages(bytes) && !hmap__quarantine_holds_pool(p)) {
        if (hmap__asan_active)
            hmap__asan_free_retired(p, bytes, align, &r->who);
        else
            poison_and_queue(p, bytes, align, &r->who);
        return;
    }
    if (!r->unwound && hmap__quarantine_wants_stack()) {
        hmap__unwind_here(r->stack, 2); /* skip this function and its caller */
        r->who.stack = r->stack;
        r->unwound = true;
    }
    hmap__quarantine_guard(p, bytes, &r->who);
}

void hmap__guard_table_retire(struct hmap *m, struct hmap_table *tb)
{
    if (!tb)
        return;
    struct hmap_thread *t = hmap__thread_self();
    struct hmap_stack stack; /* not zeroed: most retirements never unwind */
    struct retiring r = {
        .who = { .map = tb->owner, .generation = tb->generation, .map_generation = m->generation,
                 .tid = t->tid, .site = t->inside == m ? t->site : NULL },
        .stack = &stack,
    };
    retire_one(tb->block, tb->bytes, m->layout.table_align, &r);
}

/* ---- freed map headers ------------------------------------------------ */

void hmap__guard_map_free(struct hmap *m)
{
    struct thread_retired *r = thread_retired();
    if (!r) {
        free_header(m);
        return;
    }
    if (r->freed_count == FREED_PER_THREAD) {
        free_header(r->freed[r->freed_head]);
        r->freed_head = (r->freed_head + 1) % FREED_PER_THREAD;
        r->freed_count--;
    }
    r->freed[(r->freed_head + r->freed_count) % FREED_PER_THREAD] = m;
    r->freed_count++;
}
