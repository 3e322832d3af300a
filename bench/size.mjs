// Size: what a Worker or a browser loads of this package (the .wasm and the esbuild-minified JS) next to
// the official @azure/communication-identity bundled by esbuild for the same platforms.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import * as esbuild from "esbuild";
import { root } from "../scripts/setup.mjs";
import { GZIP_BUDGET, GZIP_STRETCH } from "../scripts/build.mjs";

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
  return { ours, official, budgetGzip: GZIP_BUDGET, targetGzip: GZIP_STRETCH };
}
