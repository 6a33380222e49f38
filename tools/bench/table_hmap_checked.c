/*
 * table_hmap_checked.c - hmap's checked build in the benchmark, with the
 * default HMAP_OPTIONS (relocate=sampled): the cost of -DHMAP_CHECKED.
 */
#define HMAP_CHECKED 1
#include "table_hmap.c"
