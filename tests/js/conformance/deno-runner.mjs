// The conformance suite in Deno: imports the package by name (Deno picks the "deno" export condition),
// runs every case against the emulator named by ACS_CONNECTION_STRING, and prints one line per case:
//   CONFORMANCE-RESULT {"name":...,"ok":...,"error"?:...,"ms":...}
import * as pkg from "acs-identity-edge";
import { cases, runCase } from "./cases.mjs";

const connectionString = Deno.env.get("ACS_CONNECTION_STRING");
if (!connectionString) {
  console.error("ACS_CONNECTION_STRING is not set");
  Deno.exit(2);
}
const subject = { pkg, connectionString, runtime: "deno" };
for (const testCase of cases) {
  console.log(`CONFORMANCE-RESULT ${JSON.stringify(await runCase(testCase, subject))}`);
}
