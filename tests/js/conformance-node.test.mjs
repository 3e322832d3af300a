// The conformance suite (tests/js/conformance/cases.mjs) in Node, against the emulator with faults on.
// The package is imported by name, so Node's "node" export condition picks what a user gets.
import { describe, it, before, after } from "node:test";
import * as pkg from "acs-identity-edge";
import { cases } from "./conformance/cases.mjs";
import { startEmulator } from "./conformance/emulator-process.mjs";

describe("conformance: node", () => {
  let emulator;
  before(async () => {
    emulator = await startEmulator(["--faults"]);
  });
  after(async () => {
    await emulator?.stop();
  });
  for (const testCase of cases) {
    it(testCase.name, { timeout: 30_000 }, () => testCase.run({ pkg, connectionString: emulator.connectionString, runtime: "node" }));
  }
});
