/*
 * thread.c - the checked runtime's per-thread records.
 *
 * Reports name threads the way the sanitizers do, "thread T2 (tid 4244)":
 * the kernel's thread id, which a reader can match with gdb or /proc, and a
 * small number given in order of first use of a checked map, with T0 for
 * the main thread.  A report often has to name another thread of which it
 * knows only the tid (read from a map's owner word), so numbers are also
 * kept in a small table indexed by tid.
 *
 * Each record also says which map the thread is inside.  The checked entry
 * points set it before the core runs (and so before any hash or equal
 * callback), which is how re-entry from a callback is recognised, and the
 * stack-request signal handler reads it to say whether a thread it
 * interrupted was still inside the map.
 */
#include "thread.h"
#include "options.h"
#include "tsan.h"
#include "hash.h"

#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Threads beyond this many keep working but are named "T?" when only
 * their tid is known. */
enum { THREAD_TABLE = 4096 };

struct tid_number {
    int32_t tid; /* 0: free */
    int32_t tnum;
};

static struct tid_number tid_table[THREAD_TABLE];
static int next_tnum = 1; /* T0 is the main thread */

/* Closed until the thread registers: a plain map's last writer is 0. */
HMAP_TLS struct hmap_thread hmap__thread_record = { .fast_tid = HMAP_FAST_CLOSED };

/* Run as each thread registers: the fault handler's alternate signal
 * stack (quarantine.c), set from there so that this file needs nothing of
 * it. */
static void (*registered_hook)(void);

void hmap__thread_on_register(void (*hook)(void))
{
    __atomic_store_n(&registered_hook, hook, __ATOMIC_RELEASE);
}

static void remember_number(pid_t tid, int tnum)
{
    /* Open addressing, never deleted: tids are reused by the kernel only
     * after a thread exits, and a reused tid simply takes the entry over. */
    for (unsigned i = 0; i < THREAD_TABLE; i++) {
        struct tid_number *e = &tid_table[((unsigned)tid + i) % THREAD_TABLE];
        int32_t seen = __atomic_load_n(&e->tid, __ATOMIC_RELAXED);
        if (seen == 0) {
            int32_t expected = 0;
            if (!__atomic_compare_exchange_n(&e->tid, &expected, tid, false, __ATOMIC_RELAXED,
                                             __ATOMIC_RELAXED) &&
                expected != tid)
                continue;
        } else if (seen != tid) {
            continue;
        }
        __atomic_store_n(&e->tnum, tnum, __ATOMIC_RELAXED);
        return;
    }
}

int hmap__thread_number(pid_t tid)
{
    for (unsigned i = 0; i < THREAD_TABLE; i++) {
        struct tid_number *e = &tid_table[((unsigned)tid + i) % THREAD_TABLE];
        int32_t seen = __atomic_load_n(&e->tid, __ATOMIC_RELAXED);
        if (seen == 0)
            return -1;
        if (seen == tid)
            return __atomic_load_n(&e->tnum, __ATOMIC_RELAXED);
    }
    return -1;
}

struct hmap_thread *hmap__thread_register(void)
{
    struct hmap_thread *self = &hmap__thread_record;
    int saved_errno = errno; /* a map call must not change it by succeeding */
    self->tid = (pid_t)syscall(SYS_gettid);
    self->tnum = self->tid == getpid() ? 0 : __atomic_fetch_add(&next_tnum, 1, __ATOMIC_RELAXED);
    remember_number(self->tid, self->tnum);
    /* seed= makes each thread's stream, and so sampling, reproducible
     * (threads are numbered in order of first use) */
    self->rng = hmap__opts.seed ? hmap__opts.seed ^ ((uint64_t)self->tnum + 1) * HASH_K0
                                : hmap__random64();
    self->guard_countdown = 0;
    void (*on_register)(void) = __atomic_load_n(&registered_hook, __ATOMIC_ACQUIRE);
    if (on_register)
        on_register();
    self->registered = true;
    self->fast_tid = hmap__under_tsan() ? HMAP_FAST_CLOSED : (uint64_t)self->tid;
    errno = saved_errno;
    return self;
}

void hmap__thread_after_fork(void)
{
    hmap__thread_record.registered = false;
    hmap__thread_record.fast_tid = HMAP_FAST_CLOSED;
}
