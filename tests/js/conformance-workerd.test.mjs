// The conformance suite in workerd (Miniflare), against the emulator with faults on. The Worker imports the
// package by name; it is bundled like Wrangler bundles it, with the .wasm loaded as a CompiledWasm module.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { cases, emulatorEnv } from "./conformance/cases.mjs";
import { tally } from "./conformance/tally.mjs";
import { startEmulator } from "../support/emulator.mjs";
import { bundleWorker, workerModulesRules } from "./conformance/worker-bundle.mjs";

describe("conformance: workerd", () => {
  const results = tally("workerd");
  let emulator;
  let mf;
  let dir;
  before(async () => {
    emulator = await startEmulator({ faults: true, env: emulatorEnv });
    dir = mkdtempSync(join(tmpdir(), "acs-conformance-workerd-"));
    const scriptPath = await bundleWorker(fileURLToPath(new URL("./conformance/workerd-worker.mjs", import.meta.url)), dir);
    mf = new Miniflare({
      modules: true,
      scriptPath,
      modulesRoot: dir,
      modulesRules: workerModulesRules,
      compatibilityDate: "2025-07-18",
      bindings: { ACS_CONNECTION_STRING: emulator.connectionString },
    });
    await mf.ready;
  });
  after(async () => {
    results.report();
    await mf?.dispose();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs the same case list as Node", async () => {
    const response = await mf.dispatchFetch("http://worker/cases");
    assert.deepEqual(await response.json(), cases.map((c) => c.name));
  });
  cases.forEach((testCase, index) => {
    it(testCase.name, { timeout: 30_000 }, () => results.track(async () => {
      const response = await mf.dispatchFetch(`http://worker/run?case=${index}`);
      const result = await response.json();
      assert.equal(result.name, testCase.name);
      assert.ok(result.ok, result.error);
    }));
  });
});
