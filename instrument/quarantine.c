/*
 * quarantine.c - guarded memory for checked maps' tables: the quarantine
 * of guarded retired tables, the pool of page slots that sampled small
 * tables live in, the SIGSEGV handler that recognises faults in retired
 * tables, and the alternate signal stacks it runs on.  Which tables are
 * guarded is guard.c's decision; ASan's poison is asan.c's.
 *
 * Why a quarantine.  A pointer returned by hmap_get/hmap_put points into
 * one of the map's live tables.  Growth of that table (a rebuild or a
 * split) or relocation (HMAP_OPTIONS=relocate=, which replaces every
 * table) retires it, and with plain malloc the pointer would go on
 * reading freed memory silently.  A guarded table has pages of its own:
 * either a mapping of its own (large tables, and every table under
 * guard=all) or a slot of the pool, a region mapped once, read-write, from
 * which sampled small tables take whole pages.  Retiring a guarded table
 * records its address range in a registry and makes it PROT_NONE (a
 * mapping of its own also gives its pages back, MADV_DONTNEED; a pool slot
 * keeps them until it is reused, so that guarding it is one system call).
 * A later access through a stale pointer faults, and the SIGSEGV handler
 * finds the range in the registry.  The quarantine is bounded: at most
 * hmap__opts.quarantine_mb MiB of address space and QUARANTINE_ENTRIES
 * ranges; the oldest are released first (a mapping is unmapped, a pool
 * slot made accessible, emptied and handed out again).
 *
 * Why the report is not written from the handler.  The report symbolizes
 * (libdw, not async-signal-safe), and the faulting thread may have been
 * interrupted anywhere.  The handler only collects plain data (the
 * registry entry, the faulting stack) into a static struct hmap_dangling,
 * then rewrites the interrupted context so that the thread, when the
 * handler returns, "calls" report_found_dangling() on its own stack in
 * normal context.  The faulting code is abandoned; the report never
 * returns.
 *
 * A fault that is in no retired range can still be ours: an operation
 * racing with another thread's write may read an unguarded retired table,
 * whose poison makes every pointer in it non-canonical, so that following
 * one raises a general-protection fault with no address.  Such a fault
 * inside a map operation, while another thread is writing the map or
 * wrote it last, is reported as the race (racing_operation).
 *
 * Faults that are not ours go to the action that was installed before
 * ours, as the kernel would have delivered them: a handler is called
 * (with its own mask, SA_NODEFER and SA_RESETHAND honoured); a default or
 * ignored action is reset to SIG_DFL and the instruction is left to fault
 * again, so the process dies exactly as it would have (core dump
 * included); a SIGSEGV sent with kill() is raised again.  Under ASan the
 * previous handler is ASan's and an unrelated NULL dereference still gets
 * ASan's SEGV report.  ASan lets user code install a SIGSEGV handler by
 * default (handle_segv=1, allow_user_segv_handler=1 in gcc 12 and clang
 * 14); with handle_segv=2 or allow_user_segv_handler=0 its sigaction
 * interceptor silently ignores ours: hmap__quarantine_init notices and
 * says so once on stderr.  Under TSan the previous handler is TSan's
 * deadly-signal handler; TSan prints its SEGV header but then "nested bug
 * in the same thread" when called from any user handler (a three-line
 * chaining handler does the same): a TSan limitation, the exit is still
 * TSan's.
 *
 * The registry is written under one mutex and read by the handler without
 * it (the handler may interrupt a thread that holds it): each entry is a
 * small seqlock, cleared before its range is unmapped.  A handler racing
 * with an eviction either sees a consistent entry (the fault did happen
 * in quarantined memory) or none (the fault then chains as not ours).
 *
 * ThreadSanitizer.  DESIGN §4 wants the runtime's own synchronisation to
 * be invisible to TSan, or it would order the threads of a program and
 * hide its real map races.  So under TSan the lock (and the unwinding of
 * the retiring stack, as libunwind takes locks) runs inside
 * AnnotateIgnoreSyncBegin/End, and everything the lock protects is read
 * and written with atomics (which TSan never reports, and ignores while
 * sync is ignored).
 *
 * Alternate signal stacks: a fault from a thread whose stack is nearly
 * exhausted must still reach a handler (ours, or ASan's stack-overflow
 * report behind it), so each thread using checked maps gets one, freed at
 * thread exit by a pthread key destructor; threads get theirs as they
 * register (hmap__thread_on_register).  ASan's poison of deleted slots
 * and retired tables is asan.c's.
 */
