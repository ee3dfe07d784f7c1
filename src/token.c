/*
 * token.c — the cryptography of share links (SPEC §5), all of it
 * PostgreSQL's own: HMAC-SHA256 (common/hmac.h) for tokens, PBKDF2 as in
 * SCRAM (common/scram-common.h) for link passwords, pg_strong_random for
 * keys and salts, timingsafe_bcmp for every comparison of a MAC or a hash.
 *
 * SQL-callable functions (internal: EXECUTE revoked from PUBLIC, called only
 * from the extension's SECURITY DEFINER functions in 061_links.sql):
 *
 *   _random_bytes(n int) → bytea               n bytes from pg_strong_random
 *   _token_sign(kid int, secret bytea, link uuid) → text
 *   _token_kid(token text) → int               the key id of a well-formed
 *                                              token, NULL otherwise
 *   _token_verify(token text, kid int, secret bytea) → uuid
 *                                              the link id if the token is
 *                                              well-formed, names kid and its
 *                                              MAC is right; NULL otherwise
 *   _password_hash(password text) → text
 *   _password_check(password text, hash text) → bool
 *
 * The token layout is described in token.h.  Password hashes have the format
 * of PostgreSQL's own SCRAM secrets:
 *
 *     SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
 *
 * (standard base64 with padding; salt 16 random bytes; SaltedPassword =
 * PBKDF2-HMAC-SHA256(SASLprep(password), salt, iterations); StoredKey =
 * SHA-256(HMAC(SaltedPassword, "Client Key")); ServerKey =
 * HMAC(SaltedPassword, "Server Key")).  A password is checked by recomputing
 * both keys and comparing them in constant time.
 *
 * Secrets (key copies, MACs, salted passwords, password copies) are wiped
 * with explicit_bzero once used.  No function here ever puts a token, a
 * password, a key or a hash into an error message.
 */
#include "postgres.h"

#include "access/detoast.h"
#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/saslprep.h"
#include "common/scram-common.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "token.h"
#include "token_sql.h"

PG_FUNCTION_INFO_V1(token_random_bytes);
PG_FUNCTION_INFO_V1(token_sign);
PG_FUNCTION_INFO_V1(token_kid);
PG_FUNCTION_INFO_V1(token_verify);
PG_FUNCTION_INFO_V1(token_password_hash);
PG_FUNCTION_INFO_V1(token_password_check);

#define MIN_SECRET_LEN			32
#define PASSWORD_MAX_BYTES		1024	/* as SASLprep's own limit */
#define PASSWORD_ITERATIONS		4096	/* SCRAM's default, RFC 7677's minimum */
#define PASSWORD_MIN_ITERATIONS	4096
/*
 * (PostgreSQL 15's PBKDF2 does not check for interrupts: a hash of more
 * iterations, written into link by hand, would hold each open of the link
 * uncancellable for seconds; one of 100,000 costs about 0.1 s)
 */
#define PASSWORD_MAX_ITERATIONS	100000
#define PASSWORD_SALT_LEN		16
#define PASSWORD_PREFIX			"SCRAM-SHA-256$"

/*
 * The SCRAM primitives changed signature in PostgreSQL 16 (hash type and key
 * length became arguments); these wrappers keep the code below version-free.
 */
#if PG_VERSION_NUM >= 160000
#define SaltedPassword(pw, salt, saltlen, iter, out, err) \
	scram_SaltedPassword(pw, PG_SHA256, SCRAM_SHA_256_KEY_LEN, salt, saltlen, iter, out, err)
#define ClientKey(salted, out, err) \
	scram_ClientKey(salted, PG_SHA256, SCRAM_SHA_256_KEY_LEN, out, err)
#define ServerKey(salted, out, err) \
	scram_ServerKey(salted, PG_SHA256, SCRAM_SHA_256_KEY_LEN, out, err)
#define HashKey(in, len, out, err) \
	scram_H(in, PG_SHA256, len, out, err)
#define KEY_LEN SCRAM_SHA_256_KEY_LEN
#else
#define SaltedPassword(pw, salt, saltlen, iter, out, err) \
	scram_SaltedPassword(pw, salt, saltlen, iter, out, err)
