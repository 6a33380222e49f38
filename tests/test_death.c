/*
 * test_death.c - one death test (at least) per kind of report of the checked
 * build (DESIGN §4), meson suite `death`.
 *
 * Each scenario below is a small program that misuses a map and must not
 * survive it.  The test runs it in a child process and checks the
 * termination, the first and last lines of the report with the exact kind
 * string, and frames naming the scenario's own functions - for concurrent
 * kinds, the functions of both threads.
 */
#define HMAP_CHECKED 1
#include "deathutil.h"
#include "plain_new.h"
#include "testutil.h"
#include "../instrument/thread.h" /* hmap__thread_record: which map a thread is inside */

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ThreadSanitizer delivers asynchronous signals only at its own safe
 * points, so the other thread's stack may come too late there; everywhere
 * else both stacks are required. */
#define OTHER_THREAD(fn) (UNDER_TSAN ? NULL : (fn))

static struct death d;

#define NOINLINE __attribute__((noinline))

/* Where the scenarios' maps come from: checked code, or (for
 * test_kinds_on_plain_created_maps) a plain translation unit, whose maps
 * the checked runtime must check as well. */
static bool plain_created;

static hmap *new_map_of(const hmap_type *t)
{
    hmap *m = plain_created ? plain_new(t) : hmap_new(t, 0);
    ck_assert_ptr_nonnull(m);
    return m;
}

static hmap *new_u64_map(void)
{
    return new_map_of(&HMAP_TYPE(uint64_t, uint64_t));
}

/* ---- concurrent map writes ------------------------------------------- */

static hmap *shared;
static pthread_barrier_t start;

static NOINLINE void *writer_one(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (uint64_t i = 0;; i++) {
        uint64_t k = 5, v = i;
        hmap_set(shared, &k, &v);
    }
    return NULL;
}

static NOINLINE void *writer_two(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (uint64_t i = 0;; i++) {
        uint64_t k = 6, v = i;
        hmap_set(shared, &k, &v);
    }
    return NULL;
}

static NOINLINE void *reader(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (;;) {
        uint64_t k = 6;
        (void)hmap_get(shared, &k);
    }
    return NULL;
}

static NOINLINE void *iterator(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (;;) {
        hmap_iter it;
        for (hmap_iter_init(&it, shared); hmap_iter_next(&it);)
            ;
    }
    return NULL;
}

static void run_pair(void *(*a)(void *), void *(*b)(void *))
{
    shared = new_u64_map();
    for (uint64_t k = 0; k < 100; k++)
        hmap_set(shared, &k, &k);
    pthread_barrier_init(&start, NULL, 2);
    pthread_t ta, tb;
    pthread_create(&ta, NULL, a, NULL);
    pthread_create(&tb, NULL, b, NULL);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
}

static void concurrent_writes(void)
{
    run_pair(writer_one, writer_two);
}

START_TEST(test_concurrent_writes)
{
    death_run(&d, concurrent_writes, NULL);
    death_expect_end(&d, SIGABRT);
    /* Either thread may be the one that notices. */
    death_expect_report(&d, "concurrent map writes", "start_thread", NULL);
    ck_assert_msg(death_count_frames(&d, "writer_one") > 0 || UNDER_TSAN, "%s", d.err);
    ck_assert_msg(death_count_frames(&d, "writer_two") > 0 || UNDER_TSAN, "%s", d.err);
    ck_assert_msg(death_stderr_has(&d, "map created by thread T0"), "%s", d.err);
}
END_TEST

static void read_and_write(void)
{
    run_pair(writer_one, reader);
}

START_TEST(test_concurrent_read_write)
{
    death_run(&d, read_and_write, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "concurrent map read and map write", "reader",
                        OTHER_THREAD("writer_one"), NULL);
}
END_TEST

/* A read by another thread during a write of the map's sole user, made
 * certain: the program's allocator, called while the write grows the
 * map, lets the other thread read and waits until it has.  The fast write
 * finds the reader's mark in the map's sole-user word as it ends; where
 * every write takes the whole protocol (TSan), the read finds the write
 * under way instead. */
static hmap *grown;
static bool read_armed;
static sem_t read_now, read_done;
static volatile uintptr_t read_sink;

static NOINLINE void *read_when_told(void *arg)
{
    (void)arg;
    sem_wait(&read_now);
    uint64_t k = 1;
    read_sink = (uintptr_t)hmap_get(grown, &k);
    sem_post(&read_done);
    for (;;)
        pause();
    return NULL;
}

static void *alloc_block(size_t size, size_t align, void *ctx)
{
    (void)ctx;
    void *p = NULL;
    return posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size) ? NULL : p;
}

static void *alloc_letting_a_read_in(size_t size, size_t align, void *ctx)
{
    if (read_armed) {
        read_armed = false;
        sem_post(&read_now);
        sem_wait(&read_done);
    }
    return alloc_block(size, align, ctx);
}

static void free_block(void *p, size_t size, size_t align, void *ctx)
{
    (void)size;
    (void)align;
    (void)ctx;
    free(p);
}

static NOINLINE void read_during_growth(void)
{
    static const hmap_allocator letting_a_read_in = { alloc_letting_a_read_in, free_block, NULL };
    if (hmap_set_allocator(&letting_a_read_in) != 0)
        _exit(3); /* the library allocated before: this process cannot run the scenario */
    sem_init(&read_now, 0, 0);
    sem_init(&read_done, 0, 0);
    grown = new_u64_map();
    uint64_t k = 1;
    hmap_set(grown, &k, &k);
    pthread_t t;
    pthread_create(&t, NULL, read_when_told, NULL);
    read_armed = true;
    for (k = 2; k < 100000; k++) /* grows: an allocation lets the read in */
        hmap_set(grown, &k, &k);
}

START_TEST(test_read_during_sole_users_write)
{
    death_run(&d, read_during_growth, NULL);
    if (UNDER_TSAN && WIFEXITED(d.status) && WEXITSTATUS(d.status) != 3)
        return; /* TSan's report, by happens-before, came first */
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "concurrent map read and map write", "read_during_growth",
                        OTHER_THREAD("read_when_told"), NULL);
}
END_TEST

