// `npm start`: installs and builds what is missing, starts the local ACS Identity emulator, runs the
// quickstart (examples/quickstart.mjs) through the npm package, then serves the demo page until Ctrl-C.
// With COMMUNICATION_SERVICES_CONNECTION_STRING set, the quickstart runs against that resource instead
// (the demo page still talks to the emulator).
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { build } from "./build.mjs";
import { root } from "./setup.mjs";
import { startEmulator } from "../tests/support/emulator.mjs";

process.env.ACS_BUILD_NO_BUDGET = "1"; // the size report still prints; npm test enforces the ceiling
build();
const cargo = spawnSync("cargo", ["build", "--release", "-p", "acs-emulator"], { cwd: root, stdio: "inherit" });
if (cargo.status !== 0) {
  console.error("npm start: building the emulator failed");
  process.exit(1);
}

const emulator = await startEmulator({ www: join(root, "www") });
const stop = async (code) => {
  await emulator.stop();
  process.exit(code);
};
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const external = process.env.COMMUNICATION_SERVICES_CONNECTION_STRING;
console.log(`\nLocal ACS Identity emulator: ${emulator.url}`);
console.log(external ? "Running the quickstart against COMMUNICATION_SERVICES_CONNECTION_STRING\n" : "Running the quickstart against the emulator\n");
const quickstart = spawn(process.execPath, [join(root, "examples", "quickstart.mjs")], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, COMMUNICATION_SERVICES_CONNECTION_STRING: external || emulator.connectionString },
});
const code = await new Promise((resolve) => quickstart.on("close", resolve));
if (code !== 0) {
  console.error(`\nThe quickstart failed (exit code ${code}). Emulator logs:\n${emulator.logs()}`);
  await stop(1);
}

console.log(`\nDemo page: ${emulator.url}/  (the quickstart step by step in your browser)`);
console.log(`Connection string for your own code: ${emulator.connectionString}`);
console.log("Press Ctrl-C to stop.");