#define _GNU_SOURCE /* REG_RIP and friends, gettid */

#include "quarantine.h"
#include "asan.h"
#include "options.h"
#include "report.h"
#include "reports.h"
#include "stack.h"
#include "thread.h"
#include "tsan.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "quarantine.c reads the x86-64 page-fault error code and redirects RIP/RSP"
#endif


/* ---- limits and constants ------------------------------------------ */

/* Ranges held at most.  Each PROT_NONE range can split a mapping into
 * three, and Linux refuses mappings beyond vm.max_map_count (65530 by
 * default): 16384 ranges stay well inside it.  The registry costs 16384
 * entries of ~600 bytes of address space, touched only as it fills. */
enum { QUARANTINE_ENTRIES = 16384 };

/* The pool of page slots for sampled small tables: address space only,
 * until a slot is used. */
enum { POOL_BYTES = 64 << 20 };

/* Alternate signal stack per thread; a PROT_NONE guard page sits below. */
enum { ALTSTACK_BYTES = 64 << 10 };

enum { RED_ZONE = 128 };     /* below RSP, owned by the interrupted function */
enum { X86_EFLAGS_DF = 0x400 };
enum { PF_WRITE = 2 };       /* page-fault error code: the access was a write */

/* ---- atomics and TSan ---------------------------------------------- */

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)


/* One lock for the registry and the pool: both change rarely (a guarded
 * allocation or retirement) and never in signal context.  guard.c takes it
 * too, for its list of threads' queues (hmap__quarantine_lock). */
static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;

static void lock(void)
{
    hmap__tsan_ignore_sync_begin();
    pthread_mutex_lock(&quarantine_lock);
}

static void unlock(void)
{
    pthread_mutex_unlock(&quarantine_lock);
    hmap__tsan_ignore_sync_end();
}

void hmap__quarantine_lock(void)
{
    lock();
}

void hmap__quarantine_unlock(void)
{
    unlock();
}

/* ---- pages and ASan shadow ------------------------------------------ */

static size_t page_size(void)
{
    static size_t cached;
    size_t p = LOAD(&cached);
    if (HMAP_UNLIKELY(p == 0)) {
        p = (size_t)sysconf(_SC_PAGESIZE);
        STORE(&cached, p);
    }
    return p;
}

/* bytes rounded up to whole pages; 0 if that overflows. */
static size_t page_round(size_t bytes)
{
    size_t page = page_size();
    if (bytes > SIZE_MAX - (page - 1))
        return 0;
    return (bytes + page - 1) & ~(page - 1);
}

/* ASan poison in [p, p + n) is cleared before the range is unmapped or
 * handed out: a later mmap at the same address must not be born poisoned,
 * and a quarantined table must fault (our report), not trip ASan's
 * use-after-poison first. */
static void unmap_range(void *p, size_t len)
{
    hmap__asan_unpoison(p, len);
    (void)munmap(p, len);
}

/* ---- the registry of retired ranges -------------------------------- */

/* What is known of a retired range; what the handler copies out. */
struct retired_info {
    uintptr_t start, end;       /* [start, end); both 0: the entry is free */
    const struct hmap *map;
    uint64_t generation;
    uint64_t map_generation;
    pid_t tid;
    struct hmap_stack stack;
};

/* One registry entry: a seqlock around retired_info.  Written under
 * quarantine_lock only, so `seq` needs no read-modify-write. */
struct retired {
    uint64_t seq;               /* odd while being rewritten */
    struct retired_info info;
};

