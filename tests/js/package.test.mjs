// The package as users get it: `npm pack`, then publint and Are the Types Wrong on the tarball, then the
// tarball installed into an outside app: an esbuild browser build that runs in Chromium, a Worker script
// answering a token request in workerd, and Node, each against the emulator.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { chromium } from "playwright-core";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { startEmulator, repoRoot } from "../support/emulator.mjs";
import { bundleWorker, workerModulesRules } from "./conformance/worker-bundle.mjs";

const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];

const browserApp = `import { CommunicationIdentityClient, decodeAccessToken, AcsError } from "acs-identity-edge";

const out = document.getElementById("out");
try {
  const { connectionString } = await (await fetch("/emulator/config")).json();
  const client = new CommunicationIdentityClient(connectionString);
  const { user, token, expiresOn } = await client.createUserAndToken(["chat"]);
  const claims = decodeAccessToken(token);
  let refused = null;
  try {
    await client.getToken(user, ["chat"], { tokenExpiresInMinutes: 5 });
  } catch (e) {
    refused = e instanceof AcsError ? e.code : String(e);
  }
  out.textContent = JSON.stringify({ user: user.communicationUserId, subject: claims.communicationUserId, expiresOn: expiresOn.toISOString(), token, refused });
} catch (e) {
  out.textContent = JSON.stringify({ error: String(e && e.stack || e) });
}
`;

const outsideWorker = `import { CommunicationIdentityClient } from "acs-identity-edge";

export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname !== "/token") return new Response("not found", { status: 404 });
    const client = new CommunicationIdentityClient(env.ACS_CONNECTION_STRING);
    const { user, token, expiresOn } = await client.createUserAndToken(["voip"], { tokenExpiresInMinutes: 60 });
    return Response.json({ acsUserId: user.communicationUserId, token, expiresOn });
  },
};
`;

const nodeApp = `import { CommunicationIdentityClient, parseConnectionString } from "acs-identity-edge";
const client = new CommunicationIdentityClient(process.env.ACS_CONNECTION_STRING);
const user = await client.createUser();
console.log(JSON.stringify({ user, endpoint: parseConnectionString(process.env.ACS_CONNECTION_STRING).endpoint }));
`;

