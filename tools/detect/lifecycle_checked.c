/*
 * lifecycle_checked.c - lifecycle_ops.c through the checked entry points,
 * with the default HMAP_OPTIONS unless the environment sets them.
 */
#define HMAP_CHECKED 1
#define LIFECYCLE_NAME lifecycle_checked
#include "lifecycle_ops.c"
