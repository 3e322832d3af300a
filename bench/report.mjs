// Renders bench/run.mjs results as bench/RESULTS.md and as the short summary table printed at the end.
import { fmt, table } from "./lib.mjs";

const kb = (n) => `${fmt(n / 1000, 1)} KB`;
const ratio = (a, b) => `${fmt(a / b, 2)}x`;

function sizeSection(size) {
  const rows = [];
  for (const platform of ["worker", "browser"]) {
    const o = size.ours[platform];
    const off = size.official[platform].total;
    rows.push([`${platform}: ours, .wasm`, fmt(o.wasm.raw), fmt(o.wasm.gzip), fmt(o.wasm.brotli)]);
    rows.push([`${platform}: ours, JS (esbuild, minified)`, fmt(o.js.raw), fmt(o.js.gzip), fmt(o.js.brotli)]);
    rows.push([`**${platform}: ours, total**`, fmt(o.total.raw), `**${fmt(o.total.gzip)}**`, fmt(o.total.brotli)]);
    rows.push([`${platform}: official SDK (esbuild, minified)`, fmt(off.raw), fmt(off.gzip), fmt(off.brotli)]);
  }
  const w = size.ours.worker.total.gzip;
  return `## 1. Size

What a Worker (conditions \`workerd\`/\`worker\`) or a browser loads: the \`.wasm\` and the package's JS bundled
and minified by esbuild, next to \`@azure/communication-identity\`'s \`CommunicationIdentityClient\` bundled the
same way. Bytes; gzip at level 9, brotli at quality 11.

${table(["what", "raw", "gzip", "brotli"], rows)}

Target (issue 15): a gzip total of at most ${fmt(size.budgetGzip)} bytes, ${fmt(size.targetGzip)} the stretch; the build fails past its
ceiling, which only moves down. Worker total now ${fmt(w)} bytes gzip: ${w <= size.budgetGzip ? "**the target is met**" : `**${fmt(w - size.budgetGzip)} bytes over the target**`}
(${ratio(w, size.official.worker.total.gzip)} the official SDK's gzip size).
`;
}

function signingSection(s) {
  const names = Object.keys(s.typical);
  const node = s.typical["node:crypto"];
  const web = s.typical["WebCrypto (crypto.subtle)"];
  const rows = names.map((n) => [n, fmt(s.typical[n]), ratio(s.typical[n], web), fmt(s.large[n]), ratio(s.large[n], s.large["WebCrypto (crypto.subtle)"])]);
  const scale = s.scaling.map((r) => [fmt(r.bytes), fmt(r.oursMicros, 1), fmt(r.nodeMicros, 1), ratio(r.oursMicros, r.nodeMicros)]);
  const ours = s.typical[names[0]];
  return `## 2. Signing

Requests signed per second over the same inputs (a ${s.inputs.stringToSignBytes}-byte string to sign with a
${s.inputs.bodyBytes}-byte JSON body, then a ${fmt(s.inputs.largeBodyBytes)}-byte body); every signer's output is
checked equal before timing. ${s.note}.

${table(["signer", "typical: signs/s", "vs WebCrypto", "64 KB body: signs/s", "vs WebCrypto"], rows)}

Targets: at least WebCrypto's rate (typical: ${ratio(ours, web)}; 64 KB: ${ratio(s.large[names[0]], s.large["WebCrypto (crypto.subtle)"])}),
within 2x of node:crypto (typical: node:crypto is ${ratio(node, ours)} faster; 64 KB: ${ratio(s.large["node:crypto"], s.large[names[0]])}).

Signing time by body size (microseconds per request):

${table(["body bytes", "ours", "node:crypto", "ours / node:crypto"], scale)}
${s.asyncScaling ? asyncSigning(s.asyncScaling) : ""}`;
}

