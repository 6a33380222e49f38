/*
 * plain_new.h - a map created by a plain (unchecked) translation unit.
 */
#ifndef HMAP_TEST_PLAIN_NEW_H
#define HMAP_TEST_PLAIN_NEW_H

#include <hmap.h>

hmap *plain_new(const hmap_type *type);

#endif
