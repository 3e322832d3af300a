// No access key in anything the package or the emulator shows: every error path of the JS API
// (connection strings, service errors, network errors, timeouts, aborts, bad arguments), the errors'
// message, stack, JSON and util.inspect, the client object itself, what `onRequest` sees, and the
// emulator's logs (at trace level) and data file. The key is searched in base64 (padded, unpadded,
// url-safe), hex and raw form, and as any 12-character piece of those.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import net from "node:net";
import { mkdtempSync, readFileSync, rmSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AcsError,
  CommunicationIdentityClient,
  createSignedFetch,
  parseConnectionString,
  signRequest,
} from "acs-identity-edge";
import { startEmulator } from "../support/emulator.mjs";

// A readable canary, so that a leak of the decoded bytes is as visible as one of the base64.
const KEY_TEXT = "cnry-Hq3vT8nW1pZ6kS0bX4mJ7cR2yF9dL5";
const KEY = Buffer.from(KEY_TEXT).toString("base64");

function formsOf(raw) {
  const b = Buffer.from(raw);
  const whole = [
    b.toString("base64"),
    b.toString("base64").replace(/=+$/, ""),
    b.toString("base64url"),
    b.toString("hex"),
    b.toString("hex").toUpperCase(),
    b.toString("latin1"),
    [...b].join(","),
  ].filter((s) => s.length >= 12);
  const out = new Set(whole);
  for (const s of whole) for (let i = 0; i + 12 <= s.length; i++) out.add(s.slice(i, i + 12));
  return [...out];
}
const FORBIDDEN = formsOf(KEY_TEXT);
let checked = 0;

function assertClean(what, text) {
  const hit = FORBIDDEN.find((f) => text.includes(f));
  assert.equal(hit, undefined, `${what} holds the key (as ${JSON.stringify(hit)}): ${text.slice(0, 2000)}`);
  checked++;
}

/** Every way an error is usually shown. */
function assertErrorClean(what, e) {
  assert.ok(e instanceof AcsError, `${what}: not an AcsError: ${e && e.stack}`);
  assertClean(`${what} message`, String(e.message));
  assertClean(`${what} stack`, String(e.stack));
  assertClean(`${what} String()`, String(e));
  assertClean(`${what} JSON`, JSON.stringify(e));
  assertClean(`${what} inspect`, inspect(e, { depth: 10, showHidden: true }));
  assertClean(`${what} own properties`, JSON.stringify(Object.getOwnPropertyNames(e).map((k) => [k, String(e[k])])));
  if (e.cause) assertClean(`${what} cause`, inspect(e.cause, { depth: 10 }));
}

async function caught(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}

test("the search finds every form of the key", () => {
  const b = Buffer.from(KEY_TEXT);
  for (const leaked of [KEY, b.toString("base64url"), KEY_TEXT, b.toString("hex"), `x ${KEY.slice(3, 19)} y`, [...b].join(",")]) {
    assert.ok(FORBIDDEN.some((f) => leaked.includes(f)), leaked);
  }
  assertClean("probe", "the access key is not valid base64");
});

const BAD_CONNECTION_STRINGS = [
  `accesskey=${KEY}`,
  `endpoint=ftp://contoso.example/;accesskey=${KEY}`,
  `endpoint=https://contoso.example/path;accesskey=${KEY}`,
  `endpoint=https://contoso.example/?q=${KEY};accesskey=${KEY}`,
  `endpoint=https://contoso.example:99999/;accesskey=${KEY}`,
  `endpoint=https://u:${KEY}@contoso.example/;accesskey=${KEY}`,
  `endpoint=https://${KEY}/;accesskey=${KEY}`,
  `endpoint=${KEY};accesskey=${KEY}`,
  `endpoint=https://contoso.example/;accesskey=${KEY};accesskey=${KEY}`,
  `endpoint=https://contoso.example/;accesskey=${KEY}!!`,
  `endpoint=https://contoso.example/;accesskey=${KEY.slice(1)}`,
  `endpoint=https://contoso.example/;accesskey=${KEY.slice(0, 9)} ${KEY.slice(9)}`,
  `endpoint=https://contoso.example/;accesskey=${KEY_TEXT}`,
  `endpoint=https://contoso.example/;accesskey="${KEY}"`,
  KEY,
  `${KEY};${KEY}`,
  `endpoint=;accesskey=${KEY}`,
];

test("connection-string errors from every entry point never hold the key", async () => {
  for (const cs of BAD_CONNECTION_STRINGS) {
    for (const [name, fn] of [
      ["parseConnectionString", () => parseConnectionString(cs)],
      ["signRequest", () => signRequest(cs, { method: "GET", url: "https://contoso.example/" })],
      ["CommunicationIdentityClient", () => new CommunicationIdentityClient(cs)],
      ["createSignedFetch", () => createSignedFetch(cs)],
    ]) {
      const e = await caught(fn);
      assert.equal(e.code, "ERR_INVALID_CONNECTION_STRING", `${name}(${cs}): ${e.message}`);
      assertErrorClean(`${name}(${cs})`, e);
    }
  }
});

