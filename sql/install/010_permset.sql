-- The permission set type share_acl.permset (SPEC section 1): an 8-byte bitmask.

CREATE TYPE share_acl.permset;

CREATE FUNCTION share_acl.permset_in(cstring) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION share_acl.permset_out(share_acl.permset) RETURNS cstring
    AS 'MODULE_PATHNAME', 'permset_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION share_acl.permset_recv(internal) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION share_acl.permset_send(share_acl.permset) RETURNS bytea
    AS 'MODULE_PATHNAME', 'permset_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE share_acl.permset (
    INPUT = share_acl.permset_in,
    OUTPUT = share_acl.permset_out,
    RECEIVE = share_acl.permset_recv,
    SEND = share_acl.permset_send,
    INTERNALLENGTH = 8,
    PASSEDBYVALUE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE share_acl.permset IS
    'a set of share_acl permissions (flags and named sets such as viewer, editor, manager)';

COMMENT ON FUNCTION share_acl.permset_in(cstring) IS 'permset input: names separated by , or |';
COMMENT ON FUNCTION share_acl.permset_out(share_acl.permset) IS 'permset output: canonical flag list';
COMMENT ON FUNCTION share_acl.permset_recv(internal) IS 'permset binary input';
COMMENT ON FUNCTION share_acl.permset_send(share_acl.permset) IS 'permset binary output';

