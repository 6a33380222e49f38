/*
 * grow.c - a map's bucket arrays and their growth: allocating arrays (or
 * reservations that grow in place), overflow buckets, retiring arrays and
 * giving large ones back a step per write, growth (doubling, in place or
 * by copying, and same-size), evacuation, and relocation.  The data
 * structure and its invariants are described at the top of
 * hmap_internal.h; what the map's operations use of this file is in
 * grow.h.
 */
#include "grow.h"
#include "hash.h"
#include "lookup.h"

#include <errno.h>
#include <stdlib.h>

/* ---- bucket arrays -------------------------------------------------- */

/* Buckets start 16-byte aligned at least (allocations are), so a bucket's
 * tags and overflow link never straddle a cache line.  A reservation's
 * header has room for a second struct hmap_array, the view of its lower
 * half that serves as `old` while it grows in place. */
static size_t array_header_size(const struct hmap *m, bool reservation)
{
    size_t a = m->layout.bucket_align > 64 ? m->layout.bucket_align : 64;
    return align_up((reservation ? 2 : 1) * sizeof(struct hmap_array), a);
}

HMAP_INLINE struct hmap_array *in_place_view(struct hmap_array *a)
{
    return a + 1;
}

/* Go preallocates 1/16 of the bucket count as overflow buckets once the
 * array has 16 buckets or more; so do we. */
static size_t preallocated_overflow(unsigned B)
{
    return B >= 4 ? ((size_t)1 << B) >> 4 : 0;
}

/* The size of an array of 2^B buckets, or 0 if it cannot exist.  A
 * reservation has no overflow pool of its own after its buckets (doubling
 * in place puts new buckets there); its overflow buckets come in chunks. */
size_t hmap__array_bytes(const struct hmap *m, unsigned B, bool reservation)
{
    if (B > MAX_B)
        return 0;
    size_t n = ((size_t)1 << B) + (reservation ? 0 : preallocated_overflow(B));
    size_t bs = m->layout.bucket_size;
    size_t header = array_header_size(m, reservation);
    if (n > (PTRDIFF_MAX - header) / bs)
        return 0;
    return header + n * bs;
}

/* ---- growing in place ------------------------------------------------
 *
 * A plain map's large array is an address-space reservation with room to
 * double IN_PLACE_DOUBLINGS times.  Doubling it then makes the next half
 * usable and splits each old bucket i between buckets i and i + 2^(B-1) of
 * the same memory: only the new half is fresh memory, where a copying
 * growth allocates (and the kernel zeroes and faults in) the whole new
 * array, and keeps the old one until the growth ends.  The page faults of
 * a growth halve, and its peak memory falls from three times the old
 * array's size to two.  Where a fault is costly (a virtual machine's take
 * microseconds each) most of an insertion's time went there.  Once the
 * reservation is used up, the next growth copies into a new one.  Checked
 * maps always copy: their retired arrays are what catches a stale
 * pointer.
 *
 * Splitting in place moves the entries bound for the upper bucket out and
 * packs the others towards the front of their chain, which returns the
 * overflow buckets left empty to the array's free list; lookups, insertion
 * and iteration see the lower half as the old array through a view (a
 * second struct hmap_array in the reservation's header) and need no other
 * change. */
enum { IN_PLACE_DOUBLINGS = 4 };
#define IN_PLACE_MIN ((size_t)256 << 10)

static bool may_reserve(const struct hmap *m, size_t bytes)
{
    return sizeof(void *) >= 8 && !hooks_own_arrays(m) && bytes >= IN_PLACE_MIN &&
           hmap__growth_in_place_allowed();
}

/* The address space to reserve for an array of 2^B buckets: room for
 * IN_PLACE_DOUBLINGS doublings, fewer if the numbers run out. */
static size_t reservation_bytes(const struct hmap *m, unsigned B)
{
    for (unsigned up = IN_PLACE_DOUBLINGS; up > 0; up--) {
        size_t r = hmap__array_bytes(m, B + up, true);
        if (r)
            return r;
    }
    return hmap__array_bytes(m, B, true);
}

static void *alloc_zeroed(const struct hmap *m, size_t bytes)
{
    if (hooks_own_arrays(m))
        return m->hooks->array_alloc(m, bytes, m->layout.bucket_align);
    return hmap__alloc_zeroed_aligned(bytes, m->layout.bucket_align);
}

