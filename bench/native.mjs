// The native Rust client's overhead: benches/native_client.rs (cargo bench, optimised) against the same
// canned server as the JS client bench, `native::IdentityClient` against plain reqwest with no signing,
// rounds interleaved. The figures are the client's time per call over plain reqwest's (target: at most 1.1) and
// the client thread's CPU time per call, which other load on the machine disturbs less.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { root } from "../scripts/setup.mjs";
import { progress } from "./lib.mjs";

async function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./canned-server.mjs", import.meta.url))], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolvePort, reject) => {
    child.stdout.once("data", (d) => resolvePort(Number(String(d).trim())));
    child.once("exit", (code) => reject(new Error(`canned server exited (${code})`)));
  });
  return { port, stop: () => new Promise((r) => { child.once("exit", r); child.stdin.end(); }) };
}

export async function nativeBench({ quick = false } = {}) {
  progress("native client: building benches/native_client.rs (release)");
  const build = spawnSync("cargo", ["bench", "-p", "acs-identity-edge", "--bench", "native_client", "--no-run"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error("bench: cargo bench --no-run failed");
  const server = await startServer();
  try {
    progress("native client: createUser and getToken, sequential");
    const args = ["bench", "-q", "-p", "acs-identity-edge", "--bench", "native_client", "--", String(server.port), quick ? "300" : "500", quick ? "2" : "11"];
    const r = spawnSync("cargo", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) throw new Error("bench: the native client bench failed");
    const line = r.stdout.trim().split("\n").pop();
    return JSON.parse(line);
  } finally {
    await server.stop();
  }
}

/** One line per operation: calls/s of both and the ratio of time per call. */
export function nativeSummary(native) {
  return Object.entries(native)
    .map(([op, r]) => `native ${op}: ${r["native client"].toFixed(0)} calls/s, plain reqwest ${r["plain reqwest"].toFixed(0)} calls/s, time per call ${r["time per call ratio"].toFixed(2)}x`
      + (r["CPU per call ratio"] ? `; client CPU per call ${r["native client CPU us per call"].toFixed(1)} us vs ${r["plain reqwest CPU us per call"].toFixed(1)} us (${r["CPU per call ratio"].toFixed(2)}x)` : ""))
    .join("\n");
}
