/*
 * audit.c — the audit trail's hash chain (SPEC §7) and the append-only guard
 * of audit_log.  Sealing at commit is audit_seal.c's.
 *
 * Each row's hash is SHA-256 over the previous row's hash in its workspace
 * (its chain) and the row's canonical content.
 *
 * Canonical content (version 1): a fixed prefix, then each column of the
 * row but the hash, in table order, as a tag byte (0 null, 1 value) and for
 * a value its 4-byte big-endian length and bytes: bigint and timestamptz as
 * 8 bytes big-endian (microseconds since 2000-01-01 UTC), uuid as its 16
 * bytes, text as its bytes, jsonb as its binary form (which is canonical:
 * keys sorted, no duplicate keys; the same value is the same bytes).
 * Nothing depends on a session setting, nor on the database's encoding:
 * text and the strings of jsonb (keys and values) are hashed in UTF-8,
 * converted from the database's encoding when it is another one (but
 * SQL_ASCII, whose bytes have no encoding to convert from: hashed as they
 * are), so that a dump restored into a database of another encoding, which
 * converts the stored text, verifies as it did (LATIN1 to UTF8, say).  A
 * value holding a character that UTF-8 has no equivalent for (WIN1252's
 * undefined 0x81), or one that UTF-8 would not give back as it is stored
 * (EUC_JP's duplicate codes, two of which are one character in Unicode), is
 * hashed as its bytes with the tag byte 2 instead: the hash binds the
 * stored bytes.  A database whose encoding has no conversion to UTF-8
 * (MULE_INTERNAL) hashes its text as its bytes.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "audit.h"

PG_FUNCTION_INFO_V1(audit_chain_step);
PG_FUNCTION_INFO_V1(audit_row_hash);
PG_FUNCTION_INFO_V1(audit_chains_step);
PG_FUNCTION_INFO_V1(audit_chains_final);
PG_FUNCTION_INFO_V1(audit_set_maintenance);
PG_FUNCTION_INFO_V1(audit_log_guard);

#define AUDIT_CANONICAL_PREFIX	"share_acl audit v1"

/* where CanonicalValues converts a row's text to UTF-8 (made at its first use) */
static MemoryContext conversion_cxt = NULL;

/* set by the retention function until the end of its transaction */
static bool audit_maintenance = false;

/* ---------------------------------------------------------------------------
 * The hash
 * ------------------------------------------------------------------------- */

#define FIELD_VALUE		1		/* a value (text and jsonb in UTF-8) */
#define FIELD_RAW		2		/* text or jsonb not convertible to UTF-8: its bytes */

static void
AppendTaggedField(StringInfo buf, char tag, const void *data, uint32 len)
{
	uint32		be = pg_hton32(len);

	appendStringInfoChar(buf, tag);
	appendBinaryStringInfo(buf, (const char *) &be, 4);
	appendBinaryStringInfo(buf, data, len);
}

static void
AppendField(StringInfo buf, const void *data, uint32 len)
{
	AppendTaggedField(buf, FIELD_VALUE, data, len);
}

static void
AppendInt64(StringInfo buf, int64 v)
{
	uint64		be = pg_hton64((uint64) v);

	AppendField(buf, &be, 8);
}

/*
 * The conversions between the database's encoding and UTF-8, looked up once
 * (a backend's database, and so its encoding, never changes): none in a
 * UTF-8 or SQL_ASCII database, nor in one whose encoding has no conversion
 * to UTF-8 at all (MULE_INTERNAL): its text is hashed as its bytes.
 */
static bool conversions_known = false;
static Oid	to_utf8 = InvalidOid;
static Oid	from_utf8 = InvalidOid;