struct hmap_array *hmap__array_new(struct hmap *m, unsigned B)
{
    size_t bytes = hmap__array_bytes(m, B, false);
    if (bytes == 0)
        return NULL;
    size_t reserved = 0;
    char *mem;
    if (may_reserve(m, bytes)) {
        bytes = hmap__array_bytes(m, B, true);
        reserved = reservation_bytes(m, B);
        mem = hmap__reserve(bytes, &reserved);
    } else {
        mem = alloc_zeroed(m, bytes);
    }
    if (!mem)
        return NULL;
    struct hmap_array *a = (struct hmap_array *)(void *)mem;
    a->magic = HMAP_ARRAY_MAGIC;
    a->generation = ++m->generation;
    a->owner = m;
    a->nbuckets = (size_t)1 << B;
    a->bytes = bytes;
    a->reserved = reserved;
    a->first = mem + array_header_size(m, reserved != 0);
    if (!reserved) {
        a->pool_next = a->first + a->nbuckets * m->layout.bucket_size;
        a->pool_end = mem + bytes;
    }
    return a;
}

/* Frees an array and its overflow chunks at once.  (Arrays the hooks own
 * go back to hmap__array_retire instead.) */
static void array_free(const struct hmap *m, struct hmap_array *a)
{
    size_t align = m->layout.bucket_align;
    struct hmap_ovf_chunk *c = a->chunks;
    while (c) {
        struct hmap_ovf_chunk *next = c->next;
        hmap__free_zeroed_aligned(c, c->bytes, align);
        c = next;
    }
    if (a->reserved)
        hmap__unreserve(a, a->reserved);
    else
        hmap__free_zeroed_aligned(a, a->bytes, align);
}

/* Arrays from this size on give their pages back in steps of RELEASE_STEP,
 * a step per write, rather than all at once in one write: while a growth
 * evacuates them (release_evacuated), and when it ends, for everything
 * left (the overflow buckets, which chains anywhere in the array may use);
 * the final munmap then has almost nothing left to tear down.  Unmapping
 * tens of megabytes in one write takes milliseconds. */
#define RELEASE_MIN_ARRAY ((size_t)1 << 20)
#define RELEASE_STEP ((size_t)256 << 10)

/* Gives back the whole pages between from + *released and from + upto
 * (memory whose contents are dead) and moves *released to where that
 * stopped, a page boundary, so that the next call starts exactly there.
 * The range stays reserved until the allocation is freed whole, unless
 * the hooks own the array: then they only get the pages back. */
static void release_upto(const struct hmap *m, size_t alloc_bytes, char *from, size_t *released,
                         size_t upto)
{
    uintptr_t page = hmap__page_size();
    uintptr_t lo = hmap__page_up((uintptr_t)(from + *released));
    uintptr_t hi = (uintptr_t)(from + upto) & ~(page - 1);
    if (hi <= lo)
        return;
    hmap__drop_pages(alloc_bytes, m->layout.bucket_align, (void *)lo, hi - lo,
                     !hooks_own_arrays(m));
    *released = hi - (uintptr_t)from;
}

/* Gives back the next step of the `total` bytes at `from`.  False when
 * nothing was left. */
static bool release_step(const struct hmap *m, size_t alloc_bytes, char *from, size_t *released,
                         size_t total)
{
    if (*released >= total)
        return false;
    size_t upto = total - *released <= RELEASE_STEP ? total : *released + RELEASE_STEP;
    release_upto(m, alloc_bytes, from, released, upto);
    if (upto == total)
        *released = total; /* the partial page at the end goes with the final free */
    return true;
}

/* One write's share of freeing the retiring array: a step of the array's
 * own pages, else of an overflow chunk's; once all are given back, the
 * array and its chunks are freed (by then only their headers and the page
 * tables remain). */
static void retire_step(struct hmap *m)
{
    struct hmap_array *a = m->retiring;
    size_t after_first = a->bytes - (size_t)(a->first - (char *)a);
    if (release_step(m, a->bytes, a->first, &a->released, after_first))
        return;
    size_t hdr = align_up(sizeof(struct hmap_ovf_chunk), m->layout.bucket_align);
    for (struct hmap_ovf_chunk *c = a->chunks; c; c = c->next)
        if (release_step(m, c->bytes, (char *)c + hdr, &c->released, c->bytes - hdr))
            return;
    m->retiring = NULL;
    array_free(m, a);
}

