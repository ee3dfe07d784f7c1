/*
 * secret_log.c — which settings in effect would write a share link token or
 * password given to open_link / create_link / link_id to the server log, and a
 * WARNING once per backend when some would (SPEC §5).
 *
 * A secret reaches the server log in three ways (PostgreSQL 15):
 *
 *   - in the statement text, when the application writes it as a literal:
 *     log_statement (when it logs this statement), log_min_duration_statement
 *     >= 0, log_min_duration_sample >= 0 with log_statement_sample_rate > 0,
 *     log_transaction_sample_rate > 0, log_min_error_statement below panic
 *     (the text of any statement that fails), debug_print_parse and
 *     debug_print_rewritten (its constants), auto_explain with
 *     log_min_duration >= 0 ("Query Text");
 *   - in the bind parameters of the extended query protocol: every one of
 *     the statement-logging settings above writes them ("parameters: $1 =
 *     ...") unless log_parameter_max_length = 0, and
 *     log_parameter_max_length_on_error <> 0 writes them with the error of a
 *     failing statement (auto_explain.log_parameter_max_length too, from
 *     PostgreSQL 16);
 *   - however it is passed: debug_print_plan (the plans of the statements
 *     inside share_acl's functions, whose parameters the planner folds into
 *     constants, printed as their bytes), and auto_explain with
 *     log_nested_statements = on and log_verbose = on (the output columns of
 *     the same plans).
 *
 * The check looks at how this call's secrets were passed: a secret written
 * in the statement text (debug_query_string: in a string constant, scanned
 * as the parser does, escapes decoded; or anywhere when 8 bytes or longer;
 * a shorter one as a word of its own, in a comment say, but not inside other
 * words, a password "x" in "text"; a text that cannot be scanned counts as
 * holding it) is a literal (SecretInText); one that
 * occurs in a bind parameter of the active portal is a bind parameter (a
 * portal whose parameters cannot be listed counts as holding them).  A
 * secret that is in neither (read from a table, computed) is exposed only by
 * the last group.  The warning names the settings, never the secret, and is
 * sent without the statement (errhidestmt) and without any context (so not
 * with the bind parameters that log_parameter_max_length_on_error would add).
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/params.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/gram.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/timestamp.h"

#include "link_attempts.h"

PG_FUNCTION_INFO_V1(log_exposure);
PG_FUNCTION_INFO_V1(warn_log_exposure);

static bool warned = false;

/*
 * fn(arg) over the statement text, which it parses or scans again.  That can
 * fail where the first parse did not (a setting such as
 * standard_conforming_strings changed by an earlier statement of the same
 * message), and the error would quote the text: then answer on_error, and
 * drop the error unreported.  The raw parser and the scanner hold no
 * resources.  Errors of the server rather than of the text (out of memory,
 * stack depth, a cancel, an internal error) are raised.
 */
static bool
OverText(bool (*fn) (void *arg), void *arg, bool on_error)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool result = on_error;
	bool		warn_escapes = escape_string_warning;

	/* (the first parse gave the text's warnings already) */
	escape_string_warning = false;
	PG_TRY();
	{
		result = fn(arg);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			category;

		escape_string_warning = warn_escapes;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
		FreeErrorData(edata);
		if (category == ERRCODE_INSUFFICIENT_RESOURCES ||
			category == ERRCODE_PROGRAM_LIMIT_EXCEEDED ||
			category == ERRCODE_OPERATOR_INTERVENTION ||
			category == ERRCODE_SYSTEM_ERROR ||
			category == ERRCODE_INTERNAL_ERROR)
			PG_RE_THROW();
		FlushErrorState();
		result = on_error;
	}
	PG_END_TRY();
	escape_string_warning = warn_escapes;
	return result;
}

/* Whether log_statement's ddl or mod logs the statement text, classified as postgres.c does. */
static bool
TextLoggedByKind(void *arg)
{
	List	   *stmts = raw_parser(debug_query_string, RAW_PARSE_DEFAULT);
	ListCell   *lc;

	foreach(lc, stmts)
	{
		if ((int) GetCommandLogLevel((Node *) lfirst(lc)) <= log_statement)
			return true;
	}
	return false;
}

/* Whether log_statement logs the current top-level statement (a text that cannot be parsed: yes). */
static bool
StatementLogged(void)
{
	if (log_statement == LOGSTMT_NONE)
		return false;
	if (log_statement == LOGSTMT_ALL)
		return true;
	if (debug_query_string == NULL)
		return false;
	return OverText(TextLoggedByKind, NULL, true);
}

static bool
Holds(const char *s, const char *token, const char *password)
{
	return (token != NULL && strstr(s, token) != NULL) ||
		(password != NULL && strstr(s, password) != NULL);
}

