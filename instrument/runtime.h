/*
 * runtime.h - the interfaces between the files of the checked runtime.
 *
 * The checked runtime is what -DHMAP_CHECKED callers reach.  Its parts:
 *
 *   checked.c     the checked entry points (hmap__checked_*): validate the
 *                 map pointer, take the writer/reader/iterator state, call
 *                 the core, release; the hook table for checked maps.
 *   thread.c      per-thread records: thread id, sanitizer-style thread
 *                 number (T0, T1, ...), the map the thread is inside.
 *   options.c     HMAP_OPTIONS.
 *   stack.c       libunwind: this thread's stack, a stack from a signal
 *                 context, and another thread's stack through a real-time
 *                 signal.
 *   symbolize.c   program counters to function, file and line, outside
 *                 signal context (libdw when present, else libunwind/dladdr).
 *   guard.c       where checked maps' bucket arrays live and what becomes
 *                 of them when they retire: guarded, or poisoned and
 *                 queued per thread (under ASan: freed into ASan's
 *                 quarantine); freed map headers kept per thread.
 *   quarantine.c  guarded arrays: their own pages or the pool's, kept
 *                 PROT_NONE once retired; the SIGSEGV handler that
 *                 recognises faults in them; ASan poison of deleted slots.
 *   report.c      one report at a time, text or JSON, written with write(2)
 *                 from preallocated buffers, then abort() or _exit().
 *   asan.c        AddressSanitizer, found at run time: deleted slots and
 *                 retired arrays poisoned, hmap's report after ASan's.
 *   trap.c        traps: an operation on a shared map now and then held
 *                 open, so that a racing one lands inside it.
 *   tsan.c        ThreadSanitizer, found at run time: map operations as
 *                 reads and writes of the map, the runtime's work hidden.
 *
 * Everything here is internal: names start with hmap__ and nothing is
 * declared in the public header except the checked entry points.
 */
#ifndef HMAP_RUNTIME_H
#define HMAP_RUNTIME_H

#include "hmap_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Everything declared from here on is internal to the library: hidden, so
 * that calls between its files are direct rather than through the PLT and
 * nothing here becomes part of the ABI. */
#pragma GCC visibility push(hidden)

/* ---- options.c ------------------------------------------------------ */

enum hmap_relocate { RELOCATE_NEVER, RELOCATE_SAMPLED, RELOCATE_ALWAYS };
enum hmap_guard { GUARD_NONE, GUARD_SAMPLED, GUARD_ALL };

enum hmap_log_format { LOG_TEXT, LOG_JSON };
typedef char hmap_path[1024];

/* One field per option of options.inc, named after it: the value after
 * start-up (relocate=always is RELOCATE_ALWAYS; exitcode=none is 0,
 * which no setting can be; log_path=stderr is ""). */
struct hmap_options {
#define HMAP_OPTION(type, name, default_text, help) type name;
#include "options.inc"
#undef HMAP_OPTION
    bool signal_chosen;          /* signal= was set by the user, not left at its default */
};

/* Filled once, before the first checked map exists, from HMAP_OPTIONS.
 * help=1 prints the options to stderr and carries on; a malformed or unknown
 * option prints an error naming it and exits 1. */
extern struct hmap_options hmap__opts;
void hmap__options_init(void);
/* Sets hmap__opts to the defaults and then to `text` (HMAP_OPTIONS's
 * syntax).  Returns false, with the reason in why, on the first error;
 * prints nothing (help=1 is only recorded). */
bool hmap__options_parse(const char *text, char *why, size_t why_size);

/* ---- thread.c ------------------------------------------------------- */

enum hmap_op { OP_READ, OP_ITERATE, OP_WRITE };

struct hmap_thread {
    pid_t tid;
    int tnum;                     /* 0 for the main thread, then 1, 2, ... in order of first use */
    const struct hmap *inside;    /* the map whose operation this thread is in, or NULL */
    const struct hmap__site *site;/* the call site of that operation */
    uint8_t op;                   /* what that operation is: enum hmap_op */
    uintptr_t entry_pc;           /* return address of the current checked entry point */
    uint32_t reads;               /* checked reads so far (samples last_reader) */
    uint64_t rng;                 /* this thread's random state (lingering, sampling; seed=) */
    int64_t guard_countdown;      /* guard=sampled: bytes of small arrays until the next guard */
};

