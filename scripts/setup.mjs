// Installs what the build and the tests need, skipping whatever is already in place:
// the wasm32 Rust target, the wasm-bindgen CLI at the exact version in Cargo.lock, npm packages,
// Debian's Chromium and ChromeDriver (when root), the Python packages of tests/python, and worker-build.
// Run directly (`npm run setup`) or through `npm test` / `npm start`.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
const ci = process.env.CI === "true" || process.env.CI === "1";

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: opts.capture ? "pipe" : "inherit", encoding: "utf8", ...opts });
  if (r.error && r.error.code === "ENOENT") return { status: 127, stdout: "", stderr: `${cmd}: not found` };
  return r;
}

function must(cmd, args, what) {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`setup: ${what} failed (${cmd} ${args.join(" ")})`);
}

function output(cmd, args) {
  const r = run(cmd, args, { capture: true });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function lockedVersion(crate) {
  const lock = readFileSync(join(root, "Cargo.lock"), "utf8");
  const m = lock.match(new RegExp(`\\[\\[package\\]\\]\\nname = "${crate}"\\nversion = "([^"]+)"`));
  if (!m) throw new Error(`setup: ${crate} is not in Cargo.lock`);
  return m[1];
}

export const cargoBin = join(process.env.CARGO_HOME || join(process.env.HOME || "/root", ".cargo"), "bin");
if (!process.env.PATH.split(":").includes(cargoBin)) process.env.PATH = `${cargoBin}:${process.env.PATH}`;

function wasmTarget() {
  const installed = output("rustup", ["target", "list", "--installed"]) || "";
  const components = output("rustup", ["component", "list", "--installed"]) || "";
  const done = [];
  if (!installed.split("\n").includes("wasm32-unknown-unknown")) {
    must("rustup", ["target", "add", "wasm32-unknown-unknown"], "adding the wasm32 target");
    done.push("wasm32-unknown-unknown");
  }
  // The package build recompiles std for size (scripts/build.mjs), which needs the standard library source.
  if (!components.split("\n").some((c) => c.startsWith("rust-src"))) {
    must("rustup", ["component", "add", "rust-src"], "adding the rust-src component");
    done.push("rust-src");
  }
  return done.length ? `installed ${done.join(", ")}` : "present";
}

function wasmBindgen() {
  const want = lockedVersion("wasm-bindgen");
  const have = output("wasm-bindgen", ["--version"]);
  const runner = output("wasm-bindgen-test-runner", ["--version"]);
  if (have && have.endsWith(` ${want}`) && runner && runner.endsWith(` ${want}`)) return `present (${want})`;
  // Without --locked: the CLI's own lockfile can ask for crates newer than the registry serves.
  must("cargo", ["install", "wasm-bindgen-cli", "--version", want, "--force"], `installing wasm-bindgen-cli ${want}`);
  return `installed (${want})`;
}

// The Rust Worker example (examples/rust-worker) is built with worker-build (tests/js/rust-worker.test.mjs).
export const WORKER_BUILD_VERSION = "0.8.7";

function workerBuild() {
  const have = output("worker-build", ["--version"]);
  if (have && have.endsWith(WORKER_BUILD_VERSION)) return `present (${WORKER_BUILD_VERSION})`;
  must("cargo", ["install", "worker-build", "--version", WORKER_BUILD_VERSION, "--locked", "--force"], `installing worker-build ${WORKER_BUILD_VERSION}`);
  return `installed (${WORKER_BUILD_VERSION})`;
}

// twiggy, for the size table of `npm run bench` (bench/size.mjs); not part of setup().
export const TWIGGY_VERSION = "0.8.0";

export function twiggy() {
  const have = output("twiggy", ["--version"]);
  if (have && have.endsWith(TWIGGY_VERSION)) return;
  must("cargo", ["install", "twiggy", "--version", TWIGGY_VERSION, "--locked", "--force"], `installing twiggy ${TWIGGY_VERSION}`);
}

function npmPackages() {
  const lock = join(root, "package-lock.json");
  const stamp = join(root, "node_modules", ".package-lock.json");
  const fresh = existsSync(stamp) && existsSync(lock) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs
    && existsSync(join(root, "node_modules", ".bin", "wasm-opt"));
  if (fresh) return "present";
  must("npm", [existsSync(lock) ? "ci" : "install", "--no-audit", "--no-fund"], "installing npm packages");
  return "installed";
}

function chromium() {
  if (existsSync("/usr/bin/chromium") && existsSync("/usr/bin/chromedriver")) return "present";
  if (process.getuid && process.getuid() === 0) {
    must("apt-get", ["update", "-qq"], "apt-get update");
    must("apt-get", ["install", "-y", "-qq", "chromium", "chromium-driver"], "installing chromium");
    return "installed";
  }
  if (ci) throw new Error("setup: Chromium is missing and this is not root; install Debian's chromium and chromium-driver");
  return "missing (not root: install Debian's chromium and chromium-driver)";
}

function python() {
  const req = join(root, "tests", "python", "requirements.txt");
  if (!existsSync(req)) return "nothing to install";
  const venv = join(root, ".venv");
  const digest = createHash("sha256").update(readFileSync(req)).digest("hex");
  const stamp = join(venv, ".requirements.sha256");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return "present";
  if (!existsSync(join(venv, "bin", "python"))) must("python3", ["-m", "venv", venv], "creating .venv");
  must(join(venv, "bin", "python"), ["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", req], "pip install");
  mkdirSync(venv, { recursive: true });
  writeFileSync(stamp, digest);
  return "installed";
}

export function setup() {
  const started = Date.now();
  const steps = [["wasm32 target and rust-src", wasmTarget], ["wasm-bindgen CLI", wasmBindgen], ["npm packages", npmPackages],
    ["Chromium", chromium], ["Python packages", python], ["worker-build", workerBuild]];
  for (const [name, step] of steps) {
    const result = step();
    console.log(`setup: ${name}: ${result}`);
  }
  console.log(`setup: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    setup();
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