void hmap__finish_retiring(struct hmap *m)
{
    if (m->retiring) {
        array_free(m, m->retiring);
        m->retiring = NULL;
    }
}

void hmap__array_retire(struct hmap *m, struct hmap_array *a)
{
    if (!a || is_view(a))
        return;
    /* Its free overflow buckets are dead with it, and retiring gives their
     * pages back. */
    a->free_ovf = NULL;
    a->nfree_ovf = 0;
    if (hooks_own_arrays(m)) {
        m->hooks->array_retire(m, a);
    } else if (a->bytes >= RELEASE_MIN_ARRAY) {
        hmap__finish_retiring(m);
        m->retiring = a;
    } else {
        array_free(m, a);
    }
}

/* The array whose overflow buckets a chain of `a` takes: a view's are its
 * whole array's. */
HMAP_INLINE struct hmap_array *overflow_owner(struct hmap *m, struct hmap_array *a)
{
    return is_view(a) ? m->buckets : a;
}

/* Makes sure `a` (for a view: its whole array) can hand out n overflow
 * buckets without allocating: from its free list, then its pool, then a new
 * chunk. */
bool hmap__reserve_overflow(struct hmap *m, struct hmap_array *a, size_t n)
{
    size_t bs = m->layout.bucket_size;
    a = overflow_owner(m, a);
    if (a->nfree_ovf >= n || (size_t)(a->pool_end - a->pool_next) >= (n - a->nfree_ovf) * bs)
        return true;
    n -= a->nfree_ovf;
    size_t want = a->nbuckets >> 4;
    if (want < 8)
        want = 8;
    if (want < n)
        want = n;
    size_t hdr = align_up(sizeof(struct hmap_ovf_chunk), m->layout.bucket_align);
    if (want > (PTRDIFF_MAX - hdr) / bs)
        return false;
    size_t bytes = hdr + want * bs;
    struct hmap_ovf_chunk *c = alloc_zeroed(m, bytes);
    if (!c)
        return false;
    c->bytes = bytes;
    c->next = a->chunks;
    a->chunks = c;
    a->pool_next = (char *)c + hdr;
    a->pool_end = a->pool_next + want * bs;
    return true;
}

char *hmap__take_overflow(struct hmap *m, struct hmap_array *a)
{
    a = overflow_owner(m, a);
    a->noverflow++;
    char *b = a->free_ovf;
    if (b) {
        a->free_ovf = *bucket_overflow(m, b);
        a->nfree_ovf--;
        *bucket_overflow(m, b) = NULL;
        return b;
    }
    b = a->pool_next;
    a->pool_next += m->layout.bucket_size;
    return b;
}

/* Gives the (empty) overflow buckets from b on back to a's free list. */
static void free_overflow_chain(struct hmap *m, struct hmap_array *a, char *b)
{
    while (b) {
        char *next = *bucket_overflow(m, b);
        *bucket_overflow(m, b) = a->free_ovf;
        a->free_ovf = b;
        a->nfree_ovf++;
        a->noverflow--;
        b = next;
    }
}

/* ---- growth --------------------------------------------------------- */




static bool can_grow_in_place(const struct hmap *m)
{
    const struct hmap_array *a = m->buckets;
    size_t header = (size_t)(a->first - (const char *)a);
    return a->reserved && (a->reserved - header) / 2 >= a->nbuckets * m->layout.bucket_size &&
           hmap__growth_in_place_allowed();
}

/* Doubles the array in place: its next half becomes usable, and its lower
 * half, seen through the view, is the old array of the growth. */
static int grow_in_place(struct hmap *m)
{
    struct hmap_array *a = m->buckets;
    size_t grown = a->bytes + a->nbuckets * m->layout.bucket_size;
    if (!hmap__extend(a, a->bytes, grown, true))
        return ENOMEM;
    struct hmap_array *view = in_place_view(a);
    memset(view, 0, sizeof *view);
    view->magic = HMAP_ARRAY_MAGIC;
    view->generation = a->generation;
    view->owner = m;
    view->nbuckets = a->nbuckets;
    view->first = a->first;
    a->prefaulted = a->bytes;
    a->bytes = grown;
    a->nbuckets *= 2;
    a->generation = ++m->generation;
    m->old = view;
    m->B++;
    m->nevacuate = 0;
    m->growing_same_size = 0;
    m->no_same_size_grow = 0;
    return 0;
}

