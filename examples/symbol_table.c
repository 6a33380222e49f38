/*
 * symbol_table.c - crash reproduction: dangling pointer read ("growth
 * invalidates my pointer").
 *
 * A toy linker keeps its symbols in a map from name to struct symbol.  It
 * defines the entry point first and keeps the pointer hmap_put returned,
 * then defines the rest of the program's symbols, then reads the entry
 * point through the pointer it kept.  The bug: a value pointer is valid
 * only until the next write to the map; the inserts made the map grow,
 * which moved every entry to a new, larger table.  In the plain build the
 * old table is freed and the read returns whatever is there now.
 *
 * Built with -DHMAP_CHECKED the retired table is kept inaccessible (the
 * first table each call site allocates is guarded), and the read faults
 * into a report, every run:
 *     ==PID==ERROR: hmap: dangling pointer read on map 0x...
 * with the reading stack (link_program), the stack of the insert that
 * retired the table (define_symbol), and the table's generation against
 * the map's.  symbol_table_fixed.c copies the value out instead of keeping
 * a pointer.
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

/* Defines a symbol at the next free address and returns its entry. */
static struct symbol *define_symbol(hmap *symbols, const char *name, unsigned size)
{
    struct symbol *sym = hmap_put(symbols, &name, NULL);
    if (!sym)
        return NULL;
    *sym = (struct symbol){ next_address, size, 't' };
    next_address += size;
    return sym;
}

static int link_program(hmap *symbols)
{
    static char names[FUNCTIONS][16];
    struct symbol *entry = define_symbol(symbols, "_start", 64);
    if (!entry)
        return 1;
    for (int i = 0; i < FUNCTIONS; i++) {
        snprintf(names[i], sizeof names[i], "func_%d", i);
        define_symbol(symbols, names[i], 16 + (unsigned)i % 100);
    }
    /* The bug: `entry` points into the table of before the inserts. */
    printf("entry point _start at %#lx, %u bytes\n", entry->address, entry->size);
    return 0;
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
