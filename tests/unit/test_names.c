/* test_names: pprof's demangling (libiberty underneath, simplified as pprof
 * simplifies) and ShortenFunctionName. The expected strings are what go
 * tool pprof 1.19 (ianlancetaylor/demangle, graph.go's regexes) gives. */
#include <stdlib.h>

#include "check.h"
#include "cmon/profile/names.h"
#include "cmon/profile/shorten.h"

struct pair {
	const char *in, *want;
};

/* Default mode: no parameters, no template arguments. */
static const struct pair demangle_default[] = {
	{"_ZN12_GLOBAL__N_16Parser5parseEPKci", "(anonymous namespace)::Parser::parse"},
	{"_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector::push_back"},
	{"_ZN3foo3BarplERKS0_", "foo::Bar::operator+"},
	{"_ZNK3foo3BarclEv", "foo::Bar::operator()"},
	{"_Z3maxIiET_S0_S0_", "max"},
	{"_ZN3foo3bazEv.cold", "foo::baz"},
	{"_ZN3foo3bazEv.constprop.0", "foo::baz"},
	{"_ZNSt3mapIiSsSt4lessIiESaISt4pairIKiSsEEEixERS3_", "std::map::operator[]"},
	{"_ZN3foo3BarltERKS0_", "foo::Bar::operator<"},
	{"_ZN3foo3BarlsEi", "foo::Bar::operator<<"},
	{"_ZN3foo3BarptEv", "foo::Bar::operator->"},
	{"_ZN3foo5QueueIiE4pushEOi", "foo::Queue::push"},
	{"_ZN3foo3BarD2Ev", "foo::Bar::~Bar"},
	{"_ZZN3foo4mainEvENKUlvE_clEv", "foo::main()::{lambda()#1}::operator()"},
	{"_ZN3foo6HolderIcEcvbEv", "foo::Holder::operator bool"},
	{"_ZN3foo3BarnwEm", "foo::Bar::operator new"},
	{"_ZN3fooIXgtLi1ELi2EEE3barEv", "foo::bar"}, /* foo<((1)>(2))>::bar */
	/* libiberty prints foo<(1)<(2)>::bar, pprof foo::bar: brackets that
	 * do not balance are left alone (a difference the README lists) */
	{"_ZN3fooIXltLi1ELi2EEE3barEv", "foo<(1)<(2)>::bar"},
	/* not mangled: pprof's heuristics */
	{"main", "main"},
	{"runtime.mallocgc", "runtime.mallocgc"},
	{"main.Sum[...]", "main.Sum[...]"},
	{"main.(*Stack[...]).Push", "main.(*Stack[...]).Push"},
	{"(anonymous namespace)::Bar::Foo", "::Bar::Foo"},
	{"foo::Index::find(std::vector<int, std::allocator<int> > const&)", "foo::Index::find"},
	{"com.example.Codec.encode(byte[], int)", "com.example.Codec.encode"},
	{"java.util.ArrayList<E>.add", "java.util.ArrayList.add"},
	{"com.example.Foo.<init>", "com.example.Foo.<init>"},
	{"com.example.Main.main([Ljava/lang/String;)V", "com.example.Main.mainV"},
	{"com.example.Foo.bar(int, String)", "com.example.Foo.bar(int, String)"},
	{"a::b)c(d)", "a::b)c(d)"}, /* removeMatching gives up at a stray ')' */
	{"_Znot_really", "_Znot_really"},
	{"", ""},
};

static const struct pair demangle_templates[] = {
	{"_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back"},
	{"_Z3maxIiET_S0_S0_", "max<int>"},
	{"_ZNSt3mapIiSsSt4lessIiESaISt4pairIKiSsEEEixERS3_",
	 "std::map<int, std::string, std::less<int>, std::allocator<std::pair<int const, std::string> > >::operator[]"},
	{"foo::Index::find(std::vector<int> const&)", "foo::Index::find"},
	{"java.util.ArrayList<E>.add", "java.util.ArrayList<E>.add"},
};

static const struct pair demangle_full[] = {
	{"_ZN12_GLOBAL__N_16Parser5parseEPKci", "(anonymous namespace)::Parser::parse(char const*, int)"},
	{"_ZNK3foo3BarclEv", "foo::Bar::operator()() const"},
	{"_Z3maxIiET_S0_S0_", "int max<int>(int, int)"},
	{"_ZN3foo3bazEv.cold", "foo::baz()"},
	{"foo::Index::find(std::vector<int> const&)", "foo::Index::find(std::vector<int> const&)"},
};

