// The conformance suite in Deno (the `deno` devDependency ships its binary through a platform package),
// against the emulator with faults on. Deno runs the whole list once; each case becomes a subtest here.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cases, emulatorEnv } from "./conformance/cases.mjs";
import { tally } from "./conformance/tally.mjs";
import { startEmulator, repoRoot } from "../support/emulator.mjs";

/** The Deno binary from the npm package (its postinstall would put it there; resolve it ourselves). */
function denoBinary() {
  const require = createRequire(join(repoRoot, "package.json"));
  const fromPlatformPackage = (() => {
    try {
      return join(dirname(require.resolve(`@deno/${process.platform}-${process.arch === "x64" ? "x64" : process.arch}-glibc/package.json`)), "deno");
    } catch {
      return null;
    }
  })();
  if (fromPlatformPackage && existsSync(fromPlatformPackage)) return fromPlatformPackage;
  const fromWrapper = join(dirname(require.resolve("deno/package.json")), "deno");
  if (existsSync(fromWrapper)) return fromWrapper;
  throw new Error("the deno binary is missing: npm install (the deno devDependency) did not bring it");
}

function runDeno(connectionString, denoDir) {
  const runner = fileURLToPath(new URL("./conformance/deno-runner.mjs", import.meta.url));
  const args = ["run", "--no-lock", "--no-prompt", "--allow-read", "--allow-net=127.0.0.1", "--allow-env=ACS_CONNECTION_STRING", runner];
  return new Promise((resolve, reject) => {
    const child = spawn(denoBinary(), args, {
      cwd: repoRoot,
      env: { ...process.env, ACS_CONNECTION_STRING: connectionString, DENO_DIR: denoDir, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const results = out.split("\n").filter((l) => l.startsWith("CONFORMANCE-RESULT ")).map((l) => JSON.parse(l.slice(19)));
      resolve({ code, results, stderr: err.slice(-4000) });
    });
  });
}

describe("conformance: deno", () => {
  const results = tally("deno");
  let emulator;
  let denoDir;
  let run;
  before(async () => {
    emulator = await startEmulator({ faults: true, env: emulatorEnv });
    denoDir = mkdtempSync(join(tmpdir(), "acs-conformance-deno-"));
    run = await runDeno(emulator.connectionString, denoDir);
  });
  after(async () => {
    results.report();
    await emulator?.stop();
    if (denoDir) rmSync(denoDir, { recursive: true, force: true });
  });

  it("Deno ran the same case list as Node and exited cleanly", () => {
    assert.deepEqual(run.results.map((r) => r.name), cases.map((c) => c.name), run.stderr);
    assert.equal(run.code, 0, run.stderr);
  });
  cases.forEach((testCase, index) => {
    it(testCase.name, () => results.track(() => {
      const result = run.results[index];
      assert.ok(result, `Deno reported no result for this case: ${run.stderr}`);
      assert.equal(result.name, testCase.name);
      assert.ok(result.ok, result.error);
    }));
  });
});