/*
 * The string constants of a statement text, decoded as the scanner reads
 * them ('it''s', E'\x41', 'a' and 'b' on two lines as one), each ended by a
 * NUL: read once per statement (its text and its start), so that a
 * statement opening a link for each row scans its text once, whatever each
 * row's secrets.  A U& constant is decoded by the grammar, not the scanner:
 * it counts as holding any secret, as does a text that cannot be scanned.
 */
typedef struct TextConstants
{
	const char *text;			/* the debug_query_string they are of */
	TimestampTz at;				/* that statement's start */
	StringInfoData values;
	bool		holds_any;		/* a U& constant, or the text failed to scan */
} TextConstants;

static TextConstants constants;
static MemoryContext constants_cxt = NULL;

static bool
ScanConstants(void *arg)
{
	core_yy_extra_type extra;
	core_yyscan_t scanner = scanner_init(debug_query_string, &extra, &ScanKeywords,
										 ScanKeywordTokens);
	core_YYSTYPE value;
	YYLTYPE		location;
	int			token;

	while ((token = core_yylex(&value, &location, scanner)) != 0)
	{
		if (token == SCONST)
			appendBinaryStringInfo(&constants.values, value.str, strlen(value.str) + 1);
		else if (token == USCONST)
			constants.holds_any = true;
	}
	scanner_finish(scanner);
	return true;
}

/* Whether a string constant of the statement text holds a secret. */
static bool
SecretInConstants(const char *token, const char *password)
{
	TimestampTz at = GetCurrentStatementStartTimestamp();
	const char *v;

	if (constants.text != debug_query_string || constants.at != at)
	{
		MemoryContext old;

		if (constants_cxt == NULL)
			constants_cxt = AllocSetContextCreate(TopMemoryContext, "share_acl statement constants",
												  ALLOCSET_SMALL_SIZES);
		constants.text = NULL;	/* until read whole */
		MemoryContextReset(constants_cxt);
		old = MemoryContextSwitchTo(constants_cxt);
		initStringInfo(&constants.values);
		constants.holds_any = false;
		if (!OverText(ScanConstants, NULL, false))
			constants.holds_any = true;
		MemoryContextSwitchTo(old);
		constants.text = debug_query_string;
		constants.at = at;
	}
	if (constants.holds_any)
		return true;
	for (v = constants.values.data; v < constants.values.data + constants.values.len; v += strlen(v) + 1)
	{
		if (Holds(v, token, password))
			return true;
	}
	return false;
}

/*
 * Whether text may hold a string constant written otherwise than its value:
 * a doubled quote, a backslash (E'…', or standard_conforming_strings off), a
 * U& prefix, or a constant continued on another line ('a' newline 'b').
 */
static bool
MayEncode(const char *text)
{
	const char *c;

	if (strchr(text, '\\') != NULL || strstr(text, "''") != NULL)
		return true;
	for (c = text; *c != '\0'; c++)
	{
		if ((*c == 'u' || *c == 'U') && c[1] == '&')
			return true;
		if (*c == '\'')
		{
			const char *n = c + 1;
			bool		newline = false;

			while (*n == ' ' || *n == '\t' || *n == '\r' || *n == '\f' || *n == '\n')
				newline |= (*n++ == '\n');
			if (newline && *n == '\'')
				return true;
		}
	}
	return false;
}

/* Whether c may be part of a word of SQL text (an identifier, a keyword, a number). */
static bool
WordByte(char c)
{
	return isalnum((unsigned char) c) || c == '_' || c == '$' || IS_HIGHBIT_SET(c);
}

/*
 * Whether secret occurs in text other than inside a longer word: as a word of
 * its own, or among other characters (in a comment, say), where the text's
 * log would show it as such.
 */
static bool
StandsAlone(const char *text, const char *secret)
{
	size_t		len;
	const char *at;

	if (secret == NULL || (len = strlen(secret)) == 0)
		return false;
	for (at = strstr(text, secret); at != NULL; at = strstr(at + 1, secret))
	{
		if ((at == text || !WordByte(at[-1]) || !WordByte(secret[0])) &&
			(!WordByte(at[len]) || !WordByte(secret[len - 1])))
			return true;
	}
	return false;
}

/* Secrets this long found anywhere in the text are taken as written there. */
#define SECRET_ALONE_LENGTH 8

static bool
Short(const char *secret)
{
	return secret == NULL || strlen(secret) < SECRET_ALONE_LENGTH;
}

/*
 * Whether the statement text writes out a secret, so that logging the text
 * logs it: anywhere when it is at least SECRET_ALONE_LENGTH bytes long; a
 * shorter one standing as a word of its own (in a comment, say), not inside
 * other words (a password "x" in "text"); or as a string constant's value or
 * part of it, decoded (SecretInConstants).  (A secret cut into constants
 * joined by || is not seen.)
 */
