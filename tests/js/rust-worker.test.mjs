// examples/rust-worker, a Rust Worker on the crate's `js` module (the identity client over `fetch`), built with
// worker-build (the version scripts/setup.mjs installs, with the local wasm-bindgen, esbuild and wasm-opt)
// and run in workerd (Miniflare) against the emulator: the token it issues is one the emulator accepts,
// and every failure is a clear JSON error that never repeats the access key.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { startEmulator, repoRoot } from "../support/emulator.mjs";
import { cargoBin, lockedVersion, WORKER_BUILD_VERSION } from "../../scripts/setup.mjs";

const exampleDir = join(repoRoot, "examples", "rust-worker");
const buildDir = join(exampleDir, "build");
const SECRET = "COMMUNICATION_SERVICES_CONNECTION_STRING";
// The first build compiles the `worker` crate and its dependencies for wasm32 (minutes on 2 cores).
const BUILD_TIMEOUT_MS = 25 * 60 * 1000;

/** The version `name` has in a Cargo.lock. */
function lockVersion(lockPath, name) {
  const m = readFileSync(lockPath, "utf8").match(new RegExp(`\\[\\[package\\]\\]\\nname = "${name}"\\nversion = "([^"]+)"`));
  return m && m[1];
}

/** Builds the example with worker-build; throws with what went wrong. */
function buildWorker() {
  const bin = join(cargoBin, "worker-build");
  const version = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (version.error || !version.stdout.trim().endsWith(WORKER_BUILD_VERSION)) {
    throw new Error(`worker-build ${WORKER_BUILD_VERSION} is not installed at ${bin} (run \`npm run setup\`)`);
  }
  const local = {
    WASM_BINDGEN_BIN: join(cargoBin, "wasm-bindgen"),
    ESBUILD_BIN: join(repoRoot, "node_modules", ".bin", "esbuild"),
    WASM_OPT_BIN: join(repoRoot, "node_modules", ".bin", "wasm-opt"),
  };
  for (const [name, path] of Object.entries(local)) {
    if (!existsSync(path)) throw new Error(`${name}: ${path} is missing (run \`npm run setup\`); worker-build would download it`);
  }
  const r = spawnSync(bin, ["--release"], {
    cwd: exampleDir,
    env: { ...process.env, ...local },
    encoding: "utf8",
    timeout: BUILD_TIMEOUT_MS,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status} ${r.signal ?? ""}`;
    throw new Error(`worker-build --release failed (${why}):\n${(r.stderr || "").slice(-4000)}`);
  }
  for (const file of ["index.js", "index_bg.wasm"]) {
    if (!existsSync(join(buildDir, file))) throw new Error(`worker-build left no build/${file}`);
  }
}

async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("Rust Worker (examples/rust-worker) in workerd", () => {
  let emulator;
  const workers = [];
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(exampleDir, "wrangler.toml"), "utf8"))[1];

  before(async () => {
    buildWorker();
    emulator = await startEmulator();
  }, { timeout: BUILD_TIMEOUT_MS + 60_000 });
  after(async () => {
    for (const mf of workers) await mf.dispose().catch(() => {});
    await emulator?.stop();
  });

  async function startWorker(bindings) {
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(buildDir, "index.js"),
      modulesRoot: buildDir,
      modulesRules: [
        { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      compatibilityDate,
      bindings,
    });
    await mf.ready;
    workers.push(mf);
    return mf;
  }

  async function call(mf, method, path) {
    const response = await mf.dispatchFetch(`https://tokens.example.test${path}`, { method });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
  }

  it("its Cargo.lock has the wasm-bindgen of the library's, which is the CLI worker-build runs", () => {
    const example = lockVersion(join(exampleDir, "Cargo.lock"), "wasm-bindgen");
    assert.ok(example, "wasm-bindgen is in examples/rust-worker/Cargo.lock");
    assert.equal(example, lockedVersion("wasm-bindgen"));
    const cli = spawnSync(join(cargoBin, "wasm-bindgen"), ["--version"], { encoding: "utf8" }).stdout.trim();
    assert.equal(cli, `wasm-bindgen ${example}`);
  });

  it("POST /api/token creates a user with a voip token that the emulator accepts", { timeout: 60_000 }, async () => {
    const mf = await startWorker({ [SECRET]: emulator.connectionString });
    const r = await call(mf, "POST", "/api/token");
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get("content-type"), /^application\/json/);
    assert.match(r.json.user.communicationUserId, /^8:acs:/);
    assert.ok(Date.parse(r.json.expiresOn) > Date.now(), r.json.expiresOn);
    const whoami = await fetch(`${emulator.url}/emulator/whoami`, { headers: { authorization: `Bearer ${r.json.token}` } });
    assert.equal(whoami.status, 200);
    const me = await whoami.json();
    assert.equal(me.id, r.json.user.communicationUserId);
    assert.deepEqual(me.scopes, ["voip"]);
    // Each request is a new user.
    const again = await call(mf, "POST", "/api/token");
    assert.equal(again.status, 200, again.text);
    assert.notEqual(again.json.user.communicationUserId, r.json.user.communicationUserId);
  });

  it("other methods get 405 with Allow, other paths 404", { timeout: 60_000 }, async () => {
    const mf = await startWorker({ [SECRET]: emulator.connectionString });
    const get = await call(mf, "GET", "/api/token");
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    assert.equal(get.json.error.code, "MethodNotAllowed");
    const other = await call(mf, "POST", "/api/other");
    assert.equal(other.status, 404);
    assert.equal(other.json.error.code, "NotFound");
  });

  it("without the secret it says what is missing", { timeout: 60_000 }, async () => {
    const mf = await startWorker({});
    const r = await call(mf, "POST", "/api/token");
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, "NotConfigured");
    assert.match(r.json.error.message, new RegExp(SECRET));
  });

  it("a connection string that does not parse is ERR_INVALID_CONNECTION_STRING, without its key", { timeout: 60_000 }, async () => {
    const key = "not-base64-secret-value!!";
    const mf = await startWorker({ [SECRET]: `endpoint=${emulator.url}/;accesskey=${key}` });
    const r = await call(mf, "POST", "/api/token");
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, "ERR_INVALID_CONNECTION_STRING");
    assert.ok(!r.text.includes(key), r.text);
  });

  it("a wrong access key is the service's refusal (502), without the key", { timeout: 60_000 }, async () => {
    const key = Buffer.from("a key the emulator does not have, 32b").toString("base64");
    const mf = await startWorker({ [SECRET]: `endpoint=${emulator.url}/;accesskey=${key}` });
    const r = await call(mf, "POST", "/api/token");
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json.error.code, "ERR_SERVICE");
    assert.ok(!r.text.includes(key), r.text);
  });

  it("an endpoint that does not answer is ERR_NETWORK (502) after the retries", { timeout: 120_000 }, async () => {
    const mf = await startWorker({ [SECRET]: `endpoint=http://127.0.0.1:${await closedPort()}/;accesskey=${emulator.accessKey}` });
    const r = await call(mf, "POST", "/api/token");
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json.error.code, "ERR_NETWORK");
    assert.ok(!r.text.includes(emulator.accessKey), r.text);
  });
});
