// workerd (Miniflare): this package's Worker next to one with @azure/communication-identity, both bundled
// as Wrangler bundles them (esbuild, conditions workerd/worker/browser, the .wasm as a CompiledWasm
// module), against the same canned local server as the Node client benchmark. Warm-up: 2,000 calls of each
// operation per contender, interleaved, whose rates are kept. Warm: calls per second of N calls inside one
// request (timed from outside: workerd freezes clocks inside a request), sequential
// and 32 at a time, next to plain fetch with no signing in this package's Worker; interleaved rounds.
// Cold: from new Miniflare() to the first token, interleaved with a Worker that only fetches.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { bundleWorker, workerModulesRules } from "../tests/js/conformance/worker-bundle.mjs";
import { startServer, KEY } from "./client.mjs";
import { interleave, progress } from "./lib.mjs";

const WORKERS = ["plain", "ours", "official"];
export const BODY_SIZES = [1024, 65_536, 1_048_576, 10_485_760];

function miniflare(dir, name, bindings) {
  return new Miniflare({
    modules: true,
    scriptPath: join(dir, name, "worker.mjs"),
    modulesRoot: join(dir, name),
    modulesRules: workerModulesRules,
    compatibilityDate: "2025-07-18",
    bindings,
  });
}

/** Calls per second of `n` calls of `op`, `concurrency` at a time, in one request to `mf`. */
async function rate(mf, op, n, concurrency) {
  const start = performance.now();
  const response = await mf.dispatchFetch(`http://worker/run?op=${op}&n=${n}&concurrency=${concurrency}`);
  const text = await response.text();
  const ms = performance.now() - start;
  if (text !== String(n)) throw new Error(`bench: workerd ${op} answered ${response.status}: ${text.slice(0, 200)}`);
  return (n * 1000) / ms;
}

export async function workerdBench({ quick = false } = {}) {
  const server = await startServer();
  const dir = mkdtempSync(join(tmpdir(), "acs-bench-workerd-"));
  const mfs = [];
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const bindings = { CS: `endpoint=${base}/;accesskey=${KEY}`, BASE: base };
    for (const name of WORKERS) {
      await bundleWorker(fileURLToPath(new URL(`./workerd/worker-${name}.mjs`, import.meta.url)), join(dir, name));
    }
    progress("workerd: warm calls");
    const ours = miniflare(dir, "ours", bindings);
    const official = miniflare(dir, "official", bindings);
    mfs.push(ours, official);
    const n = quick ? 20 : 40;
    const rounds = quick ? 3 : 9;
    const warmUpRequests = quick ? 5 : 50;
    const contenders = (op) => [
      { name: "plain fetch (no signing)", mf: ours, op: `plain${op[0].toUpperCase()}${op.slice(1)}` },
      { name: "ours", mf: ours, op },
      { name: "official SDK", mf: official, op },
    ];
    // Warm-up, interleaved: V8 compiles a wasm function with its optimising tier, and JS likewise, only after
    // it has run for a while, which takes this package's Worker and the official SDK's a few thousand calls.
    // The rates over these first calls are kept as their own figure; the timed rounds after them are the
    // steady state.
    progress(`workerd: warm-up, ${warmUpRequests * n} calls of each operation per contender`);
    const warmUpMs = {};
    // Each contender's first request (which opens its connections) is left out of the rates, and the order
    // turns every round, as the timed rounds' does.
    for (let i = 0; i < warmUpRequests; i++) {
      for (const op of ["createUser", "getToken"]) {
        const list = contenders(op);
        for (let k = 0; k < list.length; k++) {
          const c = list[(i + k) % list.length];
          const ms = (n * 1000) / (await rate(c.mf, c.op, n, 4));
          const byName = (warmUpMs[op] ||= {});
          if (i > 0) byName[c.name] = (byName[c.name] || 0) + ms;
        }
      }
    }
    const warmUp = Object.fromEntries(
      Object.entries(warmUpMs).map(([op, byName]) => [
        op,
        Object.fromEntries(Object.entries(byName).map(([name, ms]) => [name, { callsPerSecond: Math.round(((warmUpRequests - 1) * n * 1000) / ms) }])),
      ]),
    );
    const warm = {};
    for (const op of ["createUser", "getToken"]) {
      for (const [mode, concurrency] of [["sequential", 1], ["32 concurrent", 32]]) {
        progress(`workerd: ${op}, ${mode}`);
        const r = await interleave(contenders(op), rounds, (c) => rate(c.mf, c.op, concurrency === 1 ? n : n * 4, concurrency));
        const floor = r["plain fetch (no signing)"].median;
        warm[`${op}, ${mode}`] = Object.fromEntries(
          Object.entries(r).map(([name, v]) => [name, { callsPerSecond: Math.round(v.median), ratioToPlainFetch: +(floor / v.median).toFixed(2) }]),
        );
      }
    }
    progress("workerd: signing by body size, createSignedFetch next to crypto.subtle.digest");
    const bodies = [];
    for (const size of BODY_SIZES) {
      const calls = Math.max(5, Math.min(200, Math.round(2e7 / size)));
      const r = await interleave(
        [{ name: "createSignedFetch", op: "signBody" }, { name: "crypto.subtle.digest", op: "digestBody" }],
        quick ? 2 : 5,
        async (c) => 1000 / (await rate(ours, `${c.op}&size=${size}`, calls, 1)),
      );
      bodies.push({ bytes: size, calls, signedFetchMs: r.createSignedFetch.median, digestMs: r["crypto.subtle.digest"].median });
    }
    await Promise.all(mfs.splice(0).map((mf) => mf.dispose()));

    const runs = quick ? 3 : 9;
    progress(`workerd: cold start to the first token, ${runs} runs each`);
    const cold = await interleave(WORKERS.map((name) => ({ name })), runs, async (c) => {
      const start = performance.now();
      const mf = miniflare(dir, c.name, bindings);
      try {
        await rate(mf, c.name === "plain" ? "plainGetToken" : "getToken", 1, 1);
        return performance.now() - start;
      } finally {
        await mf.dispose();
      }
    });
    return {
      calls: n,
      rounds,
      warmUp: { calls: warmUpRequests * n, timedFrom: n + 1, concurrency: 4, byOperation: warmUp },
      warm,
      signingByBodySize: bodies,
      coldStart: {
        runs,
        medianMs: Object.fromEntries(Object.entries(cold).map(([name, v]) => [name, +v.median.toFixed(1)])),
      },
      note: "warm-up: the first calls of each contender, 4 at a time, interleaved, before the timed rounds; warm: N calls per request (4N when 32 at a time), timed from outside; ratioToPlainFetch = plain fetch rate / contender rate. cold: new Miniflare() to the first getToken answer (plain: the first plain fetch); signing: ms per call of calls in one request, timed from outside (so it includes the dispatch, spread over the calls)",
    };
  } finally {
    await Promise.all(mfs.map((mf) => mf.dispose()));
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}
