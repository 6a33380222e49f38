/*
 * per_op_checked.c - per_op_ops.c through the checked entry points.
 */
#define HMAP_CHECKED 1
#define PER_OP(name) per_op_checked_##name
#include "per_op_ops.c"
