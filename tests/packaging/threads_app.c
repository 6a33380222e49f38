/* A user's multi-threaded program, built with -fsanitize=thread against an
 * installed, uninstrumented hmap (tools/check-packaging.sh).  The checked
 * runtime finds TSan at run time and tells it about every map operation.
 *
 *   tsan_app far      two unsynchronised writes 150 ms apart: they never
 *                     overlap, so only TSan's happens-before sees the race
 *   tsan_app oneshot  two threads started together, one write each
 *   tsan_app correct  writers under a mutex, readers under a rwlock,
 *                     iteration with hmap_iter_del: must run quietly
 */
#define _GNU_SOURCE
#define HMAP_CHECKED 1
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static hmap *shared;

static void *write_one(void *arg)
{
    uint64_t k = (uint64_t)(uintptr_t)arg;
    hmap_set(shared, &k, &k);
    return NULL;
}

static void *write_later(void *arg)
{
    nanosleep(&(struct timespec){ .tv_nsec = 150 * 1000 * 1000 }, NULL);
    return write_one(arg);
}

static int race(void *(*second)(void *))
{
    pthread_t a, b;
    pthread_create(&a, NULL, write_one, (void *)1);
    pthread_create(&b, NULL, second, (void *)2);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}

/* ---- the correct program ---- */

enum { THREADS = 4, ROUNDS = 200, KEYS = 64 };

static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static hmap *guarded; /* written and read under rw */

static void *worker(void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg;
    /* a map of the thread's own, created and freed here */
    hmap *own = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t k = id * 1000 + (uint64_t)(r % KEYS);
        pthread_mutex_lock(&write_lock);
        hmap_set(shared, &k, &k);
        pthread_mutex_unlock(&write_lock);

        pthread_rwlock_rdlock(&rw);
        volatile uint64_t *v = hmap_get(guarded, &k);
        (void)v;
        pthread_rwlock_unlock(&rw);
        pthread_rwlock_wrlock(&rw);
        hmap_set(guarded, &k, &k);
        if (r % 16 == 15) {
            hmap_iter it;
            hmap_iter_init(&it, guarded);
            while (hmap_iter_next(&it))
                if (*(const uint64_t *)it.key % 3 == 0)
                    hmap_iter_del(&it);
        }
        pthread_rwlock_unlock(&rw);

        hmap_set(own, &k, &k);
    }
    hmap_free(own);
    return NULL;
}

static int correct(void)
{
    guarded = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    size_t n = hmap_len(shared);
    hmap_free(guarded);
    return n == THREADS * KEYS ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "correct";
    shared = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    int rc = strcmp(mode, "far") == 0       ? race(write_later)
             : strcmp(mode, "oneshot") == 0 ? race(write_one)
                                            : correct();
    hmap_free(shared);
    return rc;
}