/* A write by another thread during a read of the map's sole user, made
 * certain: a signal interrupts the reader until one lands inside its
 * read, and the handler lets the other thread write and waits until it
 * has.  The read finds the writer's mark in the map's sole-user word as it
 * ends; where every read takes the whole protocol (TSan), it finds the
 * write sequence moved.  The write replaces a value, and no relocation
 * moves the table: the read finds the race itself, not by tripping over
 * a retired table.  A signal that lands after the read's last check lets
 * the write in too late: the reader then takes the sole use back (a
 * write of its own, or a map of its own) and tries once more.
 *
 * With read_before_write the other thread reads the map first, so that
 * the word holds a reader's mark, which a write leaves in place (checked.c,
 * fast_read_close_slow).  Its write then inserts into a map that it makes
 * grow, and the program's allocator holds it there, inside the write,
 * while the reader ends its read: the reader must find the write from the
 * owner word. */
static hmap *sole_read;
static bool read_before_write;
static uint64_t entries_before_growth;
static int write_now[2], write_done[2], write_release[2];
static volatile sig_atomic_t reading, write_let_in;
static volatile bool growth_armed, grew;

/* One byte through a pipe: a handover that also works from a signal
 * handler. */
static void post(int fd)
{
    char c = 0;
    if (write(fd, &c, 1) != 1)
        _exit(5);
}

static void await(int fd)
{
    char c;
    if (read(fd, &c, 1) != 1)
        _exit(5);
}

static void let_a_write_in(int sig)
{
    (void)sig;
    if (!reading || write_let_in || hmap__thread_record.inside != sole_read)
        return;
    write_let_in = 1;
    post(write_now[1]);
    await(write_done[0]);
}

static void *alloc_holding_the_write(size_t size, size_t align, void *ctx)
{
    if (growth_armed) {
        growth_armed = false;
        grew = true;
        post(write_done[1]);  /* the read ends with this write under way */
        await(write_release[0]); /* only when the read ended too soon */
    }
    return alloc_block(size, align, ctx);
}

static NOINLINE void *write_when_let_in(void *arg)
{
    (void)arg;
    for (uint64_t v = 1000;; v++) {
        uint64_t k = 3;
        await(write_now[0]);
        if (read_before_write) {
            read_sink = (uintptr_t)hmap_get(sole_read, &k);
            k = v;
            grew = false;
            growth_armed = true;
        }
        hmap_set(sole_read, &k, &v);
        if (!read_before_write)
            post(write_done[1]);
        else if (!grew)
            _exit(6); /* the insertion did not grow the map */
    }
    return NULL;
}

static void *interrupt_reader(void *arg)
{
    pthread_t reader = *(pthread_t *)arg;
    for (;;) {
        pthread_kill(reader, SIGUSR2);
        usleep(20);
    }
    return NULL;
}

/* The number of entries after which an insertion grows a map of this
 * test's kind, from a first growth past 64 entries. */
static uint64_t count_entries_before_growth(void)
{
    hmap *m = new_u64_map();
    struct hmap_stats st;
    uint64_t k;
    for (k = 0;; k++) {
        hmap_stats(m, &st);
        uint64_t growths = st.growths;
        hmap_set(m, &k, &k);
        hmap_stats(m, &st);
        if (k >= 64 && st.growths != growths)
            break;
    }
    hmap_free(m);
    return k;
}

static hmap *map_to_read(void)
{
    hmap *m = new_u64_map();
    uint64_t n = read_before_write ? entries_before_growth : 64;
    for (uint64_t k = 0; k < n; k++)
        hmap_set(m, &k, &k);
    return m;
}

static NOINLINE void read_while_another_writes(void)
{
    static const hmap_allocator holding_the_write = { alloc_holding_the_write, free_block, NULL };
    if (read_before_write && hmap_set_allocator(&holding_the_write) != 0)
        _exit(3); /* the library allocated before: this process cannot run the scenario */
    if (pipe(write_now) != 0 || pipe(write_done) != 0 || pipe(write_release) != 0)
        _exit(5);
    struct sigaction sa = { .sa_handler = let_a_write_in, .sa_flags = SA_RESTART };
    sigaction(SIGUSR2, &sa, NULL);
    entries_before_growth = count_entries_before_growth();
    sole_read = map_to_read();
    pthread_t writer, interrupter, self = pthread_self();
    pthread_create(&writer, NULL, write_when_let_in, NULL);
    pthread_create(&interrupter, NULL, interrupt_reader, &self);
    for (int tries = 0; tries < 1000; tries++) {
        uint64_t k = 7;
        while (!write_let_in) {
            reading = 1;
            read_sink = (uintptr_t)hmap_get(sole_read, &k);
            reading = 0;
        }
        if (read_before_write) {
            post(write_release[1]);
            sole_read = map_to_read();
        } else {
            hmap_set(sole_read, &k, &k);
        }
        write_let_in = 0;
    }
    _exit(4); /* no read was ever caught */
}

START_TEST(test_write_during_sole_users_read)
{
    read_before_write = _i == 1;
    death_run(&d, read_while_another_writes, "relocate=never,guard=none");
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "concurrent map read and map write", "read_while_another_writes",
                        OTHER_THREAD("write_when_let_in"), NULL);
}
END_TEST

static void iterate_and_write(void)
{
    run_pair(writer_one, iterator);
}

START_TEST(test_concurrent_iteration_write)
{
    death_run(&d, iterate_and_write, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "concurrent map iteration and map write", "iterator",
                        OTHER_THREAD("writer_one"), NULL);
}
END_TEST

/* ---- map modified during iteration ----------------------------------- */

static NOINLINE void add_while_iterating(void)
{
    hmap *m = new_u64_map();
    for (uint64_t k = 0; k < 10; k++)
        hmap_set(m, &k, &k);
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);) {
        uint64_t k = *(const uint64_t *)it.key + 1000;
        hmap_set(m, &k, &k);
    }
}

START_TEST(test_modified_during_iteration)
{
    death_run(&d, add_while_iterating, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "map modified during iteration", "add_while_iterating", NULL);
    ck_assert_msg(death_stderr_has(&d, "the iteration began at"), "%s", d.err);
    ck_assert_msg(death_stderr_has(&d, "map written by thread T0"), "%s", d.err);
}
END_TEST

/* hmap_iter_del is the one write an iteration allows; one more write
 * after it is still a write during the iteration. */