function asyncSigning(rows) {
  const perMb = rows.at(-1).signRequest / (rows.at(-1).bytes / 2 ** 20);
  return `
On the asynchronous path: \`createSignedFetch\` (its \`fetch\` answers at once) hashes a body of 16 KiB or more with
\`crypto.subtle.digest\` and signs that hash in wasm, the body handed to \`fetch\` uncopied; next to the hash
alone (WebCrypto, node:crypto) and the synchronous \`signRequest\`, which hashes in wasm (about
${fmt(perMb, 1)} ms per MiB here). Milliseconds per call, median of interleaved rounds.

${table(["body bytes", "createSignedFetch", "crypto.subtle.digest", "node:crypto", "signRequest (sync)", "createSignedFetch / digest"],
    rows.map((r) => [fmt(r.bytes), fmt(r.createSignedFetch, 3), fmt(r["crypto.subtle.digest"], 3), fmt(r["node:crypto"], 3), fmt(r.signRequest, 3), ratio(r.createSignedFetch, r["crypto.subtle.digest"])]))}
`;
}

function clientSection(c) {
  const rows = [];
  for (const [what, byName] of Object.entries(c.results)) {
    for (const [name, v] of Object.entries(byName)) rows.push([what, name, fmt(v.callsPerSecond), `${fmt(v.ratioToPlainFetch, 2)}x`, v.ratioToPlainHttp === undefined ? "-" : `${fmt(v.ratioToPlainHttp, 2)}x`]);
  }
  return `## 3. Client overhead in Node

Calls per second against one local server (its own process) that answers canned ACS responses at once.
The ratios are a floor's rate over the contender's: 1.00x means no overhead. The Node entry sends with
\`node:http\` (keep-alive), as the official SDK does; the global \`fetch\` (undici) is the slower floor. A
signed call also sends 7 headers where the floors send 1 or 2.

${table(["operation", "client", "calls/s", "time vs plain fetch", "time vs plain node:http"], rows)}
`;
}

