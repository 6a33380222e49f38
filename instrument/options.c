/*
 * options.c - HMAP_OPTIONS, the run-time settings of the checked build.
 *
 * Owns hmap__opts and hmap__options_init().  The syntax follows
 * ASAN_OPTIONS: name=value pairs separated by ':' (',' and whitespace also
 * work); a value may be quoted with '...' or "..." to hold a separator, as
 * in log_path='/tmp/a:b/hmap'; a later setting of an option overrides an
 * earlier one.
 *
 * Every option is one line of options.inc: type, name, default (as text),
 * one-line description.  This file adds its parser, parse_<name>, and
 * makes the rows of `option_table` from the list.  Start-up first feeds
 * each default text through its parser, then the user's settings, and
 * help=1 prints the same rows, so what help says and what the runtime does
 * cannot drift apart (compiler-rt's sanitizer_flags.inc works the same way).
 *
 * A malformed value or an unknown name is never ignored: it is reported on
 * stderr and the process exits with status 1, because a check the user
 * believes is configured but silently is not is worse than no check.
 *
 * No malloc: values are copied into fixed buffers on the stack, and the
 * only text written (help, errors) goes to stderr before any map exists.
 */
#include "options.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Zero until hmap__options_init() has run, which parses every default of
 * options.inc first: zero is a safe value for each (exitcode 0: abort). */
struct hmap_options hmap__opts;

static bool applying_defaults; /* the table's defaults, not the user's settings */

/* ---- value parsers ---------------------------------------------------
 * Each takes the value text and stores it in hmap__opts; it returns NULL
 * when the value is good, else what a good value looks like (for the
 * error message). */

typedef const char *option_parser(const char *value);

/* Parses an unsigned decimal number, or hexadecimal with a 0x prefix.
 * No sign, no spaces, no trailing characters, no overflow. */
static bool parse_u64(const char *s, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* An integer in [lo, hi]. */
static bool parse_int_in(const char *s, int lo, int hi, int *out)
{
    uint64_t v;

    if (!parse_u64(s, &v) || v < (uint64_t)lo || v > (uint64_t)hi)
        return false;
    *out = (int)v;
    return true;
}

/* 0/1, as well as the spellings ASAN_OPTIONS accepts. */
static bool parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no")) {
        *out = false;
        return true;
    }
    return false;
}

static const char *parse_help(const char *v)
{
    return parse_bool(v, &hmap__opts.help) ? NULL : "0 or 1";
}

static const char *parse_relocate(const char *v)
{
    if (!strcmp(v, "never"))
        hmap__opts.relocate = RELOCATE_NEVER;
    else if (!strcmp(v, "always"))
        hmap__opts.relocate = RELOCATE_ALWAYS;
    else if (!strcmp(v, "sampled"))
        hmap__opts.relocate = RELOCATE_SAMPLED;
    else
        return "never, always or sampled";
    return NULL;
}

static const char *parse_seed(const char *v)
{
    return parse_u64(v, &hmap__opts.seed) ? NULL : "an unsigned 64-bit number";
}

static const char *parse_quarantine_mb(const char *v)
{
    uint64_t mb;

    /* The byte count (mb << 20) must fit in a size_t.  0 would release
     * every guarded table at once: a stale pointer into one would end in
     * a bare SIGSEGV, or in someone else's memory (guard=none is the way
     * to guard nothing). */
    if (!parse_u64(v, &mb) || mb > (SIZE_MAX >> 20) || mb == 0)
        return "a number of MiB, at least 1 (guard=none guards nothing)";
    hmap__opts.quarantine_mb = (size_t)mb;
    return NULL;
}

/* "default" is sampled, except where a setting asks for determinism:
 * relocate=always exists to make every stale pointer fault.  (Under
 * AddressSanitizer the tables that are not guarded are caught by ASan
 * instead: guard.c.)  guard= set explicitly wins (resolve_guard). */
static bool guard_is_default;

static const char *parse_guard(const char *v)
{
    guard_is_default = !strcmp(v, "default");
    if (guard_is_default || !strcmp(v, "sampled"))
        hmap__opts.guard = GUARD_SAMPLED;
    else if (!strcmp(v, "all"))
        hmap__opts.guard = GUARD_ALL;
    else if (!strcmp(v, "none"))
        hmap__opts.guard = GUARD_NONE;
    else
        return "all, sampled, none or default";
    return NULL;
}

static void resolve_guard(void)
{
    if (guard_is_default && hmap__opts.relocate == RELOCATE_ALWAYS)
        hmap__opts.guard = GUARD_ALL;
}

/* A number of KiB whose byte count fits in a size_t. */
static bool parse_kb(const char *v, size_t *out)
{
    uint64_t kb;

    if (!parse_u64(v, &kb) || kb > (SIZE_MAX >> 10))
        return false;
    *out = (size_t)kb;
    return true;
}