static NOINLINE void add_after_iter_del(void)
{
    hmap *m = new_u64_map();
    for (uint64_t k = 0; k < 10; k++)
        hmap_set(m, &k, &k);
    hmap_iter it;
    hmap_iter_init(&it, m);
    ck_assert(hmap_iter_next(&it));
    hmap_iter_del(&it);
    uint64_t k = 1000;
    hmap_set(m, &k, &k);
    (void)hmap_iter_next(&it);
    read_sink = 0; /* keeps the step from being a tail call, so this frame shows */
}

START_TEST(test_modified_after_iter_del)
{
    death_run(&d, add_after_iter_del, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "map modified during iteration", "add_after_iter_del", NULL);
}
END_TEST

/* A write from a plain translation unit (here: hmap_clear through a
 * function pointer, which the checked macros do not rename) still counts
 * for the iteration in progress. */
static void (*const plain_clear)(hmap *) = (hmap_clear);

static NOINLINE void plain_clear_while_iterating(void)
{
    hmap *m = new_u64_map();
    for (uint64_t k = 0; k < 100; k++)
        hmap_set(m, &k, &k);
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        plain_clear(m);
}

START_TEST(test_plain_write_during_iteration)
{
    death_run(&d, plain_clear_while_iterating, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "map modified during iteration", "plain_clear_while_iterating", NULL);
}
END_TEST

/* ---- dangling pointers ----------------------------------------------- */

static volatile uint64_t sink;

static NOINLINE void read_after_growth(void)
{
    hmap *m = new_u64_map();
    uint64_t k = 1;
    uint64_t *p = hmap_put(m, &k, NULL);
    for (k = 2; k < 1000; k++) /* grows several times */
        hmap_set(m, &k, &k);
    sink = *p;
}

static NOINLINE void write_after_insert(void)
{
    hmap *m = new_u64_map();
    uint64_t k = 1;
    uint64_t *p = hmap_put(m, &k, NULL);
    k = 2;
    hmap_set(m, &k, &k); /* does not grow: relocate=always moves it anyway */
    *p = 42;
}

START_TEST(test_dangling_read)
{
    death_run(&d, read_after_growth, "relocate=never");
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "dangling pointer read", "read_after_growth", NULL);
    death_expect_stack(&d, "  read by thread ", "read_after_growth");
    death_expect_summary(&d, "dangling pointer read", "test_death.c", "read_after_growth");
    ck_assert_msg(death_stderr_has(&d, "table retired by thread T0"), "%s", d.err);
    ck_assert_msg(death_stderr_has(&d, "generation"), "%s", d.err);
}
END_TEST

START_TEST(test_dangling_write_relocate_always)
{
    death_run(&d, write_after_insert, "relocate=always");
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "dangling pointer write", "write_after_insert", NULL);
    death_expect_stack(&d, "  write by thread ", "write_after_insert");
    death_expect_summary(&d, "dangling pointer write", "test_death.c", "write_after_insert");
}
END_TEST

START_TEST(test_no_relocation_no_report)
{
    /* The same bug with relocation off and no growth goes unnoticed: the
     * pointer happens to stay valid.  The test shows what relocate= buys. */
    death_run(&d, write_after_insert, "relocate=never");
    death_expect_end(&d, -99);
    ck_assert_msg(!death_stderr_has(&d, "ERROR: hmap"), "%s", d.err);
}
END_TEST

/* relocate=sampled (the default) moves a small map now and then, so a
 * pointer held across many writes is caught without anyone asking; with
 * seed= the run is reproducible: the same writes relocate. */
static NOINLINE void hold_across_many_writes(void)
{
    hmap *m = new_u64_map();
    for (uint64_t k = 0; k < 8; k++)
        hmap_set(m, &k, &k);
    uint64_t k0 = 0;
    uint64_t *p = hmap_get(m, &k0);
    for (uint64_t i = 0; i < 50000; i++) { /* overwrites: the map never grows */
        uint64_t k = i % 8;
        hmap_set(m, &k, &i);
    }
    sink = *p;
}

/* The report's detail line ("address ... generation ..."), without the
 * address, which ASLR changes from run to run. */
static void generations_of(const struct death *r, char *out, size_t len)
{
    const char *g = strstr(r->err, "is in a table of generation");
    ck_assert_msg(g != NULL, "%s", r->err);
    size_t n = strcspn(g, "\n");
    snprintf(out, len, "%.*s", (int)n, g);
}

START_TEST(test_sampled_relocation_is_reproducible)
{
    char first[256], second[256];
    death_run(&d, hold_across_many_writes, "relocate=sampled:seed=12345");
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "dangling pointer read", "hold_across_many_writes", NULL);
    generations_of(&d, first, sizeof first);
    death_run(&d, hold_across_many_writes, "relocate=sampled:seed=12345");
    death_expect_end(&d, SIGABRT);
    generations_of(&d, second, sizeof second);
    ck_assert_str_eq(first, second);
}
END_TEST

/* relocate=sampled relocates a map once in about 1024 + 4 * slots writes
 * (instrument/checked.c, SAMPLE_BASE and SAMPLE_PER_SLOT): the
 * number of relocations over many seeds is held to that rate, so that a
 * sampler 16 times sparser (or denser) fails.  A relocation is seen
 * without looking inside the map: the value slot of a key moves. */
enum { RATE_WRITES = 20000, RATE_SEEDS = 24 };

static NOINLINE void count_relocations(void)
{
    hmap *m = new_u64_map(); /* 8 keys: one group, and overwrites never grow it */
    for (uint64_t k = 0; k < 8; k++)
        hmap_set(m, &k, &k);
    uint64_t k0 = 0;
    uintptr_t at = (uintptr_t)hmap_get(m, &k0);
    long moves = 0;
    for (uint64_t i = 0; i < RATE_WRITES; i++) {
        uint64_t k = i % 8;
        hmap_set(m, &k, &i);
        uintptr_t now = (uintptr_t)hmap_get(m, &k0);
        moves += now != at;
        at = now;
    }
    fprintf(stderr, "relocations %ld\n", moves);
    _exit(0);
}