/* Must the database's text be converted to UTF-8 for hashing? */
static bool
HashConvertsText(void)
{
	if (!conversions_known)
	{
		int			encoding = GetDatabaseEncoding();

		if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII)
		{
			to_utf8 = FindDefaultConversionProc(encoding, PG_UTF8);
			from_utf8 = FindDefaultConversionProc(PG_UTF8, encoding);
			if (!OidIsValid(to_utf8) || !OidIsValid(from_utf8))
				to_utf8 = from_utf8 = InvalidOid;
		}
		conversions_known = true;
	}
	return OidIsValid(to_utf8);
}

/* src (len bytes) converted by proc into a palloc'd buffer; NULL when a character does not convert. */
static unsigned char *
Convert(Oid proc, int from, int to, const char *src, int len)
{
	int			size = len * MAX_CONVERSION_GROWTH + 1;
	unsigned char *dest = palloc_extended(size, MCXT_ALLOC_HUGE);

	if (pg_do_encoding_conversion_buf(proc, from, to, (unsigned char *) unconstify(char *, src), len,
									  dest, size, true) < len)
		return NULL;
	return dest;
}

/*
 * The string s of len bytes of the database's encoding in UTF-8 (its length
 * in *len); NULL when one of its characters has none there, or when UTF-8
 * does not give its bytes back: an encoding whose characters are not all
 * distinct in Unicode (EUC_JP's NEC duplicates of JIS codes) would let an
 * edit of such a character into its twin keep the hash.
 */
static const char *
StringInUtf8(const char *s, int *len)
{
	int			encoding = GetDatabaseEncoding();
	unsigned char *utf8;
	unsigned char *back;
	int			utf8_len;

	if (*len == 0)
		return s;
	if (*len > (INT_MAX - 1) / MAX_CONVERSION_GROWTH)
		return NULL;
	utf8 = Convert(to_utf8, encoding, PG_UTF8, s, *len);
	if (utf8 == NULL)
		return NULL;
	utf8_len = strlen((char *) utf8);
	if (utf8_len > (INT_MAX - 1) / MAX_CONVERSION_GROWTH)
		return NULL;
	back = Convert(from_utf8, PG_UTF8, encoding, (const char *) utf8, utf8_len);
	if (back == NULL || strlen((char *) back) != (size_t) *len || memcmp(back, s, *len) != 0)
		return NULL;
	*len = utf8_len;
	return (const char *) utf8;
}

/*
 * jb with its strings, keys and values, in UTF-8: the binary form the same
 * value has in a UTF-8 database (keys sorted again, by their UTF-8 bytes);
 * NULL when a string does not convert (StringInUtf8), or when the strings
 * grew past what a jsonb holds.
 */
