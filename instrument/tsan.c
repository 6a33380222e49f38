/*
 * tsan.c - telling ThreadSanitizer about map operations.
 *
 * The checked runtime's own state is relaxed atomics, invisible to TSan as
 * synchronisation; TSan learns about the map itself through its external
 * API instead: every checked read is an external read, and every write an
 * external write, of one dedicated word of the map (checked.tsan_word,
 * which no atomic ever touches).  TSan then reports two map operations
 * that are not ordered by happens-before - even when they never overlap in
 * time, which the runtime's own detection needs - with both users' stacks,
 * under the object type "hmap".
 *
 * The core's own memory accesses inside a checked operation are hidden from
 * TSan (hmap__tsan_ignore_begin/end): the map-level report above says all
 * there is to say, and one race would otherwise also come out as a handful
 * of data races on the map's internals.
 *
 * Without TSan these are empty inline functions in runtime.h and this
 * file compiles to nothing.
 */
#include "runtime.h"

#if HMAP_TSAN

/* compiler-rt's tsan_interface.h declares these only in newer releases. */
void *__tsan_external_register_tag(const char *object_type);
void __tsan_external_register_header(void *tag, const char *header);
void __tsan_external_read(void *addr, void *caller_pc, void *tag);
void __tsan_external_write(void *addr, void *caller_pc, void *tag);
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);

static void *hmap_tag;

void hmap__tsan_init(void)
{
    hmap_tag = __tsan_external_register_tag("hmap");
    __tsan_external_register_header(hmap_tag,
                                    "hmap: a map is used by two threads without synchronisation");
}

void hmap__tsan_read(const struct hmap *m, const void *caller_pc)
{
    __tsan_external_read((void *)&m->checked.tsan_word, (void *)caller_pc, hmap_tag);
}

void hmap__tsan_write(const struct hmap *m, const void *caller_pc)
{
    __tsan_external_write((void *)&m->checked.tsan_word, (void *)caller_pc, hmap_tag);
}

void hmap__tsan_ignore_begin(void)
{
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
}

void hmap__tsan_ignore_end(void)
{
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
}

void hmap__tsan_ignore_sync_begin(void)
{
    AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
}

void hmap__tsan_ignore_sync_end(void)
{
    AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
}

#endif