function workerdSection(w) {
  const rows = [];
  for (const [what, byName] of Object.entries(w.warm)) {
    for (const [name, v] of Object.entries(byName)) rows.push([what, name, fmt(v.callsPerSecond), `${fmt(v.ratioToPlainFetch, 2)}x`]);
  }
  const c = w.coldStart.medianMs;
  const warmUpRows = [];
  for (const [op, byName] of Object.entries(w.warmUp?.byOperation || {})) {
    const floor = byName["plain fetch (no signing)"].callsPerSecond;
    for (const [name, v] of Object.entries(byName)) warmUpRows.push([op, name, fmt(v.callsPerSecond), `${fmt(floor / v.callsPerSecond, 2)}x`]);
  }
  const warmUp = w.warmUp
    ? `
Before those rounds each contender makes ${fmt(w.warmUp.calls)} calls of each operation (${w.warmUp.concurrency} at a time,
interleaved): V8 compiles a wasm function with its optimising tier, and JS likewise, only once it has run for a
while. Over calls ${fmt(w.warmUp.timedFrom ?? 1)} to ${fmt(w.warmUp.calls)} (what a Worker's early requests see; the first request, which opens
the connections, left out):

${table(["operation", "client", "calls/s", "time vs plain fetch"], warmUpRows)}

With the earlier warm-up of 200 calls the same rounds gave, at their worst, 1.95x and 2.02x plain fetch's time
(two runs) and at least 1.39x and 1.72x the official SDK's calls/s. A scratch run of 32,000 sequential getToken
calls, alternating with plain fetch 200 at a time, settled at about 1.5x plain fetch's time after the first
4,000 (2.03x over the first 2,000).
`
    : "";
  return `## 3b. workerd (Miniflare)

This package's Worker and one with \`@azure/communication-identity\`, both bundled as Wrangler bundles them,
against the same canned server; ${w.calls} calls per request sequentially (${w.calls * 4} at 32 at a time),
timed from outside, median of ${w.rounds} interleaved rounds. Plain fetch runs in this package's Worker.

${table(["operation", "client", "calls/s", "time vs plain fetch"], rows)}
${warmUp}
Cold start, from \`new Miniflare()\` to the first token (median of ${w.coldStart.runs}, interleaved): a Worker
that only fetches ${fmt(c.plain, 1)} ms, ours ${fmt(c.ours, 1)} ms, the official SDK's ${fmt(c.official, 1)} ms.

Where the time goes (a CPU profile of this Worker through the inspector, 32 concurrent getToken calls): the
runtime's \`fetch\` and \`Request\`, the body's \`text()\` and its decoding, the strings passed between wasm and
JS, and the futures' wake-ups (two closures and a \`then\` per awaited promise); the signing and parsing in wasm
are a few percent. Plain fetch awaits twice, all in the runtime. Changed after an earlier profile: the futures
queue used the global \`queueMicrotask\` (5.7 µs a call in workerd, a promise reaction 1.0 µs) and now schedules
with a promise reaction; a success's headers are read with two \`headers.get\` (content-length and
content-encoding) instead of \`Array.from\` of all of them (17 µs for 6); the response \`type\` is read only for a
status of 0. A chunked body (no Content-Length) is still read chunk by chunk from wasm, to refuse one past
1 MiB without holding it: two awaited reads, about 15% of a call in the same Worker.

What is the runtime's and what is the client's (one run of a scratch Worker, getToken, sequential, against the
same server): plain \`fetch\` with the client's 8 headers instead of 2 ran at 0.98x plain fetch's time, and with a
\`Request\` built first, a \`Uint8Array\` body and \`text()\` then \`JSON.parse\` (what the client asks of the
runtime) at 1.05x-1.07x; the client at 1.69x-2.08x. The client with a \`fetch\` that answers at once ran about
20,000 calls/s, 49 µs a call, about as much CPU as plain fetch's whole call to the server at 32 concurrent
(38 µs): that is the gap. In that profile a tenth is strings made from wasm (30 a call through \`TextDecoder\`,
23 of them the same names and values every call), a tenth the stub's own \`Response\`, and the rest spread over the
bindings' calls and the module's own code.

A later profile of the same kind (5,000 getToken calls, 32 at a time, with a global \`fetch\` that answers at
once, and the module's function names): the module's own code is a quarter of the time, spread thin (SHA-256's
rounds the most, 3%; nothing else over 1.5%); the bindings' JS another quarter (the \`Reflect.set\`s of
\`fetch\`'s options and headers 4%, closures for the awaited promises 3%, strings both ways 4%); the \`Request\`
that \`gloo-net\` sends 14% (the runtime's \`fetch\` then builds its own from it: two where plain
\`fetch(url, init)\` builds one); the runtime's own code 14%; \`text()\` and its decoding 8%; the stub's \`Response\` 5%; GC 3%. A
getToken call crosses between JS and wasm 87 times (counted by wrapping every import), 103 before its
arguments went to the module as one array instead of objects read member by member: no change in time
measurable against this machine's run-to-run noise (10-20%). Not applied: a cache of the 20 names and values
every call passes to JS (23 of its 30 strings), +401 bytes gzip for no measurable change.

Why the client costs more against a server than against a stub (a scratch Worker, getToken, sequential): with a
\`fetch\` that answers at once the client takes 38 µs a call and plain fetch 12 µs, 26 µs apart, yet against the
canned server it is 100-200 µs a call slower. \`perf record -e cpu-clock\` of the workerd process over 4,000
calls of each puts it in that process's CPU, not in waiting: about 180 µs a call more for the client (perf's own
sampling included), spread over the JIT's code (JS and wasm, +61 µs), V8's API and runtime (+39), workerd and
its KJ library (+47: the 9 request headers instead of 2, the \`Request\` copied by \`fetch\`, the body's
buffer), V8's builtins (+16, typed arrays over the module's memory among them), the allocator (+8), the kernel
(+8) and GC (+4), with no symbol over 4 µs. The same work costs several times more per call when a round trip
through the kernel and the server separates the calls than when they run back to back, and the figure falls
only with less work per call.

Signing by body size on the asynchronous path in the Worker (ms per call):

${table(["body bytes", "createSignedFetch", "crypto.subtle.digest", "ratio"], w.signingByBodySize.map((r) => [fmt(r.bytes), fmt(r.signedFetchMs, 3), fmt(r.digestMs, 3), ratio(r.signedFetchMs, r.digestMs)]))}
`;
}

