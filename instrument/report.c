/*
 * report.c - one report per process, in text or JSON, then the end of it.
 *
 * Owns: who the reporter is (hmap__report_begin, hmap__reporting,
 * hmap__park), and turning a struct hmap_report into text or JSON on
 * stderr or in log_path.PID, then abort() or _exit(exitcode)
 * (hmap__report_end).  The formats are those of DESIGN §4 "The report".
 *
 * Why no stdio and no malloc: a report is written while other threads are
 * stopped wherever they were - possibly inside malloc or holding stdio's
 * lock (the thread that raced with us may be in the middle of printf).
 * Taking either lock could hang the report forever.  So the report is
 * formatted by the small appenders below into a static buffer and written
 * with write(2).  The buffer is flushed when full, so a report of any
 * size comes out whole; the usual report fits and goes out in one write.
 *
 * What is not async-signal-safe here runs in normal context only:
 * hmap__report_end is called outside signal handlers (the SIGSEGV handler
 * hands its findings to a normal-context caller), and that is where names
 * are resolved (hmap__symbolize) and the working directory is read.
 * hmap__report_begin and hmap__park may be called from a signal handler.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* syscall(), strerrorname_np() */
#endif

#include "report.h"
#include "options.h"
#include "stack.h"
#include "symbolize.h"
#include "thread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- the reporter ------------------------------------------------------ */

/* The tid of the thread that is reporting; 0 while nobody is.  Never
 * released: the reporter ends the process.  Relaxed, like all the checked
 * runtime's atomics, so that under TSan it creates no happens-before edge
 * that could hide a real race; it only elects one thread, it publishes no
 * data. */
/* The reporter's tid, 0 while nobody reports (report.h reads it inline). */
int hmap__reporter_tid;

static pid_t current_tid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* Dies of SIGABRT even if the program installed a handler for it or
 * blocked it: death tests and CI look for the signal. */
static _Noreturn void die_by_abort(void)
{
    struct sigaction dfl;
    sigset_t abrt;

    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGABRT, &dfl, NULL);
    sigemptyset(&abrt);
    sigaddset(&abrt, SIGABRT);
    pthread_sigmask(SIG_UNBLOCK, &abrt, NULL);
    abort();
}

static void write_all(int fd, const char *p, size_t n);
static size_t format_uint(char *out, uint64_t v, unsigned base);

/* A fault while this thread was already reporting (in the symbolizer, or
 * in a corrupt report): a second report would recurse, so say so in one
 * line and stop. */
static _Noreturn void die_of_reentrant_report(void)
{
    static const char msg[] = "==hmap: internal error: fault while writing a report; aborting\n";
    char line[24 + sizeof msg];
    size_t n = 0;

    line[n++] = '=';
    line[n++] = '=';
    n += format_uint(line + n, (uint64_t)getpid(), 10);
    memcpy(line + n, msg, sizeof msg - 1);
    write_all(STDERR_FILENO, line, n + sizeof msg - 1);
    die_by_abort();
}

