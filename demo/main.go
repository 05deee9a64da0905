// Command demo is a small Go service to point cmon at.
//
//	demo [-addr 127.0.0.1:6060] [-services 1] [-load N] [-load-interval 0s]
//	     [-idle N] [-pprof-index=false]
//
// It serves, on a loopback address only:
//
//	/work              real CPU work and allocation (JSON encode/decode,
//	                   sorting, hashing, recursion); ?n=SIZE (default 200,
//	                   at most 5000)
//	/healthz           "ok"
//	/debug/vars        expvar: requests, errors, bytes_out, work_seconds,
//	                   last_work_ms, load_goroutines, work (a map), plus
//	                   cmdline and memstats
//	/slow/debug/vars   the same after sleeping ?ms=MS (default 10000, at most
//	                   600000), or until the client gives up: a hung service
//	/debug/pprof/      net/http/pprof
//
// -services N makes the one process serve N services (default 1), each a
// full HTTP server with the same handlers (and so the same vars) on its own
// port: with a fixed port P in -addr they are P..P+N-1, with port 0 each
// gets a free port. A benchmark can then watch 1000 services from one
// process.
//
// -idle N parks N goroutines for good (what a goroutine dump walks), and
// -pprof-index=false answers /debug/pprof/ itself with 404 (a service that
// mounts only the named profiles). pprof_requests counts the requests to
// /debug/pprof/ by path, so a test can see what a client asked for.
//
// -load N starts N goroutines that call the first service's /work over
// loopback in a loop, so it is under load without external tools.
// Block and mutex profiling are on, so those profiles are not empty.
// The first lines on stdout are always one "demo: listening on
// http://HOST:PORT" per service, in order, and nothing else comes before.
// SIGINT or SIGTERM shut it down cleanly (exit status 0).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"expvar"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	requests    = expvar.NewInt("requests")
	errorsCount = expvar.NewInt("errors")
	bytesOut    = expvar.NewInt("bytes_out")
	loadCount   = expvar.NewInt("load_goroutines")
	workSeconds = expvar.NewFloat("work_seconds")
	lastWorkMs  = expvar.NewFloat("last_work_ms")
	workStats   = expvar.NewMap("work")           // items, sorted, hashed, fib_calls
	pprofHits   = expvar.NewMap("pprof_requests") // by path under /debug/pprof/
)

