/* CRC-64/ISO (Go's crc64.Update with crc64.ISO). */
#ifndef CS_CRC64_ISO_H
#define CS_CRC64_ISO_H
#include <stddef.h>
#include <stdint.h>
uint64_t crc64_iso_update(uint64_t crc, const unsigned char *p, size_t n);
/* the portable path, for tests and CPUs without carry-less multiply */
uint64_t crc64_iso_update_tables(uint64_t crc, const unsigned char *p, size_t n);
#endif