START_TEST(test_relocation_rate)
{
    long total = 0;
    for (int seed = 1; seed <= RATE_SEEDS; seed++) {
        char opts[64];
        snprintf(opts, sizeof opts, "relocate=sampled:seed=%d", seed);
        death_run(&d, count_relocations, opts);
        death_expect_end(&d, 0);
        const char *p = strstr(d.err, "relocations ");
        ck_assert_msg(p != NULL, "%s", d.err);
        total += atol(p + strlen("relocations "));
    }
    /* One table of one group, 15 slots: a mean of 1024 + 4 * 15 writes
     * between relocations (1024 before the first, drawn when the map had
     * no table yet), each drawn uniformly from [1, 2 * mean]; the bounds
     * are over ten standard deviations wide, a sampler 16 times off is far
     * outside them. */
    double expected = (double)RATE_WRITES * RATE_SEEDS / (1024 + 4 * 15);
    ck_assert_msg(total > expected * 0.75 && total < expected * 1.25,
                  "%ld relocations in %d writes, expected about %.0f", total,
                  RATE_WRITES * RATE_SEEDS, expected);
}
END_TEST

/* ---- inlined functions in stacks ----------------------------------------
 * A misuse inside a function the compiler inlined: the report's stack
 * names it as a frame of its own (as llvm-symbolizer and addr2line -i do),
 * at its own line, and then the function it was inlined into. */

static inline __attribute__((always_inline)) void count_word_inlined(hmap *m, uint64_t k)
{
    hmap_set(m, &k, &k); /* the bug: m is NULL */
}

static NOINLINE void tally_words(void)
{
    count_word_inlined(NULL, 7);
    sink = 0;
}

START_TEST(test_inlined_function_named)
{
    death_run(&d, tally_words, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "assignment to entry in nil map", "count_word_inlined", "tally_words",
                        NULL);
    death_expect_stack(&d, "  write by thread ", "count_word_inlined");
}
END_TEST

/* ---- suppressions -----------------------------------------------------------
 * A race in code the user cannot fix yet, silenced by a suppressions file:
 * two threads write once each, and a long trap makes them overlap every
 * time.  Suppressed, the program runs to its end and says at exit how many
 * reports it suppressed; a suppression that matches nothing changes
 * nothing; a kind after which the program cannot go on is refused. */

static hmap *supp_map;

static NOINLINE void *third_party_writer(void *arg)
{
    uint64_t k = (uint64_t)(uintptr_t)arg;
    hmap_set(supp_map, &k, &k);
    sink = 0;
    return NULL;
}

static NOINLINE void race_in_third_party(void)
{
    supp_map = new_u64_map();
    pthread_t a, b;
    pthread_create(&a, NULL, third_party_writer, (void *)1);
    pthread_create(&b, NULL, third_party_writer, (void *)2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
}

/* The same, then an ordinary exit (atexit handlers run: the summary). */
static NOINLINE void race_in_third_party_then_exit(void)
{
    race_in_third_party();
    exit(0);
}

/* Writes `text` to a fresh file and returns HMAP_OPTIONS naming it. */
static const char *suppression_options(const char *text)
{
    static char path[64], opts[160];
    snprintf(path, sizeof path, "/tmp/hmap-supp-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    snprintf(opts, sizeof opts, "suppressions=%s:trap_us=300000", path);
    return opts;
}

START_TEST(test_suppressed_race_runs_on)
{
    if (UNDER_TSAN)
        return; /* TSan reports the race itself, by happens-before */
    death_run(&d, race_in_third_party_then_exit,
              suppression_options("# races in the vendored library\nrace:third_party_*\n"));
    death_expect_end(&d, 0);
    ck_assert_msg(!death_stderr_has(&d, "ERROR: hmap"), "%s", d.err);
    ck_assert_msg(death_stderr_has(&d, "suppressed: race:third_party_* ("), "%s", d.err);
}
END_TEST

START_TEST(test_unmatched_suppression_reports)
{
    death_run(&d, race_in_third_party, suppression_options("race:nothing_like_this\n"));
    if (UNDER_TSAN && WIFEXITED(d.status))
        return; /* TSan's report, by happens-before, came first */
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "concurrent map writes", "third_party_writer", NULL);
}
END_TEST

START_TEST(test_unsuppressible_kind_refused)
{
    death_run(&d, race_in_third_party, suppression_options("use_of_freed_map:*\n"));
    death_expect_end(&d, -1);
    ck_assert_msg(death_stderr_has(&d, "only races can be suppressed"), "%s", d.err);
}
END_TEST

/* ---- invalid arguments ---------------------------------------------------
 * Each is reported on entry, whatever the map holds: the maps here are
 * empty, where the core would not even look at the key. */

static hmap *bad_arg_map;
static hmap_iter bad_arg_it;

static volatile uintptr_t bad_arg_sink; /* keeps the calls below from being tail calls */

static NOINLINE void get_null_key(void) { bad_arg_sink = (uintptr_t)hmap_get(bad_arg_map, NULL); }
static NOINLINE void has_null_key(void) { bad_arg_sink = hmap_has(bad_arg_map, NULL); }
static NOINLINE void put_null_key(void) { bad_arg_sink = (uintptr_t)hmap_put(bad_arg_map, NULL, NULL); }
static NOINLINE void del_null_key(void) { bad_arg_sink = hmap_del(bad_arg_map, NULL); }

static NOINLINE void set_null_key(void)
{
    uint64_t v = 1;
    hmap_set(bad_arg_map, NULL, &v);
}

static NOINLINE void set_null_value(void)
{
    uint64_t k = 1;
    hmap_set(bad_arg_map, &k, NULL);
}

static NOINLINE void get_null_string(void)
{
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(int), 0);
    const char *key = NULL;
    (void)hmap_get(m, &key);
}

static NOINLINE void set_null_string(void)
{
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(int), 0);
    const char *key = NULL;
    int v = 1;
    hmap_set(m, &key, &v);
}

static NOINLINE void has_null_string(void)
{
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(int), 0);
    const char *key = NULL;
    bad_arg_sink = hmap_has(m, &key);
}

/* A string map this thread has written: its next write takes the fast
 * path, where the NULL string is tested apart from the NULL key. */
static hmap *written_string_map(void)
{
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(int), 0);
    const char *key = "k";
    int v = 1;
    hmap_set(m, &key, &v);
    return m;
}

static NOINLINE void put_null_string(void)
{
    hmap *m = written_string_map();
    const char *key = NULL;
    bad_arg_sink = (uintptr_t)hmap_put(m, &key, NULL);
}

static NOINLINE void set_null_string_written(void)
{
    hmap *m = written_string_map();
    const char *key = NULL;
    int v = 1;
    hmap_set(m, &key, &v);
    bad_arg_sink = 0;
}