static const char *parse_guard_sample_kb(const char *v)
{
    return parse_kb(v, &hmap__opts.guard_sample_kb) && hmap__opts.guard_sample_kb > 0
               ? NULL
               : "a number of KiB, at least 1";
}

static const char *parse_retired_queue_kb(const char *v)
{
    return parse_kb(v, &hmap__opts.retired_queue_kb) ? NULL : "a number of KiB";
}

static const char *parse_trap_us(const char *v)
{
    uint64_t us;
    if (!parse_u64(v, &us) || us > 10 * 1000 * 1000)
        return "a number of microseconds, at most 10000000";
    hmap__opts.trap_us = us;
    return NULL;
}

static const char *parse_trap_budget_pct(const char *v)
{
    uint64_t pct;
    if (!parse_u64(v, &pct) || pct > 100)
        return "a percentage, 0..100";
    hmap__opts.trap_budget_pct = pct;
    return NULL;
}

static const char *parse_suppressions(const char *v)
{
    if (!strcmp(v, "none"))
        v = "";
    if (strlen(v) >= sizeof hmap__opts.suppressions)
        return "a path shorter than 1024 bytes";
    strcpy(hmap__opts.suppressions, v);
    return NULL;
}

static const char *parse_log_path(const char *v)
{
    /* "stderr" means stderr, as in ASAN_OPTIONS.  report.c appends
     * ".PID", so the path itself must leave room in log_path only for
     * its terminating NUL. */
    if (!strcmp(v, "stderr"))
        v = "";
    if (strlen(v) >= sizeof hmap__opts.log_path)
        return "a path shorter than 1024 bytes";
    strcpy(hmap__opts.log_path, v);
    return NULL;
}

static const char *parse_log_format(const char *v)
{
    if (!strcmp(v, "text"))
        hmap__opts.log_format = LOG_TEXT;
    else if (!strcmp(v, "json"))
        hmap__opts.log_format = LOG_JSON;
    else
        return "text or json";
    return NULL;
}

static const char *parse_exitcode(const char *v)
{
    if (!strcmp(v, "none")) {
        hmap__opts.exitcode = 0; /* abort() */
        return NULL;
    }
    /* 0 would let a run that reported pass: a CI gate must see a report. */
    return parse_int_in(v, 1, 255, &hmap__opts.exitcode)
               ? NULL
               : "a number from 1 to 255 (0 would let a report pass), or none";
}

/* The expected-value text below spells the maximum out. */
_Static_assert(HMAP_STACK_DEPTH_MAX == 64, "update parse_stack_depth and options.inc");

static const char *parse_stack_depth(const char *v)
{
    return parse_int_in(v, 1, HMAP_STACK_DEPTH_MAX, &hmap__opts.stack_depth)
               ? NULL
               : "a number from 1 to 64";
}

/* A signal number, or SIGRTMIN+k / SIGRTMAX-k (the real-time range moves
 * with the C library, so a number alone is not portable). */
static bool parse_signal_number(const char *v, int *out)
{
    const char *rest;
    int base, sign, k = 0;

    if (!strncmp(v, "SIGRTMIN", 8)) {
        base = SIGRTMIN, sign = 1, rest = v + 8;
    } else if (!strncmp(v, "SIGRTMAX", 8)) {
        base = SIGRTMAX, sign = -1, rest = v + 8;
    } else {
        return parse_int_in(v, 1, SIGRTMAX, out);
    }
    if (*rest != '\0') {
        if (*rest != (sign > 0 ? '+' : '-') || !parse_int_in(rest + 1, 0, SIGRTMAX, &k))
            return false;
    }
    *out = base + sign * k;
    return true;
}

/* Only a real-time signal: a classic one means something to the program
 * or to the terminal (SIGINT would no longer interrupt it, SIGCHLD would
 * no longer reach it).  Whether the program handles it already is checked
 * when the handler is installed (stack.c). */
static const char *parse_signal(const char *v)
{
    int sig;

    if (!parse_signal_number(v, &sig) || sig < SIGRTMIN || sig > SIGRTMAX)
        return "a real-time signal, SIGRTMIN+k or SIGRTMAX-k";
    hmap__opts.signal = sig;
    hmap__opts.signal_chosen = !applying_defaults;
    return NULL;
}

static const char *parse_symbolize(const char *v)
{
    return parse_bool(v, &hmap__opts.symbolize) ? NULL : "0 or 1";
}

/* ---- the table -------------------------------------------------------- */

struct option {
    const char *name;
    const char *default_text; /* parsed at init, and shown by help=1 */
    const char *description;
    option_parser *parse;
};

static const struct option option_table[] = {
#define HMAP_OPTION(type, name, default_text, help) { #name, default_text, help, parse_##name },
#include "options.inc"
#undef HMAP_OPTION
};

