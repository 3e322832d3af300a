// The Worker example (examples/cloudflare-worker) with real Wrangler (the root's `wrangler` devDependency),
// offline: `wrangler deploy --dry-run --outdir` bundles it with the package's .wasm, and `wrangler dev`
// answers an authenticated token request against the emulator. The example is copied to a temporary
// directory whose node_modules links the repository, as its `file:../..` dependency does after
// `npm install`; the .dev.vars there is written by the example's own scripts/dev-vars.mjs. Every Wrangler
// run is bounded in time, and its process group is killed at the end.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeAccessToken } from "acs-identity-edge";
import { startEmulator, repoRoot } from "../support/emulator.mjs";

const exampleDir = join(repoRoot, "examples", "cloudflare-worker");
const wranglerBin = join(repoRoot, "node_modules", "wrangler", "bin", "wrangler.js");
const DEPLOY_TIMEOUT_MS = 45_000;
const DEV_READY_TIMEOUT_MS = 45_000;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the Worker example with Wrangler", () => {
  let dir;
  let app;
  let emulator;
  let env;
  const children = new Set();

  /** Wrangler in its own process group (it starts workerd), so the whole group can be ended. */
  function wrangler(args) {
    const child = spawn(process.execPath, [wranglerBin, ...args], { cwd: app, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    children.add(child);
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    const exited = new Promise((resolve) => child.on("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }));
    return { child, exited, output: () => output };
  }

  function stop(child, signal = "SIGTERM") {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "acs-wrangler-"));
    app = join(dir, "app");
    mkdirSync(app);
    for (const name of ["src", "scripts", "wrangler.toml", "package.json", ".dev.vars.example"]) cpSync(join(exampleDir, name), join(app, name), { recursive: true });
    mkdirSync(join(app, "node_modules"));
    symlinkSync(repoRoot, join(app, "node_modules", "acs-identity-edge"), "dir");
    emulator = await startEmulator();
    env = {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_LOG_PATH: join(dir, "logs"),
      XDG_CONFIG_HOME: join(dir, "config"),
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      CI: "1",
    };
  });
  after(async () => {
    for (const child of children) stop(child, "SIGKILL");
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the example depends on the package in this repository, with a committed lockfile", () => {
    const manifest = JSON.parse(readFileSync(join(exampleDir, "package.json"), "utf8"));
    assert.equal(manifest.dependencies["acs-identity-edge"], "file:../..", "not a registry name that anyone could register");
    const rootManifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    assert.equal(manifest.devDependencies.wrangler, rootManifest.devDependencies.wrangler, "the Wrangler this test runs");
    const lock = JSON.parse(readFileSync(join(exampleDir, "package-lock.json"), "utf8"));
    assert.equal(lock.packages[""].dependencies["acs-identity-edge"], "file:../..");
    assert.deepEqual(lock.packages["node_modules/acs-identity-edge"], { resolved: "../..", link: true });
    assert.equal(lock.packages["node_modules/wrangler"].version, manifest.devDependencies.wrangler);
  });

  it("wrangler deploy --dry-run --outdir bundles the Worker with the package's .wasm", { timeout: DEPLOY_TIMEOUT_MS + 15_000 }, async () => {
    const outdir = join(dir, "out");
    const run = wrangler(["deploy", "--dry-run", "--outdir", outdir]);
    const timer = setTimeout(() => stop(run.child, "SIGKILL"), DEPLOY_TIMEOUT_MS);
    const { code, signal } = await run.exited;
    clearTimeout(timer);
    assert.equal(code, 0, `wrangler deploy --dry-run (exit ${code}, ${signal}):\n${run.output()}`);
    assert.match(run.output(), /--dry-run: exiting now/);
    const files = readdirSync(outdir);
    const wasm = files.filter((f) => f.endsWith(".wasm"));
    assert.equal(wasm.length, 1, `one .wasm in the bundle: ${files.join(", ")}`);
    assert.ok(readFileSync(join(outdir, wasm[0])).equals(readFileSync(join(repoRoot, "dist", "acs_identity_edge_bg.wasm"))), "the package's .wasm, unchanged");
    const script = readFileSync(join(outdir, "index.js"), "utf8");
    assert.ok(script.includes(`"./${wasm[0]}"`), "the Worker imports the .wasm as a module");
    assert.ok(!script.includes("WebAssembly.compile("), "no compiling of bytes (Workers forbid it)");
    assert.ok(/export\s*\{[^}]*\bAppUser\b[^}]*\}/.test(script), "the Durable Object class is exported by the bundle");
  });

  it("wrangler dev answers an authenticated token request against the emulator", { timeout: DEV_READY_TIMEOUT_MS + 30_000 }, async () => {
    execFileSync(process.execPath, ["scripts/dev-vars.mjs", "--connection-string", emulator.connectionString], { cwd: app, env });
    assert.ok(existsSync(join(app, ".dev.vars")));
    const port = await freePort();
    const inspectorPort = await freePort();
    const dev = wrangler(["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", join(dir, "state"), "--show-interactive-dev-session=false", "--log-level", "info"]);
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + DEV_READY_TIMEOUT_MS;
      let ready = false;
      while (!ready) {
        assert.ok(Date.now() < deadline, `wrangler dev was not ready within ${DEV_READY_TIMEOUT_MS} ms:\n${dev.output()}`);
        assert.equal(dev.child.exitCode, null, `wrangler dev exited:\n${dev.output()}`);
        ready = await fetch(`${base}/api/nothing`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status === 404, () => false);
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const sessionToken = execFileSync(process.execPath, ["scripts/session-token.mjs", "alice@wrangler"], { cwd: app, env, encoding: "utf8" }).trim();
      const before = (await (await fetch(`${emulator.url}/emulator/health`)).json()).identities;
      const r = await fetch(`${base}/api/token`, {
        method: "POST",
        headers: { authorization: `Bearer ${sessionToken}`, "content-type": "application/json" },
        body: JSON.stringify({ scopes: ["chat"] }),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await r.text();
      assert.equal(r.status, 200, `${text}\n${dev.output()}`);
      const answer = JSON.parse(text);
      assert.match(answer.acsUserId, /^8:acs:/);
      const claims = decodeAccessToken(answer.token);
      assert.equal(claims.communicationUserId, answer.acsUserId);
      assert.deepEqual(claims.scopes, ["chat"]);
      assert.equal((await fetch(`${emulator.url}/emulator/whoami`, { headers: { authorization: `Bearer ${answer.token}` } })).status, 200, "the emulator accepts the token");
      assert.equal((await (await fetch(`${emulator.url}/emulator/health`)).json()).identities, before + 1, "one ACS user created in the emulator");
      const unauthenticated = await fetch(`${base}/api/token`, { method: "POST", signal: AbortSignal.timeout(10_000) });
      assert.equal(unauthenticated.status, 401);
      await unauthenticated.text();
    } finally {
      stop(dev.child);
      const timer = setTimeout(() => stop(dev.child, "SIGKILL"), 10_000);
      await dev.exited;
      clearTimeout(timer);
    }
  });
});