#define ClientKey(salted, out, err)		scram_ClientKey(salted, out, err)
#define ServerKey(salted, out, err)		scram_ServerKey(salted, out, err)
#define HashKey(in, len, out, err)		scram_H(in, len, out, err)
#define KEY_LEN SCRAM_KEY_LEN
#endif

/* ---------------------------------------------------------------------------
 * Randomness
 * ------------------------------------------------------------------------- */

static void
StrongRandom(void *buf, size_t len)
{
	if (!pg_strong_random(buf, len))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
}

/* _random_bytes(n int) → bytea: n (1..1024) bytes from pg_strong_random */
Datum
token_random_bytes(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	bytea	   *result;

	if (n < 1 || n > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("_random_bytes: n must be between 1 and 1024")));
	result = palloc(VARHDRSZ + n);
	SET_VARSIZE(result, VARHDRSZ + n);
	StrongRandom(VARDATA(result), n);
	PG_RETURN_BYTEA_P(result);
}

/* ---------------------------------------------------------------------------
 * Tokens
 * ------------------------------------------------------------------------- */

/* HMAC-SHA256 of data under key, into out (PG_SHA256_DIGEST_LENGTH bytes). */
static void
HmacSha256(const uint8 *key, size_t keylen, const uint8 *data, size_t len, uint8 *out)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_hmac_init(ctx, key, keylen) < 0 ||
		pg_hmac_update(ctx, data, len) < 0 ||
		pg_hmac_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
	{
		const char *err = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute HMAC-SHA256: %s", err)));
	}
	pg_hmac_free(ctx);			/* wipes its state */
}

/*
 * A private, detoasted copy of a key (a bytea datum), checked for length;
 * the caller wipes and frees it.
 */
static bytea *
SecretCopy(Datum d)
{
	bytea	   *secret = DatumGetByteaPCopy(d);

	if (VARSIZE(secret) - VARHDRSZ < MIN_SECRET_LEN)
	{
		explicit_bzero(VARDATA(secret), VARSIZE(secret) - VARHDRSZ);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a signing key has at least %d bytes", MIN_SECRET_LEN)));
	}
	return secret;
}

static void
WipeSecret(bytea *secret)
{
	explicit_bzero(VARDATA(secret), VARSIZE(secret) - VARHDRSZ);
	pfree(secret);
}

/* The (truncated) MAC of a token's fields under secret, into mac. */
static void
TokenMac(const TokenParts *parts, const bytea *secret, uint8 *mac)
{
	uint8		signed_bytes[TOKEN_SIGNED_LEN];
	uint8		full[PG_SHA256_DIGEST_LENGTH];

	TokenSignedBytes(parts, signed_bytes);
	HmacSha256((const uint8 *) VARDATA(secret), VARSIZE(secret) - VARHDRSZ,
			   signed_bytes, sizeof(signed_bytes), full);
	memcpy(mac, full, TOKEN_MAC_LEN);
	explicit_bzero(full, sizeof(full));
}

/* _token_sign(kid int, secret bytea, link uuid) → text */
Datum
token_sign(PG_FUNCTION_ARGS)
{
	int32		kid = PG_GETARG_INT32(0);
	pg_uuid_t  *link = PG_GETARG_UUID_P(2);
	bytea	   *secret;
	TokenParts	parts;
	char		buf[TOKEN_TEXT_LEN + 1];
	text	   *result;

	if (kid <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a signing key id is a positive integer")));
	secret = SecretCopy(PG_GETARG_DATUM(1));
	memset(&parts, 0, sizeof(parts));
	parts.version = TOKEN_VERSION;
	parts.kid = (uint32) kid;
	memcpy(parts.link, link->data, TOKEN_ID_LEN);
	TokenMac(&parts, secret, parts.mac);
	WipeSecret(secret);
	if (!TokenFormat(&parts, buf, sizeof(buf)))
		elog(ERROR, "could not format a share link token");
	explicit_bzero(&parts, sizeof(parts));
	result = cstring_to_text_with_len(buf, TOKEN_TEXT_LEN);
	explicit_bzero(buf, sizeof(buf));
	PG_RETURN_TEXT_P(result);
}

/*
 * Parse a token (a text datum); false for anything malformed.  Input longer
 * than TOKEN_MAX_INPUT is refused by its size, before it is detoasted.
 */
static bool
TokenParseDatum(Datum d, TokenParts *parts)
{
	text	   *t;
	bool		ok;

	if (toast_raw_datum_size(d) > VARHDRSZ + TOKEN_MAX_INPUT)
		return false;
	t = DatumGetTextPP(d);
	ok = TokenParse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), parts) == TOKEN_OK;
	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
	return ok;
}

