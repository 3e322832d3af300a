// `npm run fuzz`: builds the libFuzzer targets of fuzz/ (cargo-fuzz on the stable toolchain, through
// RUSTC_BOOTSTRAP=1), seeds each corpus from tests/data (the signing and connection-string vectors and the
// 82 recorded exchanges), runs every target for a set time and prints runs, executions and crashes.
//
//   node scripts/fuzz.mjs [--seconds 60] [--only verify,json] [--jobs 1]
//
// Each run's figures are written to test-output/fuzz/summary.json; crashes are kept in fuzz/artifacts/.
// The exit code is 1 when any target crashed (or failed to run).
import { spawnSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fuzzDir = join(root, "fuzz");
const data = join(root, "tests", "data");
const TARGETS = ["connection_string", "identifier", "access_token", "responses", "verify", "json"];

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg("seconds", "60"));
const only = arg("only", null);
const targets = only ? only.split(",") : TARGETS;
for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t}; targets: ${TARGETS.join(", ")}`);
const env = { ...process.env, RUSTC_BOOTSTRAP: "1" };

// ---- seeds ---------------------------------------------------------------------------------------

const json = (p) => JSON.parse(readFileSync(p, "utf8"));
const seeds = Object.fromEntries(TARGETS.map((t) => [t, []]));
const add = (target, bytes) => seeds[target].push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));

const csVectors = json(join(data, "vectors", "connection-strings.json"));
for (const c of csVectors.cases) add("connection_string", c.input);

const signing = json(join(data, "vectors", "signing.json"));
for (const v of signing.requests) {
  const body = v.body ?? "";
  const head = [v.access_key, v.method, v.path_and_query, v.host, `x-ms-date: ${v.x_ms_date}`, `x-ms-content-sha256: ${v.content_sha256}`, `authorization: ${v.authorization}`].join("\n");
  add("verify", Buffer.concat([Buffer.from([0, 0]), Buffer.from(`${head}\n\n${body}`)]));
  const when = Buffer.alloc(4);
  when.writeUInt32LE(Math.max(0, v.unix_time - 1_000_000_000) >>> 0);
  add("verify", Buffer.concat([Buffer.from([1]), when, Buffer.from(v.access_key, "base64"), Buffer.from([0]), Buffer.from(v.method), Buffer.from([0]), Buffer.from(v.path_and_query), Buffer.from([0]), Buffer.from(v.host), Buffer.from([0]), Buffer.from(body)]));
  add("json", JSON.stringify(body));
}
for (const d of signing.dates) add("responses", Buffer.concat([Buffer.from([0, 200, 0]), Buffer.from(d.x_ms_date)]));

const rawIds = new Set(["8:acs:r_u", "8:spool:x", "8:dod-acs:a_b", "8:gcch-acs:a_b_c", "8:orgid:00000000-0000-0000-0000-000000000001", "8:dod:x", "8:gcch:x", "8:teamsvisitor:x", "4:+14255550123", "4:anonymous", "4:+1_2", "28:orgid:x", "28:dod:x", "28:gcch:x", "8:acs:res_tenant_user", "x"]);
const recordings = readdirSync(join(data, "recordings")).filter((f) => f.endsWith(".json") && f !== "INDEX.json");
for (const f of recordings) {
  const r = json(join(data, "recordings", f));
  for (const it of r.interactions || []) {
    const res = it.response || {};
    const body = res.body === null || res.body === undefined ? "" : JSON.stringify(res.body);
    const status = Buffer.alloc(2);
    status.writeUInt16BE(res.status || 200);
    const headers = Object.entries(res.headers || {}).filter(([n]) => /^(ms-cv|retry-after|retry-after-ms|x-ms-retry-after-ms|x-ms-client-request-id|content-type|date)$/i.test(n));
    add("responses", Buffer.concat([status, Buffer.from([headers.length]), Buffer.from(headers.map(([n, v]) => `${n}: ${v}\n`).join("")), Buffer.from(body)]));
    if (body) add("json", body);
    if (it.request && it.request.body) add("json", JSON.stringify(it.request.body));
    const walk = (v) => {
      if (typeof v === "string") {
        if (/^\d+:/.test(v)) rawIds.add(v);
        if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(v)) add("access_token", v);
        if (/^\d{4}-\d\d-\d\dT/.test(v)) add("responses", Buffer.concat([Buffer.from([0, 200, 0]), Buffer.from(v)]));
      } else if (v && typeof v === "object") Object.values(v).forEach(walk);
    };
    walk(res.body);
    walk(it.request && it.request.body);
  }
}
for (const id of rawIds) {
  add("identifier", id);
  add("identifier", JSON.stringify({ rawId: id }));
}
add("identifier", JSON.stringify({ rawId: "4:+1", kind: "phoneNumber", phoneNumber: { value: "+1", isAnonymous: false } }));
const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
for (const claims of [
  { skypeid: "acs:r_u", scp: 1792, csi: "1700000000", iat: 1700000000, exp: 1700086400, acsScope: "chat,voip", resourceId: "r" },
  { exp: 1.5e9 },
  { exp: "soon" },
  {},
]) {
  add("access_token", `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}.c2ln`);
  add("json", JSON.stringify(claims));
}

function writeCorpus(target) {
  const dir = join(fuzzDir, "corpus", target);
  mkdirSync(dir, { recursive: true });
  for (const s of seeds[target]) writeFileSync(join(dir, `seed-${createHash("sha1").update(s).digest("hex")}`), s);
  return dir;
}

// ---- build and run -------------------------------------------------------------------------------

function ensureCargoFuzz() {
  if (spawnSync("cargo", ["fuzz", "--version"], { env }).status === 0) return;
  console.log("installing cargo-fuzz (cargo install cargo-fuzz --locked)");
  const r = spawnSync("cargo", ["install", "cargo-fuzz", "--locked"], { env, stdio: "inherit" });
  if (r.status !== 0) throw new Error("cargo-fuzz could not be installed");
}

function runTarget(target, corpus) {
  return new Promise((resolve) => {
    const args = ["fuzz", "run", "-O", target, corpus, "--", `-max_total_time=${seconds}`, "-print_final_stats=1", "-rss_limit_mb=2048", "-timeout=10", "-max_len=65536"];
    const child = spawn("cargo", args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const keep = (d) => {
      out += d;
      if (out.length > 4_000_000) out = out.slice(-2_000_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("close", (code) => resolve({ code, out }));
  });
}

function main() {
  ensureCargoFuzz();
  console.log("building the fuzz targets (release, with sanitizer coverage)");
  const build = spawnSync("cargo", ["fuzz", "build", "-O"], { cwd: root, env, stdio: "inherit" });
  if (build.status !== 0) {
    console.error("the fuzz build failed");
    process.exit(1);
  }
  return (async () => {
    const results = [];
    for (const target of targets) {
      const corpus = writeCorpus(target);
      const before = readdirSync(corpus).length;
      const artifactsDir = join(fuzzDir, "artifacts", target);
      const crashesBefore = existsSync(artifactsDir) ? readdirSync(artifactsDir).length : 0;
      process.stdout.write(`${target}: ${seeds[target].length} seeds, ${before} corpus files, ${seconds} s ... `);
      const { code, out } = await runTarget(target, corpus);
      const stat = (name) => Number((out.match(new RegExp(`stat::${name}:\\s*(\\d+)`)) || [0, NaN])[1]);
      const crashesAfter = existsSync(artifactsDir) ? readdirSync(artifactsDir).length : 0;
      const crashed = code !== 0 || /==\d+==ERROR|panicked at|deadly signal|SUMMARY: libFuzzer/.test(out);
      const r = {
        target,
        seconds,
        seeds: seeds[target].length,
        executions: stat("number_of_executed_units"),
        execsPerSecond: stat("average_exec_per_sec"),
        coverageEdges: Number((out.match(/cov: (\d+)/g) || ["cov: NaN"]).pop().slice(5)),
        corpusFiles: readdirSync(corpus).length,
        newArtifacts: crashesAfter - crashesBefore,
        crashed,
        exitCode: code,
      };
      results.push(r);
      console.log(crashed ? "CRASH" : "ok", JSON.stringify(r));
      if (crashed) console.log(out.split("\n").filter((l) => /panicked|ERROR|SUMMARY|artifact|Test unit/.test(l)).slice(0, 20).join("\n"));
    }
    const outDir = join(root, "test-output", "fuzz");
    mkdirSync(outDir, { recursive: true });
    const summary = { date: new Date().toISOString(), seconds, results };
    writeFileSync(join(outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    console.log("\n| target | seconds | seeds | executions | exec/s | edges | crashes |\n|---|---|---|---|---|---|---|");
    for (const r of results) console.log(`| ${r.target} | ${r.seconds} | ${r.seeds} | ${r.executions} | ${r.execsPerSecond} | ${r.coverageEdges} | ${r.crashed ? r.newArtifacts || "yes" : 0} |`);
    const failed = results.filter((r) => r.crashed).length;
    console.log(`${results.length - failed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  })();
}

main();