/** Every target of the speed issue with today's figure: [target, figure, met]. */
export function targetRows(r) {
  const rows = [];
  const yes = (ok) => (ok ? "yes" : "**no**");
  const keys = ["createUser, sequential", "createUser, 32 concurrent", "getToken, sequential", "getToken, 32 concurrent"];
  if (r.client) {
    const worst = Math.max(...keys.map((k) => r.client.results[k].ours.ratioToPlainFetch));
    const worstHttp = Math.max(...keys.map((k) => r.client.results[k].ours.ratioToPlainHttp));
    rows.push(["Node: per-call time vs plain fetch <= 1.15x (createUser, getToken; sequential, 32 concurrent)", `worst ${fmt(worst, 2)}x (vs plain node:http: worst ${fmt(worstHttp, 2)}x)`, yes(worst <= 1.15)]);
    const least = Math.min(...keys.map((k) => r.client.results[k].ours.callsPerSecond / r.client.results[k]["official SDK"].callsPerSecond));
    rows.push(["Node: calls/s >= 1.0x the official SDK's", `least ${fmt(least, 2)}x`, yes(least >= 1)]);
  }
  if (r.workerd) {
    const w = r.workerd.warm;
    const worst = Math.max(...keys.map((k) => w[k].ours.ratioToPlainFetch));
    rows.push(["workerd: per-call time vs plain fetch <= 1.15x", `worst ${fmt(worst, 2)}x`, yes(worst <= 1.15)]);
    const least = Math.min(...keys.map((k) => w[k].ours.callsPerSecond / w[k]["official SDK"].callsPerSecond));
    rows.push(["workerd: calls/s >= 1.5x the official SDK's", `least ${fmt(least, 2)}x`, yes(least >= 1.5)]);
    const c = r.workerd.coldStart.medianMs;
    rows.push(["workerd: cold start to the first token no slower than the official SDK's", `${fmt(c.ours, 1)} ms vs ${fmt(c.official, 1)} ms`, yes(c.ours <= c.official)]);
    const big = r.workerd.signingByBodySize.at(-1);
    rows.push(["workerd: 10 MB body signed (async) within 1.5x of crypto.subtle.digest", `${fmt(big.signedFetchMs / big.digestMs, 2)}x`, yes(big.signedFetchMs <= 1.5 * big.digestMs)]);
  }
  if (r.signing && r.signing.asyncScaling) {
    const big = r.signing.asyncScaling.at(-1);
    rows.push(["Node: 10 MB body signed (async) within 1.5x of crypto.subtle.digest", `${fmt(big.createSignedFetch / big["crypto.subtle.digest"], 2)}x`, yes(big.createSignedFetch <= 1.5 * big["crypto.subtle.digest"])]);
    rows.push(["signRequest (synchronous, hashed in wasm): cost per MiB", `${fmt(big.signRequest / (big.bytes / 2 ** 20), 1)} ms`, "-"]);
  }
  if (r.native) {
    const worst = Math.max(...Object.values(r.native).map((v) => v["time per call ratio"]));
    rows.push(["native Rust client: time per call vs plain reqwest <= 1.1x (createUser, getToken)", `worst ${fmt(worst, 2)}x`, yes(worst <= 1.1)]);
  }
  if (r.size) {
    const g = r.size.ours.worker.total.gzip;
    rows.push([`Worker payload (wasm + JS, gzip -9) <= ${kb(r.size.budgetGzip)} (${kb(r.size.targetGzip)} stretch)`, kb(g), yes(g <= r.size.budgetGzip)]);
  }
  return rows;
}

