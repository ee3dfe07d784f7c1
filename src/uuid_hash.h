/*
 * uuid_hash.h — the keyed hash of uuids that every uuid index and map of
 * share_acl uses.
 *
 * Ids may be chosen by users (create_resource(..., id => …)), so the hash
 * must not be predictable: with an unkeyed, invertible hash a tenant could
 * compute ids that all land in one bucket and make every probe walk a long
 * chain.  It is SipHash-1-3 (the keyed hash that Python and Rust use against
 * hash flooding) over the 16 bytes, under a key drawn from
 * pg_strong_random() once per backend.
 */
#ifndef SHARE_ACL_UUID_HASH_H
#define SHARE_ACL_UUID_HASH_H

#include "postgres.h"

#include "common/hashfn.h"
#include "utils/uuid.h"

extern uint64 uuid_hash_key[2];

/*
 * Which of n partitions a uuid falls in, the same in every backend: an
 * unkeyed hash (the backends' keys differ), for the partitions of the
 * audit chains' and the commit recheck's locks, never for an index.
 */
static inline uint32
uuid_partition(const pg_uuid_t *id, uint32 n)
{
	return (uint32) (hash_bytes_extended(id->data, UUID_LEN, 0) % n);
}

extern void UuidHashInit(void);
extern uint32 UuidHashValue(const void *key, Size keysize);

#define SIP_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND(v0, v1, v2, v3) \
	do { \
		v0 += v1; v1 = SIP_ROTL(v1, 13); v1 ^= v0; v0 = SIP_ROTL(v0, 32); \
		v2 += v3; v3 = SIP_ROTL(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = SIP_ROTL(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = SIP_ROTL(v1, 17); v1 ^= v2; v2 = SIP_ROTL(v2, 32); \
	} while (0)

/* SipHash-1-3 of the 16 bytes of a uuid under a key, folded to 32 bits. */
static inline uint32
uuid_hash_with_key(const uint64 *key, const pg_uuid_t *id)
{
	uint64		k0 = key[0],
				k1 = key[1];
	uint64		v0 = k0 ^ UINT64CONST(0x736f6d6570736575);
	uint64		v1 = k1 ^ UINT64CONST(0x646f72616e646f6d);
	uint64		v2 = k0 ^ UINT64CONST(0x6c7967656e657261);
	uint64		v3 = k1 ^ UINT64CONST(0x7465646279746573);
	uint64		m;
	const uint64 last = UINT64CONST(16) << 56;	/* message length, in the last block */

	memcpy(&m, id->data, 8);
	v3 ^= m;
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	memcpy(&m, id->data + 8, 8);
	v3 ^= m;
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m;
	v3 ^= last;
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	m = v0 ^ v1 ^ v2 ^ v3;
	return (uint32) (m ^ (m >> 32));
}

/* The hash of a uuid under the backend's key. */
static inline uint32
uuid_key_hash(const pg_uuid_t *id)
{
	return uuid_hash_with_key(uuid_hash_key, id);
}

#endif							/* SHARE_ACL_UUID_HASH_H */
