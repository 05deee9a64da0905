package main

// Profiles with pprof labels, for -tags, the tag filters, -traces and
// -base (profgen -labels -out DIR; the default mode writes them too, from
// a fresh process so that no other phase's allocations show):
//
//   - labels.pb.gz: CPU, work under pprof.Do with several labels at once,
//     nested Do (the inner labels add to the outer ones), goroutines that
//     inherit their creator's labels, a non-ASCII value and a key longer
//     than the ten columns -traces pads keys to.
//   - labels_heap.pb.gz, labels_heap2.pb.gz: two heap profiles (every
//     allocation sampled) where one call site allocates several sizes; the
//     runtime gives each size its own sample, told apart by the numeric
//     "bytes" label only. Between the two, one size is freed and another
//     allocated, so -base must match samples by stack AND labels: matched
//     by stack alone they cancel and the total is wrong.
//   - tagged.pb.gz: hand-encoded, as pprof's own driver tests build theirs:
//     string labels with several values, numeric labels with units ("ms"
//     and, for the same key, "s": pprof warns), without ("request" is bytes
//     by pprof's rule, "pages" is its own unit), several values per key.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

// labelsFromChild runs this program again with -labels, so the labelled
// heap profiles hold only that phase's allocations.
func labelsFromChild(dir string) {
	self, err := os.Executable()
	check(err)
	cmd := exec.Command(self, "-labels", "-out", dir)
	cmd.Stderr = os.Stderr
	check(cmd.Run())
}

func writeLabels(dir string) {
	runtime.MemProfileRate = 0
	labelsCPU(dir, 2)
	labelsHeap(dir)
	writeTagged(dir)
}

var labelSink uint64

// serve burns CPU in proportion to cost; hashLoop and mix show under it.
func serve(cost int) {
	for i := 0; i < cost; i++ {
		labelSink += hashLoop(2000)
	}
}

func handle(ctx context.Context, user string, cost int) {
	pprof.Do(ctx, pprof.Labels("user", user), func(ctx context.Context) {
		serve(cost)
		// nested: the stage label adds to handler and user
		pprof.Do(ctx, pprof.Labels("stage", "encode"), func(context.Context) {
			serve(cost / 2)
		})
	})
}

func labelsCPU(dir string, seconds float64) {
	f, err := os.Create(filepath.Join(dir, "labels.pb.gz"))
	check(err)
	check(pprof.StartCPUProfile(f))
	deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	var wg sync.WaitGroup
	wg.Add(2)
	go pprof.Do(context.Background(), pprof.Labels("handler", "/api/search", "region", "zürich"),
		func(ctx context.Context) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				handle(ctx, "alice", 30)
				handle(ctx, "bob", 10)
			}
		})
	go pprof.Do(context.Background(), pprof.Labels("handler", "/api/upload", "background_job", "compaction"),
		func(ctx context.Context) {
			defer wg.Done()
			// a goroutine started here inherits these labels
			var inner sync.WaitGroup
			inner.Add(1)
			go func() {
				defer inner.Done()
				for time.Now().Before(deadline) {
					serve(20)
				}
			}()
			for time.Now().Before(deadline) {
				handle(ctx, "carol", 20)
			}
			inner.Wait()
		})
	wg.Wait()
	pprof.StopCPUProfile()
	check(f.Close())
}

// allocSized allocates n buffers of size bytes from one call site.
func allocSized(n, size int) [][]byte {
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, make([]byte, size))
	}
	return out
}

type sizeSpec struct{ n, size int }

// allocAll allocates every size of spec from the same stack.
func allocAll(spec []sizeSpec) [][][]byte {
	var out [][][]byte
	for _, s := range spec {
		out = append(out, allocSized(s.n, s.size))
	}
	return out
}