// item is what /work encodes, decodes and sorts.
type item struct {
	ID    int               `json:"id"`
	Name  string            `json:"name"`
	Score float64           `json:"score"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
}

// cache is shared by all requests: its lock is contended under load, which
// feeds the mutex and block profiles.
var cache struct {
	sync.Mutex
	digests map[string]int
}

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

type node struct {
	left, right *node
	val         int
}

func buildTree(depth, val int) *node {
	if depth == 0 {
		return &node{val: val}
	}
	return &node{left: buildTree(depth-1, 2*val), right: buildTree(depth-1, 2*val+1), val: val}
}

func (n *node) sum() int {
	if n == nil {
		return 0
	}
	return n.val + n.left.sum() + n.right.sum()
}

func makeItems(n int, seed int64) []item {
	items := make([]item, n)
	x := uint64(seed)*0x9e3779b97f4a7c15 + 1
	for i := range items {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		items[i] = item{
			ID:    i,
			Name:  "item-" + strconv.FormatUint(x%100000, 10),
			Score: float64(x%10000) / 100,
			Tags:  []string{"t" + strconv.Itoa(i%7), "g" + strconv.Itoa(i%3)},
			Attrs: map[string]string{"k": strconv.Itoa(i), "h": strconv.FormatUint(x, 16)},
		}
	}
	return items
}

type workResult struct {
	Items  int     `json:"items"`
	First  string  `json:"first"`
	Last   string  `json:"last"`
	Digest string  `json:"digest"`
	Fib    int     `json:"fib"`
	Tree   int     `json:"tree"`
	Millis float64 `json:"ms"`
}

func doWork(n int, seed int64) (workResult, error) {
	items := makeItems(n, seed)
	raw, err := json.Marshal(items)
	if err != nil {
		return workResult{}, err
	}
	var back []item
	if err := json.Unmarshal(raw, &back); err != nil {
		return workResult{}, err
	}
	sort.Slice(back, func(i, j int) bool {
		if back[i].Score != back[j].Score {
			return back[i].Score > back[j].Score
		}
		return back[i].Name < back[j].Name
	})
	h := sha256.New()
	for i := range back {
		h.Write([]byte(back[i].Name))
		h.Write([]byte(back[i].Attrs["h"]))
	}
	sum := h.Sum(nil)
	for i := 0; i < 50; i++ {
		s := sha256.Sum256(sum)
		sum = s[:]
	}
	digest := hex.EncodeToString(sum)

	cache.Lock()
	cache.digests[digest[:4]]++
	if len(cache.digests) > 4096 {
		cache.digests = map[string]int{}
	}
	cache.Unlock()

	res := workResult{
		Items:  len(back),
		Digest: digest,
		Fib:    fib(18 + int(seed%4)),
		Tree:   buildTree(8, 1).sum(),
	}
	if len(back) > 0 {
		res.First, res.Last = back[0].Name, back[len(back)-1].Name
	}
	workStats.Add("items", int64(n))
	workStats.Add("sorted", 1)
	workStats.Add("hashed", int64(len(back)))
	workStats.Add("fib_calls", 1)
	return res, nil
}

var seq struct {
	sync.Mutex
	n int64
}

func handleWork(w http.ResponseWriter, r *http.Request) {
	requests.Add(1)
	start := time.Now()
	n := 200
	if s := r.URL.Query().Get("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 || v > 5000 {
			errorsCount.Add(1)
			http.Error(w, "n must be an integer in [0, 5000]", http.StatusBadRequest)
			return
		}
		n = v
	}
	seq.Lock()
	seq.n++
	seed := seq.n
	seq.Unlock()
	res, err := doWork(n, seed)
	if err != nil {
		errorsCount.Add(1)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	elapsed := time.Since(start)
	res.Millis = float64(elapsed.Microseconds()) / 1000
	body, _ := json.Marshal(res)
	body = append(body, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
	bytesOut.Add(int64(len(body)))
	workSeconds.Add(elapsed.Seconds())
	lastWorkMs.Set(res.Millis)
}

// maxSlowMs bounds /slow/debug/vars: a typo must not park a goroutine for days.
const maxSlowMs = 600000

// handleSlowVars answers /debug/vars late, as a hung service would: after
// ?ms= milliseconds, or never if the client hangs up first.
func handleSlowVars(w http.ResponseWriter, r *http.Request) {
	ms := 10000
	if s := r.URL.Query().Get("ms"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 || v > maxSlowMs {
			http.Error(w, fmt.Sprintf("ms must be an integer in [0, %d]", maxSlowMs), http.StatusBadRequest)
			return
		}
		ms = v
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-r.Context().Done():
		return // the client timed out: nobody to answer
	case <-t.C:
	}
	expvar.Handler().ServeHTTP(w, r)
}

// load calls /work in a loop until ctx is done.
func load(ctx context.Context, id int, base string, interval time.Duration, wg *sync.WaitGroup) {
	defer wg.Done()
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ctx.Err() == nil; i++ {
		url := fmt.Sprintf("%s/work?n=%d", base, 50+(id*37+i*11)%400)
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		} else if ctx.Err() == nil {
			time.Sleep(100 * time.Millisecond) // server not ready or overloaded
		}
		if interval > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}
}

// loopbackOnly refuses addresses that are not on a loopback interface.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address; demo binds loopback only", host)
	}
	return nil
}

// maxServices bounds -services: cmon watches at most 10000 services.
const maxServices = 10000

// listenAll opens n listeners for -services: on addr's port and the n-1
// after it, or each on a free port when addr's port is 0.
func listenAll(addr string, n int) ([]net.Listener, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("bad port in %q", addr)
	}
	if port != 0 && port+n-1 > 65535 {
		return nil, fmt.Errorf("-services %d from port %d goes past 65535", n, port)
	}
	lns := make([]net.Listener, 0, n)
	for i := 0; i < n; i++ {
		p := 0
		if port != 0 {
			p = port + i
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// countPprof counts requests under /debug/pprof/ in pprof_requests and,
// when index is false, answers the index page itself with 404.
func countPprof(next http.Handler, index bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/debug/pprof/") {
			pprofHits.Add(r.URL.Path, 1)
			if !index && r.URL.Path == "/debug/pprof/" {
				http.NotFound(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// maxIdle bounds -idle: a parked goroutine costs a few KB of stack.
const maxIdle = 1000000

// idleDepth is how many frames a parked goroutine's stack has: a dump
// walks them all, as it walks a real service's handlers and workers.
const idleDepth = 8

// park waits on done (never closed) depth frames down.
func park(done chan struct{}, depth int) {
	if depth > 0 {
		park(done, depth-1)
		return
	}
	<-done
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6060", "loopback address to listen on (port 0 picks a free port)")
	nsvc := flag.Int("services", 1, "number of services (listening ports) this process serves")
	nload := flag.Int("load", 0, "number of internal goroutines calling /work in a loop")
	interval := flag.Duration("load-interval", 0, "pause between two /work calls of one load goroutine")
	blockRate := flag.Int("blockrate", 1, "runtime.SetBlockProfileRate (0 turns block profiling off)")
	mutexFrac := flag.Int("mutexfrac", 1, "runtime.SetMutexProfileFraction (0 turns mutex profiling off)")
	pprofIndex := flag.Bool("pprof-index", true, "serve /debug/pprof/'s index page (false: 404)")
	nidle := flag.Int("idle", 0, "number of goroutines parked for good (what a goroutine dump costs)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("demo: ")
	if flag.NArg() != 0 {
		log.Fatalf("unexpected argument %q", flag.Arg(0))
	}
	if err := loopbackOnly(*addr); err != nil {
		log.Fatal(err)
	}
	if *nidle < 0 || *nidle > maxIdle {
		log.Fatalf("-idle must be in [0, %d]", maxIdle)
	}
	if *nsvc < 1 || *nsvc > maxServices {
		log.Fatalf("-services must be in [1, %d]", maxServices)
	}
	runtime.SetBlockProfileRate(*blockRate)
	runtime.SetMutexProfileFraction(*mutexFrac)
	cache.digests = map[string]int{}

	http.HandleFunc("/work", handleWork)
	http.HandleFunc("/slow/debug/vars", handleSlowVars)
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })

	lns, err := listenAll(*addr, *nsvc)
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + lns[0].Addr().String()
	for _, ln := range lns {
		fmt.Printf("demo: listening on http://%s\n", ln.Addr())
	}
	os.Stdout.Sync()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srvs := make([]*http.Server, len(lns))
	serveErr := make(chan error, len(lns))
	for i, ln := range lns {
		srvs[i] = &http.Server{Handler: countPprof(http.DefaultServeMux, *pprofIndex), ReadHeaderTimeout: 10 * time.Second}
		go func(srv *http.Server, ln net.Listener) { serveErr <- srv.Serve(ln) }(srvs[i], ln)
	}

	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := 0; i < *nload; i++ {
		wg.Add(1)
		go load(loadCtx, i, base, *interval, &wg)
	}
	loadCount.Set(int64(*nload))
	parked := make(chan struct{})
	for i := 0; i < *nidle; i++ {
		go park(parked, idleDepth)
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopLoad()
		log.Fatal(err)
	}
	stop() // a second signal kills the process the default way
	stopLoad()
	wg.Wait()
	// A CPU profile capture may be running: give it a moment, then go.
	shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var swg sync.WaitGroup
	for _, srv := range srvs {
		swg.Add(1)
		go func(srv *http.Server) {
			defer swg.Done()
			if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				log.Print(err)
			}
		}(srv)
	}
	swg.Wait()
	log.Print("stopped")
}
