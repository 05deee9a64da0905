#!/usr/bin/env python3
"""Writes hostile (and valid-but-odd) pprof profiles into DIR.

usage: gen.py [--small] DIR

Protobuf is written by hand (no protobuf package). Besides the case files it
writes DIR/cases.tsv, one case a line, tab-separated:

    name  file  expect  regex  flags  max_rss_mb

expect is "fail" (cmon must exit 1 with one stderr line naming the file and
matching regex, case-insensitively, as an extended regex), "ok" (exit 0,
stdout matching regex, nothing on stderr) or "same" (as "ok", and stdout
byte for byte that of `go tool pprof -top FLAGS FILE` when go is at hand). flags are extra cmon pprof flags
("-" for none). max_rss_mb bounds the peak RSS ("-" for no bound).

--small leaves out the big cases (gzip bombs, millions of samples), for use as
fuzzing seeds.
"""
import gzip
import os
import struct
import sys
import zlib

# ---- protobuf by hand ----


def uv(n):
    """Varint of n; negative numbers as two's complement, like int64."""
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wt):
    return uv(field << 3 | wt)


def vf(field, n):
    """Varint field."""
    return key(field, 0) + uv(n)


def bf(field, data):
    """Length-delimited field."""
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + uv(len(data)) + data


def packed(field, values):
    return bf(field, b"".join(uv(v) for v in values))


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


# ---- a small valid profile, in parts a case can change ----

STRINGS = ["", "samples", "count", "cpu", "nanoseconds", "main.main", "main.go",
           "main.leaf", "/bin/app", "thread", "worker"]
S = {s: i for i, s in enumerate(STRINGS)}


def value_type(t, u):
    return vf(1, t) + vf(2, u)


def function(fid, name, filename=S["main.go"], start=1):
    return vf(1, fid) + vf(2, name) + vf(3, name) + vf(4, filename) + vf(5, start)


def line(fid, lineno):
    return vf(1, fid) + vf(2, lineno)


def location(lid, mid, addr, lines):
    m = vf(1, lid)
    if mid is not None:
        m += vf(2, mid)
    m += vf(3, addr)
    for ln in lines:
        m += bf(4, ln)
    return m


def mapping(mid, start=0x400000, limit=0x500000, filename=S["/bin/app"]):
    return (vf(1, mid) + vf(2, start) + vf(3, limit) + vf(4, 0) + vf(5, filename) +
            vf(7, 1) + vf(8, 1) + vf(9, 1))


def label(k, s=0, num=0, unit=0):
    m = vf(1, k)
    if s:
        m += vf(2, s)
    if num:
        m += vf(3, num)
    if unit:
        m += vf(4, unit)
    return m


def sample(locs, values, labels=()):
    m = packed(1, locs) + packed(2, values)
    for lb in labels:
        m += bf(3, lb)
    return m


def base_parts():
    """Field lists of a valid two-type CPU-like profile, in Go's order."""
    return {
        "sample_type": [value_type(S["samples"], S["count"]),
                        value_type(S["cpu"], S["nanoseconds"])],
        "sample": [sample([1, 2], [3, 30000000], [label(S["thread"], s=S["worker"])]),
                   sample([2], [1, 10000000])],
        "mapping": [mapping(1)],
        "location": [location(1, 1, 0x401000, [line(1, 12)]),
                     location(2, 1, 0x402000, [line(2, 20)])],
        "function": [function(1, S["main.leaf"]), function(2, S["main.main"])],
        "string_table": list(STRINGS),
        "tail": vf(9, 1700000000000000000) + vf(10, 1000000000) +
                bf(11, value_type(S["cpu"], S["nanoseconds"])) + vf(12, 10000000),
    }


FIELD = {"sample_type": 1, "sample": 2, "mapping": 3, "location": 4,
         "function": 5, "string_table": 6}