static const struct pair demangle_all[] = {
	{"_ZN3foo3bazEv.cold", "foo::baz() [clone .cold]"},
	{"_ZN3foo3BarD2Ev", "foo::Bar::~Bar()"},
};

static void check_demangle(const struct pair *t, size_t n, enum cm_demangle_mode mode)
{
	char out[1024];
	for (size_t i = 0; i < n; i++) {
		cm_demangle_name(t[i].in, mode, out, sizeof(out));
		CHECK_STR(out, t[i].want, t[i].in);
	}
}

/* From graph.go's ShortenFunctionName, run on each input. */
static const struct pair shorten[] = {
	{"path/to/package1.object.function1", "package1.object.function1"},
	{"(anonymous namespace)::Bar::Foo", "Bar::Foo"},
	{"java.bar.foo.FooBar.run(java.lang.Runnable)", "FooBar.run"},
	{"github.com/google/pprof/v2/internal/graph.ShortenFunctionName", "graph.ShortenFunctionName"},
	{"github.com/foo/bar/v10.(*T).Method", "bar.(*T).Method"},
	{"example.com/mod/v1.F", "v1.F"},
	{"example.com/mod/v01/x.F", "x.F"},
	{"example.com/mod/v2x.F", "v2x.F"},
	{"a/b/", "b/"},
	{"main.main", "main.main"},
	{"runtime.mallocgc", "runtime.mallocgc"},
	{"github.com/prometheus/client_golang/prometheus.(*Registry).Gather", "prometheus.(*Registry).Gather"},
	{"gopkg.in/yaml.v2.(*parser).parse", "yaml.v2.(*parser).parse"},
	{"com.example.Foo.bar(int, String)", "Foo.bar"},
	{"java.util.HashMap$Node.find(Ljava/lang/Object;)", "HashMap$Node.find"},
	{"com.example.Foo.<init>", "Foo.<init>"},
	{"com.example.Foo$1.run$2(I)V", "Foo$1.run$2"},
	{"com.example.Foo.lambda$bar$0", "Foo.lambda$bar$0"},
	{"Foo.bar", "Foo.bar"},
	{"com.example.foo", "com.example.foo"},
	{"std::vector<int, std::allocator<int> >::push_back", "std::vector<int, std::allocator<int> >::push_back"},
	{"foo::Bar::baz", "Bar::baz"},
	{"foo::Bar::~Bar", "Bar::~Bar"},
	{"foo::bar::Baz::qux<int>::x", "Baz::qux<int>"},
	{"(anonymous namespace)::Parser::parse", "Parser::parse"},
	{"std::map<int, std::string>::operator[]", "std::map<int, std::string>::operator[]"},
	{"ns1::ns2::Class::method<int, std::pair<a, b> >(x)", "Class::method<int, std::pair<a, b> >"},
	{"_ns::_Klass::m", "_Klass::m"},
	{"a::B::c\nd", "B::c"},
	{"x/y\nz/w", "y"},
	{"foo::Bar::operator()", "Bar::operator"},
	{"::Bar::Foo", "::Bar::Foo"},
	{"operator new", "operator new"},
	{"std::__1::basic_string<char>::append", "std::__1::basic_string<char>::append"},
};

static void test_symbolize_parse(void)
{
	struct cm_symbolize s;
	char warn[512];
	cm_symbolize_parse(NULL, &s, warn, sizeof(warn));
	CHECK(!s.off && !s.force && s.mode == CM_DEMANGLE_DEFAULT && !*warn);
	cm_symbolize_parse("none", &s, warn, sizeof(warn));
	CHECK(s.off);
	cm_symbolize_parse("No", &s, warn, sizeof(warn));
	CHECK(s.off);
	cm_symbolize_parse("demangle=full:none", &s, warn, sizeof(warn));
	CHECK(s.off);
	cm_symbolize_parse("local:force", &s, warn, sizeof(warn));
	CHECK(!s.off && s.force && s.mode == CM_DEMANGLE_DEFAULT && !*warn);
	cm_symbolize_parse("demangle=templates", &s, warn, sizeof(warn));
	CHECK(s.force && s.mode == CM_DEMANGLE_TEMPLATES);
	cm_symbolize_parse("FULL", &s, warn, sizeof(warn));
	CHECK(s.force && s.mode == CM_DEMANGLE_FULL);
	cm_symbolize_parse("demangle=none", &s, warn, sizeof(warn));
	CHECK(!s.off && s.force && s.mode == CM_DEMANGLE_ALL);
	cm_symbolize_parse("demangle=default:fastlocal:remote", &s, warn, sizeof(warn));
	CHECK(!s.off && !s.force && !*warn);
	cm_symbolize_parse("bogus", &s, warn, sizeof(warn));
	CHECK(!s.off && !s.force);
	CHECK_STR(warn, "ignoring unrecognized symbolization option: bogus\n"
			"expecting -symbolize=[local|fastlocal|remote|none][:force]"
			"[:demangle=[none|full|templates|default]", "bogus");
}