function nativeSection(n) {
  const rows = Object.entries(n).map(([op, v]) => [op, fmt(v["native client"]), fmt(v["plain reqwest"]), `${fmt(v["time per call ratio"], 2)}x`,
    v["CPU per call ratio"] ? `${fmt(v["native client CPU us per call"], 1)} vs ${fmt(v["plain reqwest CPU us per call"], 1)} µs (${fmt(v["CPU per call ratio"], 2)}x)` : "-"]);
  return `## 3c. The native Rust client

\`native::IdentityClient\` (signing, request id, retry loop, typed results) against plain reqwest with the same
connection settings and no signing, sequentially on one tokio thread against the same canned server, rounds
interleaved (benches/native_client.rs, optimised). The client CPU is the client thread's own, which other load
on the machine disturbs less than the time per call.

${table(["operation", "native client calls/s", "plain reqwest calls/s", "time per call", "client CPU per call"], rows)}
`;
}

function coldSection(c) {
  const n = c.node;
  const w = c.workerd;
  return `## 4. Cold start

A fresh Node process that imports the package, constructs a client and signs one request; median of
${n.runs} runs, interleaved with the official SDK (the same, its HMAC policy run on a pipeline request) and
an empty script.

${table(["process", "median ms", "over an empty Node process"], [
    ["empty Node", fmt(n.medianMs.emptyNode, 1), "-"],
    ["ours", fmt(n.medianMs.ours, 1), fmt(n.overEmptyNodeMs.ours, 1)],
    ["official SDK", fmt(n.medianMs.official, 1), fmt(n.overEmptyNodeMs.official, 1)],
  ])}

In workerd (Miniflare): ${w.note}; median of ${w.runs}.

${table(["Worker", "median ms", "over an empty Worker"], [
    ["empty Worker", fmt(w.medianMs.emptyWorker, 1), "-"],
    ["ours (compile + instantiate the .wasm, construct, sign)", fmt(w.medianMs.ours, 1), fmt(w.oursOverEmptyWorkerMs, 1)],
  ])}
`;
}

function emulatorSection(e, m) {
  let out = "## 5. Emulator\n\n";
  if (e) {
    const rows = [];
    for (const [mode, list] of [["in memory", e.inMemory], ["--data (SQLite)", e.withData]]) {
      for (const r of list) rows.push([mode, r.connections, fmt(r.rps), fmt(r.p50Ms, 2), fmt(r.p99Ms, 2), fmt(r.requests), fmt(r.errors)]);
    }
    out += `Signed issueAccessToken requests (one request signed once and sent again within the clock-skew window)
for ${e.durationSeconds} s per row, from bench/load.mjs (raw keep-alive connections, one request in flight each) on
the same machine, so the load generator shares the cores with the emulator. Target: 20,000 req/s in memory.

${table(["storage", "connections", "req/s", "p50 ms", "p99 ms", "requests", "errors"], rows)}
`;
  }
  if (m) {
    out += `
## 6. Scaling: emulator memory

RSS of the emulator process (in memory) after creating identities through the API.

${table(["identities", "RSS MiB"], m.rows.map((r) => [fmt(r.identities), fmt(r.rssMiB, 1)]))}
`;
  }
  return out;
}

/** A function's name as inline code, shortened past 150 characters. */
const codeName = (name) => "`" + (name.length > 150 ? `${name.slice(0, 147)}...` : name).replaceAll("`", "'") + "`";

function sizeNotes(size) {
  const parts = size && size.byCrate && size.byCrate.parts;
  const largest = parts ? size.byCrate.largest : [];
  const total = parts ? parts.reduce((t, p) => t + p.bytes, 0) : 0;
  return `## The size, and why the target is not met

The package is the crate bound with \`wasm-bindgen\`, its client loop running in wasm over \`gloo-net\`
(\`fetch\`), with results through \`serde-wasm-bindgen\`: the stack the package is specified with.
${parts ? `The .wasm of this run (${fmt(total)} bytes raw) by the crate each function's name comes from: the build's module bound
again with its names kept, through the same wasm-opt passes, read with \`twiggy top\` (bench/size.mjs). A function
keeps its crate's name with everything inlined into it: the client loop and the \`fetch\` transport are mostly
inside \`send_raw\`'s and \`FetchTransport::send\`'s futures, each operation's request building and result
conversion inside \`Client::call\`'s \`future_to_promise\` task (counted under js-sys), and the plain exported
functions inside their shims.

${table(["part", "raw wasm bytes"], parts.map((p) => [p.part, fmt(p.bytes)]))}

The largest functions:

${table(["function", "raw wasm bytes"], largest.map((f) => [codeName(f.name), fmt(f.bytes)]))}
` : ""}
${size ? `The JS a Worker loads is ${kb(size.ours.worker.js.gzip)} gzip: the generated glue and js/, bundled and minified together.\n` : ""}`;
}

const SIZE_HISTORY = `
Earlier builds of the same features, measured the same way (gzip total of wasm + JS):

