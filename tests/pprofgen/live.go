// The live part: a real CPU and heap profile of Go code with pprof labels
// (pprof.Do) and generic functions and methods, which Go 1.19 names
// main.Sum[...] and main.(*Stack[...]).Push.

package main

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

type number interface{ ~int | ~int64 | ~float64 }

// Sum is generic: its frames read main.Sum[...].
func Sum[T number](xs []T) T {
	var s T
	for _, x := range xs {
		s += x * x
	}
	return s
}

// Stack is a generic type: its methods read main.(*Stack[...]).Push.
type Stack[T any] struct{ items []T }

func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }

func (s *Stack[T]) Pop() (T, bool) {
	var zero T
	if len(s.items) == 0 {
		return zero, false
	}
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v, true
}

// Map applies f to every element into a fresh slice (allocates).
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

var sink any

func intWork(n int) {
	xs := make([]int, 4096)
	for i := range xs {
		xs[i] = i
	}
	for i := 0; i < n; i++ {
		sink = Sum(xs)
		ys := Map(xs[:256], func(x int) float64 { return float64(x) / 3 })
		sink = Sum(ys)
	}
}

func stackWork(n int) {
	for i := 0; i < n; i++ {
		s := &Stack[string]{}
		for j := 0; j < 64; j++ {
			s.Push("x")
		}
		for {
			if _, ok := s.Pop(); !ok {
				break
			}
		}
		sink = s
	}
}

// runLabelled does the work under pprof labels for `dur`, one goroutine per
// label set, so the CPU profile's samples carry them.
func runLabelled(dur time.Duration) {
	done := make(chan struct{})
	deadline := time.Now().Add(dur)
	jobs := []struct {
		kind, tenant string
		work         func(int)
	}{
		{"sum", "alpha", intWork},
		{"stack", "beta", stackWork},
		{"sum", "beta", intWork},
	}
	for _, j := range jobs {
		j := j
		go func() {
			labels := pprof.Labels("job", j.kind, "tenant", j.tenant)
			pprof.Do(context.Background(), labels, func(context.Context) {
				for time.Now().Before(deadline) {
					j.work(20)
				}
			})
			done <- struct{}{}
		}()
	}
	for range jobs {
		<-done
	}
}

// writeLive writes labels_cpu.pb.gz and labels_heap.pb.gz.
func writeLive(cpuPath, heapPath string, dur time.Duration) error {
	runtime.MemProfileRate = 4096
	f, err := os.Create(cpuPath)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	runLabelled(dur)
	pprof.StopCPUProfile()
	h, err := os.Create(heapPath)
	if err != nil {
		return err
	}
	defer h.Close()
	runtime.GC()
	return pprof.Lookup("allocs").WriteTo(h, 0)
}
