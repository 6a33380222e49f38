/*
 * trap_cost.c - a correct program's wall time under the checked build,
 * for comparing runs with and without traps (instrument/trap.c) (built as
 * build/tools/hmap-trap-cost; tools/trap-cost.sh runs it both ways).
 *
 *     hmap-trap-cost THREADS OPS
 *
 * THREADS threads each do OPS operations on one shared map, under one
 * mutex (a set, a lookup, and a delete in four), with a few operations on
 * a map of their own in between; with THREADS = 1 the same work runs on
 * the main thread, which created the map: nothing to trap.  Prints the
 * wall time in ms.
 */
#define HMAP_CHECKED 1
#include <hmap.h>

#include "timing.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static hmap *shared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long ops;

static void *worker(void *arg)
{
    uint64_t id = (uint64_t)(uintptr_t)arg, x = id * 0x9e3779b97f4a7c15ull + 1;
    hmap *own = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    for (long i = 0; i < ops; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t k = x % 4096;
        pthread_mutex_lock(&lock);
        if (i % 4 == 3)
            hmap_del(shared, &k);
        else if (i % 2)
            (void)hmap_get(shared, &k);
        else
            hmap_set(shared, &k, &x);
        pthread_mutex_unlock(&lock);
        hmap_set(own, &k, &x);
        (void)hmap_get(own, &x);
    }
    hmap_free(own);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3 || atoi(argv[1]) < 1 || atol(argv[2]) < 1) {
        fprintf(stderr, "usage: %s THREADS OPS\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[1]);
    ops = atol(argv[2]);
    shared = hmap_new(&HMAP_TYPE(uint64_t, uint64_t), 0);
    double start = now_ns();
    pthread_t t[64];
    if (threads > 64)
        threads = 64;
    if (threads == 1) {
        worker((void *)(uintptr_t)1); /* single-threaded: on the map's own thread */
    } else {
        for (int i = 0; i < threads; i++)
            pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
        for (int i = 0; i < threads; i++)
            pthread_join(t[i], NULL);
    }
    printf("%.1f\n", (now_ns() - start) / 1e6);
    hmap_free(shared);
    return 0;
}
