/*
 * per_op.c - hmap-per-op: runs each kind of operation n times on one map of
 * uint64_t keys, in the plain build and then in the checked one, R rounds
 * alternating, and prints the median nanoseconds per operation of each
 * phase in both builds and the median of the rounds' ratios (a round's
 * two runs follow each other, so that their ratio moves less with the
 * machine than the times do):
 *
 *   hmap-per-op [n [R [each]]]   (default 100000 keys, 1 round)
 *
 * With "each", every round's figures are printed too.
 *
 * Each build's round runs in a child process of its own, forked from the
 * same parent, so that every round starts from the heap that a program
 * using one build would have.  In one process a round would run on what
 * the rounds before it left: the checked build's queue of retired tables
 * keeps glibc from giving a freed map's memory back, and the plain map's
 * next inserts would reuse that memory and take no page faults
 * (docs/checked-cost.md).
 *
 * tools/checked-cost.sh also runs one round under callgrind and counts
 * each phase's instructions (per_op_ops.c keeps each phase in a function
 * of its own).  Keys are random 64-bit numbers from a fixed seed, so that
 * two runs do the same work.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timing.h"

#define DECLARE(build)                                                       \
    hmap *per_op_##build##_new(void);                                        \
    void per_op_##build##_insert(hmap *m, const uint64_t *keys, size_t n);   \
    uint64_t per_op_##build##_hit(hmap *m, const uint64_t *keys, size_t n);  \
    uint64_t per_op_##build##_miss(hmap *m, const uint64_t *keys, size_t n); \
    void per_op_##build##_replace(hmap *m, const uint64_t *keys, size_t n);  \
    uint64_t per_op_##build##_iterate(hmap *m);                              \
    size_t per_op_##build##_erase(hmap *m, const uint64_t *keys, size_t n);  \
    void per_op_##build##_free(hmap *m);
DECLARE(plain)
DECLARE(checked)

enum { PHASES = 6, MAX_ROUNDS = 64 };
static const char *const phase_names[PHASES] = { "insert", "hit", "miss", "replace", "iterate",
                                                 "erase" };

/* Nanoseconds per operation since *t, which moves to now. */
static double lap(double *t, size_t n)
{
    double now = now_ns(), per = (now - *t) / (double)n;
    *t = now;
    return per;
}

/* One round of every phase on a new map: ns[p] is phase p's time per
 * operation (per entry, for iterate).  Returns a sum of what the phases
 * found, printed so that no phase's work can be optimised away. */
#define ROUND(build)                                                                     \
    static uint64_t round_##build(const uint64_t *keys, size_t n, double *ns)            \
    {                                                                                    \
        uint64_t sum = 0;                                                                \
        hmap *m = per_op_##build##_new();                                                \
        double t = now_ns();                                                             \
        per_op_##build##_insert(m, keys, n);                                             \
        ns[0] = lap(&t, n);                                                              \
        sum += per_op_##build##_hit(m, keys, n);                                         \
        ns[1] = lap(&t, n);                                                              \
        sum += per_op_##build##_miss(m, keys, n);                                        \
        ns[2] = lap(&t, n);                                                              \
        per_op_##build##_replace(m, keys, n);                                            \
        ns[3] = lap(&t, n);                                                              \
        sum += per_op_##build##_iterate(m);                                              \
        ns[4] = lap(&t, n);                                                              \
        sum += per_op_##build##_erase(m, keys, n);                                       \
        ns[5] = lap(&t, n);                                                              \
        per_op_##build##_free(m);                                                        \
        return sum;                                                                      \
    }
ROUND(plain)
ROUND(checked)

/* What a round's child sends back. */
struct round {
    double ns[PHASES];
    uint64_t sum;
};

/* One round, in a child forked for it; false if the child did not
 * finish it. */
static bool round_in_child(uint64_t (*round)(const uint64_t *, size_t, double *),
                           const uint64_t *keys, size_t n, struct round *out)
{
    int fd[2];
    if (pipe(fd) != 0)
        return false;
    fflush(stdout); /* or the child's buffer would hold the parent's output too */
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        close(fd[0]);
        struct round r;
        r.sum = round(keys, n, r.ns);
        _exit(write(fd[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], out, sizeof *out);
    close(fd[0]);
    int status;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
           got == (ssize_t)sizeof *out;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    bool each = argc > 3 && strcmp(argv[3], "each") == 0;
    uint64_t *keys = malloc(n * sizeof *keys);
    if (!keys || n == 0 || rounds < 1 || rounds > MAX_ROUNDS)
        return 2;
    uint64_t s = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (s += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        keys[i] = z ^ (z >> 31);
    }
    static double plain[PHASES][MAX_ROUNDS], checked[PHASES][MAX_ROUNDS], ratio[PHASES][MAX_ROUNDS];
    uint64_t sum = 0;
    for (int r = 0; r < rounds; r++) {
        struct round p, c;
        if (!round_in_child(round_plain, keys, n, &p) ||
            !round_in_child(round_checked, keys, n, &c)) {
            fprintf(stderr, "hmap-per-op: a round's child process failed\n");
            return 1;
        }
        sum += p.sum + c.sum;
        for (int i = 0; i < PHASES; i++) {
            plain[i][r] = p.ns[i];
            checked[i][r] = c.ns[i];
            ratio[i][r] = c.ns[i] / p.ns[i];
            if (each)
                printf("round %d %-8s %9.1f %9.1f\n", r, phase_names[i], p.ns[i], c.ns[i]);
        }
    }
    printf("# hmap-per-op: %zu uint64_t keys, ns per operation, median of %d rounds (check %llu)\n",
           n, rounds, (unsigned long long)(sum & 0xffff));
    printf("%-8s %9s %9s %7s\n", "phase", "plain", "checked", "ratio");
    for (int i = 0; i < PHASES; i++) {
        printf("%-8s %9.1f %9.1f %6.2fx\n", phase_names[i], median_round(plain[i], rounds),
               median_round(checked[i], rounds), median_round(ratio[i], rounds));
    }
    free(keys);
    return 0;
}
