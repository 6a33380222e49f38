/*
 * price_lookup_fixed.c - a correct program: price_lookup.c with a
 * read-write lock.
 *
 * Several request threads quote prices at once - concurrent reads are
 * allowed - while the feed thread takes the lock exclusively for each
 * update.  A reader copies the price out before it unlocks: the pointer
 * from hmap_get is valid only until the next write.  Must run clean.
 */
#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PRODUCTS = 1000, REQUESTERS = 3, REQUESTS = 20000, UPDATES = 20000 };

static hmap *prices; /* product number -> price in cents, guarded by prices_lock */
static pthread_rwlock_t prices_lock = PTHREAD_RWLOCK_INITIALIZER;

/* The price of a product, or -1 if it is not for sale. */
static long quote(uint64_t sku)
{
    pthread_rwlock_rdlock(&prices_lock);
    const long *cents = hmap_get(prices, &sku);
    long price = cents ? *cents : -1; /* copied out while the lock is held */
    pthread_rwlock_unlock(&prices_lock);
    return price;
}

static void *request_thread(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    long revenue = 0;
    for (int i = 0; i < REQUESTS; i++) {
        revenue += quote((uint64_t)rand_r(&seed) % PRODUCTS);
        sched_yield(); /* stands in for answering the client */
    }
    return (void *)(intptr_t)revenue;
}

static void apply_update(uint64_t sku, long cents)
{
    pthread_rwlock_wrlock(&prices_lock);
    hmap_set(prices, &sku, &cents);
    pthread_rwlock_unlock(&prices_lock);
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

    pthread_t feed, requesters[REQUESTERS];
    pthread_create(&feed, NULL, feed_thread, (void *)1);
    for (uintptr_t i = 0; i < REQUESTERS; i++)
        pthread_create(&requesters[i], NULL, request_thread, (void *)(i + 2));
    for (int i = 0; i < REQUESTERS; i++)
        pthread_join(requesters[i], NULL);
    pthread_join(feed, NULL);

    printf("served %d quotes\n", REQUESTERS * REQUESTS);
    hmap_free(prices);
    return 0;
}