/* The registry is a ring: entries [oldest, oldest + count) modulo
 * QUARANTINE_ENTRIES are in use, oldest first.  `used` is the number of
 * slots ever written, the handler's scan bound.  All of it is read and
 * written with atomics (see TSan in the header comment). */
static struct retired *registry;     /* NULL: no quarantine (mmap failed) */
static size_t ring_oldest, ring_count, ring_used;
static size_t held_bytes;             /* address space of the entries in use */

/* Copies a stack word by word with release stores (seqlock writer). */
static void stack_store(struct hmap_stack *dst, const struct hmap_stack *src)
{
    int depth = src->depth < 0 ? 0 : src->depth > HMAP_STACK_MAX ? HMAP_STACK_MAX : src->depth;
    STORE_REL(&dst->depth, depth);
    STORE_REL(&dst->unavailable, src->unavailable);
    STORE_REL(&dst->left_map, src->left_map);
    for (int i = 0; i < depth; i++)
        STORE_REL(&dst->pc[i], src->pc[i]);
}

static void stack_load(struct hmap_stack *dst, const struct hmap_stack *src)
{
    int depth = LOAD_ACQ(&src->depth);
    if (depth < 0 || depth > HMAP_STACK_MAX)
        depth = 0; /* torn: the sequence check will reject this copy */
    dst->depth = depth;
    dst->unavailable = LOAD_ACQ(&src->unavailable);
    dst->left_map = LOAD_ACQ(&src->left_map);
    for (int i = 0; i < depth; i++)
        dst->pc[i] = LOAD_ACQ(&src->pc[i]);
}

/* Seqlock writer.  The odd sequence number is stored first; every field
 * store is a release, so a reader that sees any new field also sees the
 * odd number on its second look, and retries or skips the entry. */
static void entry_write(struct retired *e, const struct retired_info *v, bool with_stack)
{
    uint64_t s = LOAD(&e->seq);
    STORE(&e->seq, s + 1);
    STORE_REL(&e->info.start, v->start);
    STORE_REL(&e->info.end, v->end);
    STORE_REL(&e->info.map, v->map);
    STORE_REL(&e->info.generation, v->generation);
    STORE_REL(&e->info.map_generation, v->map_generation);
    STORE_REL(&e->info.tid, v->tid);
    if (with_stack)
        stack_store(&e->info.stack, &v->stack);
    STORE_REL(&e->seq, s + 2);
}

/* Seqlock reader (async-signal-safe): true if *out is a consistent copy. */
static bool entry_read(const struct retired *e, struct retired_info *out)
{
    uint64_t s = LOAD_ACQ(&e->seq);
    if (s & 1)
        return false;
    out->start = LOAD_ACQ(&e->info.start);
    out->end = LOAD_ACQ(&e->info.end);
    out->map = LOAD_ACQ(&e->info.map);
    out->generation = LOAD_ACQ(&e->info.generation);
    out->map_generation = LOAD_ACQ(&e->info.map_generation);
    out->tid = LOAD_ACQ(&e->info.tid);
    stack_load(&out->stack, &e->info.stack);
    /* The acquire loads above keep this load after them. */
    return LOAD(&e->seq) == s;
}

static void registry_create(void)
{
    size_t bytes = page_round(sizeof(struct retired) * QUARANTINE_ENTRIES);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    STORE_REL(&registry, p == MAP_FAILED ? NULL : (struct retired *)p);
}

/* quarantine_mb in bytes, saturating. */
static size_t quarantine_limit(void)
{
    size_t mb = hmap__opts.quarantine_mb;
    return mb > (SIZE_MAX >> 20) ? SIZE_MAX : mb << 20;
}

static bool in_pool(uintptr_t p);
static void pool_give_back(uintptr_t start, size_t len);

/* Drops the oldest entry and releases its range: unmapped, or back in
 * the pool.  Lock held, count > 0. */
