// Size: what a Worker or a browser loads of this package (the .wasm and the esbuild-minified JS) next to
// the official @azure/communication-identity bundled by esbuild for the same platforms.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import * as esbuild from "esbuild";
import { root, cargoBin, twiggy } from "../scripts/setup.mjs";
import { CARGO_WASM, GZIP_BUDGET, GZIP_STRETCH, WASM_BINDGEN_FLAGS, WASM_OPT_FINISH, WASM_OPT_PASSES } from "../scripts/build.mjs";

const measure = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });

async function bundle(contents, platform) {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    write: false,
    logLevel: "silent",
    external: ["*.wasm"],
    ...(platform === "worker"
      ? { platform: "neutral", conditions: ["workerd", "worker", "browser"], mainFields: ["browser", "module", "main"] }
      : { platform: "browser" }),
  });
  return Buffer.from(result.outputFiles[0].contents);
}

/** What a twiggy item is part of (null: a section the shipped build strips, such as the names). */
function partOf(name) {
  if (/^"[a-z ]+" subsection$|^custom section/.test(name)) return null;
  if (/ shim$| shim /.test(name) || /^[a-z]+_[A-Za-z]+$|^__wbg_|^__externref|^__wbindgen/.test(name)) return "wasm-bindgen export shims and runtime";
  if (name.startsWith("data segment")) return "data (strings and tables)";
  if (/^(import|export|type|table|elem|global|memory|start|code)\b/.test(name)) return "imports, exports and the module's tables";
  const crate = (name.match(/([A-Za-z_0-9]+)\[[0-9a-f]+\]/) || [])[1] || (/^<(str|\[u8\]|char|u\d+|i\d+|f64)[>\s]/.test(name) ? "core" : "other");
  return CRATE_PARTS[crate] || crate;
}

const CRATE_PARTS = {
  acs_identity_edge: "the library (operations, signing, parsers, client loop, transport, credentials, identifiers, tokens)",
  js_sys: "js-sys (its futures: future_to_promise tasks with the calls inlined, JsFuture, the task queue)",
  wasm_bindgen_futures: "js-sys (its futures: future_to_promise tasks with the calls inlined, JsFuture, the task queue)",
  wasm_bindgen: "wasm-bindgen export shims and runtime",
  web_sys: "web-sys and gloo-net",
  gloo_net: "web-sys and gloo-net",
  core: "core, alloc, talc",
  alloc: "core, alloc, talc",
  std: "core, alloc, talc",
  talc: "core, alloc, talc",
  hashbrown: "core, alloc, talc",
  compiler_builtins: "core, alloc, talc",
  __rustc: "core, alloc, talc",
  base64: "base64",
  sha2: "sha2, digest, hmac, zeroize",
  digest: "sha2, digest, hmac, zeroize",
  hmac: "sha2, digest, hmac, zeroize",
  block_buffer: "sha2, digest, hmac, zeroize",
  zeroize: "sha2, digest, hmac, zeroize",
  serde_wasm_bindgen: "serde-wasm-bindgen and serde",
  serde: "serde-wasm-bindgen and serde",
  serde_core: "serde-wasm-bindgen and serde",
};

/**
 * The .wasm's bytes by the crate each function's name comes from: the build's module bound again with
 * its names kept and run through the same wasm-opt passes, then twiggy. A function keeps its crate's
 * name with everything inlined into it.
 */
function byCrate() {
  twiggy();
  const dir = mkdtempSync(join(tmpdir(), "acs-size-"));
  try {
    const run = (cmd, argv) => {
      const r = spawnSync(cmd, argv, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(`bench: ${cmd} failed: ${r.stderr}`);
      return r.stdout;
    };
    run(join(cargoBin, "wasm-bindgen"), [...WASM_BINDGEN_FLAGS, "--keep-debug", "--out-dir", dir, CARGO_WASM]);
    const named = join(dir, "named.wasm");
    const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
    run(wasmOpt, [...WASM_OPT_PASSES, "--debuginfo", join(dir, "acs_identity_edge_bg.wasm"), "-o", named]);
    run(wasmOpt, [...WASM_OPT_FINISH, "--debuginfo", named, "-o", named]);
    const items = JSON.parse(run("twiggy", ["top", "-n", "1000000", "--format", "json", named]));
    const parts = new Map();
    for (const { name, shallow_size: bytes } of items) {
      const part = partOf(name);
      if (part) parts.set(part, (parts.get(part) || 0) + bytes);
    }
    const largest = items.filter((i) => partOf(i.name) && !i.name.startsWith("data segment")).slice(0, 12)
      .map((i) => ({ name: i.name.replace(/\[[0-9a-f]+\]/g, ""), bytes: i.shallow_size }));
    return { parts: [...parts].map(([part, bytes]) => ({ part, bytes })).sort((a, b) => b.bytes - a.bytes), largest };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sizeBench() {
  const wasm = measure(readFileSync(join(root, "dist", "acs_identity_edge_bg.wasm")));
  const ours = {};
  const official = {};
  for (const platform of ["worker", "browser"]) {
    const js = measure(await bundle('export * from "acs-identity-edge";', platform));
    ours[platform] = { wasm, js, total: add(wasm, js) };
    official[platform] = { js: measure(await bundle('export { CommunicationIdentityClient } from "@azure/communication-identity";', platform)) };
    official[platform].total = official[platform].js;
  }
  return { ours, official, budgetGzip: GZIP_BUDGET, targetGzip: GZIP_STRETCH, byCrate: byCrate() };
}
