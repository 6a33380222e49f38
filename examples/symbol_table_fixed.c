/*
 * symbol_table_fixed.c - a correct program: symbol_table.c, copying the
 * value out instead of keeping a pointer into the map.
 *
 * define_symbol now returns the symbol by value.  What the linker keeps is
 * a copy that no write to the map can move; when it needs the current
 * entry it looks it up again.  Built with -DHMAP_CHECKED it must run clean
 * even with HMAP_OPTIONS=relocate=always, which moves the entries on every
 * write.
 */
#include <hmap.h>

#include <stdio.h>

enum { FUNCTIONS = 500 };

struct symbol {
    unsigned long address;
    unsigned size;
    char section; /* 't' text, 'd' data */
};

static unsigned long next_address = 0x401000;

/* Defines a symbol at the next free address and returns a copy of it. */
static struct symbol define_symbol(hmap *symbols, const char *name, unsigned size)
{
    struct symbol *sym = hmap_put(symbols, &name, NULL);
    if (!sym)
        return (struct symbol){ 0 };
    *sym = (struct symbol){ next_address, size, 't' };
    next_address += size;
    return *sym; /* a copy: `sym` dies with the next write */
}

static int link_program(hmap *symbols)
{
    static char names[FUNCTIONS][16];
    struct symbol entry = define_symbol(symbols, "_start", 64);
    for (int i = 0; i < FUNCTIONS; i++) {
        snprintf(names[i], sizeof names[i], "func_%d", i);
        define_symbol(symbols, names[i], 16 + (unsigned)i % 100);
    }
    printf("entry point _start at %#lx, %u bytes\n", entry.address, entry.size);

    const char *name = "_start";
    const struct symbol *now = hmap_get(symbols, &name); /* fresh: no write since */
    return now && now->address == entry.address ? 0 : 1;
}

int main(void)
{
    hmap *symbols = hmap_new(&HMAP_TYPE_CSTR(struct symbol), 0);
    if (!symbols)
        return 1;
    int status = link_program(symbols);
    printf("%zu symbols, %lu bytes of text\n", hmap_len(symbols), next_address - 0x401000);
    hmap_free(symbols);
    return status;
}
