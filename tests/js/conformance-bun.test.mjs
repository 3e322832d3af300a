// The conformance suite in Bun (the `bun` devDependency; npm does not run its install script, so the binary
// is the one the package ships in bin/, or the platform package's), against the emulator with faults on.
// Bun runs the whole list once; each case becomes a subtest here.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cases, emulatorEnv } from "./conformance/cases.mjs";
import { tally } from "./conformance/tally.mjs";
import { startEmulator, repoRoot } from "../support/emulator.mjs";

/** The Bun binary of the npm package: the first candidate that runs and says it is Bun 1.x. */
export function bunBinary() {
  const require = createRequire(join(repoRoot, "package.json"));
  const candidates = [join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe")];
  const arch = process.arch === "x64" ? "x64" : process.arch;
  for (const variant of ["", "-baseline"]) {
    try {
      candidates.push(join(dirname(require.resolve(`@oven/bun-${process.platform}-${arch}${variant}/package.json`)), "bin", "bun"));
    } catch {
      // That platform package is not installed.
    }
  }
  const tried = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) {
      tried.push(`${candidate}: missing`);
      continue;
    }
    const r = spawnSync(candidate, ["--version"], { encoding: "utf8", timeout: 15_000 });
    if (r.status === 0 && /^1\.\d+\.\d+/.test(r.stdout.trim())) return candidate;
    tried.push(`${candidate}: ${r.error ? r.error.message : `exit ${r.status}: ${(r.stdout + r.stderr).trim().slice(0, 200)}`}`);
  }
  throw new Error(`no runnable Bun binary from the bun devDependency (npm install); tried:\n${tried.join("\n")}`);
}

function runBun(connectionString) {
  const runner = fileURLToPath(new URL("./conformance/bun-runner.mjs", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(bunBinary(), ["--no-install", runner], {
      cwd: repoRoot,
      env: { ...process.env, ACS_CONNECTION_STRING: connectionString, NO_COLOR: "1", BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0", DO_NOT_TRACK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const lines = out.split("\n");
      const results = lines.filter((l) => l.startsWith("CONFORMANCE-RESULT ")).map((l) => JSON.parse(l.slice(19)));
      const entry = (lines.find((l) => l.startsWith("CONFORMANCE-ENTRY ")) ?? "").slice(18);
      resolve({ code, signal, results, entry, stderr: err.slice(-4000) });
    });
  });
}

describe("conformance: bun", () => {
  const results = tally("bun");
  let emulator;
  let run;
  before(async () => {
    emulator = await startEmulator({ faults: true, env: emulatorEnv });
    run = await runBun(emulator.connectionString);
  });
  after(async () => {
    results.report();
    await emulator?.stop();
  });

  it("Bun ran the same case list as Node, on the package's own entry, and exited cleanly", () => {
    assert.deepEqual(run.results.map((r) => r.name), cases.map((c) => c.name), run.stderr);
    assert.equal(run.code, 0, `exit ${run.code} ${run.signal ?? ""}: ${run.stderr}`);
    assert.equal(run.entry, pathToFileURL(join(repoRoot, "dist", "node.js")).href, "Bun resolves the package to dist/node.js");
  });
  cases.forEach((testCase, index) => {
    it(testCase.name, () => results.track(() => {
      const result = run.results[index];
      assert.ok(result, `Bun reported no result for this case: ${run.stderr}`);
      assert.equal(result.name, testCase.name);
      assert.ok(result.ok, result.error);
    }));
  });
});
