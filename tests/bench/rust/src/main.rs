//! kio's cross-language benchmark, Rust side: the crates `kafka-protocol` and
//! `crabka-protocol` over the fixture files of tests/bench (written by
//! `go test ./tests/bench -run TestExportFixtures -xlang.fixtures DIR`, which
//! `go run ./tests/bench/report -xlang` does).
//!
//!     kio-xbench DIR                 check, then one round of every benchmark
//!     kio-xbench DIR --check         only check that every implementation reproduces the bytes
//!     kio-xbench DIR --benchtime-ms 200 --filter Metadata
//!
//! Before timing anything it checks that each implementation's values encode to the
//! fixture bytes exactly, and exits with status 1 if one does not. Results are printed
//! in `go test -bench -benchmem` format, one line per benchmark,
//! `Benchmark<Message>/<op>/<implementation>`, so the Go report parses them as it does
//! Go's. Allocations are counted by a global allocator wrapping the system one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::process::exit;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

/// CountingAlloc counts allocations and allocated bytes (reallocations count as one
/// allocation of the new size, as Go's runtime does for a grown slice).
struct CountingAlloc;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(new_size as u64, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// One fixture file: a message body at one version.
struct Fixture {
    name: String,
    api_key: i16,
    version: i16,
    wire: Bytes,
}

/// Reads `<Message>.key<N>.v<N>.bin` files from dir, sorted by name.
fn read_fixtures(dir: &Path) -> Vec<Fixture> {
    let mut out = Vec::new();
    let entries = fs::read_dir(dir).unwrap_or_else(|e| die(&format!("reading {}: {e}", dir.display())));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let parts: Vec<&str> = file.split('.').collect();
        if parts.len() != 4 || parts[3] != "bin" {
            continue;
        }
        let api_key = parts[1].strip_prefix("key").and_then(|k| k.parse().ok());
        let version = parts[2].strip_prefix('v').and_then(|v| v.parse().ok());
        let (Some(api_key), Some(version)) = (api_key, version) else {
            die(&format!("fixture file {file}: want <Message>.key<N>.v<N>.bin"));
        };
        let wire = Bytes::from(fs::read(&path).unwrap_or_else(|e| die(&format!("{file}: {e}"))));
        out.push(Fixture { name: parts[0].to_string(), api_key, version, wire });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    if out.is_empty() {
        die(&format!("no fixture files in {}", dir.display()));
    }
    out
}

fn die(msg: &str) -> ! {
    eprintln!("kio-xbench: {msg}");
    exit(1)
}

/// Checks that got is the fixture's bytes, or ends the program saying where they differ.
fn check_same(what: &str, got: &[u8], want: &[u8]) {
    if got == want {
        return;
    }
    let at = got.iter().zip(want).position(|(a, b)| a != b).unwrap_or(got.len().min(want.len()));
    die(&format!(
        "{what}: the encoding differs from the fixture ({} bytes, want {}; first difference at byte {at})",
        got.len(),
        want.len()
    ));
}

/// Timing parameters of one round.
struct Timing {
    target: Duration,
    filter: String,
}

/// Runs f for about the target time after a warm-up and prints one result line.
fn bench(t: &Timing, name: &str, bytes_per_op: usize, mut f: impl FnMut()) {
    if !name.contains(&t.filter) {
        return;
    }
    // Warm up for a fifth of the target time, which also estimates the time per op.
    let warm = t.target / 5;
    let start = Instant::now();
    let mut n: u64 = 0;
    while n == 0 || start.elapsed() < warm {
        f();
        n += 1;
    }
    let per_op = start.elapsed().as_nanos().max(1) as f64 / n as f64;
    let mut iters = ((t.target.as_nanos() as f64 / per_op) as u64).max(1);

    // Timed runs, grown until one takes at least half the target time: on a loaded
    // machine the warm-up's estimate can be far off (a preempted warm-up looks slow).
    loop {
        let (a0, b0) = (ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed));
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        let elapsed = start.elapsed();
        let (a1, b1) = (ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed));
        if elapsed < t.target / 2 && iters < 1 << 40 {
            let scale = t.target.as_nanos() as f64 * 1.2 / elapsed.as_nanos().max(1) as f64;
            iters = ((iters as f64 * scale) as u64).clamp(iters + 1, iters * 100);
            continue;
        }
        report(name, iters, elapsed, bytes_per_op, a1 - a0, b1 - b0);
        return;
    }
}

/// Prints one result line in `go test -bench -benchmem` format.
fn report(name: &str, iters: u64, elapsed: Duration, bytes_per_op: usize, allocs: u64, alloc_bytes: u64) {
    let ns = elapsed.as_nanos() as f64 / iters as f64;
    let mb_s = bytes_per_op as f64 / ns * 1e3;
    println!(
        "Benchmark{name}\t{iters}\t{ns:.2} ns/op\t{mb_s:.2} MB/s\t{} B/op\t{} allocs/op",
        alloc_bytes / iters,
        allocs / iters
    );
}

