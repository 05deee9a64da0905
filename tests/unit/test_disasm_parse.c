/* The parsers of -disasm's tool output (report_disasm.c): go tool nm -size
 * lines (blank 'U' addresses, names with spaces, garbage) and go tool
 * objdump range output (tabwriter columns, the first TEXT block only,
 * the range bounds, truncated and hostile lines). */
#include <stdlib.h>

#include "check.h"
#include "cmon/profile/report.h"

static void test_nm(void)
{
	const char *text =
		"                  0 U sigaction\n"
		"  7adaa0        293 T main.sortWork\n"
		"  4a0000          0 R type:struct { X int }\n"
		"garbage line\n"
		"  zz0000         12 T bad.addr\n"
		"  400000 99999999999999999999 T too.big\n"
		"  401000         -5 t neg.size"; /* no final newline */
	struct cm_arena a;
	cm_arena_init(&a);
	struct cm_nm_sym *s;
	long n = cm_nm_parse(text, strlen(text), &a, &s);
	CHECK(n == 4);
	if (n == 4) {
		CHECK(s[0].addr == 0 && s[0].size == 0 && s[0].code == 'U');
		CHECK_STR(s[0].name, "sigaction", "U symbol");
		CHECK(s[1].addr == 0x7adaa0 && s[1].size == 293 && s[1].code == 'T');
		CHECK_STR(s[1].name, "main.sortWork", "text symbol");
		CHECK_STR(s[2].name, "type:struct { X int }", "name with spaces");
		CHECK(s[3].size == -5 && s[3].code == 't');
	}
	CHECK(cm_nm_parse("", 0, &a, &s) == 0);
	cm_arena_free(&a);
}

static void test_objdump(void)
{
	const char *text =
		"TEXT main.sortWork(SB) cmon/profgen/main.go\n"
		"  main.go:253\t\t0x7adaa0\t\t493b6610\t\tCMPQ 0x10(R14), SP\t\n"
		"  main.go:253\t\t0x7adaa4\t\t0f\t\t\t?\t\t\t\n"
		"  :0\t\t0x7adaa5\t\t90\t\t\tNOPL\t\n"
		"  a:b.go:12\t\t0x7adaa6\t\t90\t\t\tNOP\t\n"
		"  main.go:x\t\t0x7adaa7\t\t90\t\t\tNOP\t\n"
		"  main.go:9\t\t0x7adab0\t\t90\t\t\tpast the end\t\n"
		"  main.go:9\t\t7adaa8\t\t90\t\t\tno 0x\t\n"
		"\n"
		"TEXT other(SB) x.go\n"
		"  x.go:1\t\t0x7adaa9\t\t90\t\t\tNOP\t\n";
	struct cm_arena a;
	cm_arena_init(&a);
	struct cm_asm_inst *in;
	long n = cm_objdump_parse(text, strlen(text), 0x7adaa0, 0x7adab0, &a, &in);
	CHECK(n == 4);
	if (n == 4) {
		CHECK(in[0].addr == 0x7adaa0 && in[0].line == 253);
		CHECK_STR(in[0].file, "main.go", "file");
		CHECK_STR(in[0].text, "CMPQ 0x10(R14), SP", "text, tabs trimmed");
		CHECK_STR(in[1].text, "?", "undecodable byte");
		CHECK_STR(in[2].file, "", "no line information");
		CHECK(in[2].line == 0);
		CHECK_STR(in[3].file, "a:b.go", "a colon in the file name");
		CHECK(in[3].line == 12);
	}
	/* a line cut anywhere never reads past its end */
	const char *line = "  main.go:253\t\t0x7adaa0\t\t493b6610\t\tCMPQ 0x10(R14), SP\t\n";
	for (size_t cut = 0; cut <= strlen(line); cut++) {
		char *c = malloc(cut + 1);
		memcpy(c, line, cut);
		c[cut] = '\0';
		CHECK(cm_objdump_parse(c, cut, 0, UINT64_MAX, &a, &in) <= 1);
		free(c);
	}
	cm_arena_free(&a);
}

int main(void)
{
	test_nm();
	test_objdump();
	return check_status("test_disasm_parse");
}
