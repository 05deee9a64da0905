// Command profgen writes real Go profiles for cmon's tests.
//
//	profgen -out DIR [-cpu-seconds 2] [-memrate 4096]
//	profgen -bench -out FILE [-bench-samples 800000] [-bench-bytes 10485760]
//
// The first form writes, gzipped through runtime/pprof, every kind of profile
// that net/http/pprof serves: cpu.pb.gz, heap.pb.gz, heap2.pb.gz (a second heap
// profile taken later: some objects freed, others added, so a -base diff has
// both growth and shrink), heap_delta.pb.gz (what /debug/pprof/heap?seconds=1
// returns), allocs.pb.gz, goroutine.pb.gz, threadcreate.pb.gz, block.pb.gz
// and mutex.pb.gz.
//
// The second form writes one large heap profile for benchmarks: every
// allocation sampled (MemProfileRate=1), stacks 10..60 calls deep (a
// pseudo-random mix of three mutually recursive functions, then a chain of
// generated functions; the runtime keeps the innermost 32 frames), made
// from a fixed seed. With the defaults: ~820k samples, ~11 MB, ~12 s.
//
// The work has inlined helpers in hot loops, direct and mutual recursion,
// methods, closures, a generic function, pprof labels, and the ~2000
// generated functions of gen_funcs.go (made by gen/gen.go).
//
// Build it with -trimpath so that file names in the profiles do not depend on
// where the repository is checked out (they read cmon/profgen/main.go).
package main

//go:generate go run ./gen -n 2000 -o gen_funcs.go

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ---------------------------------------------------------------------------
// State shared with the generated functions. Only one goroutine at a time may
// run generated code (the random source and the rings are not locked).

type xorshift struct{ s uint64 }

func (r *xorshift) next() uint64 {
	r.s ^= r.s << 13
	r.s ^= r.s >> 7
	r.s ^= r.s << 17
	return r.s
}

var rnd = xorshift{s: 0x9e3779b97f4a7c15}

// pick returns a pseudo-random number in [0, n); small enough to be inlined.
func pick(n int) int { return int(rnd.next() % uint64(n)) }

type genNode struct {
	id   int
	pad  []byte
	next *genNode
}

const ringSize = 1 << 12

// Objects passed to keep* stay live: in a ring (the oldest are dropped, so
// they become garbage), or, while retain is set, in the held slices until
// release is called.
var (
	retain    bool
	ringBytes [ringSize][]byte
	ringInts  [ringSize][]int64
	ringNodes [ringSize]*genNode
	ringPos   int
	held      struct {
		bytes [][]byte
		ints  [][]int64
		nodes []*genNode
	}
	blob = make([]byte, 1024)
)

func keep(b []byte) {
	if retain {
		held.bytes = append(held.bytes, b)
		return
	}
	ringBytes[ringPos&(ringSize-1)] = b
	ringPos++
}

func keepInts(v []int64) {
	if retain {
		held.ints = append(held.ints, v)
		return
	}
	ringInts[ringPos&(ringSize-1)] = v
	ringPos++
}

func keepNode(n *genNode) {
	if retain {
		held.nodes = append(held.nodes, n)
		return
	}
	ringNodes[ringPos&(ringSize-1)] = n
	ringPos++
}

var spinAcc uint64

// spin burns a little CPU; mix is inlined into its loop.
func spin(n int) {
	for i := 0; i < n*40; i++ {
		spinAcc = mix(spinAcc + uint64(i))
	}
}

// walk runs one chain through the generated functions.
func walk(entry, depth int) { genInner[entry%len(genInner)](depth) }

// walks runs n chains with depths in [minDepth, minDepth+spread).
func walks(n, minDepth, spread int) {
	for i := 0; i < n; i++ {
		walk(pick(len(genInner)), minDepth+pick(spread))
	}
}

// ---------------------------------------------------------------------------
// Hand-written work: inlining, recursion, methods, closures, generics.

// mix is a tiny hash step, inlined into every caller.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return x
}

// rotl is inlined into hashLoop.
func rotl(x uint64, k uint) uint64 { return x<<k | x>>(64-k) }

