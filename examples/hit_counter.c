/*
 * hit_counter.c - crash reproduction: dangling pointer write, where the map
 * did not grow (caught with HMAP_OPTIONS=relocate=always).
 *
 * A web server keeps statistics per page: hits, how many visitors it sent
 * elsewhere, and where its last visitor came from.  count_hit takes the
 * page's entry, counts the hit, credits the referring page (an insert, if
 * that page is new), and then stores the referrer through the pointer it
 * took at the start.  The bug is the one of symbol_table.c - a value
 * pointer held across a write - but here the map is far from full and does
 * not grow, so in the plain build the pointer happens to stay valid and
 * nothing goes wrong... until the day the insert does grow the map.
 *
 * Built with -DHMAP_CHECKED and HMAP_OPTIONS=relocate=always, every write
 * moves the entries to fresh tables, and the write through the stale
 * pointer faults into a report, every run:
 *     ==PID==ERROR: hmap: dangling pointer write on map 0x...
 * in count_hit, with the stack of the insert that retired the table.  (The
 * default, relocate=sampled, moves the tables on a small random share of
 * writes, so it catches this only now and then, and a test suite that runs
 * the path often enough finds it; relocate=always finds it every time.)
 * Built plain it runs clean.
 * hit_counter_fixed.c makes that write first and takes its pointer after.
 */
#include <hmap.h>

#include <stdio.h>

struct request {
    const char *path;
    const char *referrer;
};

static const struct request log_lines[] = {
    { "/", NULL },           { "/about", "/" },      { "/blog", "/" },
    { "/blog/maps", "/blog" }, { "/", "/blog/maps" }, { "/about", "/blog" },
};
enum { REQUESTS = sizeof log_lines / sizeof log_lines[0] };

struct page_stats {
    unsigned long hits;
    unsigned long referrals; /* visitors sent to other pages */
    const char *last_referrer;
};

static hmap *pages; /* path -> struct page_stats */

static void count_hit(const struct request *r)
{
    struct page_stats *page = hmap_put(pages, &r->path, NULL);
    if (!page)
        return;
    page->hits++;
    if (r->referrer) {
        struct page_stats *from = hmap_put(pages, &r->referrer, NULL); /* a write */
        if (from)
            from->referrals++;
    }
    page->last_referrer = r->referrer; /* the bug: `page` was taken before that write */
}

int main(void)
{
    pages = hmap_new(&HMAP_TYPE_CSTR(struct page_stats), 64);
    if (!pages)
        return 1;
    for (int i = 0; i < REQUESTS; i++)
        count_hit(&log_lines[i]);

    hmap_iter it;
    for (hmap_iter_init(&it, pages); hmap_iter_next(&it);) {
        const struct page_stats *page = it.val;
        printf("%-12s %lu hits, %lu referrals, last from %s\n", *(const char *const *)it.key,
               page->hits, page->referrals, page->last_referrer ? page->last_referrer : "-");
    }
    hmap_free(pages);
    return 0;
}