static Jsonb *
JsonbInUtf8(Jsonb *jb)
{
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbParseState *state = NULL;
	JsonbValue	v;
	JsonbValue *result = NULL;
	JsonbIteratorToken token;
	Size		grown = VARSIZE(jb);

	while ((token = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if ((token == WJB_KEY || token == WJB_VALUE || token == WJB_ELEM) && v.type == jbvString)
		{
			int			len = v.val.string.len;
			const char *utf8 = StringInUtf8(v.val.string.val, &len);

			if (utf8 == NULL)
				return NULL;
			grown += len - v.val.string.len;
			if (grown > JENTRY_OFFLENMASK)
				return NULL;
			v.val.string.val = unconstify(char *, utf8);
			v.val.string.len = len;
		}
		/* (a scalar's pseudo-array keeps its rawScalar flag: passed whole) */
		result = pushJsonbValue(&state, token,
								token == WJB_KEY || token == WJB_VALUE || token == WJB_ELEM ||
								(token == WJB_BEGIN_ARRAY && v.val.array.rawScalar) ? &v : NULL);
	}
	return JsonbValueToJsonb(result);
}

/*
 * The canonical content of a row: its columns id .. viewer_email (SQL types
 * bigint, timestamptz, uuid, uuid, text, text, text, uuid, jsonb, jsonb,
 * uuid, text) in values and nulls.
 */
static void
CanonicalValues(const Datum *values, const bool *nulls, StringInfo buf)
{
	static const Oid types[AUDIT_ROW_COLUMNS] = {
		INT8OID, TIMESTAMPTZOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID,
		UUIDOID, JSONBOID, JSONBOID, UUIDOID, TEXTOID
	};
	int			i;
	bool		converts = HashConvertsText();
	MemoryContext old = CurrentMemoryContext;

	/*
	 * (a row's converted text is made in a context of its own, emptied after
	 * the row: a seal hashes every row of a transaction in one context)
	 */
	if (converts)
	{
		if (conversion_cxt == NULL)
			conversion_cxt = AllocSetContextCreate(TopMemoryContext, "share_acl audit text in UTF-8",
												   ALLOCSET_SMALL_SIZES);
		MemoryContextSwitchTo(conversion_cxt);
	}
	appendBinaryStringInfo(buf, AUDIT_CANONICAL_PREFIX, strlen(AUDIT_CANONICAL_PREFIX));
	for (i = 0; i < AUDIT_ROW_COLUMNS; i++)
	{
		if (nulls[i])
		{
			appendStringInfoChar(buf, 0);
			continue;
		}
		switch (types[i])
		{
			case INT8OID:
				AppendInt64(buf, DatumGetInt64(values[i]));
				break;
			case TIMESTAMPTZOID:
				AppendInt64(buf, (int64) DatumGetTimestampTz(values[i]));
				break;
			case UUIDOID:
				AppendField(buf, DatumGetUUIDP(values[i])->data, UUID_LEN);
				break;
			case TEXTOID:
				{
					text	   *t = DatumGetTextPP(values[i]);
					int			len = VARSIZE_ANY_EXHDR(t);
					const char *utf8 = converts ? StringInUtf8(VARDATA_ANY(t), &len) : VARDATA_ANY(t);

					if (utf8 != NULL)
						AppendField(buf, utf8, len);
					else
						AppendTaggedField(buf, FIELD_RAW, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
					break;
				}
			case JSONBOID:
				{
					Jsonb	   *jb = DatumGetJsonbP(values[i]);
					Jsonb	   *utf8 = converts ? JsonbInUtf8(jb) : jb;

					if (utf8 != NULL)
						AppendField(buf, VARDATA(utf8), VARSIZE(utf8) - VARHDRSZ);
					else
						AppendTaggedField(buf, FIELD_RAW, VARDATA(jb), VARSIZE(jb) - VARHDRSZ);
					break;
				}
		}
	}
	if (converts)
	{
		MemoryContextSwitchTo(old);
		MemoryContextReset(conversion_cxt);
	}
}

/* The same for the function arguments first .. first + 11. */
static void
CanonicalRow(FunctionCallInfo fcinfo, int first, StringInfo buf)
{
	Datum		values[AUDIT_ROW_COLUMNS];
	bool		nulls[AUDIT_ROW_COLUMNS];
	int			i;

	for (i = 0; i < AUDIT_ROW_COLUMNS; i++)
	{
		nulls[i] = PG_ARGISNULL(first + i);
		values[i] = nulls[i] ? (Datum) 0 : PG_GETARG_DATUM(first + i);
	}
	CanonicalValues(values, nulls, buf);
}

/* SHA-256 of prev (may be NULL: the start of a chain) followed by data. */
static bytea *
ChainHash(bytea *prev, const char *data, int len)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);

	if (pg_cryptohash_init(ctx) < 0 ||
		(prev != NULL &&
		 pg_cryptohash_update(ctx, (uint8 *) VARDATA_ANY(prev), VARSIZE_ANY_EXHDR(prev)) < 0) ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, (uint8 *) VARDATA(result), PG_SHA256_DIGEST_LENGTH) < 0)
		elog(ERROR, "could not compute the audit row hash: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	return result;
}

/*
 * The hash of a row (its columns id .. viewer_email in values and nulls)
 * after prev (NULL: the start of a chain).
 */
