/*
 * session_cache.c - crash reproduction: concurrent map writes.
 *
 * A server keeps one cache of sessions, keyed by session id, and every
 * worker thread finds or creates the caller's session in it.  The bug: the
 * workers write to the shared map without a lock.  In the plain build this
 * corrupts the map now and then, long after the fact; Go's runtime would
 * print "fatal error: concurrent map writes" in some runs only.
 *
 * Built with -DHMAP_CHECKED it dies on the first overlap, every run:
 *     ==PID==ERROR: hmap: concurrent map writes on map 0x... (uint64_t -> struct session)
 * with the stacks of both writers (each in handle_request, called from
 * worker) and where the map was created.  session_cache_fixed.c is the same
 * server with a mutex.
 */
#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { WORKERS = 4, REQUESTS = 100000, USERS = 500 };

struct session {
    uint64_t user_id;
    unsigned requests;
};

static hmap *sessions; /* session id -> struct session, shared by the workers */

/* Serves one request: finds or creates the caller's session and counts it. */
static void handle_request(uint64_t session_id)
{
    struct session *s = hmap_put(sessions, &session_id, NULL); /* the bug: no lock */
    if (!s)
        return;
    s->user_id = session_id % USERS;
    s->requests++;
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

    printf("%zu sessions\n", hmap_len(sessions));
    hmap_free(sessions);
    return 0;
}