def build(parts, order=("sample_type", "sample", "mapping", "location",
                        "function", "string_table")):
    out = bytearray()
    for name in order:
        for m in parts[name]:
            out += bf(FIELD[name], m)
    out += parts.get("tail", b"")
    return bytes(out)


def valid(**changes):
    p = base_parts()
    p.update(changes)
    return build(p)


# ---- gzip bombs, streamed ----


def gzip_stream(path, chunk, repeat):
    """Writes a single-member gzip file of chunk*repeat without ever holding
    the inflated bytes: after a full flush deflate's output no longer depends
    on what came before, so one flushed chunk is compressed once and its bytes
    written repeat times."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush(zlib.Z_FINISH)
    crc = 0
    with open(path, "wb") as f:
        f.write(header)
        f.write(first)
        crc = zlib.crc32(chunk, crc)
        for _ in range(repeat - 1):
            f.write(block)
            crc = zlib.crc32(chunk, crc)
        f.write(end)
        f.write(crc.to_bytes(4, "little"))
        f.write(((len(chunk) * repeat) & 0xFFFFFFFF).to_bytes(4, "little"))


# ---- the cases ----


def deep_chain(depth, inner=b""):
    """depth nested length-delimited fields 15 (unknown everywhere), built
    from the inside out without copying the body depth times."""
    lengths = [len(inner)]
    for _ in range(depth - 1):
        n = lengths[-1]
        lengths.append(len(key(15, 2)) + len(uv(n)) + n)
    return b"".join(key(15, 2) + uv(n) for n in reversed(lengths)) + inner


def cases(small):
    c = []  # (name, bytes or callable(path), expect, regex, flags, max_rss_mb)

    def fail(name, data, regex, flags="-", rss="-"):
        c.append((name, data, "fail", regex, flags, rss))

    def ok(name, data, regex, flags="-", rss="-"):
        c.append((name, data, "ok", regex, flags, rss))

    def same(name, data, regex, flags="-", rss="-"):
        c.append((name, data, "same", regex, flags, rss))

    good = valid()
    ok("baseline", gz(good), r"main\.leaf")
    ok("baseline_raw", good, r"main\.leaf")

    # Not a profile at all.
    fail("empty", b"", r"empty")
    fail("garbage_text", b"Hello, this is not a profile.\nJust some text.\n", r"is text")
    same("legacy_text_profile",
         b"heap profile: 1: 2 [ 3: 4] @ heap/1048576\n1: 2 [1: 2] @ 0x1 0x2\n", r"Type: inuse_space")
    fail("html_error_page", b"<html><body>404 page not found</body></html>\n", r"is text")
    fail("garbage_binary", bytes(range(256)) * 4,
         r"malformed|wire type|truncated|not a profile|unrecognized")
    fail("gzip_header_only", b"\x1f\x8b", r"gzip|truncated")
    fail("truncated_gzip", gz(good)[: len(gz(good)) // 2], r"truncated")
    big = gz(valid(string_table=STRINGS + ["x" * 5000 + str(i) for i in range(50)]))
    fail("truncated_gzip_long", big[: len(big) // 2], r"truncated")
    fail("gzip_bad_crc", gz(good)[:-8] + b"\0\0\0\0" + gz(good)[-4:],
         r"gzip|corrupt|check")
    fail("gzip_of_garbage", gz(b"Hello, this is not a profile.\n" * 100), r"is text")
    fail("gzip_of_nothing", gz(b""), r"empty|no sample|not a profile")

    legacy_cases(fail, same, small)

    # String table.
    fail("string_index_function_name",
         valid(function=[function(1, 999), function(2, S["main.main"])]),
         r"string index.*function\.name")
    fail("string_index_negative",
         valid(function=[function(1, -5), function(2, S["main.main"])]),
         r"string index.*function\.name")
    fail("string_index_sample_type",
         valid(sample_type=[value_type(S["samples"], S["count"]), value_type(77, 4)]),
         r"string index.*sample_type")
    fail("string_index_label_key",
         valid(sample=[sample([1], [1, 1], [label(4000, s=S["worker"])])]),
         r"string index.*label")
    fail("string_index_label_str",
         valid(sample=[sample([1], [1, 1], [label(S["thread"], s=4000)])]),
         r"string index.*label")
    fail("string_index_label_unit",
         valid(sample=[sample([1], [1, 1], [label(S["thread"], num=3, unit=4000)])]),
         r"string index.*label")
    fail("string_index_mapping_file",
         valid(mapping=[mapping(1, filename=12345)]), r"string index.*mapping")
    fail("string_index_period_type",
         valid(tail=bf(11, value_type(S["cpu"], 1 << 40))), r"string index.*period_type")
    fail("string_index_comment", valid(tail=vf(13, 99)), r"string index.*comment")
    fail("string_index_huge", valid(function=[function(1, 1 << 63), function(2, 1)]),
         r"string index.*function\.name")
    fail("no_string_table", valid(string_table=[]), r"string index|string table")
    fail("string_table0_not_empty", valid(string_table=["boo"] + STRINGS[1:]),
         r"string_table\[0\]")

    # Ids.
    fail("location_id_0",
         valid(location=[location(0, 1, 1, [line(1, 1)]), location(2, 1, 2, [line(2, 2)])]),
         r"location.*id 0|id 0.*location")
    fail("sample_location_id_0", valid(sample=[sample([0], [1, 1])]),
         r"location.*id 0|id 0.*location")
    fail("function_id_0",
         valid(function=[function(0, S["main.leaf"]), function(2, S["main.main"])]),
         r"function.*id 0|id 0.*function")
    fail("mapping_id_0", valid(mapping=[mapping(0)]), r"mapping.*id 0|id 0.*mapping")
    fail("duplicate_location",
         valid(location=base_parts()["location"] + [location(2, 1, 3, [line(1, 1)])]),
         r"multiple locations|duplicate")
    fail("duplicate_function",
         valid(function=base_parts()["function"] + [function(1, S["main.main"])]),
         r"multiple functions|duplicate")
    fail("duplicate_mapping", valid(mapping=[mapping(1), mapping(1, start=0x900000)]),
         r"multiple mappings|duplicate")
    fail("missing_location", valid(sample=[sample([1, 77], [1, 1])]),
         r"location id 77.*not defined")
    fail("missing_function",
         valid(location=[location(1, 1, 1, [line(1, 1)]), location(2, 1, 2, [line(55, 2)])]),
         r"function id 55.*not defined")
    fail("missing_mapping",
         valid(location=[location(1, 1, 1, [line(1, 1)]), location(2, 9, 2, [line(2, 2)])]),
         r"mapping id 9.*not defined")
    fail("huge_ids_missing", valid(sample=[sample([(1 << 64) - 1], [1, 1])]),
         r"location id 18446744073709551615.*not defined")

    # Samples.
    fail("too_few_values", valid(sample=[sample([1], [1])]), r"values")
    fail("too_many_values", valid(sample=[sample([1], [1, 2, 3])]),
         r"values")
    fail("values_differ_between_samples",
         valid(sample=[sample([1], [1, 1]), sample([2], [1, 2, 3])]), r"values")
    fail("samples_without_types", valid(sample_type=[], sample=[sample([1], [])]),
         r"sample type")

    # Wire format.
    fail("absurd_length_prefix", good + key(6, 2) + uv(1 << 62) + b"abc", r"length")
    fail("absurd_length_prefix_gzip", gz(good + key(6, 2) + uv(1 << 62) + b"abc"),
         r"length")
    fail("absurd_length_in_sample",
         good + key(2, 2) + uv(12) + key(1, 2) + uv(1 << 62) + b"\x01\x02\x03\x04\x05"
         + b"\x06", r"Sample")
    fail("length_past_end", good + key(6, 2) + uv(100) + b"abc", r"length|truncated")
    fail("varint_11_bytes", good + key(9, 0) + b"\xff" * 10 + b"\x01",
         r"varint|malformed")
    # Go's decoder drops the bits a 10th varint byte carries past 64: so does cmon.
    ok("varint_10th_byte_big", good + key(9, 0) + b"\xff" * 9 + b"\x7f", r"main\.leaf")
    fail("tag_varint_11_bytes", good + b"\x80" * 10 + b"\x01", r"tag|varint|malformed")
    fail("field_number_0", good + b"\x00\x01", r"tag|field")
    fail("truncated_varint", good + key(9, 0) + b"\xff\xff", r"varint|truncated")
    fail("truncated_fixed64", good + key(30, 1) + b"\x01\x02\x03", r"fixed|truncated")
    fail("group_wire_type", good + key(30, 3) + key(30, 4), r"wire type|group")
    fail("wire_type_7", good + key(30, 7), r"wire type")
    fail("wire_type_sample_as_varint", good + vf(2, 5), r"wire type")
    fail("wire_type_string_as_varint", good + vf(6, 5), r"wire type")
    fail("wire_type_period_as_bytes", good + bf(12, b"xx"), r"wire type")
    fail("wire_type_inside_sample",
         valid(sample=[sample([1], [1, 1]) + bf(3, bf(1, b"abc"))]), r"Sample")
    fail("wire_type_inside_location",
         valid(location=[location(1, 1, 1, [line(1, 1)]) + bf(1, b"zz"),
                         location(2, 1, 2, [line(2, 2)])]), r"Location")
    fail("packed_location_ids_bad",
         valid(sample=[bf(1, b"\x01\xff") + packed(2, [1, 1])]), r"Sample")
    fail("comment_packed_bad", valid(tail=bf(13, b"\x01\xff")), r"comment|malformed")

    # Nesting. Unknown fields are skipped without being parsed, so a deep
    # chain of them is valid protobuf and must be accepted, quickly; a deep
    # chain where a known scalar field should be is an error.
    ok("deep_unknown_chain_in_sample",
       valid(sample=[sample([1, 2], [3, 30000000]) + deep_chain(100000),
                     sample([2], [1, 10000000])]), r"main\.leaf")
    ok("deep_unknown_chain_in_line",
       valid(location=[location(1, 1, 1, [line(1, 1) + deep_chain(100000)]),
                       location(2, 1, 2, [line(2, 2)])]), r"main\.leaf")
    fail("deep_chain_as_label_key",
         valid(sample=[sample([1], [1, 1]) + bf(3, bf(1, deep_chain(100000)))]),
         r"Sample")
    fail("deep_chain_as_function_id",
         valid(location=[location(1, 1, 1, [bf(1, deep_chain(100000))])]
               + base_parts()["location"][1:]), r"Location")

    # Limits.
    tiny = gz(valid(string_table=STRINGS + ["y" * 4096 for _ in range(600)]))  # ~2.4 MB
    fail("max_inflated_1M", tiny, r"max_inflated", flags="-max_inflated=1M")
    fail("max_inflated_1M_raw",
         valid(string_table=STRINGS + ["y" * 4096 for _ in range(600)]),
         r"max_inflated", flags="-max_inflated=1M")
    ok("max_inflated_1M_small_ok", gz(good), r"main\.leaf", flags="-max_inflated=1M")

    # Valid but odd: must decode and report.
    p = base_parts()
    odd = bytearray()
    for s in p["string_table"]:  # string table first
        odd += bf(6, s)
    odd += bf(1000, b"unknown top-level bytes") + vf(999, 7) + key(998, 5) + b"\1\2\3\4"
    odd += key(997, 1) + b"\1\2\3\4\5\6\7\x08"
    odd += bf(5, function(2, S["main.main"]) + vf(77, 1))
    odd += bf(5, function(1, S["main.leaf"]) + bf(88, b"?"))
    odd += bf(5, vf(1, 3) + vf(4, S["main.go"]))  # a function with an empty name
    odd += bf(4, location(3, 1, 0x403000, [line(3, 5)]))
    # Locations before samples and mappings; unknown fields in Line.
    odd += bf(4, vf(1, 1) + vf(2, 1) + vf(3, 0x401000) +
              bf(4, line(1, 12) + vf(3, 7) + vf(50, 1) + bf(51, b"x")) + vf(60, 1))
    odd += bf(4, location(2, 1, 0x402000, [line(2, 20)]))
    odd += bf(4, vf(1, 4) + vf(2, 1) + vf(3, 0x404000))  # a location without lines
    odd += bf(3, mapping(1) + bf(40, b"unknown in mapping"))
    odd += bf(1, value_type(S["samples"], S["count"]) + vf(9, 9))
    # Unpacked repeated fields, unknown fields in Sample and Label.
    odd += bf(2, vf(1, 1) + vf(1, 2) + vf(2, 3) + vf(2, 30000000) +
              bf(3, label(S["thread"], s=S["worker"]) + vf(9, 1)) + bf(20, b"??"))
    odd += bf(2, vf(1, 4) + vf(1, 2) + vf(2, 2) + vf(2, 10000000))
    odd += bf(2, vf(1, 3) + vf(2, 1) + vf(2, 5000000))
    odd += bf(2, vf(2, 1) + vf(2, 1))  # a sample with no locations
    odd += bf(1, value_type(S["cpu"], S["nanoseconds"]))
    odd += vf(13, S["thread"]) + packed(13, [S["worker"], S["cpu"]])  # both comment forms
    odd += p["tail"]
    ok("valid_odd", bytes(odd), r"main\.leaf")
    ok("valid_odd_gzip", gz(bytes(odd)), r"main\.main")
    ok("valid_gzip_two_members", gz(good[:40]) + gz(good[40:]), r"main\.leaf")
    ok("valid_no_samples", build({**base_parts(), "sample": []}), r"Type: cpu|Showing")

    if small:
        return c

    # Big ones.
    def bomb_strings(path):
        # 2 GiB of empty string-table entries ("32 00"), a few MB of gzip.
        gzip_stream(path, b"\x32\x00" * (1 << 19), 2048)

    def bomb_comments(path):
        # 2 GiB of comment varints ("68 00"), each a string index 0.
        gzip_stream(path, b"\x68\x00" * (1 << 19), 2048)

    def bomb_unknown(path):
        # 2 GiB of 1000-byte unknown fields.
        gzip_stream(path, (bf(100, b"\0" * 997)) * 1048, 2048)

    def bomb_sample_types(path):
        # 2 GiB of empty sample types ("0a 00").
        gzip_stream(path, b"\x0a\x00" * (1 << 19), 2048)

    def bomb_scalars(path):
        # 2 GiB of time_nanos fields ("48 00"): no memory, only time.
        gzip_stream(path, b"\x48\x00" * (1 << 19), 2048)

    def bomb_unknown_tiny(path):
        # 2 GiB of 3-byte unknown varint fields (field 100).
        gzip_stream(path, vf(100, 0) * (1 << 18), 2730)

    # Bombs are stopped by what they cost, never by how well they compress:
    # the model's memory per input byte (strings), plausible counts
    # (comments, sample types), the inflated size (-max_inflated, 1G).
    fail("gzip_bomb_strings", bomb_strings, r"max_inflated|limit|plausible", rss=512)
    fail("gzip_bomb_comments", bomb_comments, r"max_inflated|limit|plausible", rss=512)
    fail("gzip_bomb_sample_types", bomb_sample_types, r"max_inflated|limit|plausible",
         rss=512)
    # Tiny fields that build nothing cost only time, about 4 s a GiB: at the
    # default 1G cap that is slow under a loaded suite: 64M shows the cap works.
    fail("gzip_bomb_scalars", bomb_scalars, r"max_inflated|limit", rss=512,
         flags="-max_inflated=64M")
    fail("gzip_bomb_unknown_tiny", bomb_unknown_tiny, r"max_inflated|limit", rss=512,
         flags="-max_inflated=64M")
    fail("gzip_bomb_unknown", bomb_unknown, r"max_inflated|limit", rss=512)
    fail("gzip_bomb_single_field", _single_field_bomb, r"max_inflated|limit|length|token too long",
         rss=512)

    def raw_flood(path):
        # 48 MiB of raw (not gzip) empty samples: 2 bytes each, ~64 bytes of
        # model each (1.5 GB in all); must be refused before memory runs out.
        with open(path, "wb") as f:
            chunk = b"\x12\x00" * (1 << 20)
            for _ in range(24):
                f.write(chunk)

    fail("raw_empty_sample_flood", raw_flood, r"memory|plausible|limit", rss=1024)

    def many_samples(path):
        # 2M samples with no locations and varied values (so that they
        # compress like real data, not like a bomb): valid, and must decode
        # in bounded memory. Values cycle through 1..1000, sum known.
        n = 2 << 20
        vals = [1 + (i * 7919) % 1000 for i in range(n)]
        body = bytearray(bf(1, value_type(S["samples"], S["count"])))
        pieces = [bf(2, vf(2, v)) for v in range(1001)]
        body += b"".join(pieces[v] for v in vals)
        body += b"".join(bf(6, s) for s in STRINGS)
        with open(path, "wb") as f:
            f.write(gzip.compress(bytes(body), compresslevel=6, mtime=0))
        return sum(vals)

    # A valid profile that compresses over 300 times (gzip -9 of 500k equal
    # samples, 20 MB from 60 kB): read as go tool pprof reads it, whatever
    # the ratio; -max_inflated below its size refuses it, above it rules.
    def repetitive(path):
        with open(path, "wb") as f:
            f.write(gzip.compress(repetitive_profile(500000, 30), compresslevel=9, mtime=0))

    same("valid_compresses_340x", repetitive, r"of 1\.39hrs total", rss=512)
    fail("valid_compresses_340x_max_inflated", repetitive,
         r"exceeds the limit \(-max_inflated\)", flags="-max_inflated=16M")
    same("valid_compresses_340x_max_inflated_big", repetitive, r"of 1\.39hrs total",
         flags="-max_inflated=8G")

    total = sum(1 + (i * 7919) % 1000 for i in range(2 << 20))
    ok("many_empty_samples", many_samples,
       r"Showing nodes accounting for 0, 0%% of %d total" % total, rss=512)
    return c


def legacy_cases(fail, same, small):
    """Legacy text and binary CPU profiles (src/profile/profile_legacy.c):
    each refusal is pprof's own message; "same" ones are read as pprof
    reads them."""
    outer_fail, outer_same = fail, same

    def enc(data):
        return data.encode("latin-1") if isinstance(data, str) else data

    def fail(name, data, regex, flags="-", rss="-"):
        outer_fail(name, enc(data), regex, flags, rss)

    def same(name, data, regex, flags="-", rss="-"):
        outer_same(name, enc(data), regex, flags, rss)

    H = "heap profile: 1: 2 [3: 4] @ heap_v2/524288\n"

    def q(*v):
        return b"".join(struct.pack("<Q", x & (2**64 - 1)) for x in v)

    # Java heapz: garbage after the header is no sample (an empty profile).
    fail("legacy_java_heapz_no_resolution", "--- heapz 1 ---\nformat=java\n 1 2 @ 0x1\n",
         r"missing sample type information")
    fail("legacy_java_heapz_zero", "--- heapz 1 ---\nformat=java\nresolution=bytes\n 1 0 @ 0x1\n",
         r"second value must be non-zero")
    fail("legacy_java_bad_period", "--- contentionz 1 ---\nformat=java\nsampling period=0x\n",
         r'failed to parse attribute sampling period=0x: strconv.ParseInt: parsing "0x": invalid syntax')
    same("legacy_java_heapz_garbage_after",
         "--- heapz 1 ---\nformat=java\nresolution=bytes\n 1 2 @ 0x1\n\x01\x02\x03 zz\n", r"inuse_space")
    # The legacy binary CPU format: a header, then absurd counts.
    fail("legacy_cpu_absurd_counts", q(0, 3, 0, 1, 0, -1, 2**62, 1, 2, 3), r"unrecognized profile format")
    same("legacy_cpu_stack_past_end", q(0, 3, 0, 100, 0, 5, 4, 0x400010, 0x400020), r"Type: cpu")
    same("legacy_cpu_period_overflow", q(0, 3, 0, 2**63, 0, 3, 2, 0x400010, 0x400021, 0, 1, 0),
         r"Type: cpu")
    same("legacy_cpu_java", q(0, 3, 1, 10000, 0, 2, 2, 0x10, 0x20, 0, 1, 0) +
         b"0x10 com.Foo.bar (Foo.java:12)\n0x99 x\n", r"com\.Foo\.bar")
    fail("legacy_cpu_header_only", q(0, 3, 0, 1, 0)[:-3], r"unrecognized profile format")
    # heapz samples.
    fail("legacy_heap_count_overflow", H + "99999999999999999999: 1 [1: 1] @ 0x1\n",
         r'parsing "99999999999999999999": value out of range')
    fail("legacy_heap_count_zero", H + "0: 5 [0: 0] @ 0x1\n", r"inuse count was 0 but inuse bytes was 5")
    fail("legacy_heap_hex_overflow", H + "1: 1 [1: 1] @ 0x123456789abcdef01\n",
         r"failed to parse as hex 64-bit number: 0x123456789abcdef01")
    fail("legacy_heap_bad_sample", H + "garbage\n", r"unexpected number of sample values: got 0, want 6")
    fail("legacy_heap_long_line", H + "#" * 70000 + "\n", r"bufio.Scanner: token too long")
    fail("legacy_long_first_line", "x" * 70000 + "\n", r"bufio.Scanner: token too long")
    # Go's goroutine/threadcreate counts: base-0 numbers, as pprof parses them.
    fail("legacy_goroutine_bad_addr", "goroutine profile: total 1\n1 @ 0xzz\n", r"malformed profile format")
    fail("legacy_goroutine_09", "goroutine profile: total 1\n09 @ 0x5\n", r"malformed profile format")
    same("legacy_goroutine_octal_count", "goroutine profile: total 1\n010 @ 0x5 0x6\n", r"Type: goroutine")
    # Contention.
    fail("legacy_contention_hex_overflow",
         "--- mutex:\ncycles/second=1000\nsampling period=2\n5 6 @ 0x1ffffffffffffffffff\n",
         r"failed to parse as hex")
    same("legacy_contention_split_digits", "--- mutex:\nsampling period=3\n56 @ 0x10 0x20\n", r"Type: delay")
    fail("legacy_contention_unknown_attr", "--- contention:\nfoo=1\n5 6 @ 0x1\n", r"unrecognized profile format")
    # threadz.
    fail("legacy_thread_no_map", "--- threadz 1 ---\n--- Thread 1 (name: a/1) stack: ---\n 0x1 0x2\n",
         r"unrecognized profile format")
    same("legacy_thread_same", "--- Thread 1 (name: a/1) stack: ---\n 0x1 0x2\n"
         "--- Thread 2 (name: b/2) stack: ---\nsame as previous thread\n--- Memory map: ---\n"
         "00400000-00500000 r-xp 00000000 00:00 0 /nonexistent/bin\n", r"Type: thread")
    # Memory maps: odd lines, $attributes, glog prefixes.
    same("legacy_maps_odd", H + "1: 1 [1: 1] @ 0x401000 0x7f0000001000\nMAPPED_LIBRARIES:\nabcdef\n"
         "0x400000-0x500000 r-xp 0 00:00 0 [vdso]\nfoo=bar\n"
         "7f0000000000 7f0000100000 /lib/$foo.so (@1000) deadbeef\n"
         " I1234 12:00:00.000 file.cc:12] 00400000-00500000: /bin/app\n", r"Type: inuse_space")
    # Where pprof would take minutes (or never end), cmon refuses.
    fail("legacy_map_attr_bomb", H + "1: 1 [1: 1] @ 0x1\nMAPPED_LIBRARIES:\na=" + "x" * 60000 + "\n" +
         "$a" * 30000 + "\n", r"too much \$attribute substitution")
    if not small:
        fail("legacy_maps_many", "goroutine profile: total 1\n" +
             "".join("1 @ 0x%x\n" % (0x1000 + i * 16) for i in range(40000)) + "--- Memory map: ---\n" +
             "".join("%x-%x r-xp 00000000 00:00 0 /x%d\n" % (2**32 + i * 4096, 2**32 + i * 4096 + 4096, i)
                     for i in range(30000)), r"too many to match")
        # Many samples: bounded time and memory.
        same("legacy_goroutine_many", "goroutine profile: total 1\n" +
             "".join("%d @ 0x%x 0x%x 0x%x\n" % (i % 7 + 1, 0x401000 + i % 5000, 0x402000 + i % 300, 0x403000)
                     for i in range(300000)), r"Type: goroutine", rss="300")


def repetitive_profile(n, depth):
    """n identical samples, each a stack of depth locations."""
    p = base_parts()
    locs = [location(i, 1, 0x401000 + i, [line(1 + i % 2, i)]) for i in range(1, depth + 1)]
    body = bytearray()
    for st in p["sample_type"]:
        body += bf(1, st)
    body += bf(2, sample(list(range(1, depth + 1)), [1, 10000000])) * n
    for m in p["mapping"]:
        body += bf(3, m)
    for loc in locs:
        body += bf(4, loc)
    for f in p["function"]:
        body += bf(5, f)
    for st in p["string_table"]:
        body += bf(6, st)
    return bytes(body + p["tail"])


def _single_field_bomb(path):
    # One string-table entry claiming 2 GiB (length prefix), followed by 2 GiB
    # of zeros: refused from the length alone.
    n = 2 << 30
    hdr = key(6, 2) + uv(n)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    chunk = b"\0" * (1 << 20)
    out = [c.compress(hdr + chunk[: (1 << 20) - len(hdr)]) + c.flush(zlib.Z_FULL_FLUSH)]
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(hdr + chunk[: (1 << 20) - len(hdr)])
    with open(path, "wb") as f:
        f.write(header)
        f.write(out[0])
        for _ in range(2047):
            f.write(block)
            crc = zlib.crc32(chunk, crc)
        f.write(c.flush(zlib.Z_FINISH))
        f.write(crc.to_bytes(4, "little"))
        f.write(((2048 << 20) & 0xFFFFFFFF).to_bytes(4, "little"))


def main():
    args = sys.argv[1:]
    small = "--small" in args
    args = [a for a in args if a != "--small"]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        sys.exit(2)
    out = args[0]
    os.makedirs(out, exist_ok=True)
    lines = []
    for name, data, expect, regex, flags, rss in cases(small):
        path = os.path.join(out, name + ".pb")
        if callable(data):
            data(path)
        else:
            with open(path, "wb") as f:
                f.write(data)
        lines.append("\t".join([name, path, expect, regex, flags, str(rss)]))
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(len(lines), "cases in", out)


if __name__ == "__main__":
    main()
