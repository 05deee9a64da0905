// Command pprofgen writes the foreign profiles of tests/data/foreign that are
// made in code (see tests/data/foreign/README.md):
//
//	go run -trimpath . -out DIR [-live=false] [-seconds 2]
//
// driver_*.pb.gz are the profiles pprof's own driver tests build
// (driver_profiles.go, copied from google/pprof); cpp.pb.gz and java.pb.gz
// have C++ (mangled) and Java names (names.go); labels_cpu.pb.gz and
// labels_heap.pb.gz are real profiles of Go code with pprof labels and
// generics (live.go). The github.com/google/pprof/profile package is
// copied into ./profile (Apache-2.0), so the program builds offline.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"cmon/pprofgen/profile"
)

func main() {
	out := flag.String("out", "", "directory to write the profiles into")
	live := flag.Bool("live", true, "also write the live labels_* profiles")
	seconds := flag.Float64("seconds", 2, "length of the live CPU profile")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: pprofgen -out DIR [-live=false] [-seconds N]")
		os.Exit(2)
	}
	if err := run(*out, *live, time.Duration(*seconds*float64(time.Second))); err != nil {
		fmt.Fprintln(os.Stderr, "pprofgen:", err)
		os.Exit(1)
	}
}

func run(dir string, live bool, dur time.Duration) error {
	heapAlloc := heapProfile()
	heapAlloc.SampleType = []*profile.ValueType{
		{Type: "alloc_objects", Unit: "count"},
		{Type: "alloc_space", Unit: "bytes"},
	}
	heapTags := heapProfile()
	for i := 0; i < len(heapTags.Sample); i += 2 {
		s := heapTags.Sample[i]
		if s.Label == nil {
			s.Label = make(map[string][]string)
		}
		s.NumLabel["request"] = s.NumLabel["bytes"]
		s.Label["key1"] = []string{"tag"}
	}
	// What the driver tests see through their fake demangler.
	cpuDemangled := cpuProfile()
	heapDemangled := heapProfile()
	for _, p := range []*profile.Profile{cpuDemangled, heapDemangled} {
		for _, fn := range p.Function {
			fn.Name = fakeDemangler(fn.SystemName)
		}
	}
	profiles := map[string]*profile.Profile{
		"driver_cpu":             cpuProfile(),
		"driver_cpu_demangled":   cpuDemangled,
		"driver_cpusmall":        cpuProfileSmall(),
		"driver_heap":            heapProfile(),
		"driver_heap_demangled":  heapDemangled,
		"driver_heap_alloc":      heapAlloc,
		"driver_heap_tags":       heapTags,
		"driver_contention":      contentionProfile(),
		"driver_long_name_funcs": longNameFuncsProfile(),
		"cpp":                    cppProfile(),
		"java":                   javaProfile(),
	}
	for name, p := range profiles {
		if err := write(filepath.Join(dir, name+".pb.gz"), p); err != nil {
			return err
		}
	}
	if !live {
		return nil
	}
	return writeLive(filepath.Join(dir, "labels_cpu.pb.gz"), filepath.Join(dir, "labels_heap.pb.gz"), dur)
}

func write(path string, p *profile.Profile) error {
	if err := p.CheckValid(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := p.Write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