extern HMAP_TLS struct hmap_thread hmap__thread_record;
extern HMAP_TLS bool hmap__thread_registered;
/* Registered, and the checked entry points may take their fast paths:
 * not under ThreadSanitizer, which must see every operation's window. */
extern HMAP_TLS bool hmap__thread_fast;
/* Gives the calling thread its record: number, random state, alternate
 * signal stack (hmap__altstack_install). */
struct hmap_thread *hmap__thread_register(void);

/* This thread's record, registering the thread on first use. */
HMAP_INLINE struct hmap_thread *hmap__thread_self(void)
{
    if (HMAP_LIKELY(hmap__thread_registered))
        return &hmap__thread_record;
    return hmap__thread_register();
}

/* This thread's record if it has one, else NULL; async-signal-safe. */
HMAP_INLINE struct hmap_thread *hmap__thread_peek(void)
{
    return hmap__thread_registered ? &hmap__thread_record : NULL;
}
/* In a child after fork: the thread must register again (its tid changed). */
void hmap__thread_after_fork(void);
/* The thread number recorded for tid, or -1 if tid never used a checked map. */
int hmap__thread_number(pid_t tid);

/* ---- stack.c -------------------------------------------------------- */

enum { HMAP_STACK_MAX = 64 };

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

/* ---- symbolize.c ---------------------------------------------------- */

struct hmap_frame {
    char function[256];   /* "" when unknown */
    uintptr_t offset;     /* pc - start of function */
    char module[256];     /* basename of the object file; "" when unknown */
    uintptr_t module_offset; /* pc - load address of the module (what addr2line wants) */
    char file[512];       /* "" when no debug info; otherwise as recorded in it */
    int line;             /* 0 when unknown */
};

/* Resolves one program counter.  Not async-signal-safe.  `pc` is a return
 * address for every frame but the innermost (`is_return_address`): the
 * file and line are then looked up at pc - 1, the call instruction.  With
 * `full` false only module and module_offset are filled in (symbolize=0). */
void hmap__symbolize(uintptr_t pc, bool is_return_address, bool full, struct hmap_frame *out);

/* ---- quarantine.c --------------------------------------------------- */

/* Who retired an array, and when: what a report about it names. */
struct hmap_retirement {
    const struct hmap *map;       /* the array's owner */
    uint64_t generation;          /* the array's generation */
    uint64_t map_generation;      /* the map's generation at retirement */
    pid_t tid;                    /* the retiring thread */
    const struct hmap__site *site;/* the call site of the retiring write, or NULL */
    const struct hmap_stack *stack; /* the retiring stack (guarded arrays only), or NULL */
};

/* Pages of their own for a guarded array (large, or guard=all), zeroed;
 * NULL with errno ENOMEM. */
void *hmap__quarantine_map_pages(size_t bytes, size_t align);
/* Pages of the pool for a sampled small array, zeroed; NULL if the pool
 * has no room. */
void *hmap__quarantine_pool_take(size_t bytes);
/* Whether p is in the pool (was allocated by hmap__quarantine_pool_take). */
bool hmap__quarantine_holds_pool(const void *p);
/* Makes a guarded allocation (from either of the above) inaccessible and
 * records it for the SIGSEGV handler; the quarantine owns it from here. */
void hmap__quarantine_guard(void *p, size_t bytes, const struct hmap_retirement *r);
/* Whether guarded retirements keep a stack (quarantine_mb > 0). */
bool hmap__quarantine_wants_stack(void);
/* The lock of the registry, also guard.c's; TSan does not see it as
 * synchronisation. */
void hmap__quarantine_lock(void);
void hmap__quarantine_unlock(void);
/* Installs the SIGSEGV handler (once) and this thread's alternate stack. */
void hmap__quarantine_init(void);
void hmap__altstack_install(void);

/* ---- guard.c -------------------------------------------------------- */

/* The hooks of a checked map's memory (hmap_hooks.h): which arrays are
 * guarded, and the per-thread queue of poisoned unguarded ones. */