// labelsHeap: the first profile holds 200 x 64 B and 20 x 4 kB, the second
// the same 4 kB buffers and 30 x 1 kB: one stack, three "bytes" labels.
func labelsHeap(dir string) {
	runtime.MemProfileRate = 1
	specs := [][]sizeSpec{{{200, 64}, {20, 4096}}, {{30, 1024}}}
	files := []string{"labels_heap.pb.gz", "labels_heap2.pb.gz"}
	var live [][][]byte
	for round, spec := range specs {
		bufs := allocAll(spec)
		if round == 1 {
			live[0] = nil // the 64-byte buffers
		}
		live = append(live, bufs...)
		runtime.GC()
		runtime.GC()
		writeProfile(dir, "heap", files[round])
	}
	runtime.MemProfileRate = 0
	runtime.KeepAlive(live)
}

// writeTagged hand-encodes tagged.pb.gz (see the file comment).
func writeTagged(dir string) {
	strs := []string{"", "inuse_objects", "count", "inuse_space", "bytes", "space",
		"main.leaf", "main.middle", "main.root", "cmon/profgen/tagged.go", "/bin/tagged",
		"key1", "key2", "tag1", "tag2", "tag3", "request", "duration", "ms", "s", "pages",
		"comment from the test"}
	idx := map[string]int64{}
	for i, s := range strs {
		idx[s] = int64(i)
	}
	valueType := func(t, u string) []byte {
		var v pbuf
		v.intField(1, idx[t])
		v.intField(2, idx[u])
		return v.Bytes()
	}
	type lab struct {
		key, str string
		num      int64
		unit     string
	}
	label := func(l lab) []byte {
		var m pbuf
		m.intField(1, idx[l.key])
		if l.str != "" {
			m.intField(2, idx[l.str])
		} else {
			m.intField(3, l.num)
			if l.unit != "" {
				m.intField(4, idx[l.unit])
			}
		}
		return m.Bytes()
	}
	var p pbuf
	p.bytesField(1, valueType("inuse_objects", "count"))
	p.bytesField(1, valueType("inuse_space", "bytes"))
	samples := []struct {
		locs, values []int64
		labels       []lab
	}{
		{[]int64{1, 2, 3}, []int64{10, 1024000}, []lab{{"key1", "tag1", 0, ""}, {"key2", "tag1", 0, ""},
			{"bytes", "", 102400, ""}, {"request", "", 4096, ""}, {"duration", "", 15, "ms"}}},
		{[]int64{1, 3}, []int64{20, 4096000}, []lab{{"key1", "tag2", 0, ""}, {"bytes", "", 204800, ""},
			{"bytes", "", 8, ""}, {"pages", "", 3, ""}, {"duration", "", 2, "s"}}},
		{[]int64{2, 3}, []int64{40, 65536000}, []lab{{"key1", "tag3", 0, ""}, {"key1", "tag1", 0, ""},
			{"key2", "tag2", 0, ""}, {"bytes", "", 1638400, ""}, {"request", "", 1 << 20, ""}}},
		{[]int64{3}, []int64{80, 32768000}, []lab{{"bytes", "", 409600, ""}, {"pages", "", 12, ""},
			{"duration", "", 1500, "ms"}}},
		{[]int64{1, 2, 3}, []int64{5, 512}, nil},
	}
	for _, s := range samples {
		var m pbuf
		m.packed(1, s.locs)
		m.packed(2, s.values)
		for _, l := range s.labels {
			m.bytesField(3, label(l))
		}
		p.bytesField(2, m.Bytes())
	}
	encodeFrames(&p, idx, strs, []string{"main.leaf", "main.middle", "main.root"},
		"cmon/profgen/tagged.go", "/bin/tagged", nil)
	p.intField(9, 1700000000000000000) // time_nanos
	p.bytesField(11, valueType("space", "bytes"))
	p.intField(12, 524288)
	p.intField(13, idx["comment from the test"])

	writeGzip(dir, "tagged.pb.gz", p.Bytes())
}