static void *write_string_map(void *m)
{
    const char *key = "k";
    int v = 1;
    hmap_set(m, &key, &v);
    return NULL;
}

/* Written last by another thread: this thread's write takes the whole
 * protocol, which checks its arguments itself. */
static NOINLINE void set_null_string_shared(void)
{
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(int), 0);
    pthread_t other;
    pthread_create(&other, NULL, write_string_map, m);
    pthread_join(other, NULL);
    const char *key = NULL;
    int v = 1;
    hmap_set(m, &key, &v);
    bad_arg_sink = 0;
}

static NOINLINE void del_null_string(void)
{
    hmap *m = written_string_map();
    const char *key = NULL;
    bad_arg_sink = hmap_del(m, &key);
}

static NOINLINE void iter_del_before_next(void)
{
    uint64_t k = 1;
    hmap_set(bad_arg_map, &k, &k);
    hmap_iter_init(&bad_arg_it, bad_arg_map);
    hmap_iter_del(&bad_arg_it);
}

static NOINLINE void iter_del_twice(void)
{
    uint64_t k = 1;
    hmap_set(bad_arg_map, &k, &k);
    hmap_iter_init(&bad_arg_it, bad_arg_map);
    ck_assert(hmap_iter_next(&bad_arg_it));
    hmap_iter_del(&bad_arg_it);
    hmap_iter_del(&bad_arg_it);
}

static NOINLINE void iter_del_after_end(void)
{
    uint64_t k = 1;
    hmap_set(bad_arg_map, &k, &k);
    hmap_iter_init(&bad_arg_it, bad_arg_map);
    while (hmap_iter_next(&bad_arg_it))
        ;
    hmap_iter_del(&bad_arg_it);
}

static NOINLINE void set_null_value_on_new_map(void)
{
    bad_arg_map = new_u64_map();
    set_null_value();
    sink = 0;
}

static NOINLINE void iter_del_twice_on_new_map(void)
{
    bad_arg_map = new_u64_map();
    iter_del_twice();
    sink = 0;
}

static const struct {
    void (*fn)(void);
    const char *name, *detail;
} bad_args[] = {
    { get_null_key, "get_null_key", "the key is NULL" },
    { has_null_key, "has_null_key", "the key is NULL" },
    { put_null_key, "put_null_key", "the key is NULL" },
    { set_null_key, "set_null_key", "the key is NULL" },
    { del_null_key, "del_null_key", "the key is NULL" },
    { set_null_value, "set_null_value", "the value is NULL, and the map's values are 8 bytes" },
    { get_null_string, "get_null_string", "the key points at a NULL string" },
    { set_null_string, "set_null_string", "the key points at a NULL string" },
    { has_null_string, "has_null_string", "the key points at a NULL string" },
    { put_null_string, "put_null_string", "the key points at a NULL string" },
    { set_null_string_written, "set_null_string_written", "the key points at a NULL string" },
    { del_null_string, "del_null_string", "the key points at a NULL string" },
    { set_null_string_shared, "set_null_string_shared", "the key points at a NULL string" },
    { iter_del_before_next, "iter_del_before_next", "hmap_iter_del without a current entry" },
    { iter_del_twice, "iter_del_twice", "hmap_iter_del without a current entry" },
    { iter_del_after_end, "iter_del_after_end",
      "hmap_iter_del without a current entry: the iteration has ended" },
};

START_TEST(test_invalid_argument)
{
    bad_arg_map = new_u64_map();
    death_run(&d, bad_args[_i].fn, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "invalid argument", bad_args[_i].name, NULL);
    ck_assert_msg(death_stderr_has(&d, bad_args[_i].detail), "%s: %s", bad_args[_i].name, d.err);
    hmap_free(bad_arg_map);
}
END_TEST

/* ---- nil, freed and invalid maps -------------------------------------- */

static NOINLINE void write_to_nil_map(void)
{
    hmap *m = NULL;
    uint64_t k = 1, v = 2;
    ck_assert_ptr_null(hmap_get(m, &k)); /* reading a nil map is fine */
    hmap_set(m, &k, &v);
}

START_TEST(test_nil_map)
{
    death_run(&d, write_to_nil_map, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "assignment to entry in nil map", "write_to_nil_map", NULL);
}
END_TEST

static NOINLINE void get_after_free(void)
{
    hmap *m = new_u64_map();
    uint64_t k = 1;
    hmap_set(m, &k, &k);
    hmap_free(m);
    sink = hmap_has(m, &k);
}

static NOINLINE void double_free(void)
{
    hmap *m = new_u64_map();
    hmap_free(m);
    hmap_free(m);
    sink = 0; /* keeps the second free from being a tail call, so this frame shows */
}

static NOINLINE void iterate_freed_map(void)
{
    hmap *m = new_u64_map();
    for (uint64_t k = 0; k < 10; k++)
        hmap_set(m, &k, &k);
    hmap_iter it;
    hmap_iter_init(&it, m);
    hmap_iter_next(&it);
    hmap_free(m);
    hmap_iter_next(&it);
}

START_TEST(test_use_after_free)
{
    death_run(&d, get_after_free, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "use of freed map", "get_after_free", NULL);
    ck_assert_msg(death_stderr_has(&d, "map freed by thread T0"), "%s", d.err);
}
END_TEST

START_TEST(test_double_free)
{
    death_run(&d, double_free, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "use of freed map", "double_free", NULL);
}
END_TEST

START_TEST(test_iterator_of_freed_map)
{
    death_run(&d, iterate_freed_map, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "use of freed map", "iterate_freed_map", NULL);
}
END_TEST

static NOINLINE void not_a_map(void)
{
    static uint64_t words[64] = { 1, 2, 3 };
    uint64_t k = 1;
    sink = hmap_len((hmap *)(void *)words) + (hmap_get((hmap *)(void *)words, &k) != NULL);
}

START_TEST(test_invalid_map_pointer)
{
    death_run(&d, not_a_map, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "invalid map pointer", "not_a_map", NULL);
}
END_TEST

/* ---- reentrant map access ------------------------------------------- */

static hmap *logged;

static uint64_t logging_hash(const void *key, uint64_t seed)
{
    const char *tag = "lookups";
    (void)hmap_get(logged, &tag); /* the bug: a lookup in the map being hashed for */
    return hmap_hash_cstr(key, seed);
}

