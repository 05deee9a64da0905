// gen_table prints tests/unit/goregex_table.h: what Go's regexp says about
// each pattern below (regexp.Compile's error, or regexp.MatchString on each
// subject), so that test_goregex checks cmon against Go itself. Run with
// the Go that go tool pprof is built with:
//
//	go run tests/goregex/gen_table.go > tests/unit/goregex_table.h
package main

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
)

type tcase struct {
	pattern  string
	subjects []string
}

// s is shorthand for a subject list.
func s(x ...string) []string { return x }

var long = strings.Repeat("x", 300)

var cases = []tcase{
	// plain syntax
	{``, s("", "abc")},
	{`main\.build`, s("main.build", "main.builder", "mainXbuild", "xmain.build")},
	{`main\.f00[0-2][0-9]$`, s("main.f0012", "main.f0032", "main.f0012x")},
	{`a|b|`, s("", "c")},
	{`x*`, s("", "y")},
	{`ab{2,3}c`, s("abc", "abbc", "abbbc", "abbbbc")},
	{`ab{2}c`, s("abbc", "abc")},
	{`ab{2,}c`, s("abbbbbbc", "abc")},
	{`a{,2}`, s("a{,2}", "aa")},
	{`a{2`, s("a{2", "aa")},
	{`a{0}b`, s("b", "ab")},
	{`a{1000}`, s(strings.Repeat("a", 1000), strings.Repeat("a", 999))},
	{`(a{10}){100}`, s(strings.Repeat("a", 1000), "a")},
	{`a*?b+?c??`, s("bc", "abbc", "ac")},
	{`(?U)a+b`, s("aab", "b")},
	{`(?U)(a+?)$`, s("aaa")},
	{`x]y}`, s("x]y}")},
	{`(|a)b`, s("b", "ab")},
	{`()`, s("")},
	{`(?:)`, s("x")},
	{`(?)a`, s("a")},
	{`a(?i)*`, s("aaa", "A")},
	{`a*(?i)*`, s("aaa")},
	{`a*\Q\E*`, s("aaa")},
	{`^*a`, s("a")},
	{`$+`, s("a")},
	{`\b*a`, s("a")},
	{`(a*)*b`, s("aaab", "aaa")},
	{`(a|ab)(c|bcd)(d*)`, s("abcd")},
	// escapes
	{`\x41\x{42}\x{000043}\101\01\07`, s("ABCA\x01\x07", "ABCA\x02\x07")},
	{`\x{10FFFF}`, s("\U0010FFFF", "x")},
	{`\x{D800}`, s("\xed\xa0\x80", "\ufffd")},
	{`[\x{D000}-\x{E000}]`, s("\ue000", "\ud7ff", "\xed\xa0\x80")},
	{`\a\f\t\n\r\v`, s("\a\f\t\n\r\v")},
	{`\.\*\+\?\(\)\[\]\{\}\|\^\$\\\_\-\ \#\&\~`, s(`.*+?()[]{}|^$\_- #&~`)},
	{`\Qa.b*c\E.d`, s("a.b*cxd", "aXb*cxd")},
	{`\Qab\E*`, s("a", "abbb", "b")},
	{`\Q(?i)[\Ex`, s("(?i)[x")},
	{`\Qunterminated.*`, s("unterminated.*", "unterminatedXX")},
	{`\Q\Q\E`, s(`\Q`)},
	{`(?i)\QK\E`, s("k", "\u212a")},
	// named and non-capturing groups
	{`(?P<name>a+)b`, s("aab", "b")},
	{`(?P<a>x)(?P<a>y)`, s("xy")},
	{`(?P<_1>x)`, s("x")},
	{`(?:ab)+`, s("abab", "a")},
	// anchors
	{`^abc$`, s("abc", "abc\n", "\nabc", "xabc")},
	{`a$`, s("a\n", "a")},
	{`(?m)a$`, s("a\nb", "ab")},
	{`(?m)^b`, s("a\nb", "ab")},
	{`(?m)^$`, s("a\n", "a", "")},
	{`(?m)a$\n^b`, s("a\nb")},
	{`^$`, s("", "\n")},
	{`\Aa\z`, s("a", "a\n", "ba")},
	{`(?m)\Ab`, s("a\nb")},
	{`(?m)a\z`, s("a\nb", "ba")},
	{`(?m:^b)|^c`, s("a\nb", "a\nc", "c")},
	{`^`, s("")},
	{`a\b`, s("a b", "ab", "a")},
	{`\bé`, s("é", " é")},
	{`é\b`, s("éa", "é")},
	{`\Ba`, s("ba", "a")},
	{`x\B`, s("x", "xé", "xy")},
	{`(?i)\bK\b`, s(" \u212a ", " k ")},
	// . and newlines, one UTF-8 character
	{`^.$`, s("é", "€", "😀", "\n", "ab")},
	{`^.{2}$`, s("é€", "é")},
	{`^...$`, s("é€😀", "é€")},
	{`a.c`, s("a\nc", "abc")},
	{`(?s)a.c`, s("a\nc")},
	{`(?s:a.)c|x.y`, s("a\nc", "x\ny")},
	{`[^a]`, s("\n")},
	// classes
	{`[abc]`, s("b", "d")},
	{`[]a]`, s("]", "a", "b")},
	{`[^]a]`, s("]", "b")},
	{`[a-]`, s("-")},
	{`[-a]`, s("-")},
	{`[a\-z]`, s("-", "b")},
	{`[\d-z]`, s("-", "5", "y")},
	{`[\]\\]`, s("]", `\`)},
	{`[.]`, s(".", "a")},
	{`[[]`, s("[")},
	{`[[:alpha:]]+$`, s("abc", "é")},
	{`^[[:^alpha:]]$`, s("é", "1", "a")},
	{`[[:word:]]`, s("_", "-")},
	{`^[[:space:]]$`, s("\v", " ", "\u00a0")},
	{`^[[:punct:]]$`, s("!", "_", "a", "¿")},
	{`^[[:cntrl:]]$`, s("\x01", "\x7f", "\x80")},
	{`^[[:ascii:]]$`, s("\x7f", "é")},
	{`^[[:print:][:xdigit:]]$`, s(" ", "F", "é")},
	{`[[:alpha:][:digit:]]`, s("5")},
	{`[[:alpha]`, s(":", "a", "[")},
	{`[[:]`, s("[", ":")},
	{`^[é]$`, s("é", "e", "\xc3")},
	{`^[^é]$`, s("é", "e", "ê")},
	{`^[à-ÿ]+$`, s("éàÿ", "eà")},
	{`^[α-ω]$`, s("β", "Β")},
	{`^[日本]$`, s("日", "本", "語")},
	{`^[\x{100}-\x{200}]$`, s("Ā", "\u0200", "\u0201")},
	{`^[\x00-\x{10FFFF}]$`, s("x", "\U0010FFFF", "\n")},
	{`^[^\x00-\x{10FFFF}]$`, s("x")},
	// Perl classes are ASCII
	{`^\d+$`, s("0123", "٣", "１")},
	{`^\D$`, s("٣", "1")},
	{`^\w+$`, s("a_Z9", "é", "ſ")},
	{`^\W$`, s("é", "_")},
	{`^\s$`, s(" ", "\t", "\n", "\f", "\r", "\v", "\u00a0", "\u2003")},
	{`^\S$`, s("\v", "\u00a0", " ")},
	{`^[\s\d]+$`, s(" 1\t", "\v")},
	{`^[^\s]$`, s("\v", " ")},
	{`^[\S]$`, s("\v", " ")},
	{`^[^\S]$`, s("\v", " ")},
	{`^[\W\d]$`, s("5", "a", "é")},
	// Unicode classes
	{`^\pL+$`, s("héllo", "日本語", "ab1")},
	{`^\p{L}$`, s("ǅ", "1")},
	{`^\PL$`, s("1", "a", "é")},
	{`^\p{^L}$`, s("1", "a")},
	{`^\P{^L}$`, s("1", "a")},
	{`^\p{Lu}$`, s("A", "a", "É", "ǅ")},
	{`^\p{Ll}$`, s("a", "A")},
	{`^\p{Lt}$`, s("ǅ", "A")},
	{`^\pN+$`, s("12٣Ⅻ½", "a")},
	{`^\p{Nd}$`, s("٣", "Ⅻ")},
	{`^\p{Han}+$`, s("日本語", "日本語です", "abc")},
	{`^\p{Hiragana}$`, s("す", "ス")},
	{`^\p{Greek}+$`, s("αβγ", "ΑΒΓ", "abc", "\u0342", "\u1dc0", "\u0345")},
	{`^\p{^Greek}$`, s("a", "α")},
	{`^\P{Greek}$`, s("a", "α")},
	{`^\p{Latin}$`, s("a", "é", "α", "1")},
	{`^\p{Common}$`, s("1", "a", " ", "\u0342")},
	{`^\p{Inherited}$`, s("\u0342", "\u0300", "a")},
	{`^\p{Cyrillic}$`, s("ж", "\u1dc0", "\u0484")},
	{`^\p{Any}$`, s("x", "\n", "😀")},
	{`^\P{Any}$`, s("x")},
	{`^\pC$`, s("\x01", "\u200b", "\ue000", "\U000e0001", "\u0378", "\U0010fffe", "a")},
	{`^\PC$`, s("\u0378", "a", "\x01")},
	{`^[\PC]$`, s("\u0378", "a", "\x01")},
	{`^[^\pC]$`, s("\u0378", "a", "\x01")},
	{`^\p{Cc}$`, s("\x01", "\u200b")},
	{`^\p{Co}$`, s("\ue000", "a")},
	{`^\pZ$`, s(" ", "\u00a0", "\u2028", "\t")},
	{`^\p{Zs}$`, s("\u3000", "\n")},
	{`^\pP$`, s("!", "¿", "a")},
	{`^\pS$`, s("$", "€", "a")},
	{`^\pM$`, s("\u0301", "a")},
	{`^[\p{Lu}\d]+$`, s("A1B2", "a1")},
	{`^[^\p{Lu}\d]$`, s("a", "A", "1")},
	{`^[\P{L}a]$`, s("a", "b", "1")},
	{`^[\pL\pN]+$`, s("a1é٣", "a-1")},
	// case folding
	{`(?i)k`, s("K", "k", "\u212a", "x")},
	{`(?i)\x{212A}`, s("k", "K")},
	{`(?i)s`, s("S", "ſ", "x")},
	{`(?i)ſ`, s("s", "S")},
	{`(?i)Σ`, s("σ", "ς")},
	{`(?i)ς`, s("Σ", "σ")},
	{`(?i)ǅ`, s("Ǆ", "ǆ", "ǅ")},
	{`(?i)ß`, s("ẞ", "SS", "ss")},
	{`(?i)é`, s("É", "e")},
	{`(?i)straße`, s("STRASSE", "STRAẞE", "Straße")},
	{`(?i)µ`, s("μ", "Μ")},
	{`(?i)ι`, s("\u0345", "\u1fbe", "Ι")},
	{`(?i)i`, s("I", "İ", "ı")},
	{`(?i)ﬀ`, s("FF", "ﬀ")},
	{`(?i)[a-z]+$`, s("ABC", "\u212a\u017f", "é")},
	{`(?i)[k]`, s("\u212a")},
	{`(?i)[^k]`, s("\u212a", "K", "x")},
	{`(?i)[^a-z]`, s("\u212a", "A", "1")},
	{`(?i)^\w$`, s("\u212a", "ſ", "é")},
	{`(?i)^\W$`, s("\u212a", "ſ", "k")},
	{`(?i)^[\W]$`, s("\u212a", "k")},
	{`(?i)^[\Wk]$`, s("\u212a", "k", "-")},
	{`(?i)^[^\W]$`, s("\u212a", "k")},
	{`(?i)^[[:upper:]]$`, s("a", "\u212a", "ſ", "1")},
	{`(?i)^[[:^lower:]]$`, s("A", "a", "1", "\u212a")},
	{`(?i)^[[:lower:]]$`, s("A", "\u212a")},
	{`(?i)^\p{Lu}$`, s("a", "A", "é", "ǅ", "1")},
	{`(?i)^\p{Ll}$`, s("A", "ǅ")},
	{`(?i)^\p{Lt}$`, s("Ǆ", "ǆ", "a")},
	{`(?i)^\P{Lu}$`, s("a", "A", "1")},
	{`(?i)^[\P{Lu}]$`, s("a", "A", "1")},
	{`(?i)^[\P{Lu}1]$`, s("a", "A", "1", "-")},
	{`(?i)^[^\P{Lu}]$`, s("a", "A", "1")},
	{`(?i)^[^\P{Lu}a]$`, s("a", "A", "B", "1")},
	{`(?i)^\p{Greek}$`, s("µ", "\u0345", "a")},
	{`(?i)^\P{Greek}$`, s("µ", "\u0345", "a", "α")},
	{`(?i)^\pL$`, s("\u0345", "a")},
	{`(?i)^\PL$`, s("\u0345", "1")},
	{`(?i)^\p{Common}$`, s("\u03bc", "\u039c", "1")},
	{`(?i)^\p{Mn}$`, s("\u0399", "\u0301", "a")},
	{`(?i)^\p{Any}$`, s("a")},
	{`(?i)^\P{Any}$`, s("a")},
	// scoped and mid-pattern flags
	{`(?i:main)\.build`, s("MAIN.build", "MAIN.BUILD", "main.build")},
	{`main\.(?i:BUILD)$`, s("main.build", "MAIN.build")},
	{`a(?i)b`, s("aB", "AB", "ab")},
	{`a(?i)b|c`, s("C", "aC")},
	{`(a(?i)b|c)d`, s("aBd", "Cd", "CD", "abD")},
	{`(?i)a(?-i)b`, s("Ab", "AB")},
	{`(?i)a(?-i:b)c`, s("AbC", "ABc")},
	{`(?i:a(?-i)b)c`, s("Abc", "AbC", "ABc")},
	{`(?i-i)a`, s("A")},
	{`(?ims-U:a.$)`, s("A\n", "A\nb")},
	{`(?s-i:a.)`, s("a\n", "A\n")},
	{`(?-s:a.)`, s("a\n", "ab")},
	{`(?m-m)a$`, s("a\nb")},
	{`(?i)(?P<x>main)\.`, s("MAIN.")},
	// invalid UTF-8 subjects: each bad byte is U+FFFD
	{`a.b`, s("a\xffb", "a\xff\xffb", "a\xe2\x82b")},
	{`^.$`, s("\xff", "\xe2\x82", "\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80")},
	{`^..$`, s("\xe2\x82", "\xc0\x80")},
	{`^...$`, s("\xed\xa0\x80")},
	{`\x{FFFD}`, s("\xff", "abc")},
	{`^\x{FFFD}b$`, s("\x80b")},
	{`[^a]`, s("\xff")},
	{`^\PL$`, s("\xff")},
	{`^\pL$`, s("\xff")},
	{`\w`, s("\xff")},
	{`x\b`, s("x\xff")},
	{`main`, s("\xffmain\xfe")},
	{`(?i)main`, s("\xffMAIN\xfe")},
	{`^[\x{FFFD}]+$`, s("\xff\xfe\x80")},
	// long subjects
	{`x$`, s(long)},
	{`^(x+x+)+y$`, s(strings.Repeat("x", 20) + "y")},
	// Go's errors
	{`(`, nil},
	{`(a`, nil},
	{`((a)`, nil},
	{`(?:a`, nil},
	{`(?i:a`, nil},
	{`a)`, nil},
	{`)`, nil},
	{`a|)`, nil},
	{`[a`, nil},
	{`[`, nil},
	{`[]`, nil},
	{`[^]`, nil},
	{`x[a-`, nil},
	{`[a\`, nil},
	{`[z-a]`, nil},
	{`[é-a]`, nil},
	{`[[:foo:]]`, nil},
	{`[[:a]b:]]`, nil},
	{`[[:^foo:]]`, nil},
	{`\p{Foo}`, nil},
	{`\pX`, nil},
	{`\p`, nil},
	{`\p{L`, nil},
	{`[\p{Foo}]`, nil},
	{`\p{greek}`, nil},
	{`\p{Grek}`, nil},
	{`\p{L&}`, nil},
	{`\p{Xan}`, nil},
	{`\p{Cn}`, nil},
	{`\p{LC}`, nil},
	{`\p{IsGreek}`, nil},
	{`\pé`, nil},
	{`*`, nil},
	{`*a`, nil},
	{`(*)`, nil},
	{`a|*`, nil},
	{`(?i)*`, nil},
	{`+`, nil},
	{`??`, nil},
	{`{2}`, nil},
	{`(?:*)`, nil},
	{`(*FAIL)`, nil},
	{`(*UTF)a`, nil},
	{`a**`, nil},
	{`a*+`, nil},
	{`a++`, nil},
	{`a?+`, nil},
	{`a{2}+`, nil},
	{`a{2}{3}`, nil},
	{`a*?*`, nil},
	{`a+?+`, nil},
	{`a{1001}`, nil},
	{`a{2,1}`, nil},
	{`a{1000,1001}`, nil},
	{`a{100000000000}`, nil},
	{`a{01}`, s("a{01}")},
	{`(a{2}){501}`, nil},
	{`((a{10}){10}){11}`, nil},
	{`(a{0}){1000}`, s("")},
	{`\`, nil},
	{`a\`, nil},
	{`\1`, nil},
	{`(a)\1`, nil},
	{`\8`, nil},
	{`\18`, nil},
	{`\k<a>`, nil},
	{`\g1`, nil},
	{`\Z`, nil},
	{`a\Z`, nil},
	{`\G`, nil},
	{`\K`, nil},
	{`\R`, nil},
	{`\h`, nil},
	{`\H`, nil},
	{`\X`, nil},
	{`\N`, nil},
	{`\C`, nil},
	{`\e`, nil},
	{`\cA`, nil},
	{`\o{12}`, nil},
	{`\u0041`, nil},
	{`\U00000041`, nil},
	{`\i`, nil},
	{`\é`, nil},
	{`[\b]`, nil},
	{`[\A]`, nil},
	{`[\z]`, nil},
	{`[\Q]`, nil},
	{`[a-\d]`, nil},
	{`\x`, nil},
	{`\xg`, nil},
	{`\xag`, nil},
	{`\x{`, nil},
	{`\x{}`, nil},
	{`\x{g}`, nil},
	{`\x{110000}`, nil},
	{`\x{12`, nil},
	{`(?=a)`, nil},
	{`(?!a)`, nil},
	{`(?<=a)b`, nil},
	{`(?<!a)b`, nil},
	{`(?>a)`, nil},
	{`(?|a)`, nil},
	{`(?#comment)`, nil},
	{`(?x)a b`, nil},
	{`(?n)a`, nil},
	{`(?J)a`, nil},
	{`(?<name>a)`, nil},
	{`(?'name'a)`, nil},
	{`(?P=name)`, nil},
	{`(?P>name)`, nil},
	{`(?R)`, nil},
	{`(?1)`, nil},
	{`(?C)`, nil},
	{`(?`, nil},
	{`(?i`, nil},
	{`(?i-`, nil},
	{`(?-)`, nil},
	{`(?i-)`, nil},
	{`(?--i)`, nil},
	{`(?i-i-)`, nil},
	{`(?P<`, nil},
	{`(?P<>a)`, nil},
	{`(?P<a`, nil},
	{`(?P<a-b>x)`, nil},
	{`(?P<é>x)`, nil},
	{`(?P<name>`, nil},
	{"\xff", nil},
	{"a\xff", nil},
	{"[\xff]", nil},
	{"\\Q\xff", nil},
	{"(?P<a\xff>x)", nil},
	{"(?P<\xff", nil},
	{"(?i\xff)", nil},
	{"\\p{\xff}", nil},
	{"\\p\xff", nil},
	{"\\x{\xff}", nil},
	{strings.Repeat("(", 2000) + strings.Repeat(")", 2000), nil},
	{strings.Repeat("(", 999) + "a" + strings.Repeat(")", 999), s("a")},
	{strings.Repeat("(?:", 500) + "a" + strings.Repeat(")", 500), s("a")},
}

// Subjects are C strings in cmon (names never hold NUL): none here does.

// cstr quotes b for C: printable ASCII as it is (\, " and ? escaped: no
// trigraphs), every other byte in octal.
func cstr(b string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\\' || c == '"' || c == '?':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, "\\%03o", c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func main() {
	var matches, errs []string
	for _, c := range cases {
		re, err := regexp.Compile(c.pattern)
		if err != nil {
			if c.subjects != nil {
				fmt.Fprintf(os.Stderr, "%q: unexpected error %v\n", c.pattern, err)
				os.Exit(1)
			}
			errs = append(errs, fmt.Sprintf("\t{%s,\n\t %s},\n", cstr(c.pattern), cstr(err.Error())))
			continue
		}
		if c.subjects == nil {
			fmt.Fprintf(os.Stderr, "%q: Go accepts it\n", c.pattern)
			os.Exit(1)
		}
		for _, subj := range c.subjects {
			m := 0
			if re.MatchString(subj) {
				m = 1
			}
			matches = append(matches, fmt.Sprintf("\t{%s, %s, %d},\n", cstr(c.pattern), cstr(subj), m))
		}
	}
	fmt.Printf("/* GENERATED by tests/goregex/gen_table.go with %s; DO NOT EDIT.\n", runtime.Version())
	fmt.Printf(" * What Go's regexp says: regexp.MatchString, or regexp.Compile's error. */\n\n")
	fmt.Printf("struct go_match_case {\n\tconst char *pattern, *subject;\n\tint match;\n};\n\n")
	fmt.Printf("struct go_error_case {\n\tconst char *pattern, *error;\n};\n\n")
	fmt.Printf("static const struct go_match_case go_match_cases[] = {\n%s};\n\n", strings.Join(matches, ""))
	fmt.Printf("static const struct go_error_case go_error_cases[] = {\n%s};\n", strings.Join(errs, ""))
}
