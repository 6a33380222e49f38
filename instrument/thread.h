/*
 * thread.h - per-thread records (thread.c): thread id and number, the map
 * the thread is inside, its random stream.
 */
#ifndef HMAP_INSTRUMENT_THREAD_H
#define HMAP_INSTRUMENT_THREAD_H

#include "hmap_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

enum hmap_op { OP_READ, OP_ITERATE, OP_WRITE };

/* A map's sole-user word (struct hmap_checked_state) holds a thread's tid
 * while that thread's writes may take the fast path.  Another thread that
 * uses the map takes it away by leaving a mark there instead: what it
 * did (enum hmap_op, or OP_REPORT for a thread reporting on the map) and
 * its tid.  A mark is never a thread's fast_tid, so the sole user's write,
 * which compares the word with its fast_tid as it ends, learns that
 * another thread used the map meanwhile, and who. */
enum { OP_REPORT = OP_WRITE + 1 };

HMAP_INLINE uint64_t hmap__sole_use_mark(int op, pid_t tid)
{
    return ((uint64_t)(op + 1) << 32) | (uint32_t)tid;
}

/* Whether the word names a sole user (a tid), rather than none or a mark. */
HMAP_INLINE bool hmap__sole_use_held(uint64_t word)
{
    return word != 0 && word >> 32 == 0;
}

struct hmap_thread {
    /* Both flags live in the record, so that an entry point reaches all
     * of its thread's state from one TLS address. */
    bool registered;              /* tid, number and random state are set */
    pid_t tid;
    uint64_t fast_tid;            /* the tid while the checked entry points may take their
                                     fast paths, else HMAP_FAST_CLOSED: they may when the
                                     thread is registered, not under ThreadSanitizer (which
                                     must see every operation's window) and not inside an
                                     operation that took the whole protocol (checked.c).  A
                                     fast path compares a map's word with it, which tests
                                     both at once. */
    int tnum;                     /* 0 for the main thread, then 1, 2, ... in order of first use */
    const struct hmap *inside;    /* the map whose operation this thread is in, or NULL */
    const struct hmap__site *site;/* the call site of that operation */
    uint8_t op;                   /* what that operation is: enum hmap_op */
    uintptr_t entry_pc;           /* return address of the current checked entry point */
    uint32_t reads;               /* reads of the whole protocol so far (samples last_reader) */
    uint64_t rng;                 /* this thread's random state (lingering, sampling; seed=) */
    int64_t guard_countdown;      /* guard=sampled: bytes of small tables until the next guard */
};

/* fast_tid while the fast paths are closed: a value no map's tid word holds. */
#define HMAP_FAST_CLOSED UINT64_MAX

extern HMAP_TLS struct hmap_thread hmap__thread_record;
/* Gives the calling thread its record: number, random state, alternate
 * signal stack (the hook of hmap__thread_on_register). */
struct hmap_thread *hmap__thread_register(void);
/* `hook` runs in each thread as it registers (once set: start-up sets it
 * before any thread registers). */
void hmap__thread_on_register(void (*hook)(void));

/* This thread's record, registering the thread on first use. */
HMAP_INLINE struct hmap_thread *hmap__thread_self(void)
{
    if (HMAP_LIKELY(hmap__thread_record.registered))
        return &hmap__thread_record;
    return hmap__thread_register();
}

/* This thread's record if it has one, else NULL; async-signal-safe. */
HMAP_INLINE struct hmap_thread *hmap__thread_peek(void)
{
    return hmap__thread_record.registered ? &hmap__thread_record : NULL;
}
/* In a child after fork: the thread must register again (its tid changed). */
void hmap__thread_after_fork(void);
/* The thread number recorded for tid, or -1 if tid never used a checked map. */
int hmap__thread_number(pid_t tid);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_THREAD_H */