static void evict_oldest(void)
{
    size_t i = LOAD(&ring_oldest);
    struct retired *e = &registry[i];
    uintptr_t start = LOAD(&e->info.start), end = LOAD(&e->info.end);
    /* Cleared before the unmap: from here on the handler no longer claims
     * faults at these addresses, which a new mmap may soon reuse. */
    static const struct retired_info cleared;
    entry_write(e, &cleared, false);
    STORE(&ring_oldest, (i + 1) % QUARANTINE_ENTRIES);
    STORE(&ring_count, LOAD(&ring_count) - 1);
    STORE(&held_bytes, LOAD(&held_bytes) - (end - start));
    if (in_pool(start))
        pool_give_back(start, end - start);
    else
        unmap_range((void *)start, end - start);
}

/* Evicts until at most `keep` entries remain.  Lock held. */
static void evict_down_to(size_t keep)
{
    while (LOAD(&ring_count) > keep)
        evict_oldest();
}

/* Evicts until a range of len bytes fits in both bounds.  Lock held. */
static void make_room(size_t len, size_t limit)
{
    while (LOAD(&ring_count) > 0 &&
           (LOAD(&ring_count) == QUARANTINE_ENTRIES || LOAD(&held_bytes) + len > limit))
        evict_oldest();
}

/* Appends an entry for *v at the new end of the ring.  Lock held, room made. */
static void publish(const struct retired_info *v)
{
    size_t n = LOAD(&ring_count);
    size_t i = (LOAD(&ring_oldest) + n) % QUARANTINE_ENTRIES;
    entry_write(&registry[i], v, true);
    STORE(&ring_count, n + 1);
    STORE(&held_bytes, LOAD(&held_bytes) + (v->end - v->start));
    if (i + 1 > LOAD(&ring_used))
        STORE_REL(&ring_used, i + 1);
}

/* Makes a published range fault on every access and gives its memory
 * back.  If the kernel refuses (ENOMEM: too many mappings), the older
 * ranges are let go and it is tried once more; failing that the range
 * stays published but accessible (no detection for it), and is unmapped
 * when its turn to be evicted comes.  Lock held. */
static void protect_range(void *p, size_t len)
{
    if (mprotect(p, len, PROT_NONE) != 0) {
        evict_down_to(1); /* the newest entry, this one, stays */
        if (mprotect(p, len, PROT_NONE) != 0)
            return;
    }
    if (!in_pool((uintptr_t)p))
        (void)madvise(p, len, MADV_DONTNEED);
}

/* Quarantines one retired table (its whole block) of `bytes` at p, as
 * described by *who (start/end are filled in here). */
static void quarantine_range(void *p, size_t bytes, struct retired_info *who)
{
    size_t len = page_round(bytes);
    size_t limit = quarantine_limit();
    hmap__asan_unpoison(p, len);
    lock();
    if (LOAD(&registry) == NULL || len > limit) {
        if (in_pool((uintptr_t)p))
            pool_give_back((uintptr_t)p, len);
        else
            unmap_range(p, len);
        unlock();
        return;
    }
    make_room(len, limit);
    who->start = (uintptr_t)p;
    who->end = (uintptr_t)p + len;
    /* Published before it is protected, so that the handler knows the
     * range before any access can fault in it; protected under the lock,
     * so that no eviction can unmap it (and a new mmap take its place)
     * before the mprotect. */
    publish(who);
    protect_range(p, len);
    unlock();
}

/* ---- the pool of page slots ----------------------------------------- */

/* One bit per page of the pool: set while the page belongs to a slot (in
 * use, or retired and in the quarantine).  Read and written under the lock,
 * with atomics (see TSan in the header comment). */
static char *pool_base; /* NULL until the first sampled table; MAP_FAILED: none */
static uint64_t pool_bits[POOL_BYTES / 4096 / 64];

static size_t pool_pages(void)
{
    size_t n = POOL_BYTES / page_size();
    return n < sizeof pool_bits * 8 ? n : sizeof pool_bits * 8;
}

static bool in_pool(uintptr_t p)
{
    char *base = LOAD_ACQ(&pool_base);
    return base && base != MAP_FAILED && p >= (uintptr_t)base &&
           p < (uintptr_t)base + pool_pages() * page_size();
}

static bool page_taken(size_t i)
{
    return (LOAD(&pool_bits[i / 64]) >> (i % 64)) & 1;
}

