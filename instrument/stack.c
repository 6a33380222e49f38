/*
 * stack.c - the stacks in a report: this thread's, the one interrupted by
 * a signal, and another thread's, asked for with a real-time signal.
 *
 * Everything here only collects program counters; names are resolved
 * later, outside signal context, by symbolize.c.  The reason is that the
 * stacks are taken where almost nothing is allowed: in the SIGSEGV handler
 * (quarantine.c) and in the handler of hmap__opts.signal, which runs on a
 * thread interrupted at an arbitrary point, possibly holding the malloc or
 * stdio lock.  libunwind's local unwinding (unw_getcontext, unw_init_local,
 * unw_step, unw_get_reg) is documented as safe in a signal handler, and we
 * keep its default caching policy for the local address space: the global
 * cache, whose lock blocks all signals while it is held, so a handler can
 * never interrupt its own thread inside the cache (a per-thread cache has
 * no such guard, and a thread interrupted while unwinding itself would see
 * its cache changed under it).
 *
 * The handlers need stack: libunwind's step took 6-9 KiB in our tests
 * (the upper end under ASan).  They run on the thread's alternate signal
 * stack when it has one (SA_ONSTACK), which should be at least 32 KiB.
 *
 * Another thread's stack (DESIGN §4, "both threads' stacks"): there is one
 * request slot.  The requester claims it, writes the target tid and map,
 * publishes the request, sends the signal with tgkill and polls with short
 * sleeps until the target's handler has answered or the time is up.  The
 * handler unwinds itself into the slot's own buffer, never into the
 * requester's memory, and the requester copies the answer out: a handler
 * that runs too late (the requester gave up) then writes into memory that
 * is still ours, and frees the slot when it is done.  The state word holds
 * a sequence number beside the phase, so a late handler can never take a
 * newer request for someone else's.
 *
 *     IDLE -> FILLING -> REQUESTED -> WORKING -> DONE -> IDLE    (answered)
 *                        REQUESTED -> IDLE                       (nobody came)
 *                                     WORKING -> ABANDONED -> IDLE (came late)
 *
 * ThreadSanitizer delays asynchronous signals to the next intercepted
 * call of the target (or delivers them at once if it sleeps in one), and
 * then hands the handler a copy of the context saved when the signal
 * arrived: by then the stack it describes may have changed, and unwinding
 * it could read garbage.  Under TSan the handler therefore checks that the
 * context is the kernel's own, and otherwise unwinds its live stack instead
 * (see unwind_for_request).  A target that never reaches such a point, or
 * blocks the signal, just makes the request time out.
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "stack.h"
#include "options.h"
#include "thread.h"
#include "tsan.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* Frames are skipped by counting, so the functions that take a context
 * must stay frames of their own: not inlined, and (gcc) not split into a
 * clone that would add one. */
#if defined(__clang__)
#define OWN_FRAME __attribute__((noinline))
#else
#define OWN_FRAME __attribute__((noinline, noclone))
#endif

enum {
    UNWIND_SLACK = 256,        /* extra steps allowed for frames we drop */
    POLL_NS = 100 * 1000,      /* how often the requester looks at the slot */
    GRACE_MS = 100,            /* extra wait for a handler already unwinding */
};

/* ---- collecting frames ------------------------------------------------ */

static int max_frames(void)
{
    int n = hmap__opts.stack_depth;
    if (n <= 0)
        return HMAP_STACK_MAX; /* before start-up has read the options */
    return n < HMAP_STACK_MAX ? n : HMAP_STACK_MAX;
}

static void stack_reset(struct hmap_stack *out)
{
    out->depth = 0;
    out->unavailable = false;
    out->left_map = false;
    out->pc0_exact = false;
    out->site = NULL;
}

static void stack_unavailable(struct hmap_stack *out)
{
    stack_reset(out);
    out->unavailable = true;
}

/* Records the pcs from the cursor's frame outwards, innermost first:
 * drops the first `skip` frames, then every frame whose stack pointer lies
 * below min_sp (0: none).  The step budget bounds the walk even on a
 * corrupt stack where unw_step would go round in circles. */