void *hmap__guard_array_alloc(const struct hmap *m, size_t bytes, size_t align);
void hmap__guard_array_retire(struct hmap *m, struct hmap_array *a);
/* Keeps a freed map header (magic already HMAP_MAGIC_FREED) out of malloc's
 * hands for a while, in the calling thread's queue, so that later use of
 * it is recognised. */
void hmap__guard_map_free(struct hmap *m);
/* The fill of deleted slots and unguarded retired arrays: 0xdb, "deleted
 * bucket".  As a pointer, 0xdbdbdbdbdbdbdbdb is non-canonical on x86-64
 * and faults at once; as an integer or string it stands out in a
 * debugger; it is none of ASan's fills (0xbe malloc) or glibc's
 * MALLOC_PERTURB_ default. */
enum { HMAP_POISON_BYTE = 0xdb };

/* What the SIGSEGV handler found, handed to the report outside signal context. */
struct hmap_dangling {
    bool write;                   /* from the page-fault error code */
    uintptr_t addr;               /* the faulting address */
    const struct hmap *map;       /* the array's owner */
    uint64_t generation;          /* the array's generation */
    uint64_t map_generation;      /* the map's generation at retirement */
    pid_t retired_by;             /* thread that retired the array */
    struct hmap_stack fault;      /* the faulting stack */
    struct hmap_stack retired;    /* the stack that retired the array */
};

/* ---- report.c ------------------------------------------------------- */

/* One thread's part in a report. */
struct hmap_report_thread {
    const char *role;             /* "write", "concurrent write", "read", "iteration", ... */
    pid_t tid;                    /* 0: not known */
    const struct hmap__site *site;/* the call site of the operation, or NULL */
    const struct hmap_stack *stack; /* NULL: no stack for this part */
};

enum { HMAP_REPORT_THREADS = 4 };

/* The kinds of report (kinds.inc), and their strings and help. */
enum hmap_kind {
#define HMAP_KIND(id, name, help) HMAP_KIND_##id,
#include "kinds.inc"
#undef HMAP_KIND
    HMAP_KIND_COUNT
};
const char *hmap__kind_name(enum hmap_kind kind);
const char *hmap__kind_help(enum hmap_kind kind);

struct hmap_report {
    enum hmap_kind kind;
    const struct hmap *map;       /* the map concerned (may be freed or invalid) */
    const char *type_name;        /* the map's type name, or NULL when the map cannot be read */
    const char *detail;           /* an extra line (e.g. generations), or NULL */
    struct hmap_report_thread threads[HMAP_REPORT_THREADS];
    int nthreads;
    /* The call site named on the SUMMARY line; NULL: the first frame of
     * threads[0]'s stack is used instead. */
    const struct hmap__site *summary_site;
};

/* Makes this thread the only reporter.  Returns false if another thread
 * is already reporting: the caller must then park (hmap__park). */
bool hmap__report_begin(void);
/* True while some thread is reporting: checked operations park on exit. */
extern int hmap__reporter_tid;
HMAP_INLINE bool hmap__reporting(void)
{
    return __atomic_load_n(&hmap__reporter_tid, __ATOMIC_RELAXED) != 0;
}
/* Never returns: serves stack requests until the reporter ends the process. */
_Noreturn void hmap__park(void);
/* Writes the report (text or JSON, to stderr or log_path) and ends the
 * process: abort(), or _exit(exitcode).  Caller holds hmap__report_begin. */
_Noreturn void hmap__report_end(const struct hmap_report *r);

/* ---- checked.c ------------------------------------------------------ */

/* Called (outside signal context) on the faulting thread after the SIGSEGV
 * handler recognised a fault in a retired array; it already holds
 * hmap__report_begin.  Reports a dangling pointer read/write, or a
 * concurrent read/write when the thread was inside an operation on that
 * map. */
_Noreturn void hmap__report_dangling(const struct hmap_dangling *d);

/* Called when an unguarded retired array leaves a thread's queue (or at
 * thread or process exit) and its poison has changed: a write through a
 * dangling pointer.  `offset` is where the first changed byte lies. */
_Noreturn void hmap__report_retired_write(const struct hmap_retirement *r, const void *array,
                                          size_t offset);
/* Called from ASan's report callback: ASan found a use after free at
 * `offset` in an array that r retired into its quarantine. */
_Noreturn void hmap__report_asan_dangling(const struct hmap_retirement *r, const void *array,
                                          size_t offset, bool write);

