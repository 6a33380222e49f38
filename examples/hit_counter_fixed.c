/*
 * hit_counter_fixed.c - a correct program: hit_counter.c, with every write
 * done before the pointer is taken.
 *
 * count_hit credits the referring page first (the insert that may move
 * the entries) and takes the pointer to the visited page last, so no write
 * comes between taking that pointer and using it.  (Where the order cannot
 * change, look the entry up again after the write.)  Built with
 * -DHMAP_CHECKED it must run clean even with HMAP_OPTIONS=relocate=always,
 * and count every hit.
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
    if (r->referrer) { /* the write that may move the entries comes first */
        struct page_stats *from = hmap_put(pages, &r->referrer, NULL);
        if (from)
            from->referrals++;
    }
    struct page_stats *page = hmap_put(pages, &r->path, NULL);
    if (!page)
        return;
    page->hits++;
    page->last_referrer = r->referrer; /* no write since `page` was taken */
}

int main(void)
{
    pages = hmap_new(&HMAP_TYPE_CSTR(struct page_stats), 64);
    if (!pages)
        return 1;
    for (int i = 0; i < REQUESTS; i++)
        count_hit(&log_lines[i]);

    unsigned long hits = 0;
    hmap_iter it;
    for (hmap_iter_init(&it, pages); hmap_iter_next(&it);) {
        const struct page_stats *page = it.val;
        printf("%-12s %lu hits, %lu referrals, last from %s\n", *(const char *const *)it.key,
               page->hits, page->referrals, page->last_referrer ? page->last_referrer : "-");
        hits += page->hits;
    }
    hmap_free(pages);
    return hits == REQUESTS ? 0 : 1;
}