static void mark_pages(size_t first, size_t n, bool taken)
{
    for (size_t i = first; i < first + n; i++) {
        uint64_t w = LOAD(&pool_bits[i / 64]), bit = (uint64_t)1 << (i % 64);
        STORE(&pool_bits[i / 64], taken ? w | bit : w & ~bit);
    }
}

/* The first run of n free pages, or SIZE_MAX.  Lock held. */
static size_t pool_find(size_t n)
{
    size_t total = pool_pages(), run = 0;
    for (size_t i = 0; i < total; i++) {
        if (i % 64 == 0 && run == 0 && LOAD(&pool_bits[i / 64]) == UINT64_MAX) {
            i += 63; /* a word of taken pages */
            continue;
        }
        run = page_taken(i) ? 0 : run + 1;
        if (run == n)
            return i + 1 - n;
    }
    return SIZE_MAX;
}

bool hmap__quarantine_holds_pool(const void *p)
{
    return in_pool((uintptr_t)p);
}

/* A slot released from the quarantine: accessible and empty again (the
 * pages read as zeros), free for the next sampled table.  Lock held. */
static void pool_give_back(uintptr_t start, size_t len)
{
    hmap__asan_unpoison((void *)start, len);
    (void)mprotect((void *)start, len, PROT_READ | PROT_WRITE);
    (void)madvise((void *)start, len, MADV_DONTNEED);
    mark_pages((start - (uintptr_t)LOAD(&pool_base)) / page_size(), len / page_size(), false);
}

/* Whole pages of the pool for a sampled table of `bytes`, zeroed; NULL
 * when the pool cannot have them (then the table is simply not guarded).
 * Older quarantined slots are released to make room. */
