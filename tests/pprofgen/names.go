// C++- and Java-named profiles, as a native or JVM profiler writes them:
// pprof's driver tests name functions plainly (mangled1000), and real C++
// profiles have the mangled name in SystemName and often none in Name.

package main

import "cmon/pprofgen/profile"

// nameFunc is one function of a hand-made profile.
type nameFunc struct {
	name, system, file string
}

// namedProfile builds a CPU profile over fns: stacks[i] lists indices into
// fns, leaf first, and takes weights[i] milliseconds.
func namedProfile(binary string, fns []nameFunc, stacks [][]int, weights []int64) *profile.Profile {
	m := &profile.Mapping{ID: 1, Start: 0x400000, Limit: 0x800000, File: binary,
		HasFunctions: true, HasFilenames: true, HasLineNumbers: true, HasInlineFrames: true}
	p := &profile.Profile{
		PeriodType:    &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:        10000000,
		DurationNanos: 5e9,
		TimeNanos:     1700000000e9,
		SampleType: []*profile.ValueType{
			{Type: "samples", Unit: "count"},
			{Type: "cpu", Unit: "nanoseconds"},
		},
		Mapping: []*profile.Mapping{m},
	}
	for i, f := range fns {
		fn := &profile.Function{ID: uint64(i + 1), Name: f.name, SystemName: f.system, Filename: f.file, StartLine: int64(10 * (i + 1))}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, &profile.Location{ID: uint64(i + 1), Mapping: m,
			Address: 0x401000 + uint64(i)*0x40,
			Line:    []profile.Line{{Function: fn, Line: int64(10*(i+1) + 2)}}})
	}
	for i, st := range stacks {
		s := &profile.Sample{Value: []int64{weights[i], weights[i] * 10000000}}
		for _, f := range st {
			s.Location = append(s.Location, p.Location[f])
		}
		p.Sample = append(p.Sample, s)
	}
	return p
}

// cppProfile: mangled names, most with an empty Name (pprof demangles
// them), some with Name equal to SystemName (demangled too), one already
// demangled by the profiler (kept), plain C names, a clone suffix,
// (anonymous namespace), templates, operators, a lambda.
func cppProfile() *profile.Profile {
	fns := []nameFunc{
		{"", "main", "server.cc"},                                                                      // 0
		{"", "_ZN12_GLOBAL__N_18workLoopEv", "server.cc"},                                              // 1
		{"", "_ZN12_GLOBAL__N_16Parser5parseEPKci", "parser.cc"},                                       // 2
		{"", "_ZNSt6vectorIiSaIiEE9push_backERKi", "/usr/include/c++/12/bits/stl_vector.h"},            // 3
		{"", "_ZN3foo3BarplERKS0_", "bar.cc"},                                                          // 4
		{"", "_ZNK3foo3BarclEv", "bar.cc"},                                                             // 5
		{"", "_Z3maxIiET_S0_S0_", "util.h"},                                                            // 6
		{"", "_ZN3foo3bazEv.cold", "baz.cc"},                                                           // 7
		{"", "_ZNSt3mapIiSsSt4lessIiESaISt4pairIKiSsEEEixERS3_", "/usr/include/c++/12/bits/stl_map.h"}, // 8
		{"", "_ZN3foo3BarltERKS0_", "bar.cc"},                                                          // 9
		{"", "_ZN3foo3BarlsEi", "bar.cc"},                                                              // 10
		{"_ZN3foo5QueueIiE4pushEOi", "_ZN3foo5QueueIiE4pushEOi", "queue.h"},                            // 11
		{"", "_ZN3foo3BarD2Ev", "bar.cc"},                                                              // 12
		{"", "_ZZN3foo4mainEvENKUlvE_clEv", "main.cc"},                                                 // 13
		{"", "_ZN3foo3BarptEv", "bar.cc"},                                                              // 14
		{"", "_ZN3foo6HolderIcEcvbEv", "holder.h"},                                                     // 15
		{"", "_ZN3foo3BarnwEm", "bar.cc"},                                                              // 16
		{"foo::Cache::lookup(int) const", "_ZNK3foo5Cache6lookupEi", "cache.cc"},                       // 17: a profiler's own name: kept
		{"", "foo::Index::find(std::vector<int, std::allocator<int> > const&)", "index.cc"},            // 18: demangled already
		{"", "memcpy", ""},                          // 19
		{"", "_ZN3foo3bazEv.constprop.0", "baz.cc"}, // 20
	}
	stacks := [][]int{
		{2, 1, 0}, {3, 2, 1, 0}, {4, 1, 0}, {5, 13, 0}, {6, 4, 1, 0}, {7, 1, 0},
		{8, 17, 1, 0}, {9, 8, 17, 1, 0}, {10, 1, 0}, {11, 18, 1, 0}, {12, 0},
		{14, 15, 13, 0}, {16, 11, 18, 1, 0}, {19, 3, 2, 1, 0}, {20, 7, 1, 0}, {17, 1, 0},
	}
	weights := []int64{40, 25, 12, 9, 7, 6, 30, 4, 3, 11, 2, 5, 8, 14, 1, 20}
	return namedProfile("/opt/cppserver/bin/server", fns, stacks, weights)
}

// javaProfile: names as JVM profilers (async-profiler, pprof's Java agent)
// write them: with JNI signatures, Java-style parameter lists, inner
// classes, lambdas, constructors.
func javaProfile() *profile.Profile {
	fns := []nameFunc{
		{"java.lang.Thread.run", "java.lang.Thread.run", "Thread.java"},                                                        // 0
		{"com.example.Server$Worker.run()", "com.example.Server$Worker.run()", "Server.java"},                                  // 1
		{"com.example.Foo.bar(int, String)", "com.example.Foo.bar(int, String)", "Foo.java"},                                   // 2
		{"java.util.HashMap$Node.find(Ljava/lang/Object;)", "java.util.HashMap$Node.find(Ljava/lang/Object;)", "HashMap.java"}, // 3
		{"java.util.HashMap.get", "java.util.HashMap.get", "HashMap.java"},                                                     // 4
		{"com.example.Foo.<init>", "com.example.Foo.<init>", "Foo.java"},                                                       // 5
		{"", "com.example.Foo.lambda$bar$0(int[])", "Foo.java"},                                                                // 6: empty Name, [] in it
		{"com.example.Codec.encode(byte[], int)", "com.example.Codec.encode(byte[], int)", "Codec.java"},                       // 7
		{"com.example.Codec$1.apply", "com.example.Codec$1.apply", "Codec.java"},                                               // 8
		{"java.util.ArrayList<E>.add", "java.util.ArrayList<E>.add", "ArrayList.java"},                                         // 9
		{"com.example.Main.main([Ljava/lang/String;)V", "com.example.Main.main([Ljava/lang/String;)V", "Main.java"},            // 10
		{"", "Interpreter", ""}, // 11
	}
	stacks := [][]int{
		{3, 4, 2, 1, 0}, {2, 1, 0}, {6, 2, 1, 0}, {7, 8, 1, 0}, {5, 1, 0}, {9, 7, 8, 1, 0},
		{11, 10}, {4, 10}, {7, 10},
	}
	weights := []int64{35, 20, 9, 17, 4, 6, 3, 8, 2}
	return namedProfile("", fns, stacks, weights)
}
