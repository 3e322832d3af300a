// Bundles a Worker script the way Wrangler does: esbuild with the "workerd" and "worker" export conditions,
// `.wasm` imports left as modules next to the bundle (Miniflare loads them as CompiledWasm), and the
// `cloudflare:` built-ins external. Node only.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, basename } from "node:path";

export const workerModulesRules = [{ type: "CompiledWasm", include: ["**/*.wasm"] }];

/**
 * Bundles `entry` into `outDir/worker.mjs`; every `.wasm` it imports is copied beside it.
 * `nodePaths` are extra folders to resolve packages from. Returns the bundle's path.
 */
export async function bundleWorker(entry, outDir, { nodePaths = [], define = {} } = {}) {
  mkdirSync(outDir, { recursive: true });
  const wasmFiles = new Set();
  const outfile = join(outDir, "worker.mjs");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    nodePaths,
    define,
    external: ["cloudflare:*"],
    logLevel: "silent",
    plugins: [
      {
        name: "wasm-modules",
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (args) => {
            const file = join(args.resolveDir, args.path);
            wasmFiles.add(file);
            return { path: `./${basename(file)}`, external: true };
          });
        },
      },
    ],
  });
  for (const file of wasmFiles) copyFileSync(file, join(dirname(outfile), basename(file)));
  return outfile;
}