static bool
SecretInText(const char *token, const char *password)
{
	const char *text = debug_query_string;

	if ((!Short(token) && strstr(text, token) != NULL) ||
		(!Short(password) && strstr(text, password) != NULL) ||
		StandsAlone(text, token) || StandsAlone(text, password))
		return true;
	return (Holds(text, token, password) || MayEncode(text)) &&
		SecretInConstants(token, password);
}

/* Whether a bind parameter of the active portal holds a secret. */
static bool
SecretInParams(const char *token, const char *password)
{
	ParamListInfo params;
	int			i;

	if (ActivePortal == NULL || (params = ActivePortal->portalParams) == NULL ||
		params->numParams <= 0)
		return false;
	if (params->paramFetch != NULL)
		return true;			/* cannot list them: assume so */
	for (i = 0; i < params->numParams; i++)
	{
		ParamExternData *p = &params->params[i];
		Oid			typoutput;
		bool		isvarlena;

		if (p->isnull || !OidIsValid(p->ptype))
			continue;
		getTypeOutputInfo(p->ptype, &typoutput, &isvarlena);
		if (Holds(OidOutputFunctionCall(typoutput, p->value), token, password))
			return true;
	}
	return false;
}

/* Whether auto_explain is loaded and logs plans (GUC placeholders do not count). */
static bool
AutoExplainLogs(void)
{
	const char *duration;
	const char *rate;

	if ((GetConfigOptionFlags("auto_explain.log_min_duration", true) & GUC_CUSTOM_PLACEHOLDER) != 0)
		return false;
	duration = GetConfigOption("auto_explain.log_min_duration", true, false);
	rate = GetConfigOption("auto_explain.sample_rate", true, false);
	return duration != NULL && atoi(duration) >= 0 && (rate == NULL || strtod(rate, NULL) > 0);
}

static bool
GucIsOn(const char *name)
{
	const char *value = GetConfigOption(name, true, false);

	return value != NULL && strcmp(value, "on") == 0;
}

static void
AddSetting(List **reasons, const char *name)
{
	const char *value = GetConfigOption(name, true, false);
	char	   *reason;
	ListCell   *lc;

	if (value == NULL)
		return;
	reason = psprintf("%s = %s", name, value);
	foreach(lc, *reasons)
	{
		if (strcmp((char *) lfirst(lc), reason) == 0)
			return;
	}
	*reasons = lappend(*reasons, reason);
}

/*
 * The settings in effect that would write these secrets (either may be NULL)
 * to the server log, as "name = value" strings; NIL when none would.  When
 * not NULL, *literal tells whether a secret is in the statement text, and
 * *as_parameter whether one would be logged as a bind parameter.
 */
