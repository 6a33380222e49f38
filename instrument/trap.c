/*
 * trap.c - holding a map operation open so that a racing one lands in it.
 *
 * The checked runtime reports two unsynchronised operations when they
 * overlap in time.  An operation takes tens of nanoseconds, so two
 * threads that race once ("one-shot": start together, one write each) or
 * only now and then rarely overlap.  Following TSVD (Li et al., SOSP'19,
 * "Efficient and Scalable Thread-Safety Violation Detection"), an
 * operation that meets evidence that the map is shared - another thread
 * wrote it last (creating a map counts as writing it) or read it lately -
 * is sometimes trapped: it sleeps for trap_us inside its window, owner
 * word held or read window open, so that the other thread's operation, if
 * it is unsynchronised, arrives inside it and is reported as an ordinary
 * overlap, with both stacks.  Only real overlaps are reported, so a trap
 * can never make a correct program fail: it can only make it slower,
 * which is kept small:
 *  - per call site, traps thin out: the first operation with evidence at
 *    a site is trapped, after k traps there one in 2^k;
 *  - a site whose trap was followed at once by another thread's operation
 *    on the map (arriving within ARRIVAL_WINDOW_NS of the trap's end) is
 *    never trapped again: that thread was waiting for the trapped one,
 *    most likely on the program's own lock, so the two are synchronised;
 *    and the map is not trapped at all for QUIET_TRAPS trap lengths (the
 *    same lock most likely guards its other sites), twice as long each
 *    time this happens on it;
 *  - all traps together sleep at most trap_budget_pct of the process's
 *    running time, beyond a first allowance of FIRST_TRAPS traps;
 *  - single-threaded code never has evidence, and the fast paths of
 *    checked.c never get here;
 *  - under ThreadSanitizer there are no traps: TSan sees races whether
 *    or not they overlap.
 * The decisions draw on the thread's random stream, which seed= fixes.
 */
#define _GNU_SOURCE
#include "trap.h"
#include "options.h"
#include "report.h"
#include "thread.h"
#include "tsan.h"
#include "hash.h"

#include <errno.h>
#include <time.h>

enum {
    SITE_SLOTS = 4096,    /* call sites tracked; beyond, they share one slot */
    FIRST_TRAPS = 4,      /* traps allowed before the budget applies */
    MAX_DECAY = 30,       /* after this many traps at a site, one in 2^30 */
    QUIET_TRAPS = 1000,   /* a map whose trap was waited out: no trap on it
                             for this many trap lengths (1 s by default) */
    MAX_QUIET_SHIFT = 10, /* ... doubled each time, up to 2^10 times */
};
#define ARRIVAL_WINDOW_NS (200 * 1000)

struct trap_site {
    const void *site;     /* the call-site record; NULL: free slot */
    uint32_t traps;       /* traps taken here */
    bool synchronised;    /* another thread waited on a trap here */
};

static struct trap_site sites[SITE_SLOTS];
static struct trap_site overflow;
static int64_t start_ns;             /* when the runtime started */
static uint64_t trapped_ns;          /* all traps' sleeps, atomically summed */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void hmap__trap_init(void)
{
    start_ns = now_ns();
}

/* The site's slot, claimed on first use (open addressing, never freed:
 * call-site records are static). */
static struct trap_site *slot_of(const void *site)
{
    uint64_t h = (uint64_t)(uintptr_t)site * 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 16; i++) {
        struct trap_site *s = &sites[((h >> 40) + i) % SITE_SLOTS];
        const void *seen = __atomic_load_n(&s->site, __ATOMIC_RELAXED);
        if (seen == site)
            return s;
        if (seen == NULL) {
            const void *expected = NULL;
            if (__atomic_compare_exchange_n(&s->site, &expected, site, false, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED) ||
                expected == site)
                return s;
        }
    }
    return &overflow;
}

