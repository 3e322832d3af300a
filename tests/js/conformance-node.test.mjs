// The conformance suite (tests/js/conformance/cases.mjs) in Node, against the emulator with faults on.
// The package is imported by name, so Node's "node" export condition picks what a user gets.
import { describe, it, before, after } from "node:test";
import * as pkg from "acs-identity-edge";
import { cases, emulatorEnv } from "./conformance/cases.mjs";
import { startEmulator } from "../support/emulator.mjs";
import { tally } from "./conformance/tally.mjs";

describe("conformance: node", () => {
  const results = tally("node");
  let emulator;
  before(async () => {
    emulator = await startEmulator({ faults: true, env: emulatorEnv });
  });
  after(async () => {
    results.report();
    await emulator?.stop();
  });
  for (const testCase of cases) {
    it(testCase.name, { timeout: 30_000 }, () =>
      results.track(() => testCase.run({ pkg, connectionString: emulator.connectionString, runtime: "node" })),
    );
  }
});
