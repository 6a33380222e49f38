/*
 * hmap_hooks.h - the points where the core hands control to the checked
 * runtime (instrument/).
 *
 * The core knows nothing of threads, signals or stacks.  A map created by a
 * checked caller carries a pointer to a table of hooks; a plain map carries
 * NULL and pays one predictable branch at each hook point.  The core does
 * not test the pointer for policy: it asks named questions of it
 * (hooks_own_tables, hooks_verify_moved_keys, ..., in hmap_internal.h),
 * each answered by which hooks the table fills in.  Checks that
 * wrap a whole operation (who is writing, who is reading) live in the
 * checked entry points in instrument/, which then call the core; the hooks
 * here are for what happens inside an operation: memory for tables,
 * their retirement, deleted slots, keys found misplaced.
 */
#ifndef HMAP_HOOKS_H
#define HMAP_HOOKS_H

#include <stddef.h>
#include <stdint.h>

struct hmap;
struct hmap_table;

struct hmap_hooks {
    /* Memory for a table, aligned to `align`, its contents undefined (the
     * core clears what it needs); NULL when out of memory. */
    void *(*table_alloc)(const struct hmap *m, size_t bytes, size_t align);
    /* A table leaves service: growth replaced it, or the map was cleared,
     * relocated or freed.  The hook owns it from here on (the checked
     * runtime guards it, or poisons it and frees it later). */
    void (*table_retire)(struct hmap *m, struct hmap_table *t);
    /* A free slot is about to be filled: undo slot_deleted's poison
     * (called only for a map whose poisons_slots is set: under ASan). */
    void (*slot_filling)(const struct hmap *m, void *key, size_t key_size,
                         void *val, size_t val_size);
    /* A slot was deleted (and filled with deleted_fill): its key and value
     * bytes may be poisoned for ASan (called only for a map whose
     * poisons_slots is set). */
    void (*slot_deleted)(const struct hmap *m, void *key, size_t key_size,
                         void *val, size_t val_size);
    /* Growth or hmap_verify found a stored key whose hash no longer places
     * it where it lives: the key was modified after insertion. */
    void (*key_misplaced)(const struct hmap *m, const void *key);
    /* After every put or set that succeeded, every del that removed a key
     * and every clear (not after hmap_iter_del, which must leave the table
     * where the iteration walks it, nor after hmap__put_unhooked and
     * hmap__del_unhooked, whose checked callers do its work themselves):
     * relocation may move the live tables. */
    void (*write_done)(struct hmap *m);
    /* hmap_free is done with the header (its tables are already retired):
     * free it, or keep it to recognise later use. */
    void (*map_free)(struct hmap *m);
    /* The byte that the key and value of a deleted slot are overwritten
     * with, so that a stale read of them stands out; -1: left as they
     * are.  A value, not a hook: deletion stores it inline. */
    int deleted_fill;
};

#endif /* HMAP_HOOKS_H */