/* A string map whose hash is `hash`, as `logged`, and one key set in it;
 * returns its length, which the callers store so as to stay on the stack
 * (a tail call would leave their frame out of the report). */
static NOINLINE size_t set_in_map_hashed_by(hmap_hash_fn hash)
{
    hmap_type t = HMAP_TYPE_CSTR(int);
    t.hash = hash;
    logged = new_map_of(&t);
    const char *k = "a";
    int v = 1;
    hmap_set(logged, &k, &v);
    return hmap_len(logged);
}

static NOINLINE void hash_calls_back(void)
{
    sink = set_in_map_hashed_by(logging_hash);
}

START_TEST(test_reentrant)
{
    death_run(&d, hash_calls_back, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "reentrant map access", "logging_hash", "hash_calls_back", NULL);
}
END_TEST

/* The same bug, after the callback used another map correctly: a map
 * that this thread wrote last, whose operations may take the checked
 * build's fast path, which must leave the outer operation's marks alone. */
static hmap *side;

static uint64_t hash_using_side_map(const void *key, uint64_t seed)
{
    uint64_t k = 7, v = 8;
    sink += hmap_get(side, &k) != NULL;
    hmap_set(side, &k, &v);
    const char *tag = "lookups";
    (void)hmap_get(logged, &tag); /* the bug */
    return hmap_hash_cstr(key, seed);
}

static NOINLINE void hash_uses_another_map_then_calls_back(void)
{
    side = new_map_of(&HMAP_TYPE(uint64_t, uint64_t));
    uint64_t k = 7, v = 1;
    hmap_set(side, &k, &v);
    sink = set_in_map_hashed_by(hash_using_side_map);
}

START_TEST(test_reentrant_after_another_map)
{
    death_run(&d, hash_uses_another_map_then_calls_back, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "reentrant map access", "hash_using_side_map",
                        "hash_uses_another_map_then_calls_back", NULL);
}
END_TEST

/* ---- key modified after insertion ------------------------------------ */

static char names[64][16];

static NOINLINE void edit_key_then_grow(void)
{
    hmap *m = hmap_new(&HMAP_TYPE_CSTR(int), 0);
    for (int i = 0; i < 8; i++) {
        snprintf(names[i], sizeof names[i], "user%d", i);
        const char *k = names[i];
        hmap_set(m, &k, &i);
    }
    /* The bug: stored keys' strings change.  Four of them, so that the
     * growth's check cannot miss them all: in a map of one table only the
     * tag can disagree, and one renamed key keeps its tag once in 255
     * runs. */
    for (int i = 1; i <= 4; i++)
        strcpy(names[i], "renamed");
    for (int i = 8; i < 64; i++) { /* growth moves, and rehashes, every key */
        snprintf(names[i], sizeof names[i], "user%d", i);
        const char *k = names[i];
        hmap_set(m, &k, &i);
    }
}

static NOINLINE void edit_key_then_verify(void)
{
    hmap *m = new_u64_map();
    for (uint64_t k = 0; k < 4; k++)
        hmap_set(m, &k, &k);
    /* The bug: casting away it.key's const.  Every key, so that the check
     * cannot miss them all (one table: only the tag and the probe can
     * disagree). */
    hmap_iter it;
    for (hmap_iter_init(&it, m); hmap_iter_next(&it);)
        *(uint64_t *)(uintptr_t)it.key += 1000;
    hmap_verify(m);
}

START_TEST(test_key_modified_growth)
{
    death_run(&d, edit_key_then_grow, "relocate=never");
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "key modified after insertion", "edit_key_then_grow", NULL);
    ck_assert_msg(death_stderr_has(&d, "\"renamed\""), "%s", d.err);
}
END_TEST

START_TEST(test_key_modified_verify)
{
    death_run(&d, edit_key_then_verify, "relocate=never");
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "key modified after insertion", "edit_key_then_verify", NULL);
}
END_TEST

/* ---- options that change the ending ---------------------------------- */

START_TEST(test_exitcode)
{
    death_run(&d, write_to_nil_map, "exitcode=23");
    death_expect_end(&d, -23);
    death_expect_report(&d, "assignment to entry in nil map", "write_to_nil_map", NULL);
}
END_TEST

/* ---- deleted slots are poisoned --------------------------------------- */

static NOINLINE void read_deleted_slot(void)
{
    hmap *m = new_u64_map();
    uint64_t k = 1, v = 77;
    hmap_set(m, &k, &v);
    const uint64_t *p = hmap_get(m, &k);
    hmap_del(m, &k); /* the bug: p is kept across the delete (relocate=never: no fault) */
    fprintf(stderr, "value after delete: %#llx\n", (unsigned long long)*p);
    _exit(0);
}

START_TEST(test_deleted_slot_poisoned)
{
    death_run(&d, read_deleted_slot, "relocate=never");
#if defined(__SANITIZE_ADDRESS__)
    /* Under ASan the slot is poisoned for it too: the read is its report. */
    ck_assert_msg(death_stderr_has(&d, "AddressSanitizer: use-after-poison"), "%s", d.err);
#else
    death_expect_end(&d, 0);
    ck_assert_msg(death_stderr_has(&d, "value after delete: 0xdbdbdbdbdbdbdbdb"), "%s", d.err);
#endif
}
END_TEST

/* ---- HMAP_OPTIONS ------------------------------------------------------ */

START_TEST(test_unknown_option_is_an_error)
{
    death_run(&d, write_to_nil_map, "relocate=always:colour=blue");
    death_expect_end(&d, -1);
    ck_assert_msg(death_stderr_has(&d, "'colour'") && death_stderr_has(&d, "help=1"), "%s", d.err);
    ck_assert_msg(!death_stderr_has(&d, "ERROR: hmap: assignment"), "%s", d.err);
}
END_TEST

START_TEST(test_bad_value_is_an_error)
{
    death_run(&d, write_to_nil_map, "relocate=sometimes");
    death_expect_end(&d, -1);
    ck_assert_msg(death_stderr_has(&d, "'relocate'") && death_stderr_has(&d, "sometimes"), "%s",
                  d.err);
}
END_TEST

/* Values that would hurt the program or hide a report are refused:
 * exitcode=0 lets a reported run pass, quarantine_mb=0 turns dangling
 * pointers into bare faults, and a classic signal means something to the
 * program (SIGINT, SIGTERM, SIGCHLD). */
