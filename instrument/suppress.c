/*
 * suppress.c - suppressions: HMAP_OPTIONS=suppressions=FILE silences the
 * reports of races the program cannot fix yet, as TSan's suppressions do.
 *
 * The file holds one suppression a line, KIND:PATTERN; '#' starts a
 * comment.  KIND is "race" (any of the three concurrent kinds) or one of
 * them spelt with underscores (concurrent_map_writes,
 * concurrent_map_read_and_map_write,
 * concurrent_map_iteration_and_map_write).  PATTERN, with '*' matching any
 * run of characters, is matched against the function, the source file and
 * the module of every frame of every thread in the report, and against
 * the call sites the report names.  A report that matches is not printed:
 * the operation goes on, as it would have without the checks, and the
 * report is counted.  At exit one line says how many were suppressed, by
 * which suppression.
 *
 * Other kinds cannot be suppressed: after a dangling pointer, a freed or
 * bogus map, the program cannot go on.  A suppression of one, an unknown
 * kind or a malformed line is an error at start-up (exit 1).
 */
#include "suppress.h"
#include "options.h"
#include "symbolize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_SUPPRESSIONS = 64, PATTERN_MAX = 256 };

struct suppression {
    bool race;                    /* any of the three concurrent kinds */
    enum hmap_kind kind;          /* else this one */
    char pattern[PATTERN_MAX];
    char text[PATTERN_MAX + 64];  /* the line, for the summary */
    unsigned long hits;           /* relaxed atomic */
};

static struct suppression table[MAX_SUPPRESSIONS];
static int count;

static bool is_race(enum hmap_kind k)
{
    return k == HMAP_KIND_CONCURRENT_WRITES || k == HMAP_KIND_CONCURRENT_READ_WRITE ||
           k == HMAP_KIND_CONCURRENT_ITERATION_WRITE;
}

/* '*' matches any run of characters; the rest matches itself. */
static bool glob_match(const char *p, const char *s)
{
    if (*p == '\0')
        return *s == '\0';
    if (*p == '*') {
        for (;; s++) {
            if (glob_match(p + 1, s))
                return true;
            if (*s == '\0')
                return false;
        }
    }
    return *s == *p && glob_match(p + 1, s + 1);
}

/* A file name matches by its whole path or by its last component. */
static bool name_matches(const char *pattern, const char *name)
{
    if (!name || !*name)
        return false;
    const char *base = strrchr(name, '/');
    return glob_match(pattern, name) || (base && glob_match(pattern, base + 1));
}

static _Noreturn void bad_line(const char *path, int line, const char *why)
{
    fprintf(stderr,
            "==%d==ERROR: hmap: HMAP_OPTIONS: suppressions=%s, line %d: %s\n",
            (int)getpid(), path, line, why);
    _exit(1);
}

/* "race", or a race kind spelt with underscores. */
static bool parse_kind(const char *word, struct suppression *s)
{
    if (!strcmp(word, "race")) {
        s->race = true;
        return true;
    }
    for (int k = 0; k < HMAP_KIND_COUNT; k++) {
        char spelt[64];
        snprintf(spelt, sizeof spelt, "%s", hmap__kind_name((enum hmap_kind)k));
        for (char *c = spelt; *c; c++)
            if (*c == ' ')
                *c = '_';
        if (!strcmp(word, spelt)) {
            s->race = false;
            s->kind = (enum hmap_kind)k;
            return true;
        }
    }
    return false;
}

static void print_summary(void)
{
    unsigned long total = 0;
    for (int i = 0; i < count; i++)
        total += __atomic_load_n(&table[i].hits, __ATOMIC_RELAXED);
    if (total == 0)
        return;
    fprintf(stderr, "==%d==hmap: %lu report%s suppressed:", (int)getpid(), total,
            total == 1 ? "" : "s");
    for (int i = 0; i < count; i++) {
        unsigned long n = __atomic_load_n(&table[i].hits, __ATOMIC_RELAXED);
        if (n)
            fprintf(stderr, " %s (%lu)", table[i].text, n);
    }
    fprintf(stderr, "\n");
}

void hmap__suppress_init(void)
{
    const char *path = hmap__opts.suppressions;
    if (!path[0])
        return;
    FILE *f = fopen(path, "r");
    if (!f)
        bad_line(path, 0, "cannot be read");
    char line[PATTERN_MAX + 128];
    for (int n = 1; fgets(line, sizeof line, f); n++) {
        line[strcspn(line, "#\r\n")] = '\0';
        char *text = line + strspn(line, " \t");
        size_t len = strlen(text);
        while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
            text[--len] = '\0';
        if (len == 0)
            continue;
        char *colon = strchr(text, ':');
        if (!colon || colon == text || !colon[1])
            bad_line(path, n, "expected KIND:PATTERN");
        if (count == MAX_SUPPRESSIONS)
            bad_line(path, n, "more than 64 suppressions");
        struct suppression *s = &table[count];
        *colon = '\0';
        if (!parse_kind(text, s))
            bad_line(path, n, "unknown kind (race, or a race kind with underscores)");
        if (!s->race && !is_race(s->kind))
            bad_line(path, n, "only races can be suppressed: after this kind the program "
                              "cannot go on");
        if (strlen(colon + 1) >= PATTERN_MAX)
            bad_line(path, n, "pattern too long");
        snprintf(s->pattern, sizeof s->pattern, "%s", colon + 1);
        snprintf(s->text, sizeof s->text, "%s:%s", text, colon + 1);
        count++;
    }
    fclose(f);
    if (count > 0)
        atexit(print_summary);
}

/* Whether pattern matches a frame or a site of r. */
static bool report_matches(const struct hmap_report *r, const char *pattern)
{
    for (int t = 0; t < r->nthreads && t < HMAP_REPORT_THREADS; t++) {
        const struct hmap_report_thread *part = &r->threads[t];
        if (part->site && (glob_match(pattern, part->site->func) ||
                           name_matches(pattern, part->site->file)))
            return true;
        const struct hmap_stack *st = part->stack;
        for (int i = 0; st && !st->unavailable && i < st->depth; i++) {
            struct hmap_frame f;
            hmap__symbolize(st->pc[i], i > 0 || !st->pc0_exact, true, &f);
            if (glob_match(pattern, f.function) || name_matches(pattern, f.file) ||
                name_matches(pattern, f.module))
                return true;
        }
    }
    return r->summary_site && (glob_match(pattern, r->summary_site->func) ||
                               name_matches(pattern, r->summary_site->file));
}

bool hmap__suppressed(const struct hmap_report *r)
{
    if (count == 0 || !is_race(r->kind))
        return false;
    for (int i = 0; i < count; i++) {
        struct suppression *s = &table[i];
        if ((s->race || s->kind == r->kind) && report_matches(r, s->pattern)) {
            __atomic_fetch_add(&s->hits, 1, __ATOMIC_RELAXED);
            return true;
        }
    }
    return false;
}