/* ---- asan.c --------------------------------------------------------- */

/* Whether the process runs under AddressSanitizer (hmap__asan_init, once
 * at start-up, which also has ASan call back after its reports so that a
 * use of a retired array names the hmap misuse too). */
extern bool hmap__asan_active;
void hmap__asan_init(void);
/* Lifts ASan's poison (deleted slots') from [p, p + n); nothing without ASan. */
void hmap__asan_unpoison(void *p, size_t n);
/* ASan's poison on a deleted slot, and off it again before it is filled
 * (the core's fill of the slot is inline); only under ASan. */
void hmap__poison_slot(void *key, size_t key_size, void *val, size_t val_size);
void hmap__unpoison_slot(void *key, size_t key_size, void *val, size_t val_size);
/* Frees a retired unguarded array into ASan's quarantine, remembering who
 * retired it for the report after ASan's. */
void hmap__asan_free_retired(void *p, size_t bytes, size_t align,
                             const struct hmap_retirement *who);

/* ---- trap.c --------------------------------------------------------- */

void hmap__trap_init(void);
/* Called inside an operation on m that met evidence of another thread
 * using it: now and then sleeps trap_us, the window held open.  Returns
 * whether it did. */
bool hmap__trap(struct hmap *m, struct hmap_thread *t, const struct hmap__site *site);

/* ---- tsan.c --------------------------------------------------------- */

/* Whether the process runs under ThreadSanitizer, found when the runtime
 * starts (hmap__tsan_init); the library itself need not be built with it.
 * The wrappers below cost one predictable branch when it does not. */
extern bool hmap__tsan_active;

void hmap__tsan_init(void);
void hmap__tsan_read_slow(const struct hmap *m, const void *caller_pc);
void hmap__tsan_write_slow(const struct hmap *m, const void *caller_pc);
void hmap__tsan_ignore_begin_slow(void);
void hmap__tsan_ignore_end_slow(void);
void hmap__tsan_ignore_sync_begin_slow(void);
void hmap__tsan_ignore_sync_end_slow(void);
void hmap__tsan_func_entry_slow(const void *caller_pc);
void hmap__tsan_func_exit_slow(void);

HMAP_INLINE bool hmap__under_tsan(void)
{
    return HMAP_UNLIKELY(__atomic_load_n(&hmap__tsan_active, __ATOMIC_RELAXED));
}

/* A checked read or write of m, as the user's call at caller_pc. */
HMAP_INLINE void hmap__tsan_read(const struct hmap *m, const void *caller_pc)
{
    if (hmap__under_tsan())
        hmap__tsan_read_slow(m, caller_pc);
}

HMAP_INLINE void hmap__tsan_write(const struct hmap *m, const void *caller_pc)
{
    if (hmap__under_tsan())
        hmap__tsan_write_slow(m, caller_pc);
}

/* Around a call into the core that allocates: TSan's stacks, which it
 * keeps itself for instrumented code only, gain the user's frame. */
HMAP_INLINE void hmap__tsan_func_entry(const void *caller_pc)
{
    if (hmap__under_tsan())
        hmap__tsan_func_entry_slow(caller_pc);
}

HMAP_INLINE void hmap__tsan_func_exit(void)
{
    if (hmap__under_tsan())
        hmap__tsan_func_exit_slow();
}

/* Around the core's work inside a checked operation: TSan ignores it. */
HMAP_INLINE void hmap__tsan_ignore_begin(void)
{
    if (hmap__under_tsan())
        hmap__tsan_ignore_begin_slow();
}

HMAP_INLINE void hmap__tsan_ignore_end(void)
{
    if (hmap__under_tsan())
        hmap__tsan_ignore_end_slow();
}

/* Around the runtime's own locks (and libunwind's): TSan does not take
 * them for synchronisation of the program. */
HMAP_INLINE void hmap__tsan_ignore_sync_begin(void)
{
    if (hmap__under_tsan())
        hmap__tsan_ignore_sync_begin_slow();
}

HMAP_INLINE void hmap__tsan_ignore_sync_end(void)
{
    if (hmap__under_tsan())
        hmap__tsan_ignore_sync_end_slow();
}

#pragma GCC visibility pop

#endif /* HMAP_RUNTIME_H */
