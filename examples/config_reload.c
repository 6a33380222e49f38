/*
 * config_reload.c - crash reproduction: concurrent map iteration and map
 * write.
 *
 * A service keeps its settings in a map.  A reporter thread walks the whole
 * map to publish the current configuration, while a reload thread applies
 * changes from the (simulated) configuration file.  The bug: nothing keeps
 * the reload from writing while the reporter is in the middle of its walk,
 * so the walk may skip entries, see some twice, or read a moved bucket.
 *
 * Built with -DHMAP_CHECKED it dies at the first step of the walk that
 * meets a write, every run:
 *     ==PID==ERROR: hmap: concurrent map iteration and map write on map 0x...
 * with the reporter's stack (publish_config), where its iteration began,
 * and the writer (apply_setting, called from reload_thread).
 * config_reload_fixed.c is the same service with a read-write lock.
 */
#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { ROUNDS = 100000 };

static const char *const names[] = {
    "listen.port", "listen.backlog", "log.level", "log.path", "cache.size",
    "cache.ttl", "tls.cert", "tls.key", "workers", "timeout.read", "timeout.write",
};
enum { NAMES = sizeof names / sizeof names[0] };

static hmap *config; /* setting name -> value, both string literals here */

/* Writes the whole configuration out (here: sums its length, to stay quiet). */
static size_t publish_config(void)
{
    size_t bytes = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, config); hmap_iter_next(&it);) { /* the bug: no lock */
        const char *name = *(const char *const *)it.key;
        const char *value = *(const char *const *)it.val;
        bytes += strlen(name) + strlen(value) + 2;
        sched_yield(); /* stands in for writing the line out */
    }
    return bytes;
}

static void *reporter_thread(void *arg)
{
    (void)arg;
    size_t total = 0;
    for (int i = 0; i < ROUNDS; i++)
        total += publish_config();
    return (void *)(uintptr_t)total;
}

static void apply_setting(const char *name, const char *value)
{
    hmap_set(config, &name, &value);
}

static void *reload_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        apply_setting(names[i % NAMES], i % 2 ? "on" : "off");
        sched_yield(); /* stands in for reading the next line of the file */
    }
    return NULL;
}

int main(void)
{
    config = hmap_new(&HMAP_TYPE_CSTR(const char *), 0);
    if (!config)
        return 1;
    for (int i = 0; i < NAMES; i++)
        apply_setting(names[i], "default");

    pthread_t reporter, reload;
    pthread_create(&reporter, NULL, reporter_thread, NULL);
    pthread_create(&reload, NULL, reload_thread, NULL);
    pthread_join(reporter, NULL);
    pthread_join(reload, NULL);

    printf("%zu settings\n", hmap_len(config));
    hmap_free(config);
    return 0;
}