void *hmap__quarantine_pool_take(size_t bytes)
{
    size_t n = page_round(bytes) / page_size();
    if (n == 0 || n > pool_pages())
        return NULL;
    void *p = NULL;
    lock();
    if (LOAD(&pool_base) == NULL) {
        void *base = mmap(NULL, pool_pages() * page_size(), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        STORE_REL(&pool_base, (char *)base);
    }
    if (LOAD(&pool_base) != MAP_FAILED) {
        size_t first;
        while ((first = pool_find(n)) == SIZE_MAX && LOAD(&registry) && LOAD(&ring_count) > 0)
            evict_oldest();
        if (first != SIZE_MAX) {
            mark_pages(first, n, true);
            p = LOAD(&pool_base) + first * page_size();
        }
    }
    unlock();
    return p;
}

/* ---- guarded tables --------------------------------------------------- */

static void quarantine_start(void);

/* Unlike the plain map (src/alloc.c says why it does not), a checked map's
 * guarded tables of HMAP_HUGE_PAGE and up (big entries, or a hash that
 * does not spread keys) ask for transparent huge pages.  The checked build
 * runs under tests, where throughput matters more than the worst single
 * insert (a sampled relocation already copies a whole map inside one
 * write), and every growth of such a table faults in a whole new one,
 * which huge pages make several times cheaper where faults are dear. */
static void ask_for_huge_pages(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    if (len >= HMAP_HUGE_PAGE)
        (void)madvise(p, len, MADV_HUGEPAGE); /* EINVAL without THP */
#else
    (void)p;
    (void)len;
#endif
}

void *hmap__quarantine_map_pages(size_t bytes, size_t align)
{
    size_t len = page_round(bytes);
    /* mmap is page-aligned and MAX_ALIGN (4096) is the x86-64 page size:
     * a larger alignment cannot be asked for. */
    if (len == 0 || align > page_size()) {
        errno = ENOMEM;
        return NULL;
    }
    /* hmap__map: large tables aligned for huge pages, as the plain map's */
    void *p = hmap__map(len, PROT_READ | PROT_WRITE);
    if (!p && LOAD(&ring_count) > 0) {
        /* Out of address space or mappings: the program's memory comes
         * before the detector's. */
        lock();
        if (LOAD(&registry))
            evict_down_to(0);
        unlock();
        p = hmap__map(len, PROT_READ | PROT_WRITE);
    }
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    ask_for_huge_pages(p, len);
    hmap__asan_unpoison(p, len); /* in case someone unmapped poisoned memory here */
    return p;
}

bool hmap__quarantine_wants_stack(void)
{
    return quarantine_limit() > 0;
}

void hmap__quarantine_guard(void *p, size_t bytes, const struct hmap_retirement *r)
{
    if (HMAP_UNLIKELY(LOAD(&registry) == NULL))
        quarantine_start();
    struct retired_info who = {
        .map = r->map,
        .generation = r->generation,
        .map_generation = r->map_generation,
        .tid = r->tid,
    };
    if (r->stack)
        who.stack = *r->stack;
    quarantine_range(p, bytes, &who);
}

/* ---- the SIGSEGV handler -------------------------------------------- */

static struct sigaction previous_action; /* set once, before ours is installed */

/* Filled by the handler of the thread that won hmap__report_begin, read
 * by that thread's continuation. */
static struct hmap_dangling found;

static bool contains(const struct retired_info *v, uintptr_t addr)
{
    return addr >= v->start && addr < v->end;
}

/* Reads entry e if it seems to hold addr: true with a consistent copy in
 * *out that does.  An entry being rewritten is read again a few times,
 * then taken as not holding it (it is being evicted or reused). */
static bool entry_holds(const struct retired *e, uintptr_t addr, struct retired_info *out)
{
    if (addr < LOAD_ACQ(&e->info.start) || addr >= LOAD_ACQ(&e->info.end))
        return false; /* the quick look, for the many entries that don't */
    for (int tries = 0; tries < 4; tries++) {
        if (entry_read(e, out))
            return contains(out, addr);
    }
    return false;
}

/* Looks addr up in the registry.  Async-signal-safe and lock-free. */
static bool find_retired(uintptr_t addr, struct retired_info *out)
{
    struct retired *r = LOAD_ACQ(&registry);
    if (!r)
        return false;
    size_t used = LOAD_ACQ(&ring_used);
    for (size_t i = 0; i < used; i++) {
        if (entry_holds(&r[i], addr, out))
            return true;
    }
    return false;
}

/* Runs on the faulting thread in normal context, entered from the handler
 * as if called from the faulting instruction (see divert_to). */
static _Noreturn __attribute__((noinline, used)) void report_found_dangling(void)
{
    hmap__report_dangling(&found);
}

/* Where the continuation's stack may start: just below the interrupted
 * function's red zone, unless this handler runs on that same stack (the
 * thread has no alternate stack, or the fault happened on it): the signal
 * frame the kernel will return through sits right there, so go below the
 * handler's own frame instead.  uc_stack says how the kernel found the
 * alternate stack when it delivered the signal. */
static uintptr_t continuation_stack_top(const ucontext_t *uc)
{
    uintptr_t below_red_zone = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP] - RED_ZONE;
    bool same_stack = (uc->uc_stack.ss_flags & (SS_DISABLE | SS_ONSTACK)) != 0;
    uintptr_t below_handler = (uintptr_t)__builtin_frame_address(0) - 256;
    return same_stack && below_handler < below_red_zone ? below_handler : below_red_zone;
}

/* Makes the interrupted thread resume in fn(), on its own stack, when the
 * handler returns.  The frame is laid out as if fn had just been called:
 * 16-byte aligned before the (null) return address, so unwinding stops at
 * fn.  The direction flag is cleared because the ABI promises it clear at
 * every call (a backward rep movs may have been interrupted).  Writes
 * below the interrupted RSP, memory no one owns: ASan must not check it
 * against stale redzones. */
__attribute__((no_sanitize_address)) static void divert_to(ucontext_t *uc, void (*fn)(void))
{
    greg_t *r = uc->uc_mcontext.gregs;
    uintptr_t sp = (continuation_stack_top(uc) & ~(uintptr_t)15) - sizeof(uintptr_t);
    *(volatile uintptr_t *)sp = 0;
    r[REG_RSP] = (greg_t)sp;
    r[REG_RBP] = 0;
    r[REG_RIP] = (greg_t)(uintptr_t)fn;
    r[REG_EFL] &= ~(greg_t)X86_EFLAGS_DF;
}

