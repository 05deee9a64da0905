/* crc32: see crc32.h.
 *
 * Folding: four 128-bit lanes carry the message, each multiplied forward
 * by x^512 (mod P) and added to the next 64 bytes, then folded into one
 * lane, to 64 bits and by a Barrett reduction to the 32-bit remainder;
 * the constants are those of the bit-reflected polynomial 0xEDB88320, as
 * in Intel's paper "Fast CRC Computation for Generic Polynomials Using
 * PCLMULQDQ" (Gopal et al., 2009). The tail under 16 bytes, and CPUs
 * without the instruction, go through zlib. */
#include "cmon/base/crc32.h"

#include <stdbool.h>
#include <zlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define FOLD_TARGET __attribute__((target("pclmul,sse4.1")))

FOLD_TARGET static inline __m128i fold(__m128i x, __m128i k, __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
	return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* The raw (not inverted) CRC of p[0..len), len >= 64 and a multiple of 16. */
FOLD_TARGET static uint32_t crc_fold(uint32_t crc, const unsigned char *p, size_t len)
{
	const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4); /* x^(512±32) */
	const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0); /* x^(128±32) */
	const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124);
	const __m128i poly = _mm_set_epi64x(0x1f7011641, 0x1db710641); /* u, P */
	const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
	__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	__m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	__m128i x4 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
	p += 64;
	len -= 64;
	for (; len >= 64; p += 64, len -= 64) {
		x1 = fold(x1, k1k2, _mm_loadu_si128((const __m128i *)(const void *)p));
		x2 = fold(x2, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 16)));
		x3 = fold(x3, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 32)));
		x4 = fold(x4, k1k2, _mm_loadu_si128((const __m128i *)(const void *)(p + 48)));
	}
	x1 = fold(x1, k3k4, x2);
	x1 = fold(x1, k3k4, x3);
	x1 = fold(x1, k3k4, x4);
	for (; len >= 16; p += 16, len -= 16)
		x1 = fold(x1, k3k4, _mm_loadu_si128((const __m128i *)(const void *)p));
	/* 128 to 64 bits (with 32 zero bits appended), then 64 to 32 */
	x1 = _mm_xor_si128(_mm_clmulepi64_si128(k3k4, x1, 0x01), _mm_srli_si128(x1, 8));
	x2 = _mm_srli_si128(x1, 4);
	x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5, 0x00), x2);
	/* Barrett reduction */
	x2 = x1;
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x10);
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x00);
	return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x1, x2), 1);
}

static bool can_fold(void)
{
	return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
#else
static bool can_fold(void)
{
	return false;
}

static uint32_t crc_fold(uint32_t crc, const unsigned char *p, size_t len)
{
	(void)p, (void)len;
	return crc;
}
#endif

uint32_t cm_crc32_tables(uint32_t crc, const unsigned char *p, size_t len)
{
	return (uint32_t)crc32_z(crc, p, (z_size_t)len);
}

uint32_t cm_crc32(uint32_t crc, const unsigned char *p, size_t len)
{
	if (len >= 64 && can_fold()) {
		size_t n = len & ~(size_t)15;
		crc = ~crc_fold(~crc, p, n);
		p += n;
		len -= n;
	}
	return cm_crc32_tables(crc, p, len);
}
