// Docs that run: every ```js block of README.md is executed as written (as an ES module inside the
// package, so `import ... from "acs-identity-edge"` resolves) against the local emulator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../support/emulator.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const blocks = [...readFileSync(join(root, "README.md"), "utf8").matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator && emulator.stop());

test("README has JS examples", () => assert.ok(blocks.length >= 2));

blocks.forEach((code, i) => {
  test(`README example ${i + 1} runs`, () => {
    const dir = join(root, "test-output", "readme");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${i + 1}.mjs`);
    // Snippets may use `connectionString` as a free variable: give it the emulator's.
    const prelude = /\bconst connectionString\b/.test(code) || !/\bconnectionString\b/.test(code)
      ? "" : "const connectionString = process.env.COMMUNICATION_SERVICES_CONNECTION_STRING;\n";
    const imports = code.match(/^import .*$/gm) || [];
    const body = code.replace(/^import .*$/gm, "");
    writeFileSync(file, `${imports.join("\n")}\n${prelude}${body}\nconsole.log("example finished");\n`);
    const r = spawnSync(process.execPath, [file], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /example finished/);
  });
});