/* If the fault hit a quarantined range: become the reporter (or park if
 * another thread already is), record what the report needs, divert the
 * thread to report_found_dangling, and return true.  Kept out of line:
 * its locals are large, and a fault that is not ours should be passed on
 * with as little of the alternate stack used as possible (it may be a
 * sanitizer's, sized for the sanitizer's own report). */
/* A general-protection fault (a non-canonical address, as the poison of
 * an unguarded retired table makes every pointer read from it) inside a
 * map operation of this thread, while another thread is writing that map
 * or wrote it last: the operation read a table that the other thread's
 * write was changing or retired.  *hit then describes that map, for the
 * report of the race it is.  Async-signal-safe. */
static bool racing_operation(const siginfo_t *info, struct retired_info *hit)
{
    const struct hmap_thread *t = hmap__thread_peek();
    if (info->si_code != SI_KERNEL || !t || !t->inside)
        return false;
    const struct hmap *m = t->inside;
    uint64_t writer = LOAD(&m->checked.owner);
    if (writer == 0)
        writer = LOAD(&m->checked.last_writer);
    if (writer == 0 || writer == (uint64_t)t->tid)
        return false;
    memset(hit, 0, sizeof *hit);
    hit->map = m;
    hit->stack.unavailable = true;
    return true;
}

static __attribute__((noinline)) bool divert_if_retired(const siginfo_t *info, ucontext_t *uc)
{
    struct retired_info hit;
    hmap__tsan_ignore_sync_begin();
    bool ours = find_retired((uintptr_t)info->si_addr, &hit);
    hmap__tsan_ignore_sync_end();
    if (!ours && !racing_operation(info, &hit))
        return false;
    if (!hmap__report_begin())
        hmap__park();
    found.write = (uc->uc_mcontext.gregs[REG_ERR] & PF_WRITE) != 0;
    found.addr = (uintptr_t)info->si_addr;
    found.map = hit.map;
    found.generation = hit.generation;
    found.map_generation = hit.map_generation;
    found.retired_by = hit.tid;
    found.retired = hit.stack;
    hmap__unwind_signal(uc, &found.fault);
    divert_to(uc, report_found_dangling);
    return true;
}

/* Restores the default action; a fault then kills the process when the
 * instruction runs again after the handler returns. */
static void reset_to_default(int sig)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    (void)sigaction(sig, &dfl, NULL);
}

/* Delivers a signal that is not ours to the action installed before ours,
 * as the kernel would have: with that action's mask (and the signal
 * itself unless SA_NODEFER), and SA_RESETHAND honoured. */
static void chain_to_previous(int sig, siginfo_t *info, void *uc)
{
    const struct sigaction *prev = &previous_action;
    bool from_kernel = info->si_code > 0;
    if (prev->sa_handler == SIG_DFL || prev->sa_handler == SIG_IGN) {
        /* A fault cannot be ignored: the kernel would kill the process
         * for it even under SIG_IGN. */
        if (from_kernel) {
            reset_to_default(sig);
        } else if (prev->sa_handler == SIG_DFL) {
            reset_to_default(sig);
            raise(sig); /* blocked in here: delivered when we return */
        }
        return;
    }
    if (prev->sa_flags & SA_RESETHAND)
        reset_to_default(sig);
    sigset_t mask = ((ucontext_t *)uc)->uc_sigmask;
    sigorset(&mask, &mask, &prev->sa_mask);
    if (!(prev->sa_flags & SA_NODEFER))
        sigaddset(&mask, sig);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    if (prev->sa_flags & SA_SIGINFO)
        prev->sa_sigaction(sig, info, uc);
    else
        prev->sa_handler(sig);
}

static void on_sigsegv(int sig, siginfo_t *info, void *ucontext)
{
    int saved_errno = errno;
    /* si_code <= 0: sent by kill/tgkill/sigqueue; si_addr means nothing. */
    if (info->si_code <= 0 || !divert_if_retired(info, ucontext))
        chain_to_previous(sig, info, ucontext);
    errno = saved_errno;
}

