/*
 * deathutil.c - see deathutil.h.
 */
#include "deathutil.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { DEADLINE_S = 60 };

static void run_child(int errfd, void (*scenario)(void), const char *options)
{
    dup2(errfd, STDERR_FILENO);
    close(errfd);
    if (options)
        setenv("HMAP_OPTIONS", options, 1);
    else
        unsetenv("HMAP_OPTIONS");
    scenario();
    fprintf(stderr, "death test: the scenario returned\n");
    _exit(99);
}

static void read_all(struct death *d, int fd)
{
    time_t deadline = time(NULL) + DEADLINE_S;
    d->len = 0;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int left = (int)(deadline - time(NULL));
        if (left <= 0) {
            kill(d->pid, SIGKILL);
            break;
        }
        int r = poll(&p, 1, left * 1000);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t room = sizeof d->err - 1 - d->len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(d->err + d->len, buf, take);
        d->len += take;
    }
    d->err[d->len] = '\0';
}

void death_run(struct death *d, void (*scenario)(void), const char *options)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    d->pid = fork();
    ck_assert_int_ge(d->pid, 0);
    if (d->pid == 0) {
        close(fds[0]);
        run_child(fds[1], scenario, options);
    }
    close(fds[1]);
    read_all(d, fds[0]);
    close(fds[0]);
    while (waitpid(d->pid, &d->status, 0) < 0 && errno == EINTR)
        ;
}

void death_expect_end(const struct death *d, int sig)
{
    if (sig > 0)
        ck_assert_msg(WIFSIGNALED(d->status) && WTERMSIG(d->status) == sig,
                      "expected death by signal %d, got status %#x; stderr:\n%s", sig, d->status,
                      d->err);
    else
        ck_assert_msg(WIFEXITED(d->status) && WEXITSTATUS(d->status) == -sig,
                      "expected exit code %d, got status %#x; stderr:\n%s", -sig, d->status,
                      d->err);
}

/* The line starting at p, copied into buf. */
static void line_at(const char *p, char *buf, size_t len)
{
    size_t n = strcspn(p, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

/* The report's first line: line 1 of stderr, or under TSan or ASan the
 * first line that starts like one. */
static const char *first_report_line(const struct death *d, const char *head)
{
    if (!UNDER_TSAN && !UNDER_ASAN)
        return d->err;
    const char *p = strstr(d->err, head);
    while (p && p != d->err && p[-1] != '\n')
        p = strstr(p + 1, head);
    return p ? p : d->err;
}

static const char *last_line(const struct death *d)
{
    const char *end = d->err + d->len;
    while (end > d->err && end[-1] == '\n')
        end--;
    const char *p = end;
    while (p > d->err && p[-1] != '\n')
        p--;
    return p;
}

/* Whether the frame line at p names fn. */
static bool frame_names(const char *p, const char *fn)
{
    size_t fl = strlen(fn);
    const char *in = strstr(p, " in ");
    const char *eol = strchr(p, '\n');
    if (!in || (eol && in > eol))
        return false;
    return strncmp(in + 4, fn, fl) == 0 &&
           (in[4 + fl] == '+' || in[4 + fl] == ' ' || in[4 + fl] == '\n' || in[4 + fl] == '\0');
}

void death_expect_stack(const struct death *d, const char *head, const char *fn)
{
    size_t hl = strlen(head);
    const char *p = d->err;
    while (p && strncmp(p, head, hl) != 0) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    ck_assert_msg(p != NULL, "no line starts with '%s'; stderr:\n%s", head, d->err);
    for (p = strchr(p, '\n'); p && strncmp(p + 1, "    #", 5) == 0; p = strchr(p + 1, '\n'))
        if (frame_names(p + 1, fn))
            return;
    /* The output may be long (ASan's): Check's message is bounded. */
    ck_abort_msg("the stack under '%s' has no frame in %s", head, fn);
}

void death_expect_summary(const struct death *d, const char *kind, const char *file,
                          const char *fn)
{
    char last[512], want[256];
    line_at(last_line(d), last, sizeof last);
    snprintf(want, sizeof want, "SUMMARY: hmap: %s ", kind);
    size_t wl = strlen(want);
    bool ok = strncmp(last, want, wl) == 0;
    const char *colon = ok ? strrchr(last + wl, ':') : NULL;
    const char *in = colon ? strstr(colon, " in ") : NULL;
    size_t fl = strlen(file);
    ok = colon && in && colon - (last + wl) >= (ptrdiff_t)fl &&
         strncmp(colon - fl, file, fl) == 0 && colon[1] >= '1' && colon[1] <= '9' &&
         strspn(colon + 1, "0123456789") == (size_t)(in - colon - 1) && strcmp(in + 4, fn) == 0;
    ck_assert_msg(ok, "last line is not 'SUMMARY: hmap: %s ...%s:LINE in %s'; stderr:\n%s", kind,
                  file, fn, d->err);
}

int death_count_frames(const struct death *d, const char *fn)
{
    int n = 0;
    size_t fl = strlen(fn);
    for (const char *p = d->err; (p = strstr(p, " in ")) != NULL; p += 4) {
        const char *line = p;
        while (line > d->err && line[-1] != '\n')
            line--;
        if (strncmp(line, "    #", 5) != 0)
            continue;
        if (strncmp(p + 4, fn, fl) == 0 && (p[4 + fl] == '+' || p[4 + fl] == ' ' ||
                                            p[4 + fl] == '\n'))
            n++;
    }
    return n;
}

bool death_stderr_has(const struct death *d, const char *s)
{
    return strstr(d->err, s) != NULL;
}

void death_expect_report(const struct death *d, const char *kind, ...)
{
    char head[128], first[512], want[256];
    snprintf(head, sizeof head, "==%d==ERROR: hmap: ", (int)d->pid);
    snprintf(want, sizeof want, "%s%s", head, kind);
    line_at(first_report_line(d, head), first, sizeof first);
    size_t wl = strlen(want);
    ck_assert_msg(strncmp(first, want, wl) == 0 && (first[wl] == '\0' || first[wl] == ' '),
                  "first line is not '%s...'; stderr:\n%s", want, d->err);

    char last[512];
    snprintf(want, sizeof want, "SUMMARY: hmap: %s", kind);
    line_at(last_line(d), last, sizeof last);
    ck_assert_msg(strncmp(last, want, strlen(want)) == 0,
                  "last line is not '%s...'; stderr:\n%s", want, d->err);

    va_list ap;
    va_start(ap, kind);
    for (const char *fn; (fn = va_arg(ap, const char *)) != NULL;)
        ck_assert_msg(death_count_frames(d, fn) > 0, "no frame names %s; stderr:\n%s", fn, d->err);
    va_end(ap);
}
