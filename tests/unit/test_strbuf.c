/* strbuf: growth, and cm_text_clean, the rule every text from the network
 * is shown with (terminal escapes, C1 controls, bad UTF-8). */
#include "check.h"

#include "cmon/base/strbuf.h"

static const char *clean(const char *in, size_t len, unsigned flags)
{
	static char out[256]; /* test only */
	memcpy(out, in, len);
	out[cm_text_clean(out, len, flags)] = '\0';
	return out;
}

/* a literal's bytes, NULs included */
#define CLEAN(lit, flags) clean(lit, sizeof(lit) - 1, flags)

static void test_clean(void)
{
	unsigned u8 = CM_CLEAN_UTF8;
	CHECK_STR(CLEAN("plain text", u8), "plain text", "ASCII stays");
	CHECK_STR(CLEAN("\033]0;title\007", u8), "?]0;title?", "OSC: ESC and BEL");
	CHECK_STR(CLEAN("a\nb\tc\rd\177e", u8), "a?b?c?d?e", "newline, tab, CR, DEL");
	CHECK_STR(CLEAN("a\nb\tc\rd", u8 | CM_CLEAN_LINES), "a\nb\tc?d", "a report's lines");
	CHECK_STR(CLEAN("a\0b", u8), "a?b", "NUL");
	CHECK_STR(CLEAN("\xc2\x9b" "31m", u8), "?31m", "C1 CSI, U+009B: one '?'");
	/* bidirectional controls: one '?' each; their neighbours stay */
	CHECK_STR(CLEAN("svc\xe2\x80\xae" "A\xe2\x80\xac" "B", u8), "svc?A?B", "U+202E, U+202C");
	CHECK_STR(CLEAN("\xe2\x80\x8e\xe2\x80\x8f\xe2\x81\xa6\xe2\x81\xa9\xd8\x9c", u8), "?????",
		  "U+200E, U+200F, U+2066, U+2069, U+061C");
	CHECK_STR(CLEAN("\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b", u8),
		  "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b",
		  "their neighbours U+2029, U+202F, U+2065, U+206A, U+061B stay");
	CHECK_STR(CLEAN("\xc2\x85\xc2\x9f\xc2\xa0", u8), "??\xc2\xa0", "C1 ends at U+009F");
	CHECK_STR(CLEAN("\x9b" "31m", u8), "?31m", "a lone 8-bit CSI byte");
	CHECK_STR(CLEAN("caf\xc3\xa9 \xe2\x96\x81 \xf0\x9f\x98\x80", u8),
		  "caf\xc3\xa9 \xe2\x96\x81 \xf0\x9f\x98\x80", "UTF-8 stays");
	CHECK_STR(CLEAN("\xc0\xaf\xed\xa0\x80\xe2\x96", u8), "???????", "overlong, surrogate, cut");
	CHECK_STR(CLEAN("1.5\xc2\xb5s caf\xc3\xa9", 0), "1.5us caf??", "ASCII reader");
	CHECK_STR(CLEAN("\xc2\x9b", 0), "??", "ASCII reader: C1");
}

static void test_add_clean(void)
{
	struct cm_strbuf b = {0};
	cm_strbuf_str(&b, "name: ");
	cm_strbuf_clean(&b, "\033[2Jx", CM_CLEAN_UTF8);
	CHECK_STR(b.s, "name: ?[2Jx", "appended, cleaned");
	CHECK(b.len == strlen(b.s));
	cm_strbuf_free(&b);
}

int main(void)
{
	test_clean();
	test_add_clean();
	return check_status("test_strbuf");
}