/* A mangled name too long to demangle safely stays as it is. */
static void test_long_names(void)
{
	size_t n = 100000;
	char *name = malloc(n + 1), out[64];
	if (!name)
		return;
	memcpy(name, "_ZN", 3);
	memset(name + 3, '3', n - 3);
	name[n] = '\0';
	cm_demangle_name(name, CM_DEMANGLE_DEFAULT, out, sizeof(out));
	CHECK(!strncmp(out, "_ZN333", 6) && strlen(out) == sizeof(out) - 1);
	/* Under the limit: 16000 nested pointers or 5000 nested names pass
	 * libiberty's recursion limit: it refuses them, the names stay. */
	n = 16005;
	memcpy(name, "_Z1f", 4);
	memset(name + 4, 'P', n - 5);
	memcpy(name + n - 1, "i", 2);
	cm_demangle_name(name, CM_DEMANGLE_FULL, out, sizeof(out));
	CHECK(!strncmp(out, "_Z1fPPP", 7));
	name[0] = '\0';
	strcat(name, "_ZN");
	for (int i = 0; i < 5000; i++)
		strcat(name + 3 + 2 * i, "1a");
	strcat(name, "E");
	cm_demangle_name(name, CM_DEMANGLE_DEFAULT, out, sizeof(out));
	CHECK(!strncmp(out, "_ZN1a1a1a", 9));
	free(name);
}

static void test_profile_demangle(void)
{
	struct cm_profile *p = cm_profile_new();
	if (!p)
		return;
	struct cm_function fns[] = {
		{1, "", "_ZN3foo3BarD2Ev", "", 0},            /* empty Name: demangled */
		{2, "_ZNK3foo3BarclEv", "_ZNK3foo3BarclEv", "", 0}, /* equal: demangled */
		{3, "mine", "_ZN3foo3BarD2Ev", "", 0},        /* the profile's own: kept */
		{4, "", "", "", 0},
	};
	p->functions = fns;
	p->nfunctions = 4;
	struct cm_symbolize s = {0};
	CHECK(cm_profile_demangle(p, &s) == 0);
	CHECK_STR(fns[0].name, "foo::Bar::~Bar", "empty name");
	CHECK_STR(fns[1].name, "foo::Bar::operator()", "name == system name");
	CHECK_STR(fns[2].name, "mine", "own name");
	CHECK_STR(fns[3].name, "", "nothing");
	/* force: the profile's own name is replaced too */
	s.force = true;
	s.mode = CM_DEMANGLE_FULL;
	CHECK(cm_profile_demangle(p, &s) == 0);
	CHECK_STR(fns[2].name, "foo::Bar::~Bar()", "forced");
	/* -symbolize=none: untouched */
	fns[0].name = "";
	s.off = true;
	CHECK(cm_profile_demangle(p, &s) == 0);
	CHECK_STR(fns[0].name, "", "off");
	p->functions = NULL;
	p->nfunctions = 0;
	cm_profile_free(p);
}

int main(void)
{
	check_demangle(demangle_default, sizeof(demangle_default) / sizeof(demangle_default[0]),
		       CM_DEMANGLE_DEFAULT);
	check_demangle(demangle_templates, sizeof(demangle_templates) / sizeof(demangle_templates[0]),
		       CM_DEMANGLE_TEMPLATES);
	check_demangle(demangle_full, sizeof(demangle_full) / sizeof(demangle_full[0]),
		       CM_DEMANGLE_FULL);
	check_demangle(demangle_all, sizeof(demangle_all) / sizeof(demangle_all[0]), CM_DEMANGLE_ALL);
	char out[1024];
	for (size_t i = 0; i < sizeof(shorten) / sizeof(shorten[0]); i++) {
		cm_shorten_function_name(shorten[i].in, out); /* report_dot's, from shorten.c */
		CHECK_STR(out, shorten[i].want, shorten[i].in);
	}
	test_symbolize_parse();
	test_long_names();
	test_profile_demangle();
	return check_status("test_names");
}