bytea *
AuditRowHash(bytea *prev, const Datum *values, const bool *nulls)
{
	StringInfoData buf;
	bytea	   *hash;

	initStringInfo(&buf);
	CanonicalValues(values, nulls, &buf);
	hash = ChainHash(prev, buf.data, buf.len);
	pfree(buf.data);
	return hash;
}

/*
 * _audit_chain_step(state bytea, seed bytea, <the 12 columns>) → bytea: the
 * transition function of the aggregate _audit_chain(seed, <columns>), whose
 * running value over the rows of a chain in id order is each row's hash.
 * The previous hash is the state, or the seed (the chain's anchor) for the
 * first row, or nothing at the start of a chain.
 */
Datum
audit_chain_step(PG_FUNCTION_ARGS)
{
	bytea	   *prev = NULL;
	StringInfoData buf;
	bytea	   *hash;

	if (PG_NARGS() != 2 + AUDIT_ROW_COLUMNS)
		elog(ERROR, "_audit_chain_step called with %d arguments", PG_NARGS());
	if (!PG_ARGISNULL(0))
		prev = PG_GETARG_BYTEA_PP(0);
	else if (!PG_ARGISNULL(1))
		prev = PG_GETARG_BYTEA_PP(1);
	initStringInfo(&buf);
	CanonicalRow(fcinfo, 2, &buf);
	hash = ChainHash(prev, buf.data, buf.len);
	pfree(buf.data);
	PG_RETURN_BYTEA_P(hash);
}

/* _audit_row_hash(prev bytea, <the 12 columns>) → bytea: one row's hash. */
Datum
audit_row_hash(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	bytea	   *hash;

	if (PG_NARGS() != 1 + AUDIT_ROW_COLUMNS)
		elog(ERROR, "_audit_row_hash called with %d arguments", PG_NARGS());
	initStringInfo(&buf);
	CanonicalRow(fcinfo, 1, &buf);
	hash = ChainHash(PG_ARGISNULL(0) ? NULL : PG_GETARG_BYTEA_PP(0), buf.data, buf.len);
	pfree(buf.data);
	PG_RETURN_BYTEA_P(hash);
}

/*
 * The state of _audit_chains(): per chain (workspace, or the nil uuid) the
 * hash of its last row so far, and the hash of the row just added.
 */
typedef struct ChainHead
{
	pg_uuid_t	chain;			/* hash key */
	bool		has_prev;
	uint8		prev[PG_SHA256_DIGEST_LENGTH];
} ChainHead;

typedef struct ChainsState
{
	HTAB	   *heads;
	bytea	   *last;
} ChainsState;

/*
 * _audit_chains_step(state internal, chains uuid[], seeds bytea[], <the 12
 * columns>) → internal: the transition function of the aggregate
 * _audit_chains(chains, seeds, <columns>), which chains rows of many chains
 * in the order it is given them (a window over the rows as they come): each
 * row's hash follows the previous row of its own chain, and for a chain's
 * first row its seed (seeds[i] for chains[i]; none when NULL or missing).
 */