func hashLoop(n int) uint64 {
	var h uint64 = 1
	for i := 0; i < n; i++ {
		h = rotl(h^mix(uint64(i)), 13) + uint64(i)
	}
	return h
}

// fib is plain direct recursion.
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

// isEven and isOdd are mutually recursive and allocate a little on the way.
func isEven(n int, acc [][]byte) bool {
	if n == 0 {
		return true
	}
	if n%16 == 0 {
		acc = append(acc, make([]byte, 64+n))
	}
	return isOdd(n-1, acc)
}

func isOdd(n int, acc [][]byte) bool {
	if n == 0 {
		return false
	}
	return isEven(n-1, acc)
}

type tree struct {
	left, right *tree
	key         int
	payload     []byte
}

// newTree is inlined into build, so the allocation has an inline frame.
func newTree(key int) *tree { return &tree{key: key} }

// build allocates a tree recursively. Both children are built from one call
// site, so the heap profile gets one stack per depth, not one per path.
func build(depth, key int) *tree {
	t := newTree(key)
	if depth > 0 {
		t.payload = make([]byte, 8*depth)
		var kids [2]*tree
		for i := range kids {
			kids[i] = build(depth-1, 2*key+i)
		}
		t.left, t.right = kids[0], kids[1]
	}
	return t
}

// sum and sumRight walk the tree by mutual recursion.
func (t *tree) sum() int {
	if t == nil {
		return 0
	}
	return t.key + t.left.sum() + t.right.sumRight()
}

func (t *tree) sumRight() int {
	if t == nil {
		return 0
	}
	return t.key ^ t.left.sum() + t.right.sum()
}

// insert is a recursive method that allocates.
func (t *tree) insert(key int) *tree {
	if t == nil {
		return &tree{key: key, payload: make([]byte, 16)}
	}
	if key < t.key {
		t.left = t.left.insert(key)
	} else {
		t.right = t.right.insert(key)
	}
	return t
}

type number interface {
	~int | ~int64 | ~float64
}

// maxOf is generic; its profile name is main.maxOf[...].
func maxOf[T number](xs []T) T {
	var m T
	for i, x := range xs {
		if i == 0 || x > m {
			m = x
		}
	}
	return m
}

func sortWork(n int) int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = int(mix(uint64(i)) % 100000)
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	return maxOf(xs)
}

func shaWork(n int) [32]byte {
	buf := make([]byte, 4096)
	var sum [32]byte
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(buf, uint64(i))
		sum = sha256.Sum256(buf)
		copy(buf[8:], sum[:])
	}
	return sum
}

func stringWork(n int) int {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(',')
	}
	return len(strings.Split(b.String(), ","))
}

var computeSink int

// compute runs the hand-written CPU work once.
func compute(round int) {
	computeSink += fib(22 + round%3)
	computeSink += int(hashLoop(200000))
	computeSink += sortWork(20000)
	computeSink += int(shaWork(100)[0])
	computeSink += stringWork(5000)
	t := build(10, 1)
	for i := 0; i < 500; i++ {
		t.insert(int(mix(uint64(i+round)) % 4096))
	}
	computeSink += t.sum()
	if isEven(300+round%2, nil) {
		computeSink++
	}
}

// ---------------------------------------------------------------------------
// Profiles.

func writeProfile(dir, name, file string) {
	f, err := os.Create(filepath.Join(dir, file))
	check(err)
	check(pprof.Lookup(name).WriteTo(f, 0))
	check(f.Close())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "profgen:", err)
		os.Exit(1)
	}
}

func cpuPhase(dir string, seconds float64) {
	f, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	check(err)
	check(pprof.StartCPUProfile(f))
	deadline := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	var wg sync.WaitGroup
	wg.Add(2)
	go pprof.Do(context.Background(), pprof.Labels("worker", "gen"), func(context.Context) {
		defer wg.Done()
		for time.Now().Before(deadline) {
			walks(50, 6, 8)
		}
	})
	go pprof.Do(context.Background(), pprof.Labels("worker", "compute"), func(context.Context) {
		defer wg.Done()
		for round := 0; time.Now().Before(deadline); round++ {
			compute(round)
		}
	})
	wg.Wait()
	pprof.StopCPUProfile()
	check(f.Close())
}

