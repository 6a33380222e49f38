/*
 * stack.h - stacks (stack.c): this thread's, one from a signal context,
 * another thread's through a real-time signal; addresses only.
 */
#ifndef HMAP_INSTRUMENT_STACK_H
#define HMAP_INSTRUMENT_STACK_H

#include "hmap_internal.h"
#include "options.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

enum { HMAP_STACK_MAX = HMAP_STACK_DEPTH_MAX };

struct hmap_stack {
    int depth;                  /* frames in pc[]; 0 with `unavailable` when none could be had */
    bool unavailable;
    bool left_map;              /* another thread's stack taken after it left the map */
    bool pc0_exact;             /* pc[0] is where a signal interrupted the thread, not a return address */
    const struct hmap__site *site; /* another thread's stack taken inside the map: the call
                                      site of its operation (NULL: not known) */
    uintptr_t pc[HMAP_STACK_MAX];
};

/* Drops the frames inside the runtime from a stack: those above the frame
 * of the checked entry point that returns to entry_pc (the user's call),
 * which is kept.  Leaves the stack alone if no frame returns there.
 * Async-signal-safe. */
void hmap__stack_trim_to_entry(struct hmap_stack *st, uintptr_t entry_pc);

/* Installs the handler of hmap__opts.signal.  Called once at start-up. */
void hmap__stack_init(void);
/* The calling thread's stack, innermost first, skipping the `skip`
 * innermost frames (hmap__unwind_here itself is never included). */
void hmap__unwind_here(struct hmap_stack *out, int skip);
/* The stack of the thread interrupted by a signal whose handler received
 * `ucontext`; async-signal-safe. */
void hmap__unwind_signal(void *ucontext, struct hmap_stack *out);
/* Asks thread tid (of this process) for its stack: sends hmap__opts.signal
 * with tgkill and waits at most timeout_ms for the thread's handler to
 * unwind itself into *out.  On failure out->unavailable is set.  The
 * handler also records whether the thread was inside an operation on map
 * `m` (out->left_map is set when it was not). */
bool hmap__stack_of_thread(pid_t tid, const struct hmap *m, struct hmap_stack *out, int timeout_ms);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_STACK_H */