int hmap__start_growth(struct hmap *m, bool same_size)
{
    m->growths++;
    if (!same_size && can_grow_in_place(m))
        return grow_in_place(m);
    unsigned B = same_size ? m->B : m->B + 1u;
    struct hmap_array *a = hmap__array_new(m, B);
    if (!a)
        return ENOMEM;
    m->old = m->buckets;
    m->buckets = a;
    m->B = (uint8_t)B;
    m->nevacuate = 0;
    m->growing_same_size = same_size;
    if (!same_size)
        m->no_same_size_grow = 0;
    return 0;
}

/* Where evacuation writes the entries bound for one new bucket. */
struct evac_dest {
    char *b;
    unsigned i;
};




/* Fills slot i of bucket b with an entry (key and value, copied together:
 * they are adjacent). */
HMAP_INLINE void place_entry(struct hmap *m, char *b, unsigned i, uint8_t tag, uint8_t split,
                             const char *entry)
{
    b[i] = (char)tag;
    if (m->layout.split_off)
        bucket_split(m, b)[i] = split;
    char *to = bucket_key(m, b, i);
    copy_small(to, entry, m->layout.entry_size);
    if (HMAP_UNLIKELY(entry == m->followed))
        m->followed = to;
}

/* Appends an entry to a destination chain, extending it as needed. */
static void evac_append(struct hmap *m, struct evac_dest *d, uint8_t tag, uint8_t split,
                        const char *entry)
{
    if (d->i == BUCKET_SLOTS) {
        char *nb = hmap__take_overflow(m, m->buckets);
        *bucket_overflow(m, d->b) = nb;
        d->b = nb;
        d->i = 0;
    }
    place_entry(m, d->b, d->i, tag, split, entry);
    d->i++;
}

/* The bucket an entry of old bucket `oi` goes to in a doubling: 0 for the
 * lower (oi), 1 for the upper (oi + 2^(B-1)).  Updates its split byte for
 * the new array of 2^B buckets, hashing the key again only where the split
 * bits cannot tell (no split bits kept, or they have run out). */
HMAP_INLINE unsigned doubling_half(struct hmap *m, char *key, uint8_t *split, size_t oldn,
                                   enum key_kind kind)
{
    if (m->layout.split_off && *split >= 2) {
        unsigned to = *split & 1;
        *split >>= 1;
        return to;
    }
    uint64_t h = key_hash(m, key, kind);
    *split = split_of(h, m->B);
    return (h & oldn) != 0;
}

static bool chain_holds(const struct hmap *m, char *head, const void *p)
{
    for (char *b = head; b; b = *bucket_overflow(m, b))
        if ((const char *)p >= b && (const char *)p < b + m->layout.bucket_size)
            return true;
    return false;
}

/* The splits write the new half in order, and each of its pages would be
 * a page fault; faulting them in a step ahead, several pages per system
 * call, costs less.  (Half as much, where a fault costs ten microseconds in
 * a virtual machine.)  `upto` is where the splits have written to. */
enum { PREFAULT_STEP = 128 << 10 };

static void prefault_ahead(struct hmap_array *a, const char *upto)
{
    size_t done = (size_t)(upto - (const char *)a);
    if (done + PREFAULT_STEP <= a->prefaulted || a->prefaulted >= a->bytes)
        return;
    size_t from = hmap__page_up(a->prefaulted);
    size_t to = from + PREFAULT_STEP < a->bytes ? from + PREFAULT_STEP : a->bytes;
    if (to > from)
        hmap__prefault((char *)a + from, to - from);
    a->prefaulted = to;
}

/* Splits old bucket `nevacuate` of a growth in place: the entries bound
 * for the upper bucket move there, the others are packed towards the front
 * of the chain, and the overflow buckets emptied go back to the free list.
 * The packing is skipped for a chain that holds the write's key argument,
 * which must stay readable until the write ends. */