static List *
Exposure(const char *token, const char *password, bool *literal, bool *as_parameter)
{
	List	   *reasons = NIL;
	bool		auto_explain = AutoExplainLogs();
	bool		statement_logging = log_statement != LOGSTMT_NONE ||
		log_min_duration_statement >= 0 ||
		(log_min_duration_sample >= 0 && log_statement_sample_rate > 0) ||
		log_xact_sample_rate > 0;
	bool		in_text = false;
	bool		in_params = false;
	bool		stmt_logged = false;
	int			before_params;

	if (literal)
		*literal = false;
	if (as_parameter)
		*as_parameter = false;
	if (token != NULL && token[0] == '\0')
		token = NULL;
	if (password != NULL && password[0] == '\0')
		password = NULL;
	if (token == NULL && password == NULL)
		return NIL;

	/* whatever way the secret came: the plans of share_acl's own statements */
	if (Debug_print_plan)
		AddSetting(&reasons, "debug_print_plan");
	if (auto_explain && GucIsOn("auto_explain.log_nested_statements") &&
		GucIsOn("auto_explain.log_verbose"))
	{
		AddSetting(&reasons, "auto_explain.log_min_duration");
		AddSetting(&reasons, "auto_explain.log_nested_statements");
		AddSetting(&reasons, "auto_explain.log_verbose");
	}

	/* a literal in the statement text */
	if (debug_query_string != NULL &&
		(statement_logging || log_min_error_statement < PANIC ||
		 Debug_print_parse || Debug_print_rewritten || auto_explain))
		in_text = SecretInText(token, password);
	if (in_text)
	{
		if (log_statement != LOGSTMT_NONE && (stmt_logged = StatementLogged()))
			AddSetting(&reasons, "log_statement");
		if (log_min_duration_statement >= 0)
			AddSetting(&reasons, "log_min_duration_statement");
		if (log_min_duration_sample >= 0 && log_statement_sample_rate > 0)
			AddSetting(&reasons, "log_min_duration_sample");
		if (log_xact_sample_rate > 0)
			AddSetting(&reasons, "log_transaction_sample_rate");
		if (log_min_error_statement < PANIC)
			AddSetting(&reasons, "log_min_error_statement");
		if (Debug_print_parse)
			AddSetting(&reasons, "debug_print_parse");
		if (Debug_print_rewritten)
			AddSetting(&reasons, "debug_print_rewritten");
		if (auto_explain)
			AddSetting(&reasons, "auto_explain.log_min_duration");
	}

	if (literal)
		*literal = in_text;

	/* a bind parameter */
	before_params = list_length(reasons);
	if ((statement_logging && log_parameter_max_length != 0) ||
		log_parameter_max_length_on_error != 0)
		in_params = SecretInParams(token, password);
	if (in_params)
	{
		if (log_parameter_max_length != 0)
		{
			bool		any = false;

			if (log_statement != LOGSTMT_NONE && (stmt_logged || StatementLogged()))
			{
				AddSetting(&reasons, "log_statement");
				any = true;
			}
			if (log_min_duration_statement >= 0)
			{
				AddSetting(&reasons, "log_min_duration_statement");
				any = true;
			}
			if (log_min_duration_sample >= 0 && log_statement_sample_rate > 0)
			{
				AddSetting(&reasons, "log_min_duration_sample");
				any = true;
			}
			if (log_xact_sample_rate > 0)
			{
				AddSetting(&reasons, "log_transaction_sample_rate");
				any = true;
			}
			if (any)
				AddSetting(&reasons, "log_parameter_max_length");
		}
		if (log_parameter_max_length_on_error != 0)
			AddSetting(&reasons, "log_parameter_max_length_on_error");
	}
	/* PostgreSQL 16 and later: auto_explain logs bind parameters too */
	if (auto_explain)
	{
		const char *ae_params = GetConfigOption("auto_explain.log_parameter_max_length", true, false);

		if (ae_params != NULL && atoi(ae_params) != 0 && SecretInParams(token, password))
		{
			AddSetting(&reasons, "auto_explain.log_min_duration");
			AddSetting(&reasons, "auto_explain.log_parameter_max_length");
		}
	}
	if (as_parameter)
		*as_parameter = in_params && list_length(reasons) > before_params;
	return reasons;
}

static char *
ArgString(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * _log_exposure(token text, password text) → text[]: the settings in effect
 * ("name = value") that would write these secrets, passed to the statement
 * being executed, to the server log; empty when none would.
 */
Datum
log_exposure(PG_FUNCTION_ARGS)
{
	List	   *reasons = Exposure(ArgString(fcinfo, 0), ArgString(fcinfo, 1), NULL, NULL);
	Datum	   *elems = palloc(sizeof(Datum) * (list_length(reasons) + 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, reasons)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * A WARNING, once per backend, when settings in effect would write this
 * token or password (either may be NULL) to the server log.  Called first
 * thing by open_link and create_link.
 */
void
WarnLogExposure(const char *token, const char *password)
{
	List	   *reasons;
	StringInfoData buf;
	ListCell   *lc;
	ErrorContextCallback *save_context;
	bool		literal;
	bool		as_parameter;
	const char *hint;

	if (warned)
		return;
	reasons = Exposure(token, password, &literal, &as_parameter);
	if (reasons == NIL)
		return;
	initStringInfo(&buf);
	foreach(lc, reasons)
	{
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, (char *) lfirst(lc));
	}
	/* what ends it: the literal, the parameters' logging, or the settings named */
	if (literal)
		hint = "The token or password is written in the statement text, which these settings log whatever log_parameter_max_length says: pass it as a bind parameter (a client library's query parameters), and set log_parameter_max_length = 0 and log_parameter_max_length_on_error = 0 (see the share_acl README, \"Share links\").";
	else if (as_parameter)
		hint = "Set log_parameter_max_length = 0 and log_parameter_max_length_on_error = 0 (see the share_acl README, \"Share links\").";
	else
		hint = "Turn off the settings named (see the share_acl README, \"Share links\").";
	warned = true;
	/* no context: it could carry the bind parameters */
	save_context = error_context_stack;
	error_context_stack = NULL;
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("settings in effect may write share link tokens or passwords to the server log"),
			 errdetail("These settings would write the token or password given to this statement there: %s.", buf.data),
			 errhint("%s", hint),
			 errhidestmt(true),
			 errhidecontext(true)));
	error_context_stack = save_context;
}

/* Has this backend warned already (WarnLogExposure then does nothing)? */
bool
LogExposureWarned(void)
{
	return warned;
}

/* _warn_log_exposure(token text, password text) → void: WarnLogExposure */
Datum
warn_log_exposure(PG_FUNCTION_ARGS)
{
	if (!warned)
		WarnLogExposure(ArgString(fcinfo, 0), ArgString(fcinfo, 1));
	PG_RETURN_VOID();
}