| design | gzip total |
| --- | --- |
| first build: wasm-bindgen, \`serde\` models through a \`JsValue\` deserializer, JS \`fetch\` loop | 43,126 |
| one import-free entry with JSON text both ways, JS \`fetch\` loop, bump allocator, boxed \`Error\`, byte loops | 30,302 |
| wasm-bindgen + gloo-net + serde-wasm-bindgen, the Rust client loop in wasm (first build) | 71,883 |
| the same, one \`await\` per call instead of one per operation, no \`f64\` parsing (whose power-of-five tables are 10 KB) | 55,450 |

Measured and not kept: response bodies through the host's \`JSON.parse\` and \`serde-wasm-bindgen\` into the
parsers' \`Value\` tree, instead of the crate's own strict JSON reader on the body text: +13,886 bytes gzip
(serde's error messages bring \`core::fmt\` into the module).

A probe of \`gloo-net\` alone (one POST, status, one header and the body text, talc, the same size build) is
18,690 bytes raw / 9,072 gzip of wasm plus 3,207 gzip of glue: 12.3 KB of the then 23 KB budget before any signing.
Neither design met that budget; the specified one is 1.8x the JSON-text one.

Cut for the speed work: \`gloo-net\`'s \`Headers\` iterator (the response headers come through one
\`Array.from\`) and the lossy UTF-8 decoder (a body that is not UTF-8 reads as one U+FFFD), wasm-opt
\`--converge --low-memory-unused\`; added: the Node transport's path (the Node entry's \`node:http\` send),
the request-id pool; then errors built as objects member by member rather than through serde's derive
(-254 bytes gzip) and the stream reads awaited without \`Promise.resolve\` (-57). Net 55,848 -> 55,483 bytes gzip. Measured, not applied:
\`-Zbuild-std-features=optimize_for_size\` (2 bytes), wasm-opt \`--gufa\` (4 bytes), one joined string instead of
arrays across the Node transport's boundary (+166 bytes).

Then: the module's import and export names minified by wasm-opt (\`--minify-imports-and-exports-and-modules\`,
a second run that prints the mapping, applied to the bindings by scripts/build.mjs): each of the 81 imports was
named \`./acs_identity_edge_bg.js\` / \`__wbg_<name>_<16 hex digits>\` in the .wasm and again in the bindings.
68,355 -> 64,624 bytes gzip (wasm -2,231, JS -1,500). Then wasm-opt's \`--flatten --rereloop\` before \`-Os\`
instead of \`-Oz\` alone: 64,297 (-327; \`-Os\` alone -49), no difference in time per call measurable in workerd. Then
binaryen's whole-module flow analysis (\`--gufa\`) and \`-Os\` again: 64,170 (-127); after it \`--monomorphize\`,
\`--cfp\` with the signature passes, \`--dae-optimizing\` and a second flatten and reloop save nothing more that
lasts (at most 2 bytes). Measured, not applied: \`-Zfmt-debug=none\` (0 bytes: no
\`Debug\` code is left), LLVM \`-inline-threshold=0\` (+431 bytes).

Kept from the earlier work: \`-Zbuild-std\` with \`panic=immediate-abort\` and \`-Zlocation-detail=none\` (no panic
formatting: about 25 KB raw), \`Error\` boxed to one pointer, byte loops instead of the char-pattern searchers,
wasm-opt \`--strip-target-features\`, \`opt-level = "z"\` (\`"s"\` was 2.3 KB gzip larger), sha2's
\`force-soft-compact\` (1.3 KB). Measured, not applied: a hand-written base64 codec would save 1.66 KB gzip.
`;

