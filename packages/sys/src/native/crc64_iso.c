/* CRC-64/ISO as Go's hash/crc64 with crc64.ISO (reflected polynomial 0xD800000000000000, ^crc before and
 * after each update). Carry-less multiply folding (64 bytes a step) where the CPU has PCLMULQDQ, slicing-by-8
 * tables otherwise and for short inputs. The folding constants are computed at load time, not typed in. */
#include "crc64_iso.h"
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define ISO_REFLECTED 0xD800000000000000ULL
#define ISO_NORMAL 0x000000000000001BULL /* x^64 + x^4 + x^3 + x + 1 */

static uint64_t table[8][256];

static void init_tables(void) {
  for (int i = 0; i < 256; i++) {
    uint64_t c = (uint64_t)i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ ISO_REFLECTED : c >> 1;
    table[0][i] = c;
  }
  for (int t = 1; t < 8; t++)
    for (int i = 0; i < 256; i++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

/* On the inverted register: no pre/post XOR. */
static uint64_t update_tables(uint64_t crc, const unsigned char *p, size_t n) {
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8); /* little-endian host (x86_64, aarch64) */
    crc ^= w;
    crc = table[7][crc & 0xff] ^ table[6][(crc >> 8) & 0xff] ^ table[5][(crc >> 16) & 0xff] ^
          table[4][(crc >> 24) & 0xff] ^ table[3][(crc >> 32) & 0xff] ^ table[2][(crc >> 40) & 0xff] ^
          table[1][(crc >> 48) & 0xff] ^ table[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
static int have_clmul;
/* x^e mod P, bit-reflected to match the reflected register. */
static uint64_t xpow_mod_reflected(unsigned e) {
  uint64_t r = 1;
  while (e--) r = (r & 0x8000000000000000ULL) ? (r << 1) ^ ISO_NORMAL : r << 1;
  uint64_t out = 0;
  for (int i = 0; i < 64; i++) if (r & (1ULL << i)) out |= 1ULL << (63 - i);
  return out;
}
/* Folding a 16-byte lane forward by d bytes multiplies its high-degree half by x^(8d+64) and its low half by
 * x^(8d); a reflected carry-less product carries one extra factor x, hence the -1. Pair = {low qword, high}. */
static __m128i k_fold64, k_fold48, k_fold32, k_fold16;
static __m128i fold_constants(unsigned d) {
  return _mm_set_epi64x((long long)xpow_mod_reflected(8 * d - 1), (long long)xpow_mod_reflected(8 * d + 64 - 1));
}

__attribute__((target("pclmul,sse2")))
static inline __m128i fold(__m128i lane, __m128i k, __m128i next) {
  __m128i hi = _mm_clmulepi64_si128(lane, k, 0x00); /* low qword of lane = higher-degree half */
  __m128i lo = _mm_clmulepi64_si128(lane, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(hi, lo), next);
}

/* n >= 64. Returns the inverted register after the bytes. */
__attribute__((target("pclmul,sse2")))
static uint64_t update_clmul(uint64_t crc, const unsigned char *p, size_t n) {
  __m128i x0 = _mm_loadu_si128((const __m128i *)p);
  __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
  __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
  __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
  x0 = _mm_xor_si128(x0, _mm_cvtsi64_si128((long long)crc)); /* the register joins the first 8 bytes */
  p += 64;
  n -= 64;
  while (n >= 64) {
    x0 = fold(x0, k_fold64, _mm_loadu_si128((const __m128i *)p));
    x1 = fold(x1, k_fold64, _mm_loadu_si128((const __m128i *)(p + 16)));
    x2 = fold(x2, k_fold64, _mm_loadu_si128((const __m128i *)(p + 32)));
    x3 = fold(x3, k_fold64, _mm_loadu_si128((const __m128i *)(p + 48)));
    p += 64;
    n -= 64;
  }
  __m128i x = fold(x0, k_fold48, fold(x1, k_fold32, fold(x2, k_fold16, x3)));
  while (n >= 16) {
    x = fold(x, k_fold16, _mm_loadu_si128((const __m128i *)p));
    p += 16;
    n -= 16;
  }
  /* x stands for the next 16 message bytes, with a zero register: finish with the tables. */
  unsigned char rest[16];
  _mm_storeu_si128((__m128i *)rest, x);
  return update_tables(update_tables(0, rest, 16), p, n);
}
#endif

__attribute__((constructor))
static void crc64_iso_init(void) {
  init_tables();
#if defined(__x86_64__)
  __builtin_cpu_init();
  have_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
  if (have_clmul) {
    k_fold64 = fold_constants(64);
    k_fold48 = fold_constants(48);
    k_fold32 = fold_constants(32);
    k_fold16 = fold_constants(16);
  }
#endif
}

uint64_t crc64_iso_update(uint64_t crc, const unsigned char *p, size_t n) {
  crc = ~crc;
#if defined(__x86_64__)
  if (have_clmul && n >= 128) return ~update_clmul(crc, p, n);
#endif
  return ~update_tables(crc, p, n);
}

uint64_t crc64_iso_update_tables(uint64_t crc, const unsigned char *p, size_t n) {
  return ~update_tables(~crc, p, n);
}
