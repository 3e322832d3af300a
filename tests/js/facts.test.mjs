// The facts that the package's JS (js/api.js), its types (js/index.d.ts) and the demo page (www/) must
// repeat, checked against the Rust source where each is defined once (read by tests/support/facts.mjs):
// scopes, error codes, operation names, api-versions and token lifetime bounds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { facts } from "../support/facts.mjs";
import { repoRoot } from "../support/emulator.mjs";

const read = (path) => readFileSync(join(repoRoot, path), "utf8");
const types = read("js/index.d.ts");
const api = read("js/api.js");
const html = read("www/index.html");
const page = read("www/quickstart.js");

/** The string literals of a TS union type `export type Name = "a" | "b" | ...;`. */
function unionLiterals(name) {
  const m = types.match(new RegExp(`export type ${name} =([^;]*);`));
  assert.ok(m, `no type ${name} in index.d.ts`);
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

const sorted = (xs) => [...xs].sort();

test("the Rust source is read as expected", () => {
  assert.ok(facts.knownApiVersions.includes(facts.defaultApiVersion));
  assert.ok(facts.knownApiVersions.includes(facts.previewApiVersion));
  assert.ok(!facts.knownApiVersions.includes(facts.legacyApiVersion));
  assert.ok(facts.teamsApiVersions.every((v) => facts.knownApiVersions.includes(v)));
  assert.deepEqual(facts.knownApiVersions, sorted(facts.knownApiVersions), "oldest first");
  assert.equal(new Set(facts.knownApiVersions).size, facts.knownApiVersions.length);
  assert.ok(facts.scopes.includes("voip") && facts.scopes.length >= 5);
  assert.ok(facts.minExpiresInMinutes > 0 && facts.minExpiresInMinutes < facts.maxExpiresInMinutes);
  assert.ok(facts.errorCodes.includes("ERR_SERVICE") && facts.errorCodes.includes("ERR_INTERNAL"));
});

test("every operation is in OperationKind::ALL, the JS client and its types", () => {
  assert.equal(facts.operationKindVariants, facts.operationNames.length, "one OperationKind variant per operation");
  assert.equal(facts.operationKindAll, facts.operationNames.length, "OperationKind::ALL lists every variant");
  const called = [...api.matchAll(/this\.#call\("(\w+)"/g)].map((m) => m[1]);
  assert.deepEqual(sorted(called), sorted(facts.operationNames), "js/api.js calls each operation once");
  const client = types.slice(types.indexOf("export declare class CommunicationIdentityClient"));
  const methods = client.slice(0, client.indexOf("\n}"));
  for (const name of facts.operationNames) assert.match(methods, new RegExp(`\\n  ${name}\\(`), `index.d.ts declares ${name}`);
});

test("the types' scopes and error codes are the library's", () => {
  assert.deepEqual(unionLiterals("TokenScope"), facts.scopes);
  assert.deepEqual(sorted(unionLiterals("AcsErrorCode")), sorted(facts.errorCodes));
});

test("api.js throws only the library's error codes", () => {
  const codes = new Set([...api.matchAll(/"(ERR_[A-Z_]+)"/g)].map((m) => m[1]));
  assert.ok(codes.size > 0);
  for (const code of codes) assert.ok(facts.errorCodes.includes(code), code);
});

test("versions and lifetime bounds in the types and api.js are the library's", () => {
  for (const source of [types, api]) {
    for (const [version] of source.matchAll(/\b20\d\d-\d\d-\d\d(-preview\d*)?\b/g)) {
      assert.ok(facts.knownApiVersions.includes(version), version);
    }
  }
  assert.match(types, new RegExp(`Default \`${facts.defaultApiVersion}\`; \`${facts.previewApiVersion}\` enables`));
  const bounds = [...types.matchAll(/an integer from (\d+) to (\d+) \(default (\d+)\)/g)];
  assert.ok(bounds.length >= 2);
  for (const [, min, max, dflt] of bounds) {
    assert.deepEqual([+min, +max, +dflt], [facts.minExpiresInMinutes, facts.maxExpiresInMinutes, facts.maxExpiresInMinutes]);
  }
});

test("the demo page offers the library's scopes and lifetime bounds", () => {
  const offered = [...html.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(offered, facts.scopes);
  const input = html.match(/<input type="number" id="expires-in"[^>]*>/)[0];
  assert.match(input, new RegExp(`min="${facts.minExpiresInMinutes}" max="${facts.maxExpiresInMinutes}"`));
  assert.match(html, new RegExp(`id="expires-hint">${facts.minExpiresInMinutes} to ${facts.maxExpiresInMinutes}<`));
  assert.match(page, new RegExp(`const MIN_MINUTES = ${facts.minExpiresInMinutes};`));
  assert.match(page, new RegExp(`const MAX_MINUTES = ${facts.maxExpiresInMinutes};`));
  // The page's own codes for its own checks; every other code it names is the library's.
  const pageOwn = new Set(["ERR_SERVICE_CHECK", "ERR_UNEXPECTED"]);
  for (const [, code] of page.matchAll(/"(ERR_[A-Z_]+)"/g)) {
    assert.ok(facts.errorCodes.includes(code) || pageOwn.has(code), code);
  }
});

test("the trace redaction of api.js uses the library's secret-name endings and placeholder", () => {
  const rust = read("src/redact.rs");
  const endings = rust.match(/const SECRET_NAME_ENDINGS: \[&str; \d+\] = \[([^\]]*)\];/);
  assert.ok(endings, "SECRET_NAME_ENDINGS in src/redact.rs");
  const fromRust = [...endings[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const js = api.match(/\.test\(key\) \? REDACTED/) && api.match(/\/\(([\w|]+)\)\$\/i\.test\(key\)/);
  assert.ok(js, "the secret-name pattern in js/api.js");
  assert.deepEqual(js[1].split("|"), fromRust);
  const placeholder = rust.match(/pub\(crate\) const REDACTED: &str = "([^"]*)";/)[1];
  assert.match(api, new RegExp(`const REDACTED = "${placeholder}";`));
});
