// Starts the local ACS Identity emulator (target/release/acs-emulator) for JS test suites.
//
//   import { startEmulator } from "../support/emulator.mjs";
//   const emu = await startEmulator({ faults: true });
//   // ... use emu.connectionString / emu.url ...
//   await emu.stop();
//
// Options: tls (true, or the path of the certificate file to write), data (SQLite file), faults,
// rateLimit, www (directory), extraArgs (more flags), env (extra environment), binary (another build),
// timeoutMs (how long to wait for the start line, default 15000).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, resolved from this module's own location. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where `cargo build --release -p acs-emulator` puts the binary. */
export const emulatorBinary = join(
  repoRoot,
  "target",
  "release",
  process.platform === "win32" ? "acs-emulator.exe" : "acs-emulator",
);

// With --entra-*, the line ends with "; entra authority host: <url>; tenant: <id>".
const LINE = /^acs-emulator listening on (\S+); connection string: (\S+?)(?:; entra authority host: (\S+); tenant: (\S+))?$/;
const MAX_LOG_CHARS = 1_000_000;
const running = new Set();
let certCounter = 0;

// Never leave an emulator behind when the test process ends.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Spawns the emulator on a free port and resolves once it prints its connection string.
 * @returns {Promise<{url: string, connectionString: string, accessKey: string, port: number,
 *   certFile: string | undefined, authorityHost: string | undefined, tenantId: string | undefined, process: import("node:child_process").ChildProcess,
 *   logs: () => string, stop: () => Promise<{code: number | null, signal: string | null}>}>}
 */
export async function startEmulator(opts = {}) {
  const binary = opts.binary ?? emulatorBinary;
  if (!existsSync(binary)) {
    throw new Error(
      `acs-emulator is not built (${binary} is missing): run \`cargo build --release -p acs-emulator\` in ${repoRoot}`,
    );
  }
  const args = ["--port", "0"];
  let certFile;
  if (opts.tls) {
    certFile =
      typeof opts.tls === "string"
        ? opts.tls
        : join(tmpdir(), `acs-emulator-${process.pid}-${++certCounter}.pem`);
    args.push("--tls", certFile);
  }
  if (opts.data) args.push("--data", opts.data);
  if (opts.faults) args.push("--faults");
  if (opts.rateLimit) args.push("--rate-limit");
  if (opts.www) args.push("--www", opts.www);
  args.push(...(opts.extraArgs ?? []));

  const child = spawn(binary, args, {
    cwd: repoRoot,
    env: { ...process.env, ...(opts.env ?? {}) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let logs = "";
  const log = (chunk) => {
    logs += chunk;
    if (logs.length > MAX_LOG_CHARS) logs = logs.slice(-MAX_LOG_CHARS);
  };
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", log);
  const exited = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolveExit({ code, signal });
    });
  });

  const line = await new Promise((resolveLine, rejectLine) => {
    let buffered = "";
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) rejectLine(err);
      else resolveLine(value);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(new Error(`acs-emulator printed no start line within ${opts.timeoutMs ?? 15000} ms; logs:\n${logs}`));
    }, opts.timeoutMs ?? 15000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      if (done) {
        log(chunk);
        return;
      }
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline >= 0) {
        log(buffered.slice(newline + 1));
        finish(null, buffered.slice(0, newline).trim());
      }
    });
    child.once("error", (e) => finish(new Error(`acs-emulator could not start: ${e.message}`)));
    exited.then(({ code, signal }) =>
      finish(new Error(`acs-emulator exited (code ${code}, signal ${signal}) before it was ready; logs:\n${logs}`)),
    );
  });

  const match = LINE.exec(line);
  if (!match) {
    child.kill("SIGKILL");
    throw new Error(`acs-emulator printed an unexpected start line: ${line}`);
  }
  const [, url, connectionString, authorityHost, tenantId] = match;
  const accessKey = connectionString.split("accesskey=")[1];
  const port = Number(new URL(url).port);

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        const status = await exited;
        clearTimeout(timer);
        return status;
      }
      return exited;
    })();
    return stopping;
  };

  return { url, connectionString, accessKey, port, certFile, authorityHost, tenantId, process: child, logs: () => logs, stop };
}
