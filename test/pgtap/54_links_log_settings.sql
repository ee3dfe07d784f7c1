-- pgTAP: which settings in effect would write a share link token or
-- password to the server log (SPEC §5), as open_link and create_link judge
-- it (share_acl._log_exposure, the list their once-per-backend WARNING
-- names; sql/link_log_settings.sql shows the warning itself).  A secret in
-- the statement text (a literal) is exposed by every statement-logging
-- setting and by log_min_error_statement below panic; one in a bind
-- parameter by the statement-logging settings unless
-- log_parameter_max_length = 0, and by log_parameter_max_length_on_error;
-- any, however passed, by debug_print_plan and by auto_explain's verbose
-- nested plans.  Bind parameters are reached here through EXECUTE of a
-- prepared statement (the portal's parameters, as for the extended query
-- protocol).
BEGIN;
SELECT plan(32);

CREATE TEMP TABLE sec AS SELECT 'Secret-54-' || md5('54') AS v;
-- the exposure of a secret that is not in the statement text
CREATE FUNCTION pg_temp.stored() RETURNS text[] LANGUAGE sql AS $$
    SELECT share_acl._log_exposure((SELECT v FROM sec), NULL)
$$;
-- the exposure of a secret passed as a bind parameter
PREPARE exposure_of(text) AS SELECT share_acl._log_exposure(NULL, $1);
CREATE FUNCTION pg_temp.bound() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE r text[];
BEGIN
    EXECUTE format('EXECUTE exposure_of(%L)', (SELECT v FROM sec)) INTO r;
    RETURN r;
END $$;

-- --------------------------------------------------------------- defaults
SELECT is(pg_temp.stored(), '{}', 'defaults, a secret not in the statement: nothing logs it');
SELECT is(pg_temp.bound(), '{}', 'defaults, a bind parameter: nothing logs it');
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{"log_min_error_statement = error"}',
    'defaults, a literal: the text of a failing statement is logged');
SELECT is(share_acl._log_exposure(NULL, NULL) || share_acl._log_exposure('', ''), '{}', 'no secret: nothing to report');
-- a literal is a string constant of the text: not a short password that is
-- one letter of its words (read from a table here, so in no constant)
CREATE TEMP TABLE short_secret AS SELECT chr(120) AS p;
SELECT is((SELECT share_acl._log_exposure(NULL, s.p) FROM short_secret s), '{}',
    'a password that is one letter of the statement''s words is no literal');
SELECT is(share_acl._log_exposure(NULL, $q$Dollar-54$q$), '{"log_min_error_statement = error"}',
    'a dollar-quoted constant is a literal');
SELECT is((SELECT share_acl._log_exposure(NULL, s.p) /* x */ FROM short_secret s), '{"log_min_error_statement = error"}',
    'one standing as a word of its own in a comment is written out too');
SELECT is((SELECT share_acl._log_exposure(NULL, v) /* tok_Secret-54-a684eceee76fc522773286a895bc8436 */ FROM sec),
    '{"log_min_error_statement = error"}', 'a long secret inside a longer word is written out');
SELECT is(share_acl._log_exposure(NULL, 'it''s-54'), '{"log_min_error_statement = error"}',
    'a literal with a doubled quote holds the password it decodes to');
SELECT is(share_acl._log_exposure(NULL, E'\x41bc-54'), '{"log_min_error_statement = error"}',
    'so does one with an escape');
SELECT is(share_acl._log_exposure(NULL, 'pa'
    'ss54'), '{"log_min_error_statement = error"}',
    'and one continued on the next line');
SELECT is(share_acl._log_exposure(NULL, U&'!0070w54' UESCAPE '!'), '{"log_min_error_statement = error"}',
    'a U& constant counts as holding it');

