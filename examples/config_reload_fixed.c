/*
 * config_reload_fixed.c - a correct program: config_reload.c with a
 * read-write lock.
 *
 * The reporter holds the read lock for the whole walk, not per step: an
 * iteration is one long read.  The reload thread takes the lock exclusively
 * for each change.  Built with -DHMAP_CHECKED it must run clean, and every
 * walk must see every setting exactly once.
 */
#include <hmap.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>

enum { ROUNDS = 5000 };

static const char *const names[] = { "listen.port", "log.level", "cache.size", "workers" };
enum { NAMES = sizeof names / sizeof names[0] };

static pthread_rwlock_t config_lock = PTHREAD_RWLOCK_INITIALIZER; /* guards the config map */

/* Writes the whole configuration out (here it only counts the settings). */
static size_t publish_config(hmap *config)
{
    size_t settings = 0;
    pthread_rwlock_rdlock(&config_lock);
    hmap_iter it;
    for (hmap_iter_init(&it, config); hmap_iter_next(&it);)
        settings += *(const char *const *)it.val != NULL;
    pthread_rwlock_unlock(&config_lock);
    return settings;
}

static void *reporter_thread(void *config)
{
    for (int i = 0; i < ROUNDS; i++) {
        if (publish_config(config) != NAMES)
            return (void *)1; /* a walk saw too few or too many */
        sched_yield(); /* stands in for waiting for the next report */
    }
    return NULL;
}

static void apply_setting(hmap *config, const char *name, const char *value)
{
    pthread_rwlock_wrlock(&config_lock);
    hmap_set(config, &name, &value);
    pthread_rwlock_unlock(&config_lock);
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
    void *failed;
    pthread_create(&reporter, NULL, reporter_thread, config);
    pthread_create(&reload, NULL, reload_thread, config);
    pthread_join(reporter, &failed);
    pthread_join(reload, NULL);

    printf("%zu settings\n", hmap_len(config));
    hmap_free(config);
    return failed != NULL;
}