enum { OPTION_COUNT = sizeof option_table / sizeof option_table[0] };

static const struct option *find_option(const char *name)
{
    for (int i = 0; i < OPTION_COUNT; i++)
        if (!strcmp(option_table[i].name, name))
            return &option_table[i];
    return NULL;
}

/* ---- errors and help -------------------------------------------------- */

/* Where parsing stopped: the first error's text, or "" while all is well. */
struct parse_state {
    char *why;
    size_t size;
};

static bool option_error(struct parse_state *ps, const char *what, const char *name,
                         const char *value, const char *expected)
{
    int n = snprintf(ps->why, ps->size, "%s '%s'", what, name);
    if (value && n >= 0 && (size_t)n < ps->size)
        n += snprintf(ps->why + n, ps->size - (size_t)n, " = '%s'", value);
    if (expected && n >= 0 && (size_t)n < ps->size)
        snprintf(ps->why + n, ps->size - (size_t)n, " (expected %s)", expected);
    return false;
}

static void print_help(void)
{
    fprintf(stderr, "Available options for hmap (HMAP_OPTIONS=name=value:name=value...):\n");
    for (int i = 0; i < OPTION_COUNT; i++) {
        const struct option *o = &option_table[i];
        fprintf(stderr, "  %-14s (default %s)\n      %s\n", o->name, o->default_text,
                o->description);
    }
}

/* ---- the scanner ------------------------------------------------------ */

static bool is_separator(char c)
{
    return c == ':' || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies the name that starts at s (up to '=' or a separator) into name,
 * truncated to fit; returns where it ended. */
static const char *scan_name(const char *s, char *name, size_t size)
{
    size_t n = 0;

    for (; *s && *s != '=' && !is_separator(*s); s++)
        if (n + 1 < size)
            name[n++] = *s;
    name[n] = '\0';
    return s;
}

/* Copies the value that starts at s (quoted, or up to a separator) into
 * value; returns where it ended, or NULL with *why set if the quote is
 * unterminated or the value does not fit. */
static const char *scan_value(const char *s, char *value, size_t size, const char **why)
{
    size_t n = 0;
    char quote = 0;

    if (*s == '\'' || *s == '"')
        quote = *s++;
    for (; *s && (quote ? *s != quote : !is_separator(*s)); s++) {
        if (n + 1 >= size) {
            *why = "overlong value for option";
            return NULL;
        }
        value[n++] = *s;
    }
    if (quote) {
        if (*s != quote) {
            *why = "unterminated quote in the value of option";
            return NULL;
        }
        s++;
    }
    value[n] = '\0';
    return s;
}

static bool apply_option(struct parse_state *ps, const char *name, const char *value)
{
    const struct option *o = find_option(name);
    const char *expected;

    if (!o)
        return option_error(ps, "unknown option", name, NULL, NULL);
    expected = o->parse(value);
    if (expected)
        return option_error(ps, "bad value for option", name, value, expected);
    return true;
}

static bool parse_options_string(struct parse_state *ps, const char *s)
{
    char name[64];
    char value[sizeof hmap__opts.log_path + 1];

    while (*s) {
        if (is_separator(*s)) {
            s++;
            continue;
        }
        s = scan_name(s, name, sizeof name);
        if (*s != '=')
            return option_error(ps, "missing '=value' after option", name, NULL, NULL);
        const char *why = NULL;
        s = scan_value(s + 1, value, sizeof value, &why);
        if (!s)
            return option_error(ps, why, name, NULL, NULL);
        if (!apply_option(ps, name, value))
            return false;
    }
    return true;
}

static bool apply_defaults(struct parse_state *ps)
{
    applying_defaults = true;
    for (int i = 0; i < OPTION_COUNT; i++) {
        if (option_table[i].parse(option_table[i].default_text)) {
            applying_defaults = false;
            return option_error(ps, "internal error: bad default for option",
                                option_table[i].name, option_table[i].default_text, NULL);
        }
    }
    applying_defaults = false;
    return true;
}

bool hmap__options_parse(const char *text, char *why, size_t why_size)
{
    struct parse_state ps = { why, why_size };
    if (why_size)
        why[0] = '\0';
    if (!apply_defaults(&ps) || (text && !parse_options_string(&ps, text)))
        return false;
    resolve_guard();
    return true;
}

void hmap__options_init(void)
{
    static bool done;
    const char *env;

    if (done)
        return;
    done = true;
    env = getenv("HMAP_OPTIONS");
    char why[sizeof hmap__opts.log_path + 256];
    if (!hmap__options_parse(env, why, sizeof why)) {
        fprintf(stderr,
                "==%d==ERROR: hmap: HMAP_OPTIONS: %s; run with HMAP_OPTIONS=help=1 to list "
                "the options\n",
                (int)getpid(), why);
        _exit(1);
    }
    if (hmap__opts.help)
        print_help();
}