static void collect(unw_cursor_t *cursor, struct hmap_stack *out, int skip, uintptr_t min_sp)
{
    int max = max_frames();
    int budget = (skip > 0 ? skip : 0) + max + UNWIND_SLACK;

    out->depth = 0;
    do {
        unw_word_t ip = 0, sp = 0;
        if (unw_get_reg(cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        if (skip > 0) {
            skip--;
            continue;
        }
        if (min_sp != 0 && (unw_get_reg(cursor, UNW_REG_SP, &sp) < 0 || sp < min_sp))
            continue;
        out->pc[out->depth++] = (uintptr_t)ip;
    } while (out->depth < max && --budget > 0 && unw_step(cursor) > 0);

    out->unavailable = out->depth == 0;
}

/* libunwind's fast path, unw_backtrace: it caches how to step through
 * each function and takes no lock.  The checked runtime unwinds on every
 * guarded retirement of a table (for the "table retired by" stack of a
 * later dangling-pointer report), and the cursor walk costs several
 * microseconds of signal-mask system calls per unwind.  Under TSan it is
 * never used: its per-thread cache is freed by a thread-specific-data
 * destructor that can run after TSan has finished the thread, and then
 * locks a mutex through TSan's dead thread state (google/sanitizers#943). */
static bool fast_backtrace(struct hmap_stack *out, int skip)
{
    void *pcs[HMAP_STACK_MAX + 16];
    int want = max_frames() + skip + 1;
    if (want > (int)(sizeof pcs / sizeof pcs[0]))
        want = (int)(sizeof pcs / sizeof pcs[0]);
    int n = unw_backtrace(pcs, want);
    for (int i = skip + 1; i < n && out->depth < max_frames(); i++)
        out->pc[out->depth++] = (uintptr_t)pcs[i];
    return out->depth > 0;
}

/* The first frame of the context taken here is this function's own. */
OWN_FRAME void hmap__unwind_here(struct hmap_stack *out, int skip)
{
    unw_context_t context;
    unw_cursor_t cursor;

    stack_reset(out);
    if (skip < 0)
        skip = 0;
    if (!hmap__under_tsan()) {
        if (fast_backtrace(out, skip))
            return;
        stack_reset(out);
    }
    /* libunwind's locks (its cache's, dl_iterate_phdr's) would order this
     * thread after every earlier unwinder for TSan. */
    hmap__tsan_ignore_sync_begin();
    if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0)
        stack_unavailable(out);
    else
        collect(&cursor, out, skip + 1, 0);
    hmap__tsan_ignore_sync_end();
}

void hmap__unwind_signal(void *ucontext, struct hmap_stack *out)
{
    unw_cursor_t cursor;

    stack_reset(out);
    /* UNW_INIT_SIGNAL_FRAME: the first pc is where the thread was
     * interrupted, not a return address, so libunwind must not look up
     * its unwind information at pc - 1. */
    if (ucontext == NULL
        || unw_init_local2(&cursor, (unw_context_t *)ucontext, UNW_INIT_SIGNAL_FRAME) != 0) {
        stack_unavailable(out);
        return;
    }
    collect(&cursor, out, 0, 0);
    out->pc0_exact = out->depth > 0;
}

void hmap__stack_trim_to_entry(struct hmap_stack *st, uintptr_t entry_pc)
{
    for (int i = 1; i < st->depth; i++) {
        if (st->pc[i] != entry_pc)
            continue;
        /* pc[i-1] is the entry point itself, which returns to pc[i]. */
        int drop = i - 1;
        for (int j = drop; j < st->depth; j++) /* no memmove: signal context */
            st->pc[j - drop] = st->pc[j];
        st->depth -= drop;
        if (drop > 0)
            st->pc0_exact = false;
        return;
    }
}

/* ---- the request slot --------------------------------------------------- */

enum phase { IDLE, FILLING, REQUESTED, WORKING, DONE, ABANDONED };

/* The state word: (sequence << 8) | phase.  Each claim starts a new
 * sequence number. */
#define STATE(seq, ph) (((uint64_t)(seq) << 8) | (uint64_t)(ph))
#define PHASE(w) ((enum phase)((w) & 0xff))
#define SEQ(w) ((w) >> 8)

static struct {
    _Atomic uint64_t state;
    _Atomic pid_t tid;                 /* the thread asked */
    const struct hmap *_Atomic map;    /* the map it was expected to be inside */
    struct hmap_stack answer;          /* written by the handler between WORKING and DONE */
} slot;

static _Atomic int request_signal;     /* the signal our handler serves; 0: none installed */

static pid_t gettid_raw(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* acq_rel/acquire for every transition: the handler's answer is
 * published by one, the requester's tid and map by another, and a late
 * handler's last writes must be ordered before the next claim. */
static bool cas_state(uint64_t *expected, uint64_t desired)
{
    return atomic_compare_exchange_strong_explicit(&slot.state, expected, desired,
                                                   memory_order_acq_rel, memory_order_acquire);
}

/* ---- the handler side ------------------------------------------------ */

/* The kernel puts a signal's ucontext and the FPU state it points to in
 * one frame, the FPU state a few hundred bytes above.  TSan's delayed
 * delivery passes a copy kept in its own memory, whose fpregs still points
 * at the old (long gone) kernel frame. */
static bool context_is_live(const ucontext_t *uc)
{
    uintptr_t fp = (uintptr_t)uc->uc_mcontext.fpregs;
    uintptr_t u = (uintptr_t)uc;
    return fp > u && fp - u < 4096;
}

/* For a stale context: this thread's live stack.  Frames below the stack
 * pointer at which the signal arrived are TSan's signal delivery and the
 * call that reached it, so they are dropped; the frames left are those
 * that were already live when the signal arrived.  If that leaves nothing
 * (the thread has returned past that point since), keep the whole live
 * stack but for this function. */
OWN_FRAME static void unwind_current(uintptr_t signal_sp, struct hmap_stack *out)
{
    unw_context_t context;
    unw_cursor_t cursor;

    if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0) {
        stack_unavailable(out);
        return;
    }
    collect(&cursor, out, 1, signal_sp);
    if (out->depth == 0 && unw_init_local(&cursor, &context) == 0)
        collect(&cursor, out, 1, 0);
}

static void unwind_for_request(void *ucontext, struct hmap_stack *out)
{
    const ucontext_t *uc = ucontext;
    if (!hmap__under_tsan()) {
        hmap__unwind_signal(ucontext, out);
        return;
    }
    hmap__tsan_ignore_sync_begin(); /* as in hmap__unwind_here */
    if (context_is_live(uc)) {
        hmap__unwind_signal(ucontext, out);
    } else {
        stack_reset(out);
        unwind_current((uintptr_t)uc->uc_mcontext.gregs[REG_RSP], out);
    }
    hmap__tsan_ignore_sync_end();
}

/* Whether this thread is inside an operation on m: thread.c's record is
 * async-signal-safe to peek at, and `inside` is only written by this
 * thread, which we interrupted. */
static bool inside_map(const struct hmap *m)
{
    struct hmap_thread *t = hmap__thread_peek();
    return t != NULL && t->inside == m;
}

static void serve_request(void *ucontext)
{
    uint64_t w = atomic_load_explicit(&slot.state, memory_order_acquire);
    if (PHASE(w) != REQUESTED || atomic_load_explicit(&slot.tid, memory_order_relaxed) != gettid_raw())
        return; /* not for us: a stray or late signal */
    /* The sequence number in w makes this fail if the request we read the
     * tid of has been withdrawn and replaced in the meantime. */
    uint64_t expected = w;
    if (!cas_state(&expected, STATE(SEQ(w), WORKING)))
        return;

    unwind_for_request(ucontext, &slot.answer);
    slot.answer.left_map = !inside_map(atomic_load_explicit(&slot.map, memory_order_relaxed));
    slot.answer.site = NULL;
    /* Inside the map, what the reader wants is the map call and its
     * callers, not the runtime's own frames (unwinding, quarantine), and
     * the call's site, which the map's own record may no longer hold (two
     * writers that entered together both wrote it). */
    if (!slot.answer.left_map) {
        hmap__stack_trim_to_entry(&slot.answer, hmap__thread_peek()->entry_pc);
        slot.answer.site = hmap__thread_peek()->site;
    }

    expected = STATE(SEQ(w), WORKING);
    if (!cas_state(&expected, STATE(SEQ(w), DONE))) {
        /* The requester gave up (ABANDONED) and left the slot to us. */
        atomic_store_explicit(&slot.state, STATE(SEQ(w), IDLE), memory_order_release);
    }
}

static void on_stack_request(int sig, siginfo_t *info, void *ucontext)
{
    (void)sig;
    (void)info;
    int saved_errno = errno;
    serve_request(ucontext);
    errno = saved_errno;
}

/* Whether the program has a handler of its own for sig (or ignores it). */
static bool signal_taken(int sig)
{
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0)
        return true;
    void (*h)(int) = old.sa_handler;
    return (old.sa_flags & SA_SIGINFO) || h != SIG_DFL;
}