bool hmap__report_begin(void)
{
    pid_t self = current_tid();
    int holder = 0;

    if (__atomic_compare_exchange_n(&hmap__reporter_tid, &holder, (int)self, false,
                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return true;
    if (holder == self)
        die_of_reentrant_report();
    return false;
}

void hmap__report_abandon(void)
{
    __atomic_store_n(&hmap__reporter_tid, 0, __ATOMIC_RELEASE);
}

void hmap__wait_for_report(void)
{
    /* A report usually ends the process; a suppressed one is abandoned,
     * and then this returns.  The sleep is cut short by the stack-request
     * signal, whose handler answers meanwhile. */
    while (__atomic_load_n(&hmap__reporter_tid, __ATOMIC_ACQUIRE) != 0) {
        struct timespec ts = { 0, 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

_Noreturn void hmap__park(void)
{
    /* pause() returns after each handled signal; the stack-request
     * handler (stack.c) runs in between, so the reporter can still get
     * this thread's stack. */
    for (;;)
        pause();
}

/* ---- output: a buffer flushed with write(2) ------------------------------ */

struct sink {
    int fd;
    size_t len, cap;
    char *buf;
};

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere left to complain to */
        }
        p += w;
        n -= (size_t)w;
    }
}

static void sink_flush(struct sink *s)
{
    write_all(s->fd, s->buf, s->len);
    s->len = 0;
}

static void put_bytes(struct sink *s, const char *p, size_t n)
{
    while (n > 0) {
        size_t room, chunk;
        if (s->len == s->cap)
            sink_flush(s);
        room = s->cap - s->len;
        chunk = n < room ? n : room;
        memcpy(s->buf + s->len, p, chunk);
        s->len += chunk;
        p += chunk;
        n -= chunk;
    }
}

static void put_char(struct sink *s, char c)
{
    put_bytes(s, &c, 1);
}

static void put_str(struct sink *s, const char *str)
{
    if (str)
        put_bytes(s, str, strlen(str));
}

/* Writes v in base 10 or 16 (lowercase) to out, unterminated; returns the
 * length (at most 20). */
static size_t format_uint(char *out, uint64_t v, unsigned base)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static void put_uint(struct sink *s, uint64_t v)
{
    char tmp[24];
    put_bytes(s, tmp, format_uint(tmp, v, 10));
}

static void put_int(struct sink *s, long long v)
{
    if (v < 0) {
        put_char(s, '-');
        put_uint(s, 0 - (uint64_t)v);
    } else {
        put_uint(s, (uint64_t)v);
    }
}

static void put_hex(struct sink *s, uint64_t v)
{
    char tmp[24];
    put_bytes(s, "0x", 2);
    put_bytes(s, tmp, format_uint(tmp, v, 16));
}

/* ---- JSON values ---------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at p, or 0 if there is none
 * (stray continuation byte, overlong form, surrogate, beyond U+10FFFF,
 * truncated).  Paths and symbol names are bytes, but JSON is Unicode, and
 * python's json module rejects ill-formed UTF-8. */
static size_t utf8_sequence_length(const unsigned char *p)
{
    size_t n, i;
    uint32_t cp;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        n = 2, cp = p[0] & 0x1fu;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        n = 3, cp = p[0] & 0x0fu;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        n = 4, cp = p[0] & 0x07u;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A JSON string: quotes, backslashes and control characters escaped,
 * ill-formed UTF-8 replaced by U+FFFD. */
static void json_string(struct sink *s, const char *str)
{
    const unsigned char *p = (const unsigned char *)str;

    put_char(s, '"');
    while (*p) {
        size_t n = utf8_sequence_length(p);
        if (n == 0) {
            put_str(s, "\\ufffd");
            p++;
        } else if (*p == '"' || *p == '\\') {
            put_char(s, '\\');
            put_char(s, (char)*p++);
        } else if (*p == '\n' || *p == '\t' || *p == '\r') {
            put_char(s, '\\');
            put_char(s, *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
            p++;
        } else if (*p < 0x20) {
            char esc[6] = { '\\', 'u', '0', '0', "0123456789abcdef"[*p >> 4],
                            "0123456789abcdef"[*p & 15] };
            put_bytes(s, esc, sizeof esc);
            p++;
        } else {
            put_bytes(s, (const char *)p, n);
            p += n;
        }
    }
    put_char(s, '"');
}

/* A string, or null when it is unknown (NULL or empty). */
static void json_string_or_null(struct sink *s, const char *str)
{
    if (str && *str)
        json_string(s, str);
    else
        put_str(s, "null");
}

static void json_hex_string(struct sink *s, uint64_t v)
{
    put_char(s, '"');
    put_hex(s, v);
    put_char(s, '"');
}

static void json_int_or_null(struct sink *s, long long v, bool known)
{
    if (known)
        put_int(s, v);
    else
        put_str(s, "null");
}

static void json_key(struct sink *s, const char *key)
{
    json_string(s, key);
    put_char(s, ':');
}

/* ---- gathering what the report shows ---------------------------------------- */

/* Every frame of every thread, resolved once before formatting: the text
 * and the summary both use them.  Static: ~270 KiB is too much for the
 * stack of a thread that may be small. */
enum { RESOLVED_MAX = 2 * HMAP_STACK_MAX }; /* frames, inlined ones included */
static struct hmap_frame resolved[HMAP_REPORT_THREADS][RESOLVED_MAX];
static int resolved_count[HMAP_REPORT_THREADS];

/* The working directory, stripped from file names in the text. */
static char cwd[4096];

static int thread_count(const struct hmap_report *r)
{
    if (r->nthreads < 0)
        return 0;
    return r->nthreads < HMAP_REPORT_THREADS ? r->nthreads : HMAP_REPORT_THREADS;
}

/* The frames of st to show: none when unavailable, never more than
 * stack_depth asks for. */
static int frames_to_show(const struct hmap_stack *st)
{
    int limit = HMAP_STACK_MAX;

    if (!st || st->unavailable || st->depth <= 0)
        return 0;
    if (hmap__opts.stack_depth > 0 && hmap__opts.stack_depth < limit)
        limit = hmap__opts.stack_depth;
    return st->depth < limit ? st->depth : limit;
}

/* Each pc of each stack, with the functions inlined there as frames of
 * their own (at most RESOLVED_MAX frames a thread). */
static void resolve_frames(const struct hmap_report *r)
{
    for (int t = 0; t < thread_count(r); t++) {
        const struct hmap_stack *st = r->threads[t].stack;
        int pcs = frames_to_show(st), n = 0;
        for (int i = 0; i < pcs && n < RESOLVED_MAX; i++)
            n += hmap__symbolize_inlined(st->pc[i], i > 0 || !st->pc0_exact,
                                         hmap__opts.symbolize, &resolved[t][n],
                                         RESOLVED_MAX - n);
        resolved_count[t] = n;
    }
}

static void read_cwd(void)
{
    if (!getcwd(cwd, sizeof cwd) || !strcmp(cwd, "/"))
        cwd[0] = '\0';
}

/* The path as the user would write it: relative to the working directory
 * when it lies beneath it, and without a leading "./". */
static const char *short_path(const char *path)
{
    size_t n = strlen(cwd);

    if (n && !strncmp(path, cwd, n) && path[n] == '/')
        path += n + 1;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    return path;
}

/* Where the SUMMARY line points: the summary site, else the first frame of
 * threads[0] with a file and line, else that stack's first frame (its
 * function and module), else threads[0]'s site. */
struct summary {
    const char *file;     /* NULL or "" when unknown */
    int line;             /* 0 when unknown */
    const char *function; /* NULL or "" when unknown */
    const char *module;   /* only when there is no file */
    uintptr_t module_offset;
};

static void summary_from_site(const struct hmap__site *site, struct summary *out)
{
    out->file = site->file;
    out->line = site->line;
    out->function = site->func;
}

static void summary_from_frame(const struct hmap_frame *f, struct summary *out)
{
    out->file = f->file;
    out->line = f->line;
    out->function = f->function;
    if (!f->file[0]) {
        out->module = f->module;
        out->module_offset = f->module_offset;
    }
}

static struct summary choose_summary(const struct hmap_report *r)
{
    struct summary sum = { 0 };

    if (r->summary_site) {
        summary_from_site(r->summary_site, &sum);
    } else if (thread_count(r) > 0 && resolved_count[0] > 0) {
        const struct hmap_frame *pick = &resolved[0][0];
        for (int i = 0; i < resolved_count[0]; i++) {
            if (resolved[0][i].file[0] && resolved[0][i].line > 0) {
                pick = &resolved[0][i];
                break;
            }
        }
        summary_from_frame(pick, &sum);
    } else if (thread_count(r) > 0 && r->threads[0].site) {
        summary_from_site(r->threads[0].site, &sum);
    }
    return sum;
}

/* ---- kinds ---------------------------------------------------------------- */

static const char *const kind_names[HMAP_KIND_COUNT] = {
#define HMAP_KIND(id, name, help) [HMAP_KIND_##id] = name,
#include "kinds.inc"
#undef HMAP_KIND
};

static const char *const kind_helps[HMAP_KIND_COUNT] = {
#define HMAP_KIND(id, name, help) [HMAP_KIND_##id] = help,
#include "kinds.inc"
#undef HMAP_KIND
};

const char *hmap__kind_name(enum hmap_kind kind)
{
    return (unsigned)kind < HMAP_KIND_COUNT ? kind_names[kind] : "unknown misuse";
}

const char *hmap__kind_help(enum hmap_kind kind)
{
    return (unsigned)kind < HMAP_KIND_COUNT ? kind_helps[kind] : NULL;
}

/* The JSON report's version: bumped when a field changes meaning or goes
 * away (new fields may come without it).  1: kind, schema, help, pid, map,
 * type, detail, threads, summary. */
enum { JSON_SCHEMA = 1 };

/* ---- the text report --------------------------------------------------------- */

static void text_header(struct sink *s, const struct hmap_report *r, pid_t pid)
{
    put_str(s, "==");
    put_int(s, pid);
    put_str(s, "==ERROR: hmap: ");
    put_str(s, hmap__kind_name(r->kind));
    /* A NULL map is already in the kind ("... in nil map"): nothing to add. */
    if (r->map) {
        put_str(s, " on map ");
        put_hex(s, (uintptr_t)r->map);
    }
    if (r->type_name) {
        put_str(s, " (");
        put_str(s, r->type_name);
        put_char(s, ')');
    }
    put_char(s, '\n');
}

/* The detail, indented; a multi-line detail keeps its indentation. */
static void text_detail(struct sink *s, const char *detail)
{
    put_str(s, "  ");
    for (; *detail; detail++) {
        put_char(s, *detail);
        if (*detail == '\n' && detail[1])
            put_str(s, "  ");
    }
    if (detail[-1] != '\n')
        put_char(s, '\n');
}

/* " at FILE:LINE in FUNC", leaving out what the site does not know. */
static void text_site(struct sink *s, const struct hmap__site *site)
{
    if (site->file && site->file[0]) {
        put_str(s, " at ");
        put_str(s, short_path(site->file));
        if (site->line > 0) {
            put_char(s, ':');
            put_int(s, site->line);
        }
    }
    if (site->func && site->func[0]) {
        put_str(s, " in ");
        put_str(s, site->func);
    }
}

static void text_module(struct sink *s, const struct hmap_frame *f)
{
    if (!f->module[0])
        return;
    put_str(s, " (");
    put_str(s, f->module);
    put_char(s, '+');
    put_hex(s, f->module_offset);
    put_char(s, ')');
}

/* "    #N 0xPC in FUNC+0xOFF FILE:LINE (MODULE+0xMODOFF)", leaving out what
 * is unknown; with symbolize=0 only the address and module part, for a
 * later addr2line. */
static void text_frame(struct sink *s, int index, uintptr_t pc, const struct hmap_frame *f)
{
    put_str(s, "    #");
    put_int(s, index);
    put_char(s, ' ');
    put_hex(s, pc);
    if (hmap__opts.symbolize && f->function[0]) {
        put_str(s, " in ");
        put_str(s, f->function);
        if (!f->inlined) { /* inlined code has no offset of its own */
            put_char(s, '+');
            put_hex(s, f->offset);
        }
    }
    if (hmap__opts.symbolize && f->file[0]) {
        put_char(s, ' ');
        put_str(s, short_path(f->file));
        if (f->line > 0) {
            put_char(s, ':');
            put_int(s, f->line);
        }
    }
    text_module(s, f);
    put_char(s, '\n');
}

static void text_thread_name(struct sink *s, pid_t tid)
{
    int tnum = tid ? hmap__thread_number(tid) : -1;

    put_str(s, " by thread T");
    if (tnum >= 0)
        put_int(s, tnum);
    else
        put_char(s, '?');
    if (tid) {
        put_str(s, " (tid ");
        put_int(s, tid);
        put_char(s, ')');
    }
}

static void text_thread(struct sink *s, const struct hmap_report_thread *t,
                        const struct hmap_frame *frames, int nframes)
{
    put_str(s, "  ");
    put_str(s, t->role ? t->role : "access");
    text_thread_name(s, t->tid);
    if (t->site)
        text_site(s, t->site);
    if (!t->stack) {
        put_char(s, '\n');
        return;
    }
    put_str(s, ":\n");
    if (t->stack->left_map)
        put_str(s, "    (stack taken after the thread had left the map)\n");
    if (nframes == 0)
        put_str(s, "    <stack unavailable>\n");
    for (int i = 0; i < nframes; i++)
        text_frame(s, i, frames[i].pc, &frames[i]);
}

static void text_summary(struct sink *s, const struct hmap_report *r)
{
    struct summary sum = choose_summary(r);

    put_str(s, "SUMMARY: hmap: ");
    put_str(s, hmap__kind_name(r->kind));
    if (sum.file && sum.file[0]) {
        put_char(s, ' ');
        put_str(s, short_path(sum.file));
        if (sum.line > 0) {
            put_char(s, ':');
            put_int(s, sum.line);
        }
    } else if (sum.module && sum.module[0]) {
        put_str(s, " (");
        put_str(s, sum.module);
        put_char(s, '+');
        put_hex(s, sum.module_offset);
        put_char(s, ')');
    }
    if (sum.function && sum.function[0]) {
        put_str(s, " in ");
        put_str(s, sum.function);
    }
    put_char(s, '\n');
}

static void text_report(struct sink *s, const struct hmap_report *r, pid_t pid)
{
    text_header(s, r, pid);
    if (r->detail && r->detail[0])
        text_detail(s, r->detail);
    for (int t = 0; t < thread_count(r); t++)
        text_thread(s, &r->threads[t], resolved[t], resolved_count[t]);
    text_summary(s, r);
}

/* ---- the JSON report ------------------------------------------------------------
 * One object on one line.  Addresses and offsets are hex strings ("0x..."),
 * as in the text and as addr2line takes them; unknown values are null.
 * File names are as recorded (not shortened): tools resolve them. */

static void json_site(struct sink *s, const struct hmap__site *site)
{
    if (!site) {
        put_str(s, "null");
        return;
    }
    put_char(s, '{');
    json_key(s, "file");
    json_string_or_null(s, site->file);
    put_char(s, ',');
    json_key(s, "line");
    json_int_or_null(s, site->line, site->line > 0);
    put_char(s, ',');
    json_key(s, "function");
    json_string_or_null(s, site->func);
    put_char(s, '}');
}

static void json_frame(struct sink *s, uintptr_t pc, const struct hmap_frame *f)
{
    bool has_function = hmap__opts.symbolize && f->function[0];
    bool has_file = hmap__opts.symbolize && f->file[0];

    put_char(s, '{');
    json_key(s, "pc");
    json_hex_string(s, pc);
    put_char(s, ',');
    json_key(s, "function");
    json_string_or_null(s, has_function ? f->function : NULL);
    put_char(s, ',');
    json_key(s, "offset");
    if (has_function && !f->inlined)
        json_hex_string(s, f->offset);
    else
        put_str(s, "null");
    put_char(s, ',');
    json_key(s, "file");
    json_string_or_null(s, has_file ? f->file : NULL);
    put_char(s, ',');
    json_key(s, "line");
    json_int_or_null(s, f->line, has_file && f->line > 0);
    put_char(s, ',');
    json_key(s, "inlined");
    put_str(s, f->inlined ? "true" : "false");
    put_char(s, ',');
    json_key(s, "module");
    json_string_or_null(s, f->module);
    put_char(s, ',');
    json_key(s, "module_offset");
    if (f->module[0])
        json_hex_string(s, f->module_offset);
    else
        put_str(s, "null");
    put_char(s, '}');
}

static void json_thread(struct sink *s, const struct hmap_report_thread *t,
                        const struct hmap_frame *frames, int nframes)
{
    int tnum = t->tid ? hmap__thread_number(t->tid) : -1;

    put_char(s, '{');
    json_key(s, "role");
    json_string_or_null(s, t->role);
    put_char(s, ',');
    json_key(s, "tid");
    json_int_or_null(s, t->tid, t->tid != 0);
    put_char(s, ',');
    json_key(s, "thread");
    if (tnum >= 0) {
        put_str(s, "\"T");
        put_int(s, tnum);
        put_char(s, '"');
    } else {
        put_str(s, "null");
    }
    put_char(s, ',');
    json_key(s, "site");
    json_site(s, t->site);
    put_char(s, ',');
    /* A part without a stack (stack NULL) was never meant to have one:
     * it is not "unavailable". */
    json_key(s, "stack_unavailable");
    put_str(s, t->stack && nframes == 0 ? "true" : "false");
    put_char(s, ',');
    json_key(s, "left_map");
    put_str(s, t->stack && t->stack->left_map ? "true" : "false");
    put_char(s, ',');
    json_key(s, "frames");
    put_char(s, '[');
    for (int i = 0; i < nframes; i++) {
        if (i)
            put_char(s, ',');
        json_frame(s, frames[i].pc, &frames[i]);
    }
    put_str(s, "]}");
}

static void json_summary(struct sink *s, const struct hmap_report *r)
{
    struct summary sum = choose_summary(r);

    put_char(s, '{');
    json_key(s, "file");
    json_string_or_null(s, sum.file);
    put_char(s, ',');
    json_key(s, "line");
    json_int_or_null(s, sum.line, sum.file && sum.file[0] && sum.line > 0);
    put_char(s, ',');
    json_key(s, "function");
    json_string_or_null(s, sum.function);
    put_char(s, '}');
}

static void json_report(struct sink *s, const struct hmap_report *r, pid_t pid)
{
    put_char(s, '{');
    json_key(s, "kind");
    json_string_or_null(s, hmap__kind_name(r->kind));
    put_char(s, ',');
    json_key(s, "schema");
    put_int(s, JSON_SCHEMA);
    put_char(s, ',');
    json_key(s, "help");
    json_string_or_null(s, hmap__kind_help(r->kind));
    put_char(s, ',');
    json_key(s, "pid");
    put_int(s, pid);
    put_char(s, ',');
    json_key(s, "map");
    if (r->map)
        json_hex_string(s, (uintptr_t)r->map);
    else
        put_str(s, "null");
    put_char(s, ',');
    json_key(s, "type");
    json_string_or_null(s, r->type_name);
    put_char(s, ',');
    json_key(s, "detail");
    json_string_or_null(s, r->detail);
    put_char(s, ',');
    json_key(s, "threads");
    put_char(s, '[');
    for (int t = 0; t < thread_count(r); t++) {
        if (t)
            put_char(s, ',');
        json_thread(s, &r->threads[t], resolved[t], resolved_count[t]);
    }
    put_str(s, "],");
    json_key(s, "summary");
    json_summary(s, r);
    put_str(s, "}\n");
}

/* ---- destination and end ------------------------------------------------------- */

/* Writes "==PID==hmap: cannot open log_path file PATH (ERRNAME); ..." to
 * stderr, through a small sink of its own. */
static void say_log_unopenable(pid_t pid, const char *path, int err)
{
    char buf[256];
    struct sink s = { STDERR_FILENO, 0, sizeof buf, buf };

    put_str(&s, "==");
    put_int(&s, pid);
    put_str(&s, "==hmap: cannot open log_path file ");
    put_str(&s, path);
    put_str(&s, " (errno ");
    put_int(&s, err);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    if (strerrorname_np(err)) {
        put_char(&s, ' ');
        put_str(&s, strerrorname_np(err));
    }
#endif
    put_str(&s, "); writing the report to stderr\n");
    sink_flush(&s);
}

/* stderr, or log_path.PID when log_path is set (and can be opened). */
static int open_destination(pid_t pid)
{
    static char path[sizeof hmap__opts.log_path + 24];
    size_t n = strlen(hmap__opts.log_path);
    int fd;

    if (n == 0)
        return STDERR_FILENO;
    memcpy(path, hmap__opts.log_path, n);
    path[n++] = '.';
    n += format_uint(path + n, (uint64_t)pid, 10);
    path[n] = '\0';
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        say_log_unopenable(pid, path, errno);
        return STDERR_FILENO;
    }
    return fd;
}

static _Noreturn void end_process(void)
{
    if (hmap__opts.exitcode > 0)
        _exit(hmap__opts.exitcode);
    die_by_abort();
}

/* A frame line is typically 100-200 bytes, so any realistic report (at
 * most 4 stacks of stack_depth frames) goes out in one write(2); a larger
 * one (e.g. 4 x 64 frames with very long names) is flushed in pieces.
 * Overridable only so that a test can exercise the flushing. */
#ifndef HMAP_REPORT_BUFFER_BYTES
#define HMAP_REPORT_BUFFER_BYTES (256 * 1024)
#endif
static char report_buffer[HMAP_REPORT_BUFFER_BYTES];

_Noreturn void hmap__report_end(const struct hmap_report *r)
{
    pid_t pid = getpid();
    struct sink s = { STDERR_FILENO, 0, sizeof report_buffer, report_buffer };

    resolve_frames(r);
    read_cwd();
    s.fd = open_destination(pid);
    if (hmap__opts.log_format == LOG_JSON)
        json_report(&s, r, pid);
    else
        text_report(&s, r, pid);
    sink_flush(&s);
    end_process();
}
