/*
 * session_cache_fixed.c - a correct program: session_cache.c with a lock.
 *
 * The same worker threads find or create sessions in one shared map, but
 * each holds a mutex for the whole of its map operation *and* its use of
 * the session pointer that hmap_put returned (the pointer is valid only
 * until the next write, which another worker may make as soon as the lock
 * is released).  Built with -DHMAP_CHECKED it must run clean, and every
 * request must be counted.
 */
#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { WORKERS = 4, REQUESTS = 20000, USERS = 500 };

struct session {
    uint64_t user_id;
    unsigned requests;
};

static hmap *sessions; /* session id -> struct session, guarded by sessions_lock */
static pthread_mutex_t sessions_lock = PTHREAD_MUTEX_INITIALIZER;

static void handle_request(uint64_t session_id)
{
    pthread_mutex_lock(&sessions_lock);
    struct session *s = hmap_put(sessions, &session_id, NULL);
    if (s) {
        s->user_id = session_id % USERS;
        s->requests++;
    }
    pthread_mutex_unlock(&sessions_lock);
}

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < REQUESTS; i++) {
        handle_request((uint64_t)rand_r(&seed) % (4 * USERS));
        sched_yield(); /* stands in for waiting on the client's socket */
    }
    return NULL;
}

int main(void)
{
    sessions = hmap_new(&HMAP_TYPE(uint64_t, struct session), 0);
    if (!sessions)
        return 1;

    pthread_t threads[WORKERS];
    for (uintptr_t i = 0; i < WORKERS; i++)
        pthread_create(&threads[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < WORKERS; i++)
        pthread_join(threads[i], NULL);

    unsigned long served = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, sessions); hmap_iter_next(&it);)
        served += ((const struct session *)it.val)->requests;
    printf("%zu sessions, %lu requests\n", hmap_len(sessions), served);
    hmap_free(sessions);
    return served == (unsigned long)WORKERS * REQUESTS ? 0 : 1;
}