/// Decodes the fixture as $t and encodes the value again, ending the run on an error;
/// gives the value, the bytes it wrote and what to call it in messages ($crate_name,
/// the fixture's name and version). The crate's traits are in scope where it is
/// expanded.
macro_rules! round_trip {
    ($crate_name:expr, $t:ty, $fx:expr) => {{
        let fx: &Fixture = $fx;
        let v = fx.version;
        let what = format!("{} {} v{}", $crate_name, fx.name, v);
        // Decoding from Bytes lets the records alias the input, as kio's do.
        let value = <$t>::decode(&mut fx.wire.clone(), v).unwrap_or_else(|e| die(&format!("{what}: decode: {e}")));
        let mut buf = BytesMut::new();
        value.encode(&mut buf, v).unwrap_or_else(|e| die(&format!("{what}: encode: {e}")));
        (value, buf, what)
    }};
}

/// The rows of one crate's codec over a fixture: decode ($t from the wire), encode
/// $value into the reused $buf, and encode it into a fresh buffer of $size bytes (the
/// crate's size function of $x, the value). The crate's traits are in scope where it is
/// expanded.
macro_rules! codec_rows {
    ($timing:expr, $fx:expr, $impl_:expr, $t:ty, $value:ident, $buf:ident, |$x:ident| $size:expr) => {{
        let fx: &Fixture = $fx;
        let (n, v) = (fx.wire.len(), fx.version);
        bench($timing, &format!("{}/decode/{}", fx.name, $impl_), n, || {
            black_box(<$t>::decode(&mut black_box(&fx.wire).clone(), v).unwrap());
        });
        bench($timing, &format!("{}/encode-reuse/{}", fx.name, $impl_), n, || {
            $buf.clear();
            black_box(&$value).encode(&mut $buf, v).unwrap();
            black_box(&$buf);
        });
        bench($timing, &format!("{}/encode-fresh/{}", fx.name, $impl_), n, || {
            let $x = black_box(&$value);
            let mut b = BytesMut::with_capacity($size);
            $x.encode(&mut b, v).unwrap();
            black_box(b);
        });
    }};
}

/// Benchmarks of one message type for one crate: checks that it reads and writes the
/// fixture's bytes, then its codec_rows.
macro_rules! kafka_protocol_benches {
    ($t:ty, $fx:expr, $timing:expr, $check_only:expr) => {{
        use kafka_protocol::protocol::{Decodable, Encodable};
        let fx: &Fixture = $fx;
        let v = fx.version;
        let (value, mut buf, what) = round_trip!("kafka-protocol", $t, fx);
        check_same(&what, &buf, &fx.wire);
        let size = value.compute_size(v).unwrap_or_else(|e| die(&format!("{what}: size: {e}")));
        check_same(&format!("{what} (sized fresh buffer)"), &{
            let mut b = BytesMut::with_capacity(size);
            value.encode(&mut b, v).unwrap();
            b
        }, &fx.wire);
        if !$check_only {
            codec_rows!($timing, fx, "kafka-protocol", $t, value, buf, |x| x.compute_size(v).unwrap());
        }
    }};
}

/// The same for crabka-protocol: the owned types (decode, both encodes) and the
/// borrowed ones (decode). $raw replaces the parsed records of a decoded owned value
/// with their bytes, so that its encodes copy them as the other implementations do.
macro_rules! crabka_benches {
    ($owned:ty, $borrowed:ty, $raw:expr, $fx:expr, $timing:expr, $check_only:expr) => {{
        use crabka_protocol::{Decode, DecodeBorrow, Encode};
        let fx: &Fixture = $fx;
        let v = fx.version;
        let (decoded, mut buf, what) = round_trip!("crabka-protocol", $owned, fx);
        check_same(&format!("{what} (decoded value)"), &buf, &fx.wire);
        let mut value = decoded;
        let raw: fn(&mut $owned) = $raw;
        raw(&mut value);
        buf.clear();
        value.encode(&mut buf, v).unwrap_or_else(|e| die(&format!("{what}: encode: {e}")));
        check_same(&what, &buf, &fx.wire);
        check_same(&format!("{what}: encoded_len"), &fx.wire[..value.encoded_len(v).min(fx.wire.len())], &buf[..value.encoded_len(v).min(buf.len())]);
        if value.encoded_len(v) != fx.wire.len() {
            die(&format!("{what}: encoded_len {} for {} bytes", value.encoded_len(v), fx.wire.len()));
        }
        let wire: &[u8] = &fx.wire;
        {
            let mut cur = wire;
            let borrowed = <$borrowed>::decode_borrow(&mut cur, v).unwrap_or_else(|e| die(&format!("{what}: borrowed decode: {e}")));
            let mut b = BytesMut::new();
            borrowed.encode(&mut b, v).unwrap_or_else(|e| die(&format!("{what}: borrowed encode: {e}")));
            check_same(&format!("{what} (borrowed)"), &b, &fx.wire);
        }
        if !$check_only {
            codec_rows!($timing, fx, "crabka", $owned, value, buf, |x| x.encoded_len(v));
            bench($timing, &format!("{}/decode/crabka-borrowed", fx.name), fx.wire.len(), || {
                let mut cur: &[u8] = black_box(wire);
                black_box(<$borrowed>::decode_borrow(&mut cur, v).unwrap());
            });
        }
    }};
}

