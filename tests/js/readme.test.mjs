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

const ENTRA = {
  ACS_EMULATOR_ENTRA_TENANT_ID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  ACS_EMULATOR_ENTRA_CLIENT_ID: "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b",
  ACS_EMULATOR_ENTRA_CLIENT_SECRET: "readme~client.secret_0123456789",
};

let emulator;
before(async () => {
  // The emulator is also the Entra ID authority of the Authentication examples (local auth stays on).
  emulator = await startEmulator({ env: ENTRA });
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
      env: {
        ...process.env,
        COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString,
        COMMUNICATION_SERVICES_ENDPOINT: emulator.url,
        COMMUNICATION_SERVICES_ACCESS_KEY: emulator.accessKey,
        AZURE_TENANT_ID: ENTRA.ACS_EMULATOR_ENTRA_TENANT_ID,
        AZURE_CLIENT_ID: ENTRA.ACS_EMULATOR_ENTRA_CLIENT_ID,
        AZURE_CLIENT_SECRET: ENTRA.ACS_EMULATOR_ENTRA_CLIENT_SECRET,
        AZURE_AUTHORITY_HOST: emulator.authorityHost,
      },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /example finished/);
  });
});