/* The key id of a well-formed token (a text datum) into *kid; false when it is malformed. */
bool
TokenKeyId(Datum token, int32 *kid)
{
	TokenParts	parts;

	if (!TokenParseDatum(token, &parts))
		return false;
	*kid = (int32) parts.kid;
	explicit_bzero(&parts, sizeof(parts));
	return true;
}

/*
 * The link id into *link when the token (a text datum) is well-formed and
 * carries the right MAC under the secret (a bytea datum) lookup(kid, arg)
 * gives for its key id (0: no such key); false otherwise.  The token is
 * parsed once; the MACs have a fixed length and are compared in constant
 * time.
 */
bool
TokenLinkId(Datum token, TokenKeyLookup lookup, void *arg, pg_uuid_t *link)
{
	TokenParts	parts;
	uint8		expected[TOKEN_MAC_LEN];
	Datum		secret_datum;
	bytea	   *secret;
	bool		good;

	if (!TokenParseDatum(token, &parts) ||
		(secret_datum = lookup((int32) parts.kid, arg)) == (Datum) 0)
	{
		explicit_bzero(&parts, sizeof(parts));
		return false;
	}
	secret = SecretCopy(secret_datum);
	TokenMac(&parts, secret, expected);
	WipeSecret(secret);
	StaticAssertStmt(sizeof(expected) == sizeof(parts.mac), "MAC lengths differ");
	good = timingsafe_bcmp(expected, parts.mac, TOKEN_MAC_LEN) == 0;
	explicit_bzero(expected, sizeof(expected));
	if (good)
		memcpy(link->data, parts.link, TOKEN_ID_LEN);
	explicit_bzero(&parts, sizeof(parts));
	return good;
}

/* _token_kid(token text) → int: the key id of a well-formed token, or NULL */
Datum
token_kid(PG_FUNCTION_ARGS)
{
	int32		kid;

	if (!TokenKeyId(PG_GETARG_DATUM(0), &kid))
		PG_RETURN_NULL();
	PG_RETURN_INT32(kid);
}

/* TokenKeyLookup of _token_verify: its secret argument, for its kid argument (positive) only. */
static Datum
GivenKey(int32 kid, void *arg)
{
	FunctionCallInfo fcinfo = (FunctionCallInfo) arg;

	return PG_GETARG_INT32(1) > 0 && kid == PG_GETARG_INT32(1) ? PG_GETARG_DATUM(2) : (Datum) 0;
}

/* _token_verify(token text, kid int, secret bytea) → uuid: the link id (TokenLinkId), or NULL */
Datum
token_verify(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *result = palloc(sizeof(pg_uuid_t));

	if (!TokenLinkId(PG_GETARG_DATUM(0), GivenKey, fcinfo, result))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(result);
}

/* ---------------------------------------------------------------------------
 * Passwords
 * ------------------------------------------------------------------------- */

/*
 * A NUL-terminated copy of the password argument, SASLprep-normalised when
 * possible (as PostgreSQL does for SCRAM: a password that is not valid UTF-8
 * or has prohibited characters is used as it is).  NULL if it is longer than
 * PASSWORD_MAX_BYTES.  The caller wipes and frees it.
 */