static const char *const harmful_values[] = { "exitcode=0", "quarantine_mb=0", "signal=2",
                                              "signal=15", "signal=17" };

START_TEST(test_harmful_values_refused)
{
    death_run(&d, write_to_nil_map, harmful_values[_i]);
    death_expect_end(&d, -1);
    char name[32];
    snprintf(name, sizeof name, "'%.*s'", (int)(strchr(harmful_values[_i], '=') - harmful_values[_i]),
             harmful_values[_i]);
    ck_assert_msg(death_stderr_has(&d, name) && death_stderr_has(&d, "expected"), "%s: %s",
                  harmful_values[_i], d.err);
    ck_assert_msg(!death_stderr_has(&d, "ERROR: hmap: assignment"), "%s", d.err);
}
END_TEST

static volatile sig_atomic_t program_handler_ran;
static void program_handler(int sig)
{
    (void)sig;
    program_handler_ran = 1;
}

static void install_program_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = program_handler;
    ck_assert_int_eq(sigaction(SIGRTMIN + 6, &sa, NULL), 0);
}

static NOINLINE void handler_then_nil_write(void)
{
    install_program_handler();
    uint64_t k = 1;
    (void)hmap_len(NULL); /* starts the runtime */
    struct sigaction now;
    sigaction(SIGRTMIN + 6, NULL, &now);
    fprintf(stderr, "program handler %s\n", now.sa_handler == program_handler ? "kept" : "replaced");
    hmap_set(NULL, &k, &k);
}

/* signal= set to one the program handles is refused. */
START_TEST(test_signal_with_program_handler_refused)
{
    death_run(&d, handler_then_nil_write, "signal=SIGRTMIN+6");
    death_expect_end(&d, -1);
    ck_assert_msg(death_stderr_has(&d, "has a handler for this signal already"), "%s", d.err);
}
END_TEST

static void handler_then_concurrent_writes(void)
{
    install_program_handler();
    concurrent_writes();
}

/* Left at its default, the signal moves to a free one: the program's
 * handler stays, and the other thread's stack still comes. */
START_TEST(test_default_signal_moves_off_program_handler)
{
    death_run(&d, handler_then_nil_write, NULL);
    death_expect_end(&d, SIGABRT);
    ck_assert_msg(death_stderr_has(&d, "program handler kept"), "%s", d.err);
    death_run(&d, handler_then_concurrent_writes, NULL);
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, "concurrent map writes", "start_thread", NULL);
    ck_assert_msg(death_count_frames(&d, "writer_one") > 0 || UNDER_TSAN, "%s", d.err);
    ck_assert_msg(death_count_frames(&d, "writer_two") > 0 || UNDER_TSAN, "%s", d.err);
}
END_TEST

