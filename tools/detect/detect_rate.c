/*
 * detect_rate.c - how often the checked build catches Go's crash-test
 * scenarios (built as build/tools/hmap-detect-rate).
 *
 * Go's runtime tests (TestConcurrentMapWrites, TestConcurrentMapReadWrite,
 * TestConcurrentMapIterateWrite) start two goroutines that each do 10000
 * operations on one small map, yielding between operations; Go catches the
 * misuse in only part of the runs.  This tool runs the same three scenarios
 * with two threads and sched_yield(), each RUNS times in a fresh child
 * process, and prints for each how many runs ended with the expected
 * report, and how many of those carried both threads' stacks.
 *
 *     hmap-detect-rate [-v] [RUNS]      (default 100)
 *
 * -v prints how each missed run ended.
 * The exit status is 0 when every scenario was caught in at least 99% of
 * runs.
 */
#define HMAP_CHECKED 1
#include "go_scenarios.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool verbose;

struct outcome {
    bool caught;      /* ended with the expected kind */
    bool other_kind;  /* ended with another hmap report */
    bool both_stacks; /* frames of both threads' functions */
};

static bool has_frame(const char *out, const char *fn)
{
    char pat[128];
    snprintf(pat, sizeof pat, " in %s+", fn);
    return strstr(out, pat) != NULL;
}

static struct outcome run_once(const struct go_scenario *s)
{
    static char out[1 << 20];
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        go_scenario_run(s);
    }
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fds[0], out + len, sizeof out - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    out[len] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char want[128];
    snprintf(want, sizeof want, "ERROR: hmap: %s", s->kind);
    struct outcome o = { false, false, false };
    o.caught = strstr(out, want) != NULL;
    o.other_kind = !o.caught && strstr(out, "ERROR: hmap: ") != NULL;
    o.both_stacks = has_frame(out, s->first_fn) && has_frame(out, s->second_fn);
    if (verbose && !o.caught)
        fprintf(stderr, "missed run of '%s': wait status %#x, output:\n%s\n", s->name, status,
                out);
    return o;
}

int main(int argc, char **argv)
{
    int arg = 1;
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        verbose = true;
        arg++;
    }
    int runs = argc > arg ? atoi(argv[arg]) : 100;
    if (runs <= 0) {
        fprintf(stderr, "usage: %s [RUNS]\n", argv[0]);
        return 2;
    }
    bool all_good = true;
    printf("%-36s %10s %14s %12s\n", "scenario", "caught", "both stacks", "other report");
    for (size_t i = 0; i < sizeof go_scenarios / sizeof go_scenarios[0]; i++) {
        const struct go_scenario *s = &go_scenarios[i];
        int caught = 0, both = 0, other = 0;
        for (int r = 0; r < runs; r++) {
            struct outcome o = run_once(s);
            caught += o.caught;
            both += o.caught && o.both_stacks;
            other += o.other_kind;
        }
        printf("%-36s %6d/%-3d %10d/%-3d %8d/%-3d\n", s->name, caught, runs, both, runs, other,
               runs);
        fflush(stdout);
        if (caught * 100 < runs * 99)
            all_good = false;
    }
    return all_good ? 0 : 1;
}