-- comparison, set predicates and set arithmetic
CREATE FUNCTION share_acl.permset_eq(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_ne(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_lt(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_le(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_gt(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_ge(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_cmp(share_acl.permset, share_acl.permset) RETURNS int4
    AS 'MODULE_PATHNAME', 'permset_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_hash(share_acl.permset) RETURNS int4
    AS 'MODULE_PATHNAME', 'permset_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_hash_extended(share_acl.permset, int8) RETURNS int8
    AS 'MODULE_PATHNAME', 'permset_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_contains(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_contained(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_contained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_overlaps(share_acl.permset, share_acl.permset) RETURNS bool
    AS 'MODULE_PATHNAME', 'permset_overlaps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION share_acl.permset_or(share_acl.permset, share_acl.permset) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_or' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION share_acl.permset_and(share_acl.permset, share_acl.permset) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_and' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION share_acl.permset_minus(share_acl.permset, share_acl.permset) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_minus' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION share_acl.permset_eq(share_acl.permset, share_acl.permset) IS 'implementation of = for permset';
COMMENT ON FUNCTION share_acl.permset_ne(share_acl.permset, share_acl.permset) IS 'implementation of <> for permset';
COMMENT ON FUNCTION share_acl.permset_lt(share_acl.permset, share_acl.permset) IS 'implementation of < (bitmask order) for permset';
COMMENT ON FUNCTION share_acl.permset_le(share_acl.permset, share_acl.permset) IS 'implementation of <= (bitmask order) for permset';
COMMENT ON FUNCTION share_acl.permset_gt(share_acl.permset, share_acl.permset) IS 'implementation of > (bitmask order) for permset';
COMMENT ON FUNCTION share_acl.permset_ge(share_acl.permset, share_acl.permset) IS 'implementation of >= (bitmask order) for permset';
COMMENT ON FUNCTION share_acl.permset_cmp(share_acl.permset, share_acl.permset) IS 'btree comparison support for permset';
COMMENT ON FUNCTION share_acl.permset_hash(share_acl.permset) IS 'hash support for permset';
COMMENT ON FUNCTION share_acl.permset_hash_extended(share_acl.permset, int8) IS 'seeded hash support for permset';
COMMENT ON FUNCTION share_acl.permset_contains(share_acl.permset, share_acl.permset) IS 'does the first set contain every flag of the second (@>)';
COMMENT ON FUNCTION share_acl.permset_contained(share_acl.permset, share_acl.permset) IS 'is the first set contained in the second (<@)';
COMMENT ON FUNCTION share_acl.permset_overlaps(share_acl.permset, share_acl.permset) IS 'do the sets share a flag (&&)';
COMMENT ON FUNCTION share_acl.permset_or(share_acl.permset, share_acl.permset) IS 'union of two permission sets (|)';
COMMENT ON FUNCTION share_acl.permset_and(share_acl.permset, share_acl.permset) IS 'intersection of two permission sets (&)';
COMMENT ON FUNCTION share_acl.permset_minus(share_acl.permset, share_acl.permset) IS 'flags of the first set not in the second (-)';

CREATE OPERATOR share_acl.= (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_eq, COMMUTATOR = OPERATOR(share_acl.=),
    NEGATOR = OPERATOR(share_acl.<>), RESTRICT = eqsel, JOIN = eqjoinsel,
    HASHES, MERGES);
CREATE OPERATOR share_acl.<> (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_ne, COMMUTATOR = OPERATOR(share_acl.<>),
    NEGATOR = OPERATOR(share_acl.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR share_acl.< (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_lt, COMMUTATOR = OPERATOR(share_acl.>),
    NEGATOR = OPERATOR(share_acl.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR share_acl.<= (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_le, COMMUTATOR = OPERATOR(share_acl.>=),
    NEGATOR = OPERATOR(share_acl.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR share_acl.> (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_gt, COMMUTATOR = OPERATOR(share_acl.<),
    NEGATOR = OPERATOR(share_acl.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR share_acl.>= (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_ge, COMMUTATOR = OPERATOR(share_acl.<=),
    NEGATOR = OPERATOR(share_acl.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR share_acl.@> (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_contains, COMMUTATOR = OPERATOR(share_acl.<@),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR share_acl.<@ (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_contained, COMMUTATOR = OPERATOR(share_acl.@>),
    RESTRICT = contsel, JOIN = contjoinsel);
CREATE OPERATOR share_acl.&& (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_overlaps, COMMUTATOR = OPERATOR(share_acl.&&),
    RESTRICT = areasel, JOIN = areajoinsel);
CREATE OPERATOR share_acl.| (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_or, COMMUTATOR = OPERATOR(share_acl.|));
CREATE OPERATOR share_acl.& (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_and, COMMUTATOR = OPERATOR(share_acl.&));
CREATE OPERATOR share_acl.- (
    LEFTARG = share_acl.permset, RIGHTARG = share_acl.permset,
    FUNCTION = share_acl.permset_minus);

CREATE OPERATOR CLASS share_acl.permset_btree_ops
    DEFAULT FOR TYPE share_acl.permset USING btree AS
        OPERATOR 1 share_acl.<,
        OPERATOR 2 share_acl.<=,
        OPERATOR 3 share_acl.=,
        OPERATOR 4 share_acl.>=,
        OPERATOR 5 share_acl.>,
        FUNCTION 1 share_acl.permset_cmp(share_acl.permset, share_acl.permset);

CREATE OPERATOR CLASS share_acl.permset_hash_ops
    DEFAULT FOR TYPE share_acl.permset USING hash AS
        OPERATOR 1 share_acl.=,
        FUNCTION 1 share_acl.permset_hash(share_acl.permset),
        FUNCTION 2 share_acl.permset_hash_extended(share_acl.permset, int8);

-- aggregates: NULL over no rows, like bit_or / bit_and
CREATE AGGREGATE share_acl.permset_union(share_acl.permset) (
    SFUNC = share_acl.permset_or, STYPE = share_acl.permset,
    COMBINEFUNC = share_acl.permset_or, PARALLEL = SAFE);
CREATE AGGREGATE share_acl.permset_intersect(share_acl.permset) (
    SFUNC = share_acl.permset_and, STYPE = share_acl.permset,
    COMBINEFUNC = share_acl.permset_and, PARALLEL = SAFE);
COMMENT ON AGGREGATE share_acl.permset_union(share_acl.permset) IS 'union of the permission sets of a group';
COMMENT ON AGGREGATE share_acl.permset_intersect(share_acl.permset) IS 'intersection of the permission sets of a group';

-- inspection and conversions
CREATE FUNCTION share_acl.permset_flags(share_acl.permset) RETURNS text[]
    AS 'MODULE_PATHNAME', 'permset_flags' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.permset_flags(share_acl.permset) IS 'the flags of a permission set, in canonical order';
CREATE FUNCTION share_acl.permset_level(share_acl.permset) RETURNS text
    AS 'MODULE_PATHNAME', 'permset_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.permset_level(share_acl.permset) IS
    'the highest of viewer < commenter < editor < manager < full contained in the set, or NULL';

CREATE FUNCTION share_acl.permset(text) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.permset(text) IS 'parse text into a permission set (the text -> permset cast)';
CREATE FUNCTION share_acl.permset(text[]) RETURNS share_acl.permset
    AS 'MODULE_PATHNAME', 'permset_from_text_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.permset(text[]) IS 'union of the permission names in an array (the text[] -> permset cast)';
CREATE FUNCTION share_acl.text(share_acl.permset) RETURNS text
    AS 'MODULE_PATHNAME', 'permset_to_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share_acl.text(share_acl.permset) IS 'canonical text of a permission set (the permset -> text cast)';

CREATE CAST (text AS share_acl.permset) WITH FUNCTION share_acl.permset(text) AS ASSIGNMENT;
CREATE CAST (share_acl.permset AS text) WITH FUNCTION share_acl.text(share_acl.permset) AS ASSIGNMENT;
CREATE CAST (text[] AS share_acl.permset) WITH FUNCTION share_acl.permset(text[]) AS ASSIGNMENT;