describe("the packed package", () => {
  let dir;
  let tarball;
  let app;
  let emulator;
  let browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "acs-package-"));
    const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: repoRoot, encoding: "utf8" }));
    tarball = join(dir, packed[0].filename);
    // The tarball unpacked where `npm install <tarball>` would put it (the package has no dependencies).
    app = join(dir, "app");
    const installed = join(app, "node_modules", "acs-identity-edge");
    mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "outside-app", private: true, type: "module", dependencies: { "acs-identity-edge": `file:${tarball}` } }));
    mkdirSync(join(app, "public"));
    emulator = await startEmulator({ www: join(app, "public") });
  });
  after(async () => {
    await browser?.close();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("holds the runtime entries, the wasm, the types and the README, and nothing else", () => {
    const files = readdirSync(join(app, "node_modules", "acs-identity-edge"), { recursive: true }).map(String).sort();
    for (const f of ["package.json", "README.md", "dist/node.js", "dist/workerd.js", "dist/browser.js", "dist/api.js", "dist/index.d.ts", "dist/acs_identity_edge.js", "dist/acs_identity_edge_bg.wasm"]) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.ok(!files.some((f) => f.startsWith("src") || f.startsWith("tests") || f.startsWith("emulator") || f.endsWith(".rs")), files.join(", "));
    const manifest = JSON.parse(readFileSync(join(app, "node_modules", "acs-identity-edge", "package.json"), "utf8"));
    assert.deepEqual(manifest.dependencies ?? {}, {}, "no runtime dependencies");
  });

  it("publint finds nothing to fix", async () => {
    const bytes = readFileSync(tarball);
    const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, level: "suggestion", strict: true });
    const text = messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
    assert.deepEqual(text, []);
  });

  it("Are the Types Wrong finds no problem for ESM consumers (node16, bundler)", () => {
    // The package is ESM only (a CommonJS require gets CJSResolvesToESM), so the esm-only profile.
    let output;
    let status = 0;
    try {
      output = execFileSync(join(repoRoot, "node_modules", ".bin", "attw"), [tarball, "--format", "json", "--profile", "esm-only", "--no-color"], { encoding: "utf8" });
    } catch (e) {
      output = e.stdout;
      status = e.status;
    }
    const report = JSON.parse(output);
    assert.ok(report.analysis && report.analysis.types, "the package has types");
    const problems = Array.isArray(report.problems) ? report.problems : Object.values(report.problems ?? {}).flat();
    const esmProblems = problems.filter((p) => p.resolutionKind !== "node10" && p.resolutionKind !== "node16-cjs");
    assert.deepEqual(esmProblems.map((p) => `${p.kind} ${p.entrypoint ?? ""} ${p.resolutionKind ?? ""}`), []);
    assert.equal(status, 0, "attw --profile esm-only passes");
  });

  it("an esbuild browser app that imports it runs in Chromium against the emulator", async () => {
    writeFileSync(join(app, "main.js"), browserApp);
    const publicDir = join(app, "public");
    const result = await build({
      entryPoints: [join(app, "main.js")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      outfile: join(publicDir, "main.js"),
      logLevel: "silent",
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.some((p) => p.endsWith("acs-identity-edge/dist/browser.js")), `the browser entry was bundled: ${inputs.join(", ")}`);
    // The entry fetches the .wasm next to the script (new URL(..., import.meta.url)); esbuild leaves
    // assets to the app, so it goes beside main.js (Vite copies it by itself).
    copyFileSync(join(app, "node_modules", "acs-identity-edge", "dist", "acs_identity_edge_bg.wasm"), join(publicDir, "acs_identity_edge_bg.wasm"));
    writeFileSync(join(publicDir, "index.html"), `<!doctype html><meta charset="utf-8"><title>app</title><pre id="out"></pre><script type="module" src="./main.js"></script>\n`);

    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
    const page = await browser.newPage();
    const errors = [];
    const notes = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("requestfailed", (r) => notes.push(`failed ${r.url()}: ${r.failure()?.errorText}`));
    page.on("response", (r) => r.status() >= 400 && notes.push(`${r.status()} ${r.url()}`));
    await page.goto(`${emulator.url}/index.html`);
    await page.waitForFunction(() => document.getElementById("out").textContent !== "", null, { timeout: 30_000 }).catch((e) => {
      throw new Error(`the app did not finish: ${[...errors, ...notes].join("; ") || e.message}`);
    });
    const shown = JSON.parse(await page.textContent("#out"));
    assert.equal(shown.error, undefined, shown.error);
    assert.match(shown.user, /^8:acs:/);
    assert.equal(shown.subject, shown.user);
    assert.equal(shown.refused, "ERR_INVALID_ARGUMENT", "AcsError is the same class the client throws");
    const whoami = await fetch(`${emulator.url}/emulator/whoami`, { headers: { authorization: `Bearer ${shown.token}` } });
    assert.equal(whoami.status, 200);
    assert.deepEqual(errors, []);
  });

  it("an outside Worker script importing it answers a token request in workerd", async () => {
    writeFileSync(join(app, "worker.js"), outsideWorker);
    const scriptPath = await bundleWorker(join(app, "worker.js"), join(app, "worker-dist"));
    const bundled = readFileSync(scriptPath, "utf8");
    assert.ok(bundled.includes("./acs_identity_edge_bg.wasm"), "the .wasm stays a module import");
    const mf = new Miniflare({
      modules: true,
      scriptPath,
      modulesRoot: join(app, "worker-dist"),
      modulesRules: workerModulesRules,
      compatibilityDate: "2025-07-18",
      bindings: { ACS_CONNECTION_STRING: emulator.connectionString },
    });
    try {
      const response = await mf.dispatchFetch("http://worker/token");
      const text = await response.text();
      assert.equal(response.status, 200, text);
      const body = JSON.parse(text);
      assert.match(body.acsUserId, /^8:acs:/);
      const whoami = await fetch(`${emulator.url}/emulator/whoami`, { headers: { authorization: `Bearer ${body.token}` } });
      assert.equal(whoami.status, 200);
      assert.equal((await whoami.json()).id, body.acsUserId);
    } finally {
      await mf.dispose();
    }
  });

  it("Node imports it from node_modules by name", () => {
    writeFileSync(join(app, "node-app.mjs"), nodeApp);
    const out = execFileSync(process.execPath, [join(app, "node-app.mjs")], {
      cwd: app,
      encoding: "utf8",
      env: { ...process.env, ACS_CONNECTION_STRING: emulator.connectionString },
    });
    const shown = JSON.parse(out);
    assert.match(shown.user.communicationUserId, /^8:acs:/);
    assert.equal(shown.endpoint, emulator.url);
  });
});