HMAP_INLINE int evacuate_in_place(struct hmap *m, enum key_kind kind, const void *write_key)
{
    struct hmap_array *a = m->buckets;
    uint32_t bs = m->layout.bucket_size;
    size_t oi = m->nevacuate, oldn = m->old->nbuckets;
    char *head = bucket_at(a, oi, bs);

    size_t chain = 1;
    for (char *b = *bucket_overflow(m, head); b; b = *bucket_overflow(m, b))
        chain++;
    if (!hmap__reserve_overflow(m, a, chain - 1))
        return ENOMEM;
    bool pack = chain > 1 && !chain_holds(m, head, write_key);

    struct evac_dest up = { bucket_at(a, oi + oldn, bs), 0 };
    struct evac_dest low = { head, 0 }; /* where the next entry that stays goes */
    char *low_prev = NULL;
    for (char *b = head; b; b = *bucket_overflow(m, b)) {
        for (unsigned i = 0; i < BUCKET_SLOTS; i++) {
            uint8_t tag = (uint8_t)b[i];
            if (tag == TAG_EMPTY)
                continue;
            char *key = bucket_key(m, b, i);
            uint8_t split = m->layout.split_off ? bucket_split(m, b)[i] : 0;
            if (doubling_half(m, key, &split, oldn, kind)) {
                evac_append(m, &up, tag, split, key);
                b[i] = (char)TAG_EMPTY;
                continue;
            }
            if (!pack || (low.b == b && low.i == i)) {
                if (m->layout.split_off)
                    bucket_split(m, b)[i] = split;
            } else {
                place_entry(m, low.b, low.i, tag, split, key);
                b[i] = (char)TAG_EMPTY;
            }
            if (pack && ++low.i == BUCKET_SLOTS) {
                low_prev = low.b;
                low.b = *bucket_overflow(m, low.b);
                low.i = 0;
            }
        }
    }
    if (pack) {
        char *last = low.i == 0 && low_prev ? low_prev : low.b;
        free_overflow_chain(m, a, *bucket_overflow(m, last));
        *bucket_overflow(m, last) = NULL;
    }
    m->nevacuate = oi + 1;
    prefault_ahead(a, bucket_at(a, oi + oldn + 1, bs));
    return 0;
}

/* Hashing the bucket's string keys again reads each string, a cache miss
 * apiece in a large map: fetching them all first overlaps the misses. */
HMAP_INLINE void prefetch_strings(const struct hmap *m, char *b)
{
    for (unsigned i = 0; i < BUCKET_SLOTS; i++) {
        if ((uint8_t)b[i] == TAG_EMPTY)
            continue;
        const char *str;
        memcpy(&str, bucket_key(m, b, i), sizeof str);
        __builtin_prefetch(str);
    }
}

/* Moves old bucket `nevacuate` (with its chain) to the new array.  The
 * overflow buckets it may need are reserved first, so that running out of
 * memory leaves the bucket untouched rather than half moved. */
HMAP_INLINE int evacuate_next(struct hmap *m, enum key_kind kind, const void *write_key)
{
    if (is_view(m->old))
        return evacuate_in_place(m, kind, write_key);
    struct hmap_array *old = m->old;
    uint32_t bs = m->layout.bucket_size;
    size_t oi = m->nevacuate, oldn = old->nbuckets;
    char *ob = bucket_at(old, oi, bs);

    size_t chain = 1;
    for (char *b = *bucket_overflow(m, ob); b; b = *bucket_overflow(m, b))
        chain++;
    bool same = m->growing_same_size;
    if (!hmap__reserve_overflow(m, m->buckets, (chain - 1) * (same ? 1 : 2)))
        return ENOMEM;

    struct evac_dest dest[2] = {
        { bucket_at(m->buckets, oi, bs), 0 },
        { same ? NULL : bucket_at(m->buckets, oi + oldn, bs), 0 },
    };
    /* Same-size growth keeps every key's place.  Hooks that verify moved
     * keys have every key hashed again, to see modified ones. */
    bool verify = hooks_verify_moved_keys(m);
    for (char *b = ob; b; b = *bucket_overflow(m, b)) {
        if (kind == KIND_CSTR && verify)
            prefetch_strings(m, b);
        for (unsigned i = 0; i < BUCKET_SLOTS; i++) {
            uint8_t tag = (uint8_t)b[i];
            if (tag == TAG_EMPTY)
                continue;
            char *key = bucket_key(m, b, i);
            uint8_t split = m->layout.split_off ? bucket_split(m, b)[i] : 0;
            unsigned to = 0;
            if (verify) {
                uint64_t h = key_hash(m, key, kind);
                if (HMAP_UNLIKELY((h & (oldn - 1)) != oi || tag_of(h) != tag))
                    m->hooks->key_misplaced(m, key);
                tag = tag_of(h);
                to = !same && (h & oldn) != 0;
                split = split_of(h, m->B);
            } else if (!same) {
                to = doubling_half(m, key, &split, oldn, kind);
            }
            evac_append(m, &dest[to], tag, split, key);
        }
    }
    m->nevacuate = oi + 1;
    return 0;
}

