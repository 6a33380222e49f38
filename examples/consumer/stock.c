/*
 * stock.c - a small inventory, the application of the consumer project
 * (examples/consumer): receives stock, sells some, prunes the items that
 * sold out, and checks the totals.
 *
 *   stock                 exits 0 when the totals are right
 *   stock --buggy-prune   prunes with hmap_del inside the iteration: the
 *                         deliberate bug.  Built with -DHMAP_CHECKED
 *                         (meson -Dhmap_checked=true) it is reported as
 *                         "map modified during iteration" and the program
 *                         ends; built plain it is not noticed.
 */
#include <hmap.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SKUS 1000

struct item {
    int32_t qty;
    uint32_t price_cents;
};

static void receive(hmap *stock, uint32_t sku, int32_t qty, uint32_t price_cents)
{
    bool inserted;
    struct item *item = hmap_put(stock, &sku, &inserted);
    if (item == NULL) {
        perror("stock: hmap_put");
        exit(1);
    }
    if (inserted)
        item->price_cents = price_cents;
    item->qty += qty;
}

static bool sell(hmap *stock, uint32_t sku, int32_t qty)
{
    struct item *item = hmap_get(stock, &sku);
    if (item == NULL || item->qty < qty)
        return false;
    item->qty -= qty;
    return true;
}

/* hmap_iter_del is the one write allowed while iterating. */
static size_t prune_sold_out(hmap *stock)
{
    hmap_iter it;
    size_t pruned = 0;

    hmap_iter_init(&it, stock);
    while (hmap_iter_next(&it)) {
        const struct item *item = it.val;
        if (item->qty == 0) {
            hmap_iter_del(&it);
            pruned++;
        }
    }
    return pruned;
}

/* The deliberate bug: a write to the map in the middle of its iteration. */
static size_t prune_sold_out_buggy(hmap *stock)
{
    hmap_iter it;
    size_t pruned = 0;

    hmap_iter_init(&it, stock);
    while (hmap_iter_next(&it)) {
        const struct item *item = it.val;
        if (item->qty == 0) {
            uint32_t sku = *(const uint32_t *)it.key;
            hmap_del(stock, &sku);
            pruned++;
        }
    }
    return pruned;
}

static uint64_t stock_value(hmap *stock)
{
    hmap_iter it;
    uint64_t cents = 0;

    hmap_iter_init(&it, stock);
    while (hmap_iter_next(&it)) {
        const struct item *item = it.val;
        cents += (uint64_t)item->qty * item->price_cents;
    }
    return cents;
}

int main(int argc, char **argv)
{
    bool buggy = argc > 1 && strcmp(argv[1], "--buggy-prune") == 0;
    hmap *stock = hmap_new(&HMAP_TYPE(uint32_t, struct item), 0);
    size_t sold_out = 0, pruned;
    uint64_t want_value = 0;

    if (stock == NULL) {
        perror("stock: hmap_new");
        return 1;
    }
    for (uint32_t sku = 0; sku < SKUS; sku++)
        receive(stock, sku, 1 + (int32_t)(sku % 4), 100 + sku);
    /* Every third item sells out; the others sell one unit. */
    for (uint32_t sku = 0; sku < SKUS; sku++) {
        int32_t have = 1 + (int32_t)(sku % 4);
        int32_t qty = sku % 3 == 0 ? have : 1;
        if (!sell(stock, sku, qty))
            return 1;
        if (qty == have)
            sold_out++;
        want_value += (uint64_t)(have - qty) * (100 + sku);
    }

    pruned = buggy ? prune_sold_out_buggy(stock) : prune_sold_out(stock);

    uint64_t value = stock_value(stock);
    size_t left = hmap_len(stock);
    hmap_free(stock);
    printf("stock: %zu items pruned, %zu left, value %llu.%02llu\n", pruned, left,
           (unsigned long long)(value / 100), (unsigned long long)(value % 100));
    if (pruned != sold_out || left != SKUS - sold_out || value != want_value) {
        fprintf(stderr, "stock: wrong totals (expected %zu pruned, value %llu cents)\n",
                sold_out, (unsigned long long)want_value);
        return 1;
    }
    return 0;
}
