/*
 * config_reload.c - crash reproduction: concurrent map iteration and map
 * write.
 *
 * A reporter thread walks a service's settings map to publish them while
 * a reload thread applies changes from the configuration file.  The bug:
 * nothing keeps the reload from writing in the middle of a walk, which may
 * then skip entries, see some twice, or read a retired table.
 *
 * Built with -DHMAP_CHECKED it dies at the first step of a walk that meets
 * a write, every run:
 *     ==PID==ERROR: hmap: concurrent map iteration and map write on map 0x...
 * with the reporter's stack (publish_config), where its iteration began,
 * and the writer (apply_setting, from reload_thread).  config_reload_fixed.c
 * is the same service with a read-write lock.
 */
#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

enum { ROUNDS = 100000 };

static const char *const names[] = { "listen.port", "log.level", "cache.size", "workers" };
enum { NAMES = sizeof names / sizeof names[0] };

/* Writes the whole configuration out (here it only measures it). */
static size_t publish_config(hmap *config)
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

static void *reporter_thread(void *config)
{
    for (int i = 0; i < ROUNDS; i++)
        publish_config(config);
    return NULL;
}

static void apply_setting(hmap *config, const char *name, const char *value)
{
    hmap_set(config, &name, &value);
}

static void *reload_thread(void *config)
{
    for (int i = 0; i < ROUNDS; i++) {
        apply_setting(config, names[i % NAMES], i % 2 ? "on" : "off");
        sched_yield(); /* stands in for reading the next line of the file */
    }
    return NULL;
}

int main(void)
{
    hmap *config = hmap_new(&HMAP_TYPE_CSTR(const char *), 0); /* name -> value */
    if (!config)
        return 1;
    for (int i = 0; i < NAMES; i++)
        apply_setting(config, names[i], "default");

    pthread_t reporter, reload;
    pthread_create(&reporter, NULL, reporter_thread, config);
    pthread_create(&reload, NULL, reload_thread, config);
    pthread_join(reporter, NULL);
    pthread_join(reload, NULL);

    printf("%zu settings\n", hmap_len(config));
    hmap_free(config);
    return 0;
}
