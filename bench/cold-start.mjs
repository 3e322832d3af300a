// Cold start: a fresh Node process that imports the package, constructs a client and signs one request,
// median of 20 runs (interleaved with the official SDK and an empty script, the process's own cost); and
// the start of a Worker in workerd (Miniflare) that does the same, against a Worker that imports nothing.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import * as esbuild from "esbuild";
import { root } from "../scripts/setup.mjs";
import { interleave, progress } from "./lib.mjs";

const script = (name) => fileURLToPath(new URL(`./cold/${name}.mjs`, import.meta.url));

function runOnce(name) {
  const start = performance.now();
  const r = spawnSync(process.execPath, [script(name)], { cwd: root, stdio: "ignore" });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`bench: cold start script ${name} failed (${r.status})`);
  return ms;
}

export async function nodeColdStart({ runs = 20 } = {}) {
  progress(`cold start in Node, ${runs} runs each`);
  const r = await interleave(["baseline", "ours", "official"].map((name) => ({ name })), runs, (c) => runOnce(c.name));
  const base = r.baseline.median;
  return {
    runs,
    medianMs: { emptyNode: +base.toFixed(1), ours: +r.ours.median.toFixed(1), official: +r.official.median.toFixed(1) },
    overEmptyNodeMs: { ours: +(r.ours.median - base).toFixed(1), official: +(r.official.median - base).toFixed(1) },
  };
}

async function bundleWorker(dir, name) {
  const outfile = join(dir, `${name}.mjs`);
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL(`./cold/worker-${name}.mjs`, import.meta.url))],
    outfile,
    bundle: true,
    format: "esm",
    minify: true,
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    logLevel: "silent",
    plugins: [{ name: "wasm", setup(b) { b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./acs_identity_edge_bg.wasm", external: true })); } }],
  });
  return outfile;
}

/** Milliseconds from `new Miniflare` to the first response of a Worker. */
async function workerStart(dir, scriptPath) {
  const start = performance.now();
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-07-18",
  });
  const response = await mf.dispatchFetch("http://worker/");
  const text = await response.text();
  const ms = performance.now() - start;
  await mf.dispose();
  if (!response.ok || !text) throw new Error("bench: the Worker did not answer");
  return ms;
}

export async function workerdColdStart({ runs = 7 } = {}) {
  progress(`Worker start in workerd (Miniflare), ${runs} runs each`);
  const dir = mkdtempSync(join(tmpdir(), "acs-bench-workerd-"));
  try {
    copyFileSync(join(root, "dist", "acs_identity_edge_bg.wasm"), join(dir, "acs_identity_edge_bg.wasm"));
    const scripts = { empty: await bundleWorker(dir, "empty"), ours: await bundleWorker(dir, "ours") };
    const r = await interleave(Object.keys(scripts).map((name) => ({ name })), runs, (c) => workerStart(dir, scripts[c.name]));
    return {
      runs,
      medianMs: { emptyWorker: +r.empty.median.toFixed(1), ours: +r.ours.median.toFixed(1) },
      oursOverEmptyWorkerMs: +(r.ours.median - r.empty.median).toFixed(1),
      note: "time from new Miniflare() to the first response; workerd freezes clocks inside a request, so instantiation is timed from outside",
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
