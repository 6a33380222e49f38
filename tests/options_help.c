/*
 * options_help.c - starts the checked runtime and exits: with
 * HMAP_OPTIONS=help=1 it prints the runtime's options, which
 * tests/check_docs.py compares with the docs.
 */
#define HMAP_CHECKED 1
#include <hmap.h>

int main(void)
{
    hmap_free(hmap_new(&HMAP_TYPE(int, int), 0)); /* the first map starts the runtime */
    return 0;
}
