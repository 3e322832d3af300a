// Starts the emulator binary (target/release/acs-emulator) on a free loopback port for a test file, and
// stops it. Node only: the runners use it, the cases never do.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const emulatorBinary = fileURLToPath(new URL("../../../target/release/acs-emulator", import.meta.url));

/** `{ url, connectionString, accessKey, stop() }`; `args` are extra flags (`--faults`, `--www dir`, ...). */
export function startEmulator(args = []) {
  if (!existsSync(emulatorBinary)) {
    return Promise.reject(new Error(`${emulatorBinary} is missing: run cargo build --release -p acs-emulator`));
  }
  const child = spawn(emulatorBinary, ["--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the emulator did not start within 10 s: ${stderr}`));
    }, 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited with ${code}: ${stderr}`));
    });
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (\S+); connection string: (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const [, url, connectionString] = m;
      const accessKey = /accesskey=([^;]+)/.exec(connectionString)[1];
      resolve({
        url,
        connectionString,
        accessKey,
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
            setTimeout(() => child.kill("SIGKILL"), 3000).unref();
          }),
      });
    });
  });
}
