/*
 * symbolize.h - program counters to names (symbolize.c), outside signal
 * context.
 */
#ifndef HMAP_INSTRUMENT_SYMBOLIZE_H
#define HMAP_INSTRUMENT_SYMBOLIZE_H

#include "hmap_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

struct hmap_frame {
    uintptr_t pc;         /* the address the frame was resolved from */
    bool inlined;         /* code inlined at `pc` into the next frame's function */
    char function[256];   /* "" when unknown */
    uintptr_t offset;     /* pc - start of function */
    char module[256];     /* basename of the object file; "" when unknown */
    uintptr_t module_offset; /* pc - load address of the module (what addr2line wants) */
    char file[512];       /* "" when no debug info; otherwise as recorded in it */
    int line;             /* 0 when unknown */
};

/* Resolves one program counter.  Not async-signal-safe.  `pc` is a return
 * address for every frame but the innermost (`is_return_address`): the
 * file and line are then looked up at pc - 1, the call instruction.  With
 * `full` false only module and module_offset are filled in (symbolize=0). */
void hmap__symbolize(uintptr_t pc, bool is_return_address, bool full, struct hmap_frame *out);
/* The same, with the functions inlined at pc as frames of their own, as
 * llvm-symbolizer and addr2line -i show them: innermost first, each with
 * the line it is at, down to the function whose symbol holds pc.  Fills
 * at most `max` frames (at least one) and returns how many. */
int hmap__symbolize_inlined(uintptr_t pc, bool is_return_address, bool full,
                            struct hmap_frame *out, int max);

#pragma GCC visibility pop

#endif /* HMAP_INSTRUMENT_SYMBOLIZE_H */