/* Another thread's operation on m arrives: if it comes right after a trap
 * on m ended, it was waiting for the trapped thread, and the trap's site
 * is synchronised with it. */
static void note_arrival(struct hmap *m, struct hmap_thread *t)
{
    uint64_t end = __atomic_load_n(&m->checked.trap_end_ns, __ATOMIC_RELAXED);
    if (end == 0 || __atomic_load_n(&m->checked.trapper, __ATOMIC_RELAXED) == (uint64_t)t->tid)
        return;
    __atomic_store_n(&m->checked.trap_end_ns, 0, __ATOMIC_RELAXED);
    struct trap_site *s = __atomic_load_n(&m->checked.trap_site, __ATOMIC_RELAXED);
    int64_t window = ARRIVAL_WINDOW_NS;
    if (window > (int64_t)hmap__opts.trap_us * 1000)
        window = (int64_t)hmap__opts.trap_us * 1000;
    int64_t now = now_ns();
    if (s && now - (int64_t)end < window) {
        __atomic_store_n(&s->synchronised, true, __ATOMIC_RELAXED);
        uint8_t n = __atomic_load_n(&m->checked.trap_waited, __ATOMIC_RELAXED);
        int64_t quiet = (int64_t)hmap__opts.trap_us * 1000 * QUIET_TRAPS << n;
        __atomic_store_n(&m->checked.trap_quiet_until, (uint64_t)(now + quiet), __ATOMIC_RELAXED);
        if (n < MAX_QUIET_SHIFT)
            __atomic_store_n(&m->checked.trap_waited, (uint8_t)(n + 1), __ATOMIC_RELAXED);
    }
}

static bool within_budget(int64_t sleep_ns)
{
    int64_t allowed = FIRST_TRAPS * sleep_ns +
                      (now_ns() - start_ns) / 100 * (int64_t)hmap__opts.trap_budget_pct;
    uint64_t spent = __atomic_load_n(&trapped_ns, __ATOMIC_RELAXED);
    if ((int64_t)spent + sleep_ns > allowed)
        return false;
    __atomic_fetch_add(&trapped_ns, (uint64_t)sleep_ns, __ATOMIC_RELAXED);
    return true;
}

bool hmap__trap(struct hmap *m, struct hmap_thread *t, const struct hmap__site *site)
{
    note_arrival(m, t);
    if (hmap__opts.trap_us == 0 || hmap__under_tsan() || hmap__reporting())
        return false;
    struct trap_site *s = slot_of(site);
    if (__atomic_load_n(&s->synchronised, __ATOMIC_RELAXED))
        return false;
    uint64_t quiet_until = __atomic_load_n(&m->checked.trap_quiet_until, __ATOMIC_RELAXED);
    if (quiet_until != 0 && now_ns() < (int64_t)quiet_until)
        return false;
    uint32_t k = __atomic_load_n(&s->traps, __ATOMIC_RELAXED);
    if (k > MAX_DECAY)
        k = MAX_DECAY;
    if (k > 0 && (hmap__splitmix64(&t->rng) & (((uint64_t)1 << k) - 1)) != 0)
        return false;
    int64_t sleep_ns = (int64_t)hmap__opts.trap_us * 1000;
    if (!within_budget(sleep_ns))
        return false;
    __atomic_fetch_add(&s->traps, 1, __ATOMIC_RELAXED);

    int saved_errno = errno;
    struct timespec ts = { .tv_sec = sleep_ns / 1000000000, .tv_nsec = sleep_ns % 1000000000 };
    /* a signal (another thread asking for this stack) ends it early */
    nanosleep(&ts, NULL);
    errno = saved_errno;

    __atomic_store_n(&m->checked.trap_site, s, __ATOMIC_RELAXED);
    __atomic_store_n(&m->checked.trapper, (uint64_t)t->tid, __ATOMIC_RELAXED);
    __atomic_store_n(&m->checked.trap_end_ns, (uint64_t)now_ns(), __ATOMIC_RELAXED);
    return true;
}
