// The published .d.ts is part of the contract: `tsc --noEmit` over tests/types/ accepts the documented
// uses and rejects the wrong ones (`@ts-expect-error` lines), against the built package's types.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("tsc accepts the typed API and rejects misuse", () => {
  const tsc = `${root}node_modules/typescript/bin/tsc`;
  const r = spawnSync(process.execPath, [tsc, "-p", "tests/types/tsconfig.json"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("the public API has no `any`", async () => {
  const { readFile } = await import("node:fs/promises");
  const dts = await readFile(new URL("../../dist/index.d.ts", import.meta.url), "utf8");
  assert.doesNotMatch(dts, /\bany\b/);
});