/* Evacuated old buckets are never read again by the map (a key argument
 * pointing into one is, until the write ends: end_of_write calls this). */
static void release_evacuated(struct hmap *m)
{
    struct hmap_array *old = m->old;
    size_t done = m->nevacuate * m->layout.bucket_size;
    if (old->bytes < RELEASE_MIN_ARRAY || done - old->released < RELEASE_STEP)
        return;
    release_upto(m, old->bytes, old->first, &old->released, done);
}

/* The old array is emptied, but the write that emptied it may still read
 * its key argument, which the rules let point into the map: the array is
 * retired when the write ends (end_of_write). */
static void finish_growth(struct hmap *m)
{
    struct hmap_array *old = m->old;
    m->old = NULL;
    m->nevacuate = 0;
    if (is_view(old))
        return; /* grown in place: nothing to retire */
    if (m->growing_same_size && too_many_overflow(m->buckets->noverflow, m->B))
        m->no_same_size_grow = 1;
    if (m->evacuated[1])
        hmap__array_retire(m, m->evacuated[1]); /* a third growth in one write: cannot happen */
    m->evacuated[1] = m->evacuated[0];
    m->evacuated[0] = old;
}

void hmap__retire_evacuated(struct hmap *m)
{
    for (int i = 0; i < 2; i++) {
        hmap__array_retire(m, m->evacuated[i]);
        m->evacuated[i] = NULL;
    }
}

/* What a write gives back, once it no longer reads its key: the pages of
 * the old buckets it evacuated, a step of a retiring array, the arrays it
 * emptied. */
__attribute__((noinline)) void hmap__give_back(struct hmap *m)
{
    if (m->old)
        release_evacuated(m);
    if (m->retiring)
        retire_step(m);
    if (m->evacuated[0])
        hmap__retire_evacuated(m);
}


/* The bounded share of a growth that each write does: the next two old
 * buckets.  Two per write finish the growth before the new array can
 * fill up, since a growth starts with 6.5 entries per old bucket and the
 * new array has room for 13. */
HMAP_INLINE int grow_work(struct hmap *m, enum key_kind kind, const void *write_key)
{
    for (int n = 0; n < 2; n++) {
        int err = evacuate_next(m, kind, write_key);
        if (err)
            return err;
        if (m->nevacuate == m->old->nbuckets) {
            finish_growth(m);
            return 0;
        }
    }
    return 0;
}

/* The growth work of a write, out of line and specialised for each key
 * kind: most writes do none, and with the work inlined every insertion
 * would save and restore the registers the evacuation needs. */
#define DEFINE_GROW_WORK(name, KIND)                                                 \
    __attribute__((noinline)) int hmap__grow_work_##name(struct hmap *m,   \
                                                          const void *write_key)   \
    {                                                                              \
        return grow_work(m, KIND, write_key);                                      \
    }
DEFINE_GROW_WORK(u64, KIND_U64)
DEFINE_GROW_WORK(u32, KIND_U32)
DEFINE_GROW_WORK(cstr, KIND_CSTR)
DEFINE_GROW_WORK(generic, KIND_GENERIC)


/* Finishes a growth in progress at once (relocation needs a map with a
 * single array).  On ENOMEM the growth is still consistent, only unfinished. */
int hmap__finish_growth_now(struct hmap *m)
{
    while (m->old) {
        int err = evacuate_next(m, (enum key_kind)m->kind, NULL);
        if (err)
            return err;
        if (m->nevacuate == m->old->nbuckets)
            finish_growth(m);
    }
    return 0;
}

/* Moves every entry to a freshly allocated array of the same size and
 * retires the old one, so that pointers into it dangle (the checked
 * runtime's relocate= option).  It is a same-size growth run to completion at once. */
int hmap__relocate(struct hmap *m)
{
    if (!m->buckets)
        return 0;
    int err = hmap__finish_growth_now(m);
    if (err) {
        end_of_write(m);
        return err;
    }
    uint8_t keep = m->no_same_size_grow;
    err = hmap__start_growth(m, true);
    if (!err)
        err = hmap__finish_growth_now(m);
    m->no_same_size_grow = keep;
    end_of_write(m);
    return err;
}

