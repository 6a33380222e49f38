/*
 * tsan.c - telling ThreadSanitizer about map operations.
 *
 * Users install a plain, uninstrumented libhmap and compile their own
 * program with -fsanitize=thread, so whether TSan is there is found out
 * when the runtime starts, not when the library is compiled: the TSan
 * runtime exports __tsan_init from the executable (clang links it in
 * statically, with its interface on the dynamic symbol list) or from
 * libtsan.so (gcc), and dlsym finds it either way.  Every entry point
 * below is then taken from the runtime by name, and the inline wrappers in
 * tsan.h cost one predictable branch when TSan is absent.
 *
 * The checked runtime's own state is relaxed atomics, invisible to TSan as
 * synchronisation; TSan learns about the map itself from a dedicated word
 * of it (checked.tsan_word, which no atomic ever touches): every checked
 * read reads it and every write writes it, as the user's call.  TSan then
 * reports two map operations that are not ordered by happens-before -
 * even when they never overlap in time, which the runtime's own detection
 * needs - with both users' stacks.  Two ways, by what the runtime exports:
 *  - gcc's libtsan has the external API (__tsan_external_read/write): the
 *    race is titled as one on an "hmap" object;
 *  - clang's static runtime does not export it, but exports the
 *    pc-tagged accesses (__tsan_read8_pc/__tsan_write8_pc): the race is a
 *    data race on the map's word, at the user's call.
 *
 * The core's own memory accesses inside a checked operation (memcpy and
 * memset go through TSan's interceptors even from an uninstrumented
 * library) are hidden from TSan (hmap__tsan_ignore_begin/end): the
 * map-level report says all there is to say, and one race would otherwise
 * also come out as races on the map's internals.  The runtime's own locks,
 * and libunwind's, are hidden as synchronisation
 * (hmap__tsan_ignore_sync_begin/end): otherwise two threads that each take
 * one would be ordered by it, and a real race between them hidden.
 */
#define _GNU_SOURCE
#include "tsan.h"

#include <dlfcn.h>

bool hmap__tsan_active;

static struct {
    void *tag;
    void (*external_read)(void *addr, void *caller_pc, void *tag);
    void (*external_write)(void *addr, void *caller_pc, void *tag);
    void (*read8_pc)(void *addr, void *pc);
    void (*write8_pc)(void *addr, void *pc);
    void (*ignore_reads_begin)(const char *file, int line);
    void (*ignore_reads_end)(const char *file, int line);
    void (*ignore_writes_begin)(const char *file, int line);
    void (*ignore_writes_end)(const char *file, int line);
    void (*ignore_sync_begin)(const char *file, int line);
    void (*ignore_sync_end)(const char *file, int line);
    void (*func_entry)(void *caller_pc);
    void (*func_exit)(void);
} api;

#define LOOKUP(field, name) (*(void **)&api.field = dlsym(RTLD_DEFAULT, name))

void hmap__tsan_init(void)
{
    if (!dlsym(RTLD_DEFAULT, "__tsan_init"))
        return;
    LOOKUP(ignore_reads_begin, "AnnotateIgnoreReadsBegin");
    LOOKUP(ignore_reads_end, "AnnotateIgnoreReadsEnd");
    LOOKUP(ignore_writes_begin, "AnnotateIgnoreWritesBegin");
    LOOKUP(ignore_writes_end, "AnnotateIgnoreWritesEnd");
    LOOKUP(ignore_sync_begin, "AnnotateIgnoreSyncBegin");
    LOOKUP(ignore_sync_end, "AnnotateIgnoreSyncEnd");
    LOOKUP(func_entry, "__tsan_func_entry");
    LOOKUP(func_exit, "__tsan_func_exit");
    LOOKUP(read8_pc, "__tsan_read8_pc");
    LOOKUP(write8_pc, "__tsan_write8_pc");
    void *(*register_tag)(const char *) = NULL;
    void (*register_header)(void *, const char *) = NULL;
    *(void **)&register_tag = dlsym(RTLD_DEFAULT, "__tsan_external_register_tag");
    *(void **)&register_header = dlsym(RTLD_DEFAULT, "__tsan_external_register_header");
    LOOKUP(external_read, "__tsan_external_read");
    LOOKUP(external_write, "__tsan_external_write");
    if (register_tag && api.external_read && api.external_write) {
        api.tag = register_tag("hmap");
        if (register_header)
            register_header(api.tag, "hmap: a map is used by two threads without synchronisation");
    }
    bool can_ignore = api.ignore_reads_begin && api.ignore_reads_end &&
                      api.ignore_writes_begin && api.ignore_writes_end &&
                      api.ignore_sync_begin && api.ignore_sync_end && api.func_entry &&
                      api.func_exit;
    bool can_report = api.tag || (api.read8_pc && api.write8_pc);
    /* A runtime without these is not one we know how to talk to: the
     * checked build's own detection still runs. */
    __atomic_store_n(&hmap__tsan_active, can_ignore && can_report, __ATOMIC_RELAXED);
}

void hmap__tsan_read_slow(const struct hmap *m, const void *caller_pc)
{
    void *word = (void *)&m->checked.tsan_word;
    if (api.tag)
        api.external_read(word, (void *)caller_pc, api.tag);
    else
        api.read8_pc(word, (void *)caller_pc);
}

void hmap__tsan_write_slow(const struct hmap *m, const void *caller_pc)
{
    void *word = (void *)&m->checked.tsan_word;
    if (api.tag)
        api.external_write(word, (void *)caller_pc, api.tag);
    else
        api.write8_pc(word, (void *)caller_pc);
}

void hmap__tsan_ignore_begin_slow(void)
{
    api.ignore_reads_begin(__FILE__, __LINE__);
    api.ignore_writes_begin(__FILE__, __LINE__);
}

void hmap__tsan_ignore_end_slow(void)
{
    api.ignore_writes_end(__FILE__, __LINE__);
    api.ignore_reads_end(__FILE__, __LINE__);
}

void hmap__tsan_ignore_sync_begin_slow(void)
{
    api.ignore_sync_begin(__FILE__, __LINE__);
}

void hmap__tsan_ignore_sync_end_slow(void)
{
    api.ignore_sync_end(__FILE__, __LINE__);
}

void hmap__tsan_func_entry_slow(const void *caller_pc)
{
    api.func_entry((void *)caller_pc);
}

void hmap__tsan_func_exit_slow(void)
{
    api.func_exit();
}