-- ------------------------------------------------------------- literals
SET LOCAL log_min_error_statement = panic;
SELECT is(share_acl._log_exposure('Literal-54', 'Literal-Pass-54'), '{}', 'log_min_error_statement = panic: a literal is safe');
SET LOCAL log_statement = 'all';
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{"log_statement = all"}', 'log_statement = all logs a literal');
SELECT is(pg_temp.stored(), '{}', 'but not a secret that is not in the statement');
SET LOCAL log_statement = 'mod';
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{}', 'log_statement = mod does not log a SELECT');
CREATE TEMP TABLE ddl_exposure AS SELECT share_acl._log_exposure('Literal-54', NULL) AS r;
SELECT is((SELECT r FROM ddl_exposure), '{"log_statement = mod"}', 'but logs a CREATE TABLE AS that holds a literal');
SET LOCAL log_statement = 'none';
SET LOCAL log_min_duration_statement = 250;
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{"log_min_duration_statement = 250"}',
    'log_min_duration_statement >= 0 logs a literal (of a slow statement)');
SET LOCAL log_min_duration_statement = -1;
SET LOCAL log_min_duration_sample = 0;
SET LOCAL log_statement_sample_rate = 0;
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{}', 'log_min_duration_sample with a sample rate of 0 logs nothing');
SET LOCAL log_statement_sample_rate = 0.5;
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{"log_min_duration_sample = 0"}',
    'log_min_duration_sample with a sample rate above 0 logs a literal');
SET LOCAL log_min_duration_sample = -1;
SET LOCAL log_transaction_sample_rate = 0.01;
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{"log_transaction_sample_rate = 0.01"}',
    'log_transaction_sample_rate > 0 logs a literal');
SET LOCAL log_transaction_sample_rate = 0;
SET LOCAL debug_print_parse = on;
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{"debug_print_parse = on"}', 'debug_print_parse logs a literal');
SET LOCAL debug_print_parse = off;

-- -------------------------------------------------------- bind parameters
SET LOCAL log_statement = 'all';
SELECT is(pg_temp.bound(), '{"log_statement = all","log_parameter_max_length = -1"}',
    'log_statement = all logs bind parameters in full');
SET LOCAL log_parameter_max_length = 16;
SELECT is(pg_temp.bound(), '{"log_statement = all","log_parameter_max_length = 16"}',
    'also cut to log_parameter_max_length bytes (a prefix is a leak)');
SET LOCAL log_parameter_max_length = 0;
SELECT is(pg_temp.bound(), '{}', 'log_parameter_max_length = 0: log_statement = all logs no bind parameter');
SET LOCAL log_min_duration_statement = 0;
SET LOCAL log_transaction_sample_rate = 1;
SELECT is(pg_temp.bound(), '{}', 'nor does any other statement logging');
SET LOCAL log_parameter_max_length_on_error = 64;
SELECT is(pg_temp.bound(), '{"log_parameter_max_length_on_error = 64"}',
    'log_parameter_max_length_on_error writes them with the error of a failing statement');
SET LOCAL log_parameter_max_length_on_error = 0;
SELECT is(pg_temp.bound(), '{}', 'the recommended settings: log_parameter_max_length = 0, log_parameter_max_length_on_error = 0');

-- ------------------------------------------------ however the secret came
SET LOCAL debug_print_plan = on;
SELECT is(pg_temp.stored(), '{"debug_print_plan = on"}', 'debug_print_plan logs the plans inside open_link, with their constants');
SET LOCAL debug_print_plan = off;
RESET log_statement;
RESET log_min_duration_statement;
RESET log_transaction_sample_rate;
-- auto_explain: a setting of a library that is not loaded logs nothing
SET LOCAL auto_explain.log_min_duration = 0;
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{}', 'auto_explain settings without auto_explain loaded: nothing');
LOAD 'auto_explain';
SELECT is(share_acl._log_exposure('Literal-54', NULL), '{"auto_explain.log_min_duration = 0"}',
    'auto_explain loaded, log_min_duration >= 0: the query text with its literal');
SET LOCAL auto_explain.log_nested_statements = on;
SET LOCAL auto_explain.log_verbose = on;
SELECT is(pg_temp.stored(),
    '{"auto_explain.log_min_duration = 0","auto_explain.log_nested_statements = on","auto_explain.log_verbose = on"}',
    'auto_explain of nested statements, verbose: the plans inside open_link show the secret however it came');
SET LOCAL auto_explain.log_min_duration = -1;

SELECT * FROM finish();
ROLLBACK;