var (
	treeA, treeB *tree
	evens        [][]byte
)

func release() {
	held.bytes, held.ints, held.nodes = nil, nil, nil
}

func heapPhase(dir string) {
	// Phase A: everything the generated code allocates stays live.
	rnd = xorshift{s: 0x1234567}
	retain = true
	walks(1500, 4, 10)
	treeA = build(12, 1)
	for i := 0; i < 300; i++ {
		treeA.insert(int(mix(uint64(i)) % 100000))
	}
	acc := make([][]byte, 0, 64)
	isEven(500, acc)
	evens = acc[:cap(acc)]
	retain = false
	runtime.GC()
	writeProfile(dir, "heap", "heap.pb.gz")

	// Phase B: free phase A's generated objects except the nodes, drop
	// treeA, add other chains and another tree.
	nodes := held.nodes
	release()
	held.nodes = nodes
	treeA = nil
	rnd = xorshift{s: 0x7654321}
	retain = true
	walks(900, 8, 6)
	treeB = build(13, 7)
	retain = false
	runtime.GC()
	writeProfile(dir, "heap", "heap2.pb.gz")
	writeProfile(dir, "allocs", "allocs.pb.gz")
}

// deltaPhase asks the real net/http/pprof handler for heap?seconds=1, in
// process, while the generated code allocates.
func deltaPhase(dir string) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		rnd = xorshift{s: 0xdead}
		retain = true
		for i := 0; ; i++ {
			select {
			case <-done:
				retain = false
				return
			default:
			}
			walks(4, 3, 6)
			time.Sleep(5 * time.Millisecond)
			if i == 40 {
				// Free phase B's tree: the delta goes negative there.
				treeB = nil
			}
			if i%40 == 39 {
				runtime.GC() // publish the heap profile as it is now
			}
		}
	}()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/debug/pprof/heap?seconds=1", nil)
	http.DefaultServeMux.ServeHTTP(rec, req)
	close(done)
	<-stopped
	if rec.Code != http.StatusOK {
		check(fmt.Errorf("heap?seconds=1: %d %s", rec.Code, rec.Body.String()))
	}
	check(os.WriteFile(filepath.Join(dir, "heap_delta.pb.gz"), rec.Body.Bytes(), 0o644))
	release()
}

// Contention for the block and mutex profiles.

type account struct {
	mu  sync.Mutex
	bal int
}

func (a *account) deposit(n int) {
	a.mu.Lock()
	a.bal += n
	spin(100)
	a.mu.Unlock()
}

func (a *account) withdraw(n int) {
	a.mu.Lock()
	a.bal -= n
	spin(50)
	a.mu.Unlock()
}

var table struct {
	sync.RWMutex
	m map[int]int
}

func readTable(k int) int {
	table.RLock()
	defer table.RUnlock()
	return table.m[k]
}

func writeTable(k int) {
	table.Lock()
	table.m[k]++
	spin(150)
	table.Unlock()
}

func producer(ch chan<- int, n int) {
	for i := 0; i < n; i++ {
		time.Sleep(100 * time.Microsecond)
		ch <- i
	}
	close(ch)
}

func consumer(ch <-chan int, out chan<- int) {
	s := 0
	for v := range ch {
		s += v
	}
	out <- s
}

func selectLoop(a, b <-chan int, quit <-chan struct{}) int {
	n := 0
	for {
		select {
		case <-a:
			n++
		case <-b:
			n += 2
		case <-quit:
			return n
		}
	}
}

// audit takes the account lock at the bottom of a recursion.
func audit(a *account, depth int) int {
	if depth == 0 {
		a.mu.Lock()
		defer a.mu.Unlock()
		spin(80)
		return a.bal
	}
	return audit(a, depth-1) + 1
}

func condWaiter(c *sync.Cond, ready *bool, wg *sync.WaitGroup) {
	defer wg.Done()
	c.L.Lock()
	for !*ready {
		c.Wait()
	}
	c.L.Unlock()
}