static char *
PasswordArg(Datum d, size_t *len)
{
	text	   *t;
	char	   *raw;
	char	   *prep = NULL;
	size_t		n;

	if (toast_raw_datum_size(d) > VARHDRSZ + PASSWORD_MAX_BYTES)
		return NULL;
	t = (text *) pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
	n = VARSIZE_ANY_EXHDR(t);
	if (n > PASSWORD_MAX_BYTES)
	{
		if ((Pointer) t != DatumGetPointer(d))
		{
			explicit_bzero(VARDATA_ANY(t), n);
			pfree(t);
		}
		return NULL;
	}
	raw = palloc(n + 1);
	memcpy(raw, VARDATA_ANY(t), n);
	raw[n] = '\0';
	if ((Pointer) t != DatumGetPointer(d))
	{
		explicit_bzero(VARDATA_ANY(t), n);
		pfree(t);
	}
	if (pg_saslprep(raw, &prep) == SASLPREP_SUCCESS && prep != NULL)
	{
		explicit_bzero(raw, n);
		pfree(raw);
		raw = prep;
		n = strlen(raw);
	}
	*len = n;
	return raw;
}

static void
WipePassword(char *pw, size_t len)
{
	explicit_bzero(pw, len);
	pfree(pw);
}

/* StoredKey and ServerKey of a password (prepared) with salt and iterations. */
static void
PasswordKeys(const char *password, const uint8 *salt, int saltlen, int iterations,
			 uint8 *stored_key, uint8 *server_key)
{
	uint8		salted[KEY_LEN];
	uint8		client_key[KEY_LEN];
	const char *err = NULL;

	if (SaltedPassword(password, (const char *) salt, saltlen, iterations, salted, &err) < 0 ||
		ClientKey(salted, client_key, &err) < 0 ||
		HashKey(client_key, KEY_LEN, stored_key, &err) < 0 ||
		ServerKey(salted, server_key, &err) < 0)
	{
		explicit_bzero(salted, sizeof(salted));
		explicit_bzero(client_key, sizeof(client_key));
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not hash a link password: %s", err ? err : "unknown error")));
	}
	explicit_bzero(salted, sizeof(salted));
	explicit_bzero(client_key, sizeof(client_key));
}

/* Standard base64 of src into a palloc'd, terminated string. */
static char *
B64(const uint8 *src, int len)
{
	int			cap = pg_b64_enc_len(len) + 1;
	char	   *dst = palloc(cap);
	int			n = pg_b64_encode((const char *) src, len, dst, cap);

	if (n < 0)
		elog(ERROR, "could not encode base64");
	dst[n] = '\0';
	return dst;
}

/* _password_hash(password text) → text: a SCRAM-SHA-256 secret of the password */
Datum
token_password_hash(PG_FUNCTION_ARGS)
{
	size_t		len;
	char	   *password = PasswordArg(PG_GETARG_DATUM(0), &len);
	uint8		salt[PASSWORD_SALT_LEN];
	uint8		stored_key[KEY_LEN];
	uint8		server_key[KEY_LEN];
	char	   *salt64,
			   *stored64,
			   *server64;
	text	   *result;

	if (password == NULL || len == 0)
	{
		if (password)
			WipePassword(password, len);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a link password has 1 to %d bytes", PASSWORD_MAX_BYTES)));
	}
	StrongRandom(salt, sizeof(salt));
	PasswordKeys(password, salt, sizeof(salt), PASSWORD_ITERATIONS, stored_key, server_key);
	WipePassword(password, len);
	salt64 = B64(salt, sizeof(salt));
	stored64 = B64(stored_key, KEY_LEN);
	server64 = B64(server_key, KEY_LEN);
	result = cstring_to_text(psprintf(PASSWORD_PREFIX "%d:%s$%s:%s",
									  PASSWORD_ITERATIONS, salt64, stored64, server64));
	explicit_bzero(stored_key, sizeof(stored_key));
	explicit_bzero(server_key, sizeof(server_key));
	PG_RETURN_TEXT_P(result);
}

/*
 * Decode exactly want bytes of standard base64 from src[0..len) into dst;
 * false for anything else.
 */
