/* stacks: writing a sample's location indices as a compact (varint)
 * stack; reading every form is in profile.h. */
#ifndef CMON_STACKS_H
#define CMON_STACKS_H

#include <stdbool.h>
#include <stddef.h>

/* Writes idx[0..n) (leaf first; uint32_t when wide, else uint16_t) into
 * out as LEB128 varints, root first, and returns the bytes written; with
 * out NULL, only counts them (at most 5 an index). */
size_t cm_stack_encode(unsigned char *out, const void *idx, size_t n, bool wide);

#endif
