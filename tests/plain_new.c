/*
 * plain_new.c - maps created by plain code, for the death tests that check
 * what the checked runtime catches on them (compiled without
 * HMAP_CHECKED: hmap_new here is the plain one).
 */
#include "plain_new.h"

hmap *plain_new(const hmap_type *type)
{
    return hmap_new(type, 0);
}