static bool
DecodeExact(const char *src, size_t len, uint8 *dst, int want)
{
	char		buf[128];
	int			n;

	if (len == 0 || len >= sizeof(buf) || (size_t) pg_b64_dec_len((int) len) > sizeof(buf))
		return false;
	n = pg_b64_decode(src, (int) len, buf, sizeof(buf));
	if (n != want)
		return false;
	memcpy(dst, buf, want);
	explicit_bzero(buf, sizeof(buf));
	return true;
}

/*
 * Parse 'SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>'; false
 * for anything malformed.
 */
static bool
ParsePasswordHash(const char *s, size_t len, int *iterations, uint8 *salt, int *saltlen,
				  uint8 *stored_key, uint8 *server_key)
{
	const char *p = s;
	const char *end = s + len;
	const char *colon,
			   *dollar;
	long		iter = 0;

	if (len < sizeof(PASSWORD_PREFIX) - 1 ||
		memcmp(p, PASSWORD_PREFIX, sizeof(PASSWORD_PREFIX) - 1) != 0)
		return false;
	p += sizeof(PASSWORD_PREFIX) - 1;
	if (p >= end || *p < '1' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9')
	{
		iter = iter * 10 + (*p++ - '0');
		if (iter > PASSWORD_MAX_ITERATIONS)
			return false;
	}
	if (iter < PASSWORD_MIN_ITERATIONS || p >= end || *p++ != ':')
		return false;
	dollar = memchr(p, '$', end - p);
	if (dollar == NULL || dollar == p)
		return false;
	/* the salt: 8 to 64 bytes */
	{
		char		buf[128];
		size_t		n = dollar - p;
		int			got;

		if (n >= sizeof(buf) || (size_t) pg_b64_dec_len((int) n) > sizeof(buf))
			return false;
		got = pg_b64_decode(p, (int) n, buf, sizeof(buf));
		if (got < 8 || got > 64)
			return false;
		memcpy(salt, buf, got);
		*saltlen = got;
	}
	p = dollar + 1;
	colon = memchr(p, ':', end - p);
	if (colon == NULL)
		return false;
	if (!DecodeExact(p, colon - p, stored_key, KEY_LEN) ||
		!DecodeExact(colon + 1, end - colon - 1, server_key, KEY_LEN))
		return false;
	*iterations = (int) iter;
	return true;
}

/*
 * Whether the password (a text Datum) matches the hash.  False for a
 * malformed hash or a password longer than any that can be set; never an
 * error that shows either.
 */
bool
TokenPasswordMatches(Datum password_datum, text *hash)
{
	int			iterations;
	uint8		salt[64];
	int			saltlen;
	uint8		stored_key[KEY_LEN];
	uint8		server_key[KEY_LEN];
	uint8		got_stored[KEY_LEN];
	uint8		got_server[KEY_LEN];
	char	   *password;
	size_t		len;
	bool		ok;

	if (!ParsePasswordHash(VARDATA_ANY(hash), VARSIZE_ANY_EXHDR(hash), &iterations,
						   salt, &saltlen, stored_key, server_key))
		return false;
	password = PasswordArg(password_datum, &len);
	if (password == NULL)
	{
		explicit_bzero(stored_key, sizeof(stored_key));
		explicit_bzero(server_key, sizeof(server_key));
		return false;
	}
	PasswordKeys(password, salt, saltlen, iterations, got_stored, got_server);
	WipePassword(password, len);
	/* both compared in full, in constant time */
	ok = (timingsafe_bcmp(got_stored, stored_key, KEY_LEN) |
		  timingsafe_bcmp(got_server, server_key, KEY_LEN)) == 0;
	explicit_bzero(stored_key, sizeof(stored_key));
	explicit_bzero(server_key, sizeof(server_key));
	explicit_bzero(got_stored, sizeof(got_stored));
	explicit_bzero(got_server, sizeof(got_server));
	return ok;
}

/* _password_check(password text, hash text) → bool: TokenPasswordMatches */
Datum
token_password_check(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(TokenPasswordMatches(PG_GETARG_DATUM(0), PG_GETARG_TEXT_PP(1)));
}
