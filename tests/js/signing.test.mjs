// The signing and connection-string vectors, run through the npm package's public API (signRequest,
// parseConnectionString) in Node: the same wasm module a Worker or browser loads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { signRequest, parseConnectionString, AcsError } from "acs-identity-edge";

const data = (name) => JSON.parse(readFileSync(new URL(`../data/vectors/${name}`, import.meta.url), "utf8"));
const signing = data("signing.json");
const connectionStrings = data("connection-strings.json");

test("every request vector signs byte for byte", () => {
  assert.equal(signing.requests.length, 20);
  for (const v of signing.requests) {
    const cs = `endpoint=https://${v.host}/;accesskey=${v.access_key}`;
    const headers = signRequest(cs, { method: v.method, url: v.url, body: v.body ?? undefined, date: new Date(v.unix_time * 1000) });
    assert.deepEqual(headers, {
      "x-ms-date": v.x_ms_date,
      "x-ms-content-sha256": v.content_sha256,
      authorization: v.authorization,
    }, v.id);
  }
});

test("a Uint8Array body hashes like the same string", () => {
  const v = signing.requests.find((r) => r.id === "js-issue-token");
  const cs = `endpoint=https://${v.host}/;accesskey=${v.access_key}`;
  const headers = signRequest(cs, { method: "POST", url: v.url, body: new TextEncoder().encode(v.body), date: new Date(v.unix_time * 1000) });
  assert.equal(headers.authorization, v.authorization);
});

test("content-hash vectors", () => {
  for (const c of signing.content_hashes) {
    const h = signRequest("endpoint=https://x.example/;accesskey=pw==", { method: "POST", url: "https://x.example/", body: c.body });
    assert.equal(h["x-ms-content-sha256"], c.content_sha256);
  }
});

test("date vectors format as IMF-fixdate", () => {
  for (const d of signing.dates) {
    const h = signRequest("endpoint=https://x.example/;accesskey=pw==", { method: "GET", url: "https://x.example/", date: new Date(d.unix_time * 1000) });
    assert.equal(h["x-ms-date"], d.x_ms_date);
  }
});

test("connection-string cases, and no error ever holds the key", () => {
  assert.equal(connectionStrings.cases.length, 28);
  for (const c of connectionStrings.cases) {
    let text;
    try {
      const parsed = parseConnectionString(c.input);
      assert.equal(c.expect, "ok", `${JSON.stringify(c.input)} should fail`);
      assert.equal(parsed.endpoint, c.endpoint);
      assert.deepEqual(Object.keys(parsed).sort(), ["endpoint", "host"]);
      text = JSON.stringify(parsed);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assert.ok(e instanceof AcsError && e instanceof Error, String(e));
      assert.equal(c.expect, "error", `${JSON.stringify(c.input)}: ${e.message}`);
      assert.equal(e.code, "ERR_INVALID_CONNECTION_STRING");
      assert.equal(e.target, c.part, c.input);
      text = `${e.message} ${e.stack} ${JSON.stringify(e)} ${String(e)}`;
    }
    for (const secret of connectionStrings.secret_that_must_not_leak) assert.ok(!text.includes(secret), `leak for ${c.input}`);
  }
});

test("a URL string that fetch would rewrite is signed as fetch sends it", () => {
  const cs = "endpoint=https://x.example/;accesskey=pw==";
  const date = new Date(1_649_873_352_000);
  for (const [given, sent] of [
    ["https://x.example/a b?q=<x>", "https://x.example/a%20b?q=%3Cx%3E"],
    ["https://X.EXAMPLE:443/./p/../é", "https://x.example/%C3%A9"],
    ["https://x.example/already%20encoded?%6D=~", "https://x.example/already%20encoded?%6D=~"],
  ]) {
    assert.equal(new URL(given).href, sent);
    assert.deepEqual(signRequest(cs, { method: "GET", url: given, date }), signRequest(cs, { method: "GET", url: sent, date }), given);
  }
});

test("bad arguments are typed errors and the module keeps working", () => {
  const cs = "endpoint=https://x.example/;accesskey=pw==";
  for (const bad of [
    () => signRequest(cs, { method: "GET", url: "not a url" }),
    () => signRequest(cs, { method: "G E T", url: "https://x.example/" }),
    () => signRequest(cs, { method: "GET", url: "/relative/only" }),
    () => signRequest(cs, { method: "GET", url: "https://x.example/", date: new Date(NaN) }),
    () => signRequest(cs, { method: "POST", url: "https://x.example/", body: 42 }),
    () => signRequest(cs, null),
    () => signRequest("endpoint=https://x.example/;accesskey=%%%", { method: "GET", url: "https://x.example/" }),
  ]) {
    assert.throws(bad, (e) => e instanceof AcsError && /^ERR_INVALID_(ARGUMENT|CONNECTION_STRING)$/.test(e.code));
  }
  assert.match(signRequest(cs, { method: "GET", url: "https://x.example/" }).authorization, /^HMAC-SHA256 /);
});