/* The signal=: never one the program handles already.  Chosen by the user,
 * that is an error, as a bad value is; left at its default, the next free
 * real-time signal is taken instead, and if none is free the other
 * thread's stack is left out of reports (0). */
static int request_signal_to_take(void)
{
    int sig = hmap__opts.signal;
    if (!signal_taken(sig))
        return sig;
    if (hmap__opts.signal_chosen) {
        fprintf(stderr,
                "==%d==ERROR: hmap: HMAP_OPTIONS: signal=%d: the program has a handler for "
                "this signal already; choose another real-time signal (SIGRTMIN+k)\n",
                (int)getpid(), sig);
        _exit(1);
    }
    for (int s = SIGRTMAX; s >= SIGRTMIN; s--)
        if (!signal_taken(s))
            return s;
    fprintf(stderr,
            "==%d==WARNING: hmap: every real-time signal has a handler: reports will not "
            "show the other thread's stack\n",
            (int)getpid());
    return 0;
}

void hmap__stack_init(void)
{
    static atomic_bool initialised;
    if (atomic_exchange(&initialised, true))
        return;

    /* libunwind initialises itself on first use (locks, memory pools):
     * let that happen here rather than in the first signal handler. */
    struct hmap_stack warm_up;
    hmap__unwind_here(&warm_up, 0);

    int sig = request_signal_to_take();
    if (sig == 0)
        return; /* requests will fail: stacks "unavailable" */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_stack_request;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) == 0)
        atomic_store(&request_signal, sig);
}