/// Replaces parsed records with their wire bytes (crabka's pass-through form).
fn raw_records(r: &mut Option<crabka_protocol::records::RecordsPayload>) {
    if let Some(p) = r {
        let mut b = BytesMut::new();
        p.encode_to(&mut b).unwrap_or_else(|e| die(&format!("crabka records: {e}")));
        *p = crabka_protocol::records::RecordsPayload::Raw(b.freeze());
    }
}

fn run(fx: &Fixture, t: &Timing, check_only: bool) {
    use crabka_protocol::{borrowed as cb, owned as co};
    use kafka_protocol::messages as kp;
    match (fx.name.as_str(), fx.api_key) {
        ("MetadataResponse", 3) => {
            kafka_protocol_benches!(kp::MetadataResponse, fx, t, check_only);
            crabka_benches!(co::metadata_response::MetadataResponse, cb::metadata_response::MetadataResponse, |_| {}, fx, t, check_only);
        }
        ("MetadataRequest", 3) => {
            kafka_protocol_benches!(kp::MetadataRequest, fx, t, check_only);
            crabka_benches!(co::metadata_request::MetadataRequest, cb::metadata_request::MetadataRequest, |_| {}, fx, t, check_only);
        }
        ("HeartbeatRequest", 12) => {
            kafka_protocol_benches!(kp::HeartbeatRequest, fx, t, check_only);
            crabka_benches!(co::heartbeat_request::HeartbeatRequest, cb::heartbeat_request::HeartbeatRequest, |_| {}, fx, t, check_only);
        }
        ("FetchResponse", 1) => {
            kafka_protocol_benches!(kp::FetchResponse, fx, t, check_only);
            crabka_benches!(
                co::fetch_response::FetchResponse,
                cb::fetch_response::FetchResponse,
                |m| m.responses.iter_mut().flat_map(|t| t.partitions.iter_mut()).for_each(|p| raw_records(&mut p.records)),
                fx, t, check_only
            );
        }
        ("ProduceRequest", 0) => {
            kafka_protocol_benches!(kp::ProduceRequest, fx, t, check_only);
            crabka_benches!(
                co::produce_request::ProduceRequest,
                cb::produce_request::ProduceRequest,
                |m| m.topic_data.iter_mut().flat_map(|t| t.partition_data.iter_mut()).for_each(|p| raw_records(&mut p.records)),
                fx, t, check_only
            );
        }
        (name, key) => die(&format!("fixture {name} (API key {key}) has no Rust benchmarks")),
    }
    if !check_only && fx.wire.len() >= 1 << 20 {
        // The physical limit of a fresh encode: one allocation and one copy.
        bench(t, &format!("Copy/{}/rust", fx.name), fx.wire.len(), || {
            black_box(black_box(&fx.wire[..]).to_vec());
        });
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut check_only = false;
    let mut timing = Timing { target: Duration::from_millis(200), filter: String::new() };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--check" => check_only = true,
            "--benchtime-ms" => {
                let ms: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| die("--benchtime-ms wants a number"));
                timing.target = Duration::from_millis(ms);
            }
            "--filter" => timing.filter = args.next().unwrap_or_else(|| die("--filter wants a substring")),
            _ if dir.is_none() && !a.starts_with('-') => dir = Some(a),
            _ => die(&format!("usage: kio-xbench DIR [--check] [--benchtime-ms N] [--filter SUBSTRING] (got {a})")),
        }
    }
    let dir = dir.unwrap_or_else(|| die("usage: kio-xbench DIR [--check] [--benchtime-ms N] [--filter SUBSTRING]"));
    let fixtures = read_fixtures(Path::new(&dir));
    // Check everything before timing anything.
    for fx in &fixtures {
        run(fx, &timing, true);
        if check_only {
            println!("ok {} key {} v{}: kafka-protocol, crabka-protocol (owned, borrowed) reproduce {} bytes", fx.name, fx.api_key, fx.version, fx.wire.len());
        }
    }
    if check_only {
        return;
    }
    for fx in &fixtures {
        run(fx, &timing, false);
    }
}