func contentionPhase(dir string) {
	var wg sync.WaitGroup
	acct := &account{}
	table.m = map[int]int{}
	for g := 0; g < 4; g++ {
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				acct.deposit(i)
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				acct.withdraw(i)
			}
		}()
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				if i%50 == 0 {
					audit(acct, 3+g)
				}
				if i%5 == g%5 {
					writeTable(i % 17)
				} else {
					readTable(i % 17)
				}
			}
		}(g)
	}

	ch := make(chan int)
	out := make(chan int)
	go producer(ch, 200)
	go consumer(ch, out)

	a, b := make(chan int), make(chan int)
	quit := make(chan struct{})
	res := make(chan int)
	go func() { res <- selectLoop(a, b, quit) }()
	for i := 0; i < 100; i++ {
		time.Sleep(50 * time.Microsecond)
		if i%3 == 0 {
			b <- i
		} else {
			a <- i
		}
	}
	close(quit)
	<-res
	<-out

	var cwg sync.WaitGroup
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := false
	for i := 0; i < 5; i++ {
		cwg.Add(1)
		go condWaiter(cond, &ready, &cwg)
	}
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	ready = true
	cond.Broadcast()
	mu.Unlock()
	cwg.Wait()
	wg.Wait()

	writeProfile(dir, "block", "block.pb.gz")
	writeProfile(dir, "mutex", "mutex.pb.gz")
}

// Goroutines parked in different stacks, for the goroutine profile.

var (
	parkCh   = make(chan int)
	parkMu   sync.Mutex
	parkWG   sync.WaitGroup
	parkCond = sync.NewCond(&sync.Mutex{})
)

func parkRecv() { <-parkCh }
func parkSelect() {
	select {
	case <-parkCh:
	case <-time.After(time.Hour):
	}
}
func parkLock()     { parkMu.Lock(); parkMu.Unlock() }
func parkWait()     { parkWG.Wait() }
func parkSleep()    { time.Sleep(time.Hour) }
func parkCondWait() { parkCond.L.Lock(); parkCond.Wait(); parkCond.L.Unlock() }
func parkDeep(n int) {
	if n == 0 {
		<-parkCh
		return
	}
	parkDeep(n - 1)
}

// parkLocked holds an OS thread, so the runtime has to create more threads.
func parkLocked(started chan<- struct{}) {
	runtime.LockOSThread()
	started <- struct{}{}
	<-parkCh
}

func startParked() {
	parkMu.Lock() // held until exit: parkLock goroutines stay blocked
	parkWG.Add(1) // never done
	spawn := func(n int, label string, f func()) {
		for i := 0; i < n; i++ {
			go pprof.Do(context.Background(), pprof.Labels("park", label), func(context.Context) { f() })
		}
	}
	spawn(7, "recv", parkRecv)
	spawn(5, "select", parkSelect)
	spawn(4, "lock", parkLock)
	spawn(3, "wait", parkWait)
	spawn(2, "sleep", parkSleep)
	spawn(3, "cond", parkCondWait)
	for i := 0; i < 2; i++ {
		go parkDeep(10)
		go parkDeep(40) // deeper than the 32 frames the runtime records
	}
	started := make(chan struct{})
	for i := 0; i < 3; i++ {
		go parkLocked(started)
		<-started
	}
	time.Sleep(50 * time.Millisecond) // let them all park
}

// ---------------------------------------------------------------------------
// Bench mode.

// deepA, deepB and deepC recurse into each other in a pseudo-random order
// (deepNext, inlined, picks the next one) before a chain starts, so that the
// bench profile's stacks are deep and varied even near the chain's top.
func deepA(n, entry, chain int) {
	if n == 0 {
		walk(entry, chain)
		return
	}
	deepNext(n-1, entry, chain)
}

func deepB(n, entry, chain int) {
	if n == 0 {
		walk(entry, chain)
		return
	}
	deepNext(n-1, entry, chain)
}

func deepC(n, entry, chain int) {
	if n == 0 {
		walk(entry, chain)
		return
	}
	deepNext(n-1, entry, chain)
}