/* ---- the requester side ---------------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pause_briefly(void)
{
    struct timespec ts = { 0, POLL_NS };
    nanosleep(&ts, NULL);
}

/* Claims the slot for a new request, waiting until `deadline` while
 * another request (or a late handler) holds it.  Returns the sequence
 * number of the claim, or 0 when the slot stayed busy. */
static uint64_t claim_slot(int64_t deadline)
{
    for (;;) {
        uint64_t w = atomic_load_explicit(&slot.state, memory_order_relaxed);
        if (PHASE(w) == IDLE) {
            uint64_t seq = SEQ(w) + 1;
            if (seq == 0)
                seq = 1; /* 0 means "no claim" */
            if (cas_state(&w, STATE(seq, FILLING)))
                return seq;
            continue;
        }
        if (now_ns() >= deadline)
            return 0;
        pause_briefly();
    }
}

/* Waits for the handler to finish: until `deadline`, or a little longer
 * if the handler has started unwinding by then. */
static void wait_for_answer(int64_t deadline)
{
    int64_t grace = deadline + (int64_t)GRACE_MS * 1000000;
    for (;;) {
        enum phase ph = PHASE(atomic_load_explicit(&slot.state, memory_order_relaxed));
        int64_t now = now_ns();
        if (ph == DONE || now >= grace || (ph != WORKING && now >= deadline))
            return;
        pause_briefly();
    }
}

/* Ends request `seq`: takes the answer if there is one, else withdraws
 * the request so that a handler arriving later does nothing, or leaves
 * the slot to a handler that is still unwinding. */
static bool finish_request(uint64_t seq, struct hmap_stack *out)
{
    uint64_t w = STATE(seq, REQUESTED);
    if (cas_state(&w, STATE(seq, IDLE)))
        return false; /* no handler took it */
    if (PHASE(w) == WORKING && cas_state(&w, STATE(seq, ABANDONED)))
        return false; /* the handler frees the slot when it is done */
    /* DONE, read with acquire: the answer is complete. */
    *out = slot.answer;
    atomic_store_explicit(&slot.state, STATE(seq, IDLE), memory_order_release);
    return true;
}

bool hmap__stack_of_thread(pid_t tid, const struct hmap *m, struct hmap_stack *out, int timeout_ms)
{
    int sig = atomic_load(&request_signal);
    int64_t deadline = now_ns() + (int64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;

    stack_unavailable(out);
    if (sig == 0 || tid <= 0)
        return false;
    uint64_t seq = claim_slot(deadline);
    if (seq == 0)
        return false;

    atomic_store_explicit(&slot.tid, tid, memory_order_relaxed);
    atomic_store_explicit(&slot.map, m, memory_order_relaxed);
    atomic_store_explicit(&slot.state, STATE(seq, REQUESTED), memory_order_release);

    if (syscall(SYS_tgkill, (pid_t)getpid(), tid, sig) == 0)
        wait_for_answer(deadline);
    if (!finish_request(seq, out)) {
        stack_unavailable(out);
        return false;
    }
    return !out->unavailable;
}