test("a parsed connection string, a client and signed headers never hold the key", () => {
  const cs = `endpoint=https://contoso.communication.azure.com/;accesskey=${KEY}`;
  const parsed = parseConnectionString(cs);
  assert.deepEqual(Object.keys(parsed).sort(), ["endpoint", "host"]);
  assertClean("parsed", JSON.stringify(parsed) + inspect(parsed, { showHidden: true }));
  const client = new CommunicationIdentityClient(cs);
  assertClean("client", inspect(client, { showHidden: true, depth: 10 }) + JSON.stringify(client) + String(client));
  assertClean("client endpoint", client.endpoint);
  const headers = signRequest(cs, { method: "POST", url: "https://contoso.communication.azure.com/identities?api-version=2023-10-01", body: "{}" });
  assertClean("signed headers", JSON.stringify(headers));
  const signedFetch = createSignedFetch(cs);
  assertClean("signed fetch", inspect(signedFetch, { showHidden: true, depth: 10 }) + signedFetch.toString());
});

test("bad arguments never hold the key", async () => {
  const cs = `endpoint=https://contoso.communication.azure.com/;accesskey=${KEY}`;
  const client = new CommunicationIdentityClient(cs, { fetch: async () => new Response("{}", { status: 500 }) });
  for (const [name, fn] of [
    ["getToken without scopes", () => client.getToken({ communicationUserId: "8:acs:x" }, [])],
    ["getToken bad lifetime", () => client.getToken({ communicationUserId: "8:acs:x" }, ["voip"], { tokenExpiresInMinutes: 5 })],
    ["deleteUser no user", () => client.deleteUser({})],
    ["teams bad params", () => client.getTokenForTeamsUser({ teamsUserAadToken: KEY, clientId: KEY, userObjectId: KEY })],
    ["createUser customId on the default version", () => client.createUser({ customId: "x" })],
    ["signRequest bad url", () => signRequest(cs, { method: "GET", url: "not a url" })],
    ["signRequest bad method", () => signRequest(cs, { method: "G T", url: "https://contoso.example/" })],
    ["signRequest bad date", () => signRequest(cs, { method: "GET", url: "https://contoso.example/", date: new Date(NaN) })],
    ["client bad options", () => new CommunicationIdentityClient(cs, { timeoutMs: -1 })],
    ["client bad api version", () => new CommunicationIdentityClient(cs, { apiVersion: "x&y" })],
    ["plain http to a remote host", () => new CommunicationIdentityClient(`endpoint=http://contoso.example/;accesskey=${KEY}`)],
  ]) {
    const e = await caught(fn);
    assertErrorClean(name, e);
  }
});

// ---- errors that come from talking to servers -------------------------------------------------------

let emu;
let dataDir;
let stall;
let stallPort;
const stalled = new Set();

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "acs-leaks-"));
  emu = await startEmulator({
    data: join(dataDir, "identities.db"),
    faults: true,
    env: { ACS_EMULATOR_ACCESS_KEY: KEY, RUST_LOG: "trace" },
  });
  stall = net.createServer((s) => {
    stalled.add(s);
    s.on("error", () => {});
  });
  await new Promise((r) => stall.listen(0, "127.0.0.1", r));
  stallPort = stall.address().port;
});

