// The conformance suite in Bun: imports the package by name (Bun picks the "node" export condition, as
// Bun users get it), runs every case against the emulator named by ACS_CONNECTION_STRING, and prints one
// line per case:
//   CONFORMANCE-RESULT {"name":...,"ok":...,"error"?:...,"ms":...}
import * as pkg from "acs-identity-edge";
import { cases, runCase } from "./cases.mjs";

if (typeof Bun === "undefined") {
  console.error("this runner is for Bun (node_modules/bun/bin/bun.exe)");
  process.exit(2);
}
const connectionString = Bun.env.ACS_CONNECTION_STRING;
if (!connectionString) {
  console.error("ACS_CONNECTION_STRING is not set");
  process.exit(2);
}
console.log(`CONFORMANCE-ENTRY ${import.meta.resolve("acs-identity-edge")}`);
const subject = { pkg, connectionString, runtime: "bun" };
for (const testCase of cases) {
  console.log(`CONFORMANCE-RESULT ${JSON.stringify(await runCase(testCase, subject))}`);
}
