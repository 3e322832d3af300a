// The conformance suite in headless Chromium (Playwright), against the emulator with faults on. The
// emulator also serves the page (--www), so the page and the API share one origin as in the demo.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { cases, emulatorEnv } from "./conformance/cases.mjs";
import { tally } from "./conformance/tally.mjs";
import { startEmulator, repoRoot } from "../support/emulator.mjs";

const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
];

const page = `<!doctype html>
<meta charset="utf-8">
<title>conformance</title>
<script type="importmap">{ "imports": { "acs-identity-edge": "./pkg/browser.js" } }</script>
<script type="module" src="./conformance/browser-runner.mjs"></script>
`;

describe("conformance: chromium", () => {
  const results = tally("chromium");
  let emulator;
  let browser;
  let tab;
  let dir;
  const pageErrors = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "acs-conformance-chromium-"));
    cpSync(join(repoRoot, "dist"), join(dir, "pkg"), { recursive: true });
    mkdirSync(join(dir, "conformance"));
    for (const file of ["cases.mjs", "expect.mjs", "browser-runner.mjs"]) {
      cpSync(fileURLToPath(new URL(`./conformance/${file}`, import.meta.url)), join(dir, "conformance", file));
    }
    writeFileSync(join(dir, "index.html"), page);
    emulator = await startEmulator({ faults: true, www: dir, env: emulatorEnv });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
    tab = await browser.newPage();
    const notes = [];
    tab.on("pageerror", (e) => pageErrors.push(e.message));
    tab.on("console", (m) => notes.push(`console ${m.type()}: ${m.text()}`));
    tab.on("requestfailed", (r) => notes.push(`failed ${r.url()}: ${r.failure()?.errorText}`));
    tab.on("response", (r) => r.status() >= 400 && notes.push(`${r.status()} ${r.url()}`));
    await tab.goto(`${emulator.url}/index.html`);
    await tab.waitForFunction(() => document.title === "conformance ready" || undefined, null, { timeout: 30_000 }).catch((e) => {
      throw new Error(`the page did not load the suite: ${[...pageErrors, ...notes].join("; ") || e.message}`);
    });
  });
  after(async () => {
    results.report();
    await browser?.close();
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs the same case list as Node", async () => {
    assert.deepEqual(await tab.evaluate(() => globalThis.conformance.names), cases.map((c) => c.name));
  });
  cases.forEach((testCase, index) => {
    it(testCase.name, { timeout: 30_000 }, () => results.track(async () => {
      const result = await tab.evaluate((i) => globalThis.conformance.run(i), index);
      assert.equal(result.name, testCase.name);
      assert.ok(result.ok, result.error);
    }));
  });
  it("raised no uncaught error in the page", () => {
    assert.deepEqual(pageErrors, []);
  });
});