START_TEST(test_help_lists_options_and_carries_on)
{
    death_run(&d, write_to_nil_map, "help=1");
    const char *names[] = { "relocate", "seed", "quarantine_mb", "log_path", "log_format",
                            "exitcode", "stack_depth", "signal", "symbolize" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(death_stderr_has(&d, names[i]), "no %s in:\n%s", names[i], d.err);
    death_expect_end(&d, SIGABRT); /* and then the nil-map write is still reported */
    ck_assert_msg(death_stderr_has(&d, "ERROR: hmap: assignment to entry in nil map"), "%s", d.err);
}
END_TEST

START_TEST(test_json_log_path)
{
    char dir[] = "/tmp/hmap-death-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char opts[256], path[300];
    snprintf(opts, sizeof opts, "log_format=json:log_path=%s/log", dir);
    death_run(&d, write_to_nil_map, opts);
    death_expect_end(&d, SIGABRT);
    ck_assert_msg(!death_stderr_has(&d, "ERROR: hmap"), "the report went to stderr:\n%s", d.err);
    snprintf(path, sizeof path, "%s/log.%d", dir, (int)d.pid);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no log file %s", path);
    char line[1 << 16];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    const char *head = "{\"kind\":\"assignment to entry in nil map\"";
    ck_assert_msg(strncmp(line, head, strlen(head)) == 0, "%s", line);
    ck_assert_msg(strstr(line, "\"function\":\"write_to_nil_map\"") != NULL, "%s", line);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* ---- after fork ------------------------------------------------------- */

/* A child of a process that already used maps is a new thread to the
 * runtime: its reports name its own tid (a stale tid would also be asked
 * for stacks that no thread in the child can give). */
static NOINLINE void fork_then_misuse(void)
{
    hmap *m = new_u64_map();
    uint64_t k = 1;
    hmap_set(m, &k, &k); /* this process's thread is now registered */
    pid_t child = fork();
    if (child == 0) {
        write_to_nil_map();
        _exit(0);
    }
    fprintf(stderr, "forked child %d\n", (int)child);
    int status;
    waitpid(child, &status, 0);
    _exit(WIFSIGNALED(status) ? 100 + WTERMSIG(status) : 1);
}

START_TEST(test_report_after_fork_names_the_child)
{
    death_run(&d, fork_then_misuse, NULL);
    death_expect_end(&d, -(100 + SIGABRT));
    const char *line = strstr(d.err, "forked child ");
    ck_assert_ptr_nonnull(line);
    int child = atoi(line + strlen("forked child "));
    char want[64];
    snprintf(want, sizeof want, "thread T0 (tid %d)", child);
    ck_assert_msg(death_stderr_has(&d, want), "no '%s' in:\n%s", want, d.err);
}
END_TEST

/* ---- faults that are not ours ---------------------------------------- */

static NOINLINE void unrelated_wild_dereference(void)
{
    hmap *m = new_u64_map(); /* the runtime and its SIGSEGV handler are up */
    uint64_t k = 1;
    hmap_set(m, &k, &k);
    /* Address 8, not NULL: UBSan would catch a NULL load before the fault. */
    volatile int *volatile nowhere = (volatile int *)(uintptr_t)8;
    sink = (uint64_t)*nowhere;
}

START_TEST(test_unrelated_segv_chains)
{
    death_run(&d, unrelated_wild_dereference, NULL);
    ck_assert_msg(!death_stderr_has(&d, "ERROR: hmap"), "%s", d.err);
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's handler ran before ours was installed: it still reports. */
    ck_assert_msg(death_stderr_has(&d, "AddressSanitizer: SEGV"), "%s", d.err);
#else
    if (UNDER_TSAN) /* the same for TSan's, which then exits */
        ck_assert_msg(death_stderr_has(&d, "ThreadSanitizer: SEGV"), "%s", d.err);
    else
        death_expect_end(&d, SIGSEGV);
#endif
}
END_TEST

/* ---- ThreadSanitizer sees map races that never overlap in time ----- */

#if UNDER_TSAN
static int handed_over; /* relaxed: orders nothing, so the writes race */

static NOINLINE void *first_writer(void *arg)
{
    uint64_t k = 1;
    hmap_set(arg, &k, &k);
    __atomic_store_n(&handed_over, 1, __ATOMIC_RELAXED);
    return NULL;
}

static NOINLINE void unordered_writes(void)
{
    hmap *m = new_u64_map();
    pthread_t t;
    pthread_create(&t, NULL, first_writer, m);
    while (!__atomic_load_n(&handed_over, __ATOMIC_RELAXED))
        sched_yield();
    uint64_t k = 2;
    hmap_set(m, &k, &k); /* after the other write in time, but not ordered with it */
    pthread_join(t, NULL);
    _exit(0);
}

START_TEST(test_tsan_reports_map_race)
{
    death_run(&d, unordered_writes, "relocate=never");
    ck_assert_msg(death_stderr_has(&d, "WARNING: ThreadSanitizer: hmap: a map is used by two threads"), "%s", d.err);
    ck_assert_msg(death_stderr_has(&d, " first_writer "), "%s", d.err);
    ck_assert_msg(death_stderr_has(&d, " unordered_writes "), "%s", d.err);
    /* The core's accesses are hidden: one race, one report. */
    ck_assert_msg(!death_stderr_has(&d, "WARNING: ThreadSanitizer: data race"), "%s", d.err);
}
END_TEST
#endif

/* ---- every kind on a map that plain code created ------------------------
 * Checked code checks maps created by plain code too: each kind that does
 * not depend on how the map's memory is handled (dangling pointers do:
 * only a checked map's retired tables are guarded or poisoned; so does the
 * key check on growth, a hook of checked maps) is caught there as well. */

static const struct {
    void (*fn)(void);
    const char *kind, *frame, *other_frame;
} plain_kinds[] = {
    { concurrent_writes, "concurrent map writes", "start_thread", NULL },
    { read_and_write, "concurrent map read and map write", "reader", "writer_one" },
    { iterate_and_write, "concurrent map iteration and map write", "iterator", "writer_one" },
    { add_while_iterating, "map modified during iteration", "add_while_iterating", NULL },
    { get_after_free, "use of freed map", "get_after_free", NULL },
    { double_free, "use of freed map", "double_free", NULL },
    { iterate_freed_map, "use of freed map", "iterate_freed_map", NULL },
    { hash_calls_back, "reentrant map access", "logging_hash", "hash_calls_back" },
    { edit_key_then_verify, "key modified after insertion", "edit_key_then_verify", NULL },
    { set_null_value_on_new_map, "invalid argument", "set_null_value_on_new_map", NULL },
    { iter_del_twice_on_new_map, "invalid argument", "iter_del_twice_on_new_map", NULL },
};

START_TEST(test_kinds_on_plain_created_maps)
{
    plain_created = true;
    death_run(&d, plain_kinds[_i].fn, "relocate=never");
    plain_created = false;
    death_expect_end(&d, SIGABRT);
    death_expect_report(&d, plain_kinds[_i].kind, plain_kinds[_i].frame,
                        OTHER_THREAD(plain_kinds[_i].other_frame), NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("death");
    TCase *tc = tu_tcase("death");
    tcase_add_test(tc, test_concurrent_writes);
    tcase_add_test(tc, test_concurrent_read_write);
    tcase_add_test(tc, test_read_during_sole_users_write);
    tcase_add_loop_test(tc, test_write_during_sole_users_read, 0, 2);
    tcase_add_test(tc, test_concurrent_iteration_write);
    tcase_add_test(tc, test_modified_during_iteration);
    tcase_add_test(tc, test_modified_after_iter_del);
    tcase_add_test(tc, test_plain_write_during_iteration);
    tcase_add_test(tc, test_dangling_read);
    tcase_add_test(tc, test_dangling_write_relocate_always);
    tcase_add_test(tc, test_no_relocation_no_report);
    tcase_add_test(tc, test_sampled_relocation_is_reproducible);
    tcase_add_test(tc, test_relocation_rate);
    tcase_add_test(tc, test_inlined_function_named);
    tcase_add_test(tc, test_suppressed_race_runs_on);
    tcase_add_test(tc, test_unmatched_suppression_reports);
    tcase_add_test(tc, test_unsuppressible_kind_refused);
    tcase_add_loop_test(tc, test_invalid_argument, 0, sizeof bad_args / sizeof bad_args[0]);
    tcase_add_test(tc, test_nil_map);
    tcase_add_loop_test(tc, test_kinds_on_plain_created_maps, 0,
                        sizeof plain_kinds / sizeof plain_kinds[0]);
    tcase_add_test(tc, test_use_after_free);
    tcase_add_test(tc, test_double_free);
    tcase_add_test(tc, test_iterator_of_freed_map);
    tcase_add_test(tc, test_invalid_map_pointer);
    tcase_add_test(tc, test_reentrant);
    tcase_add_test(tc, test_reentrant_after_another_map);
    tcase_add_test(tc, test_key_modified_growth);
    tcase_add_test(tc, test_key_modified_verify);
    tcase_add_test(tc, test_exitcode);
    tcase_add_test(tc, test_unrelated_segv_chains);
    tcase_add_test(tc, test_deleted_slot_poisoned);
    tcase_add_test(tc, test_unknown_option_is_an_error);
    tcase_add_test(tc, test_bad_value_is_an_error);
    tcase_add_test(tc, test_help_lists_options_and_carries_on);
    tcase_add_loop_test(tc, test_harmful_values_refused, 0,
                        sizeof harmful_values / sizeof harmful_values[0]);
    tcase_add_test(tc, test_signal_with_program_handler_refused);
    tcase_add_test(tc, test_default_signal_moves_off_program_handler);
    tcase_add_test(tc, test_json_log_path);
    tcase_add_test(tc, test_report_after_fork_names_the_child);
#if UNDER_TSAN
    tcase_add_test(tc, test_tsan_reports_map_race);
#endif
    suite_add_tcase(s, tc);
    return tu_run(s);
}