after(async () => {
  for (const s of stalled) s.destroy();
  stall.close();
  if (emu) await emu.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("service errors, network errors, timeouts and aborts never hold the key; onRequest sees no key", async () => {
  assert.ok(emu.connectionString.includes(KEY), "the emulator runs with the canary key");
  const seen = [];
  const onRequest = (x) => seen.push(x);
  const good = new CommunicationIdentityClient(emu.connectionString, { onRequest, retry: { maxRetries: 1, baseDelayMs: 5 } });
  const { communicationUserId } = await good.createUser();
  const user = { communicationUserId };
  await good.getToken(user, ["voip"]);
  await good.revokeTokens(user);

  const wrongKey = Buffer.from("a different key").toString("base64");
  const wrong = new CommunicationIdentityClient(emu.connectionString.replace(KEY, wrongKey), { onRequest });
  const denied = await caught(() => wrong.createUser());
  assert.equal(denied.statusCode, 401);
  assertErrorClean("401 from the emulator", denied);

  const cases = [
    ["400 from the emulator", () => good.getToken(user, ["no such scope!"])],
    ["404 from the emulator", () => good.getToken({ communicationUserId: "8:acs:nobody" }, ["voip"])],
    ["503 injected", () => new CommunicationIdentityClient(emu.connectionString, { retry: { maxRetries: 0 }, fetch: (u, i) => fetch(u, { ...i, headers: { ...i.headers, "x-emulator-fault": "503;times=5" } }) }).createUser()],
    ["dropped connection", () => new CommunicationIdentityClient(emu.connectionString, { retry: { maxRetries: 0 }, fetch: (u, i) => fetch(u, { ...i, headers: { ...i.headers, "x-emulator-fault": "drop" } }) }).createUser()],
    ["connection refused", () => new CommunicationIdentityClient(`endpoint=http://127.0.0.1:1/;accesskey=${KEY}`, { retry: { maxRetries: 0 } }).createUser()],
    ["timeout", () => new CommunicationIdentityClient(`endpoint=http://127.0.0.1:${stallPort}/;accesskey=${KEY}`, { timeoutMs: 300 }).createUser()],
    ["abort", () => {
      const c = new AbortController();
      setTimeout(() => c.abort(new Error(`aborted while holding ${KEY}? no`.replace(KEY, "x"))), 50);
      return new CommunicationIdentityClient(`endpoint=http://127.0.0.1:${stallPort}/;accesskey=${KEY}`).createUser({ abortSignal: c.signal });
    }],
    ["a fetch that throws", () => new CommunicationIdentityClient(emu.connectionString, { retry: { maxRetries: 0 }, fetch: async () => { throw new TypeError("fetch failed"); } }).createUser()],
    ["signed fetch of a bad body", () => createSignedFetch(emu.connectionString)(`/identities?api-version=2023-10-01`, { method: "POST", body: { not: "bytes" } })],
  ];
  for (const [name, fn] of cases) assertErrorClean(name, await caught(fn));

  assert.ok(seen.length >= 4);
  for (const s of seen) assertClean("onRequest", JSON.stringify(s) + inspect(s, { depth: 10 }));

  // createSignedFetch: the Response and its request headers.
  const signedFetch = createSignedFetch(emu.connectionString);
  const res = await signedFetch(`/identities?api-version=2023-10-01`, { method: "POST", body: "{}" });
  assert.equal(res.status, 201);
  assertClean("signed fetch response", inspect(res, { depth: 10 }) + (await res.text()));
});

test("the emulator's logs at trace level, its data file and its --help never hold the key", async () => {
  // Drive every kind of request, failures included, so that every log line kind is written.
  const c = new CommunicationIdentityClient(emu.connectionString, { apiVersion: "2025-03-02-preview" });
  const u = await c.createUser({ customId: "leak-test" });
  await c.getUser(u);
  await c.getToken(u, ["chat"]);
  await c.revokeTokens(u);
  await c.deleteUser(u);
  await caught(() => c.getTokenForTeamsUser({ teamsUserAadToken: "a.b.c", clientId: "00000000-0000-0000-0000-000000000001", userObjectId: "00000000-0000-0000-0000-000000000002" }));
  await caught(() => new CommunicationIdentityClient(emu.connectionString.replace(KEY, Buffer.from("nope").toString("base64"))).createUser());
  await fetch(`${emu.url}/identities`, { method: "POST", headers: { authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${KEY}` } });
  await fetch(`${emu.url}/emulator/health`);
  await new Promise((r) => setTimeout(r, 200));
  const logs = emu.logs();
  assert.match(logs, /acs_emulator/, "trace logs were captured");
  assert.ok(logs.length > 1000, `${logs.length} bytes of logs`);
  assertClean("emulator logs", logs);

  await emu.stop();
  for (const f of readdirSync(dataDir)) {
    const bytes = readFileSync(join(dataDir, f));
    assertClean(`data file ${f} (latin1)`, bytes.toString("latin1"));
  }
  const { spawnSync } = await import("node:child_process");
  const help = spawnSync((await import("../support/emulator.mjs")).emulatorBinary, ["--help"], { env: { ...process.env, ACS_EMULATOR_ACCESS_KEY: KEY }, encoding: "utf8" });
  assert.equal(help.status, 0);
  assertClean("--help", help.stdout + help.stderr);
  const bad = spawnSync((await import("../support/emulator.mjs")).emulatorBinary, ["--port", "0"], { env: { ...process.env, ACS_EMULATOR_ACCESS_KEY: `${KEY}!!` }, encoding: "utf8", timeout: 10_000 });
  assert.notEqual(bad.status, 0);
  assertClean("a refused --access-key", bad.stdout + bad.stderr);
});

test("enough was checked", () => {
  assert.ok(checked > 400, `${checked} texts checked`);
  console.log(`# leaks: ${checked} texts checked, 0 hits`);
});