Datum
audit_chains_step(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ChainsState *st;
	pg_uuid_t	key;
	ChainHead  *head;
	bool		found;
	StringInfoData buf;
	bytea	   *prev = NULL;
	bytea	   *hash;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "_audit_chains_step called in a non-aggregate context");
	if (PG_NARGS() != 3 + AUDIT_ROW_COLUMNS)
		elog(ERROR, "_audit_chains_step called with %d arguments", PG_NARGS());
	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);
		HASHCTL		ctl;

		st = palloc0(sizeof(ChainsState));
		ctl.keysize = sizeof(pg_uuid_t);
		ctl.entrysize = sizeof(ChainHead);
		ctl.hcxt = aggcontext;
		st->heads = hash_create("share_acl audit chains", 16, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		st->last = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
		SET_VARSIZE(st->last, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
		if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		{
			ArrayType  *chains = PG_GETARG_ARRAYTYPE_P(1);
			ArrayType  *seeds = PG_GETARG_ARRAYTYPE_P(2);
			Datum	   *cv,
					   *sv;
			bool	   *cn,
					   *sn;
			int			nc,
						ns,
						i;

			deconstruct_array(chains, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &cv, &cn, &nc);
			deconstruct_array(seeds, BYTEAOID, -1, false, TYPALIGN_INT, &sv, &sn, &ns);
			for (i = 0; i < nc && i < ns; i++)
			{
				bytea	   *seed;

				if (cn[i] || sn[i])
					continue;
				seed = DatumGetByteaPP(sv[i]);
				if (VARSIZE_ANY_EXHDR(seed) != PG_SHA256_DIGEST_LENGTH)
					continue;
				head = hash_search(st->heads, DatumGetUUIDP(cv[i]), HASH_ENTER, &found);
				head->has_prev = true;
				memcpy(head->prev, VARDATA_ANY(seed), PG_SHA256_DIGEST_LENGTH);
			}
		}
		MemoryContextSwitchTo(old);
	}
	else
		st = (ChainsState *) PG_GETARG_POINTER(0);

	memset(&key, 0, sizeof(key));
	if (!PG_ARGISNULL(5))		/* workspace_id */
		key = *PG_GETARG_UUID_P(5);
	head = hash_search(st->heads, &key, HASH_ENTER, &found);
	if (!found)
		head->has_prev = false;
	if (head->has_prev)
	{
		prev = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
		SET_VARSIZE(prev, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
		memcpy(VARDATA(prev), head->prev, PG_SHA256_DIGEST_LENGTH);
	}
	initStringInfo(&buf);
	CanonicalRow(fcinfo, 3, &buf);
	hash = ChainHash(prev, buf.data, buf.len);
	pfree(buf.data);
	head->has_prev = true;
	memcpy(head->prev, VARDATA(hash), PG_SHA256_DIGEST_LENGTH);
	memcpy(VARDATA(st->last), VARDATA(hash), PG_SHA256_DIGEST_LENGTH);
	PG_RETURN_POINTER(st);
}

/* _audit_chains_final(state internal) → bytea: the hash of the row just added. */
Datum
audit_chains_final(PG_FUNCTION_ARGS)
{
	ChainsState *st;
	bytea	   *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (ChainsState *) PG_GETARG_POINTER(0);
	result = palloc(VARSIZE(st->last));
	memcpy(result, st->last, VARSIZE(st->last));
	PG_RETURN_BYTEA_P(result);
}

/* The end of a transaction: no more deletes by the retention function. */
void
AuditEndMaintenance(void)
{
	audit_maintenance = false;
}

/*
 * _audit_set_maintenance(on boolean) → void: let the retention function
 * delete rows it has copied into a new partition, until the end of the
 * transaction.  Executable by the extension's owner only.
 */
Datum
audit_set_maintenance(PG_FUNCTION_ARGS)
{
	audit_maintenance = !PG_ARGISNULL(0) && PG_GETARG_BOOL(0);
	PG_RETURN_VOID();
}

/*
 * Trigger on audit_log and its partitions (before UPDATE or DELETE of a row,
 * before TRUNCATE): refused for every role, the owner and superusers
 * included (2F003); only the retention function, which moves rows between
 * partitions, deletes.
 */
Datum
audit_log_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_log_guard() must be called as a trigger")));
	if (audit_maintenance && TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) &&
		TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		return PointerGetDatum(trigdata->tg_trigtuple);
	ereport(ERROR,
			(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
			 errmsg("the audit log is append-only"),
			 errdetail("%s on %s is refused for every role.",
					   TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? "UPDATE" :
					   TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? "DELETE" : "TRUNCATE",
					   RelationGetRelationName(trigdata->tg_relation)),
			 errhint("Old partitions are dropped by share_acl.audit_retain().")));
	PG_RETURN_NULL();			/* not reached */
}

