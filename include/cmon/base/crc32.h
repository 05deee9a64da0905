/* crc32: gzip's CRC-32, as zlib's crc32_z computes it, with the carry-less
 * multiply of x86-64 CPUs (PCLMULQDQ) where the CPU has it: a gzip
 * profile's check took a quarter of the inflating thread's instructions
 * with zlib's tables (3.9 an output byte, on the 126k-sample benchmark
 * profile), where folding takes a small fraction of that (issue 15). */
#ifndef CMON_CRC32_H
#define CMON_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc updated with p[0..len): crc32_z(crc, p, len). */
uint32_t cm_crc32(uint32_t crc, const unsigned char *p, size_t len);

/* The same with zlib's tables only, for the tests to compare with. */
uint32_t cm_crc32_tables(uint32_t crc, const unsigned char *p, size_t len);

#endif