func deepNext(n, entry, chain int) {
	switch pick(3) {
	case 0:
		deepA(n, entry, chain)
	case 1:
		deepB(n, entry, chain)
	default:
		deepC(n, entry, chain)
	}
}

// deepWalks runs n chains at total depths 10..60: a hand-written recursive
// prefix, then 2..10 levels of generated functions that allocate at every
// level. (The runtime keeps the innermost 32 frames of each stack.)
func deepWalks(n int) {
	for i := 0; i < n; i++ {
		depth := 10 + pick(51)
		chain := 2 + pick(9)
		deepNext(depth-chain, pick(len(genInner)), chain)
	}
}

func benchHeap(file string, target int, minBytes int64) {
	start := time.Now()
	runtime.MemProfileRate = 1
	rnd = xorshift{s: 0xb0b0cafe}
	retain = false
	records := 0
	for batch := 0; ; batch++ {
		deepWalks(5000)
		runtime.GC()
		records, _ = runtime.MemProfile(nil, true)
		fmt.Fprintf(os.Stderr, "profgen: batch %d: %d heap profile records, %.1fs\n",
			batch, records, time.Since(start).Seconds())
		if records < target {
			continue
		}
		f, err := os.Create(file)
		check(err)
		check(pprof.Lookup("heap").WriteTo(f, 0))
		check(f.Close())
		st, err := os.Stat(file)
		check(err)
		fmt.Fprintf(os.Stderr, "profgen: wrote %s: %d bytes, %d records, %.1fs\n",
			file, st.Size(), records, time.Since(start).Seconds())
		if st.Size() >= minBytes {
			return
		}
	}
}

// Nothing above main may move: the -list fixtures print this file's lines.
// -extreme writes only extreme.pb.gz (see extreme.go), which -out writes too.
func main() {
	out := flag.String("out", "", "output directory (or file with -bench)")
	cpuSeconds := flag.Float64("cpu-seconds", 2, "length of the CPU profile")
	memRate := flag.Int("memrate", 4096, "runtime.MemProfileRate for the heap profiles")
	bench := flag.Bool("bench", false, "write one large heap profile to -out")
	extreme := flag.Bool("extreme", false, "write only extreme.pb.gz into -out")
	labels := flag.Bool("labels", false, "write only the labelled profiles (labels.go) into -out")
	benchSamples := flag.Int("bench-samples", 800000, "minimum number of samples in the -bench profile")
	benchBytes := flag.Int64("bench-bytes", 10<<20, "minimum size in bytes of the -bench profile")
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: profgen -out DIR [-cpu-seconds 2] [-memrate 4096]\n       profgen -bench -out FILE [-bench-samples 800000] [-bench-bytes 10485760]\n       profgen -extreme -out DIR\n       profgen -labels -out DIR")
		os.Exit(2)
	}
	if *bench {
		benchHeap(*out, *benchSamples, *benchBytes)
		return
	}
	if *extreme {
		check(os.MkdirAll(*out, 0o755))
		writeExtreme(*out)
		return
	}
	if *labels {
		check(os.MkdirAll(*out, 0o755))
		writeLabels(*out)
		return
	}

	runtime.MemProfileRate = *memRate // as early as the flag allows
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	check(os.MkdirAll(*out, 0o755))

	start := time.Now()
	step := func(what string) {
		fmt.Fprintf(os.Stderr, "profgen: %-12s %5.2fs\n", what, time.Since(start).Seconds())
	}
	startParked()
	step("parked")
	// The CPU phase allocates a lot; keep it out of the heap profiles so
	// they stay small enough to commit.
	runtime.MemProfileRate = 0
	cpuPhase(*out, *cpuSeconds)
	step("cpu")
	runtime.MemProfileRate = *memRate
	heapPhase(*out)
	step("heap")
	deltaPhase(*out)
	step("heap_delta")
	contentionPhase(*out)
	step("block/mutex")
	writeProfile(*out, "goroutine", "goroutine.pb.gz")
	writeProfile(*out, "threadcreate", "threadcreate.pb.gz")
	writeExtreme(*out)
	labelsFromChild(*out)
	step("done")
	runtime.KeepAlive(evens)
}