static void warn(const char *msg)
{
    size_t n = strlen(msg);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, msg, n);
        if (w <= 0)
            return;
        msg += w;
        n -= (size_t)w;
    }
}

/* SA_SIGINFO for the address and context; SA_ONSTACK so that the handler
 * (and the previous one we chain to, e.g. ASan's stack-overflow report)
 * runs even when the fault is a stack overflow.  No SA_NODEFER: a fault
 * inside the handler itself then kills the process instead of recursing;
 * the previous handler's own SA_NODEFER is emulated when chaining. */
static void install_handler(void)
{
    /* Read the previous action before ours is live, so that a fault in
     * another thread never chains to a half-written copy. */
    (void)sigaction(SIGSEGV, NULL, &previous_action);
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_sigaction = on_sigsegv;
    act.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&act.sa_mask);
    struct sigaction now;
    if (sigaction(SIGSEGV, &act, NULL) != 0 || sigaction(SIGSEGV, NULL, &now) != 0 ||
        !(now.sa_flags & SA_SIGINFO) || now.sa_sigaction != on_sigsegv)
        warn("hmap: warning: could not install the SIGSEGV handler (under ASan: "
             "handle_segv=2 or allow_user_segv_handler=0 keep it out); accesses to "
             "retired tables will crash without an hmap report\n");
}

/* ---- alternate signal stacks ---------------------------------------- */

static pthread_key_t altstack_key;
static pthread_once_t altstack_key_once = PTHREAD_ONCE_INIT;

static size_t altstack_mapping_bytes(void)
{
    return ALTSTACK_BYTES + page_size();
}

/* At thread exit: glibc does not free a thread's alternate stack, and a
 * program that starts many threads would leak 64 KiB for each.  Runs on
 * the exiting thread; the stack is disabled first, and left alone if it
 * is no longer the thread's (someone replaced it) or is in use. */
static void altstack_release(void *base)
{
    stack_t cur;
    char *sp = (char *)base + page_size();
    if (sigaltstack(NULL, &cur) != 0 || cur.ss_sp != sp || (cur.ss_flags & SS_ONSTACK))
        return;
    stack_t off = { .ss_flags = SS_DISABLE };
    if (sigaltstack(&off, NULL) != 0)
        return;
    unmap_range(base, altstack_mapping_bytes());
}

static void altstack_key_create(void)
{
    (void)pthread_key_create(&altstack_key, altstack_release);
}

void hmap__altstack_install(void)
{
    stack_t cur;
    if (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE))
        return; /* the thread has one already (ASan gives its threads one) */
    size_t total = altstack_mapping_bytes();
    char *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return; /* the handler runs on the thread's stack instead */
    (void)mprotect(base, page_size(), PROT_NONE); /* guard: stacks grow down */
    stack_t ss = { .ss_sp = base + page_size(), .ss_size = ALTSTACK_BYTES, .ss_flags = 0 };
    if (sigaltstack(&ss, NULL) != 0) {
        (void)munmap(base, total);
        return;
    }
    (void)pthread_once(&altstack_key_once, altstack_key_create);
    (void)pthread_setspecific(altstack_key, base);
}

/* ---- start-up -------------------------------------------------------- */

/* A fork while another thread holds the lock must not leave the child
 * with a lock no one will release. */
static void before_fork(void)
{
    lock();
}

static void after_fork(void)
{
    unlock();
}

static pthread_once_t start_once = PTHREAD_ONCE_INIT;

static void start(void)
{
    registry_create();
    install_handler();
    (void)pthread_atfork(before_fork, after_fork, after_fork);
}

/* The registry and the handler, once.  Also reached from the first
 * retirement, in case it comes before hmap__quarantine_init. */
static void quarantine_start(void)
{
    (void)pthread_once(&start_once, start);
}

void hmap__quarantine_init(void)
{
    quarantine_start();
    hmap__thread_on_register(hmap__altstack_install); /* every thread from now on */
    hmap__altstack_install();
}
