package main

// extreme.pb.gz: a small, hand-encoded profile whose values sit at the ends
// of int64, where pprof's sums and products wrap (Go's int64 arithmetic
// wraps; C's signed overflow is undefined, so cmon must wrap on purpose).
// runtime/pprof cannot write such values, hence the hand encoding.
//
//   - cpu (nanoseconds): two values of 5e18 and one of 2^64-1e19+100, so
//     the total wraps to 105 ns while the smallest node is near 5e18 ns:
//     pprof's "minimum" output unit multiplies that by 100, past 2^63.
//   - wall (seconds, the default sample type): 1e18 seconds, so the total
//     in nanoseconds is far outside int64 when compared with the duration;
//     INT64_MAX, which -base's Scale(-1) turns into INT64_MIN through
//     float64; INT64_MIN, whose absolute value is itself (pprof then drops
//     its edge even from the untrimmed -peek graph).
//   - a duration near INT64_MAX: merging the profile with itself wraps it.

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
)

type pbuf struct{ bytes.Buffer }

func (b *pbuf) varint(v uint64) {
	for v >= 0x80 {
		b.WriteByte(byte(v) | 0x80)
		v >>= 7
	}
	b.WriteByte(byte(v))
}

func (b *pbuf) uintField(field int, v uint64) {
	b.varint(uint64(field) << 3)
	b.varint(v)
}

func (b *pbuf) intField(field int, v int64) { b.uintField(field, uint64(v)) }

func (b *pbuf) bytesField(field int, data []byte) {
	b.varint(uint64(field)<<3 | 2)
	b.varint(uint64(len(data)))
	b.Write(data)
}

func (b *pbuf) packed(field int, vs []int64) {
	var p pbuf
	for _, v := range vs {
		p.varint(uint64(v))
	}
	b.bytesField(field, p.Bytes())
}

func writeExtreme(dir string) {
	strs := []string{"", "samples", "count", "cpu", "nanoseconds", "wall", "seconds",
		"main.leaf", "main.main", "main.other", "cmon/profgen/extreme.go", "/bin/extreme"}
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
	var p pbuf
	p.bytesField(1, valueType("samples", "count"))
	p.bytesField(1, valueType("cpu", "nanoseconds"))
	p.bytesField(1, valueType("wall", "seconds"))
	const wrapTo100 = 8446744073709551716 // 2^64 - 1e19 + 100: with 2 x 5e18, wraps to 100
	samples := []struct{ locs, values []int64 }{
		{[]int64{1, 2}, []int64{1, 5e18, 1e18}},
		{[]int64{2}, []int64{1, 5e18, 7}},
		{[]int64{3, 2}, []int64{1, wrapTo100, math.MaxInt64}},
		{[]int64{1, 3, 2}, []int64{2, -5, math.MinInt64}},
	}
	for _, s := range samples {
		var m pbuf
		m.packed(1, s.locs)
		m.packed(2, s.values)
		p.bytesField(2, m.Bytes())
	}
	encodeFrames(&p, idx, strs, []string{"main.leaf", "main.main", "main.other"},
		"cmon/profgen/extreme.go", "/bin/extreme", func(id int64) int64 { return 5 * id })
	p.intField(9, 1700000000000000000) // time_nanos
	p.intField(10, math.MaxInt64-10)   // duration_nanos
	p.bytesField(11, valueType("cpu", "nanoseconds"))
	p.intField(12, 10000000)

	writeGzip(dir, "extreme.pb.gz", p.Bytes())
}

// encodeFrames appends to p a mapping (id 1, of binary), one location and
// one function per name (ids 1.., line 10*id, in file; the start line
// startLine(id) when not nil), then the string table strs.
func encodeFrames(p *pbuf, idx map[string]int64, strs, names []string, file, binary string,
	startLine func(int64) int64) {
	var mp pbuf
	mp.intField(1, 1)
	mp.intField(2, 0x400000)
	mp.intField(3, 0x500000)
	mp.intField(5, idx[binary])
	mp.intField(7, 1)
	mp.intField(8, 1)
	mp.intField(9, 1)
	p.bytesField(3, mp.Bytes())
	for i, fn := range names {
		id := int64(i + 1)
		var ln pbuf
		ln.intField(1, id)
		ln.intField(2, 10*id)
		var loc pbuf
		loc.intField(1, id)
		loc.intField(2, 1)
		loc.intField(3, 0x401000+0x1000*id)
		loc.bytesField(4, ln.Bytes())
		p.bytesField(4, loc.Bytes())
		var f pbuf
		f.intField(1, id)
		f.intField(2, idx[fn])
		f.intField(3, idx[fn])
		f.intField(4, idx[file])
		if startLine != nil {
			f.intField(5, startLine(id))
		}
		p.bytesField(5, f.Bytes())
	}
	for _, s := range strs {
		p.bytesField(6, []byte(s))
	}
}

// writeGzip writes data gzipped into dir/name.
func writeGzip(dir, name string, data []byte) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	_, err := w.Write(data)
	check(err)
	check(w.Close())
	check(os.WriteFile(filepath.Join(dir, name), z.Bytes(), 0o644))
}
