// The conformance suite in a browser page. The page's import map points "acs-identity-edge" at the
// package's browser entry; the connection string comes from the emulator that serves the page.
import * as pkg from "acs-identity-edge";
import { cases, runCase } from "./cases.mjs";

const config = await (await fetch("/emulator/config")).json();
const subject = { pkg, connectionString: config.connectionString, runtime: "chromium" };

globalThis.conformance = {
  names: cases.map((c) => c.name),
  run: (index) => runCase(cases[index], subject),
};
document.title = "conformance ready";