export function renderMarkdown(r) {
  const m = r.machine;
  return `# Benchmarks

Produced by \`npm run bench\` (bench/run.mjs) on ${m.date.slice(0, 10)}. Timings vary between machines and runs;
the ratios between contenders measured in the same run are the figures to compare. Nothing here is
asserted by tests except the size ceiling.

Machine: ${m.cpu}, ${m.logicalCores} logical cores, ${m.memoryGiB} GiB RAM, ${m.os}; Node ${m.node}; ${m.rustc}.

${r.size ? sizeSection(r.size) : ""}
${r.signing ? signingSection(r.signing) : ""}
## Targets

${table(["target", "this run", "met"], targetRows(r))}

${r.client ? clientSection(r.client) : ""}
${r.workerd ? workerdSection(r.workerd) : ""}
${r.native ? nativeSection(r.native) : ""}
${r.coldStart ? coldSection(r.coldStart) : ""}
${r.emulator || r.emulatorMemory ? emulatorSection(r.emulator, r.emulatorMemory) : ""}
${sizeNotes(r.size)}${SIZE_HISTORY}`;
}

/** The short table for the README. */
export function renderSummary(r) {
  const rows = [];
  if (r.size) {
    const o = r.size.ours.worker.total.gzip;
    const off = r.size.official.worker.total.gzip;
    rows.push(["size a Worker loads (gzip)", `${kb(o)}`, `${kb(off)}`, ratio(o, off)]);
  }
  if (r.signing) {
    const [ours] = Object.keys(r.signing.typical);
    rows.push(["signs/s, typical request", fmt(r.signing.typical[ours]), `node:crypto ${fmt(r.signing.typical["node:crypto"])}, WebCrypto ${fmt(r.signing.typical["WebCrypto (crypto.subtle)"])}`, ""]);
  }
  if (r.client) {
    for (const key of ["getToken, sequential", "getToken, 32 concurrent"]) {
      const v = r.client.results[key];
      if (v) rows.push([`${key}, calls/s`, `${fmt(v.ours.callsPerSecond)} (${fmt(v.ours.ratioToPlainFetch, 2)}x fetch)`, `${fmt(v["official SDK"].callsPerSecond)} (${fmt(v["official SDK"].ratioToPlainFetch, 2)}x fetch)`, ratio(v.ours.callsPerSecond, v["official SDK"].callsPerSecond)]);
    }
  }
  if (r.workerd) {
    for (const key of ["getToken, sequential", "getToken, 32 concurrent"]) {
      const v = r.workerd.warm[key];
      rows.push([`workerd: ${key}, calls/s`, `${fmt(v.ours.callsPerSecond)} (${fmt(v.ours.ratioToPlainFetch, 2)}x fetch)`, `${fmt(v["official SDK"].callsPerSecond)} (${fmt(v["official SDK"].ratioToPlainFetch, 2)}x fetch)`, ratio(v.ours.callsPerSecond, v["official SDK"].callsPerSecond)]);
    }
    const c = r.workerd.coldStart.medianMs;
    rows.push(["workerd: cold start to the first token (ms)", fmt(c.ours, 1), fmt(c.official, 1), ratio(c.ours, c.official)]);
  }
  if (r.coldStart) {
    const n = r.coldStart.node;
    rows.push(["cold start in Node over empty (ms)", fmt(n.overEmptyNodeMs.ours, 1), fmt(n.overEmptyNodeMs.official, 1), ""]);
  }
  if (r.emulator) {
    const best = r.emulator.inMemory.reduce((a, b) => (b.rps > a.rps ? b : a));
    rows.push([`emulator issueAccessToken req/s (${best.connections} conns, p99)`, `${fmt(best.rps)} (p99 ${fmt(best.p99Ms, 1)} ms)`, "", ""]);
  }
  return `${table(["", "acs-identity-edge", "official SDK", "ours / official"], rows)}\n\n${table(["target", "this run", "met"], targetRows(r))}`;
}
