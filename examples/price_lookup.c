/*
 * price_lookup.c - crash reproduction: concurrent map read and map write.
 *
 * Request threads quote prices from a shared map while a feed thread
 * applies price updates to it.  The author reasoned that readers only read,
 * so they need no lock.  The bug: a read may not overlap a write - the
 * writer moves entries (growth, deletion, relocation) under the reader's
 * feet, and the reader returns garbage or reads a freed table.
 *
 * Built with -DHMAP_CHECKED it dies on the first overlap, every run:
 *     ==PID==ERROR: hmap: concurrent map read and map write on map 0x...
 * with the reader's stack (quote, called from request_thread) and the
 * writer's (apply_update, called from feed_thread).  price_lookup_fixed.c
 * is the same service with a read-write lock.
 */
#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PRODUCTS = 1000, REQUESTS = 100000, UPDATES = 100000 };

static hmap *prices; /* product number -> price in cents */

/* The price of a product, or -1 if it is not for sale. */
static long quote(uint64_t sku)
{
    const long *cents = hmap_get(prices, &sku); /* the bug: no lock against the feed */
    return cents ? *cents : -1;
}

static void *request_thread(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    long revenue = 0;
    for (int i = 0; i < REQUESTS; i++) {
        long cents = quote((uint64_t)rand_r(&seed) % PRODUCTS);
        if (cents > 0)
            revenue += cents;
        sched_yield(); /* stands in for answering the client */
    }
    return (void *)(intptr_t)revenue;
}

static void apply_update(uint64_t sku, long cents)
{
    hmap_set(prices, &sku, &cents);
}

static void *feed_thread(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < UPDATES; i++) {
        apply_update((uint64_t)rand_r(&seed) % PRODUCTS, 100 + rand_r(&seed) % 9900);
        sched_yield(); /* stands in for waiting on the next update */
    }
    return NULL;
}

int main(void)
{
    prices = hmap_new(&HMAP_TYPE(uint64_t, long), PRODUCTS);
    if (!prices)
        return 1;
    for (uint64_t sku = 0; sku < PRODUCTS; sku++)
        apply_update(sku, 999);

    pthread_t feed, request;
    pthread_create(&feed, NULL, feed_thread, (void *)1);
    pthread_create(&request, NULL, request_thread, (void *)2);
    pthread_join(feed, NULL);
    pthread_join(request, NULL);

    printf("served %d quotes\n", REQUESTS);
    hmap_free(prices);
    return 0;
}
