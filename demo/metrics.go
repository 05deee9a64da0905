package main

// /metrics: the Prometheus text exposition format (0.0.4), written by
// hand from the standard library, so that the tests have Prometheus
// services: a few of the Go collector's metrics (as client_golang names
// them), a requests counter by status code, and the duration of /work as a
// histogram and as a summary. ?format=openmetrics answers OpenMetrics 1.0
// text instead (counter families without _total, # EOF at the end).

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

var startTime = time.Now()

// durationBuckets are the upper bounds of demo_request_duration_seconds.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// summaryWindow is how many recent observations the summary's quantiles
// are computed over.
const summaryWindow = 1000

var workMetrics struct {
	sync.Mutex
	byCode  map[int]int64
	buckets []int64 // cumulative by durationBuckets, then +Inf
	sum     float64
	count   int64
	recent  []float64 // a ring of the last summaryWindow durations
	next    int
}

// statusRecorder keeps the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// instrument counts h's answers by code and observes their durations.
func instrument(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h(rec, r)
		observe(rec.code, time.Since(start).Seconds())
	}
}

func observe(code int, secs float64) {
	m := &workMetrics
	m.Lock()
	defer m.Unlock()
	if m.byCode == nil {
		m.byCode = map[int]int64{}
		m.buckets = make([]int64, len(durationBuckets)+1)
		m.recent = make([]float64, 0, summaryWindow)
	}
	m.byCode[code]++
	for i, le := range durationBuckets {
		if secs <= le {
			m.buckets[i]++
		}
	}
	m.buckets[len(durationBuckets)]++
	m.sum += secs
	m.count++
	if len(m.recent) < summaryWindow {
		m.recent = append(m.recent, secs)
	} else {
		m.recent[m.next] = secs
		m.next = (m.next + 1) % summaryWindow
	}
}

// quantile of sorted (nearest rank).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

func fmtFloat(x float64) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "+Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	}
	return fmt.Sprintf("%g", x)
}

// cpuSeconds is the process's user and system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

type metricsWriter struct {
	w  io.Writer
	om bool // OpenMetrics
}

// family writes the HELP and TYPE lines. A counter's family is named
// without _total in OpenMetrics.
func (mw metricsWriter) family(name, typ, help string) {
	if mw.om && typ == "counter" {
		name = strings.TrimSuffix(name, "_total")
	}
	fmt.Fprintf(mw.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (mw metricsWriter) sample(name, labels string, v float64) {
	if labels != "" {
		labels = "{" + labels + "}"
	}
	fmt.Fprintf(mw.w, "%s%s %s\n", name, labels, fmtFloat(v))
}

func (mw metricsWriter) goCollector() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mw.family("go_goroutines", "gauge", "Number of goroutines that currently exist.")
	mw.sample("go_goroutines", "", float64(runtime.NumGoroutine()))
	threads := pprof.Lookup("threadcreate").Count() // as client_golang counts them
	mw.family("go_threads", "gauge", "Number of OS threads created.")
	mw.sample("go_threads", "", float64(threads))
	gauges := []struct {
		name, help string
		v          uint64
	}{
		{"go_memstats_alloc_bytes", "Number of bytes allocated and still in use.", ms.Alloc},
		{"go_memstats_sys_bytes", "Number of bytes obtained from system.", ms.Sys},
		{"go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and still in use.", ms.HeapAlloc},
		{"go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use.", ms.HeapInuse},
	}
	for _, g := range gauges {
		mw.family(g.name, "gauge", g.help)
		mw.sample(g.name, "", float64(g.v))
	}
	mw.family("go_memstats_alloc_bytes_total", "counter", "Total number of bytes allocated, even if freed.")
	mw.sample("go_memstats_alloc_bytes_total", "", float64(ms.TotalAlloc))
	// GC pauses, as client_golang's collector: quantiles of the recent pauses.
	var gc debug.GCStats
	gc.PauseQuantiles = make([]time.Duration, 5)
	debug.ReadGCStats(&gc)
	mw.family("go_gc_duration_seconds", "summary", "A summary of the pause duration of garbage collection cycles.")
	for i, q := range []string{"0", "0.25", "0.5", "0.75", "1"} {
		mw.sample("go_gc_duration_seconds", `quantile="`+q+`"`, gc.PauseQuantiles[i].Seconds())
	}
	mw.sample("go_gc_duration_seconds_sum", "", gc.PauseTotal.Seconds())
	mw.sample("go_gc_duration_seconds_count", "", float64(gc.NumGC))
	mw.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
	mw.sample("process_cpu_seconds_total", "", cpuSeconds())
	mw.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
	mw.sample("process_start_time_seconds", "", float64(startTime.UnixNano())/1e9)
}

func (mw metricsWriter) work() {
	m := &workMetrics
	m.Lock()
	codes := make([]int, 0, len(m.byCode))
	for c := range m.byCode {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	byCode := make([]int64, len(codes))
	for i, c := range codes {
		byCode[i] = m.byCode[c]
	}
	buckets := append([]int64(nil), m.buckets...)
	sum, count := m.sum, m.count
	recent := append([]float64(nil), m.recent...)
	m.Unlock()

	mw.family("demo_requests_total", "counter", "Requests to /work by status code.")
	for i, c := range codes {
		mw.sample("demo_requests_total", fmt.Sprintf(`code="%d"`, c), float64(byCode[i]))
	}
	mw.family("demo_request_duration_seconds", "histogram", "Duration of /work requests.")
	if buckets == nil {
		buckets = make([]int64, len(durationBuckets)+1)
	}
	for i, le := range durationBuckets {
		mw.sample("demo_request_duration_seconds_bucket", `le="`+fmtFloat(le)+`"`, float64(buckets[i]))
	}
	mw.sample("demo_request_duration_seconds_bucket", `le="+Inf"`, float64(buckets[len(durationBuckets)]))
	mw.sample("demo_request_duration_seconds_sum", "", sum)
	mw.sample("demo_request_duration_seconds_count", "", float64(count))
	sort.Float64s(recent)
	mw.family("demo_request_latency_seconds", "summary", "Duration of the last 1000 /work requests.")
	for _, q := range []string{"0.5", "0.9", "0.99"} {
		var qf float64
		fmt.Sscanf(q, "%g", &qf)
		mw.sample("demo_request_latency_seconds", `quantile="`+q+`"`, quantile(recent, qf))
	}
	mw.sample("demo_request_latency_seconds_sum", "", sum)
	mw.sample("demo_request_latency_seconds_count", "", float64(count))
}

func handleMetrics(w http.ResponseWriter, r *http.Request) {
	mw := metricsWriter{w: w, om: r.URL.Query().Get("format") == "openmetrics"}
	if mw.om {
		w.Header().Set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	}
	mw.goCollector()
	mw.work()
	if mw.om {
		io.WriteString(w, "# EOF\n")
	}
}
