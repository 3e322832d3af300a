// Safe by default: what `onRequest` sees (no replayable credential unless `traceSecrets: true`), options
// and arguments read from their own properties only (a polluted Object.prototype changes nothing),
// plain http only to real loopback hosts, and values from another realm (node:vm) or another
// implementation accepted like the local ones. Each case sends to a `fetch` of the test's own that
// answers like the service, and looks at what was sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { inspect } from "node:util";
import { Response as UndiciResponse } from "undici";
import {
  CommunicationIdentityClient,
  CommunicationTokenCredential,
  createSignedFetch,
  parseConnectionString,
  signRequest,
} from "acs-identity-edge";

const KEY = Buffer.from("a key of this test, 32 bytes....").toString("base64");
const CS = `endpoint=https://contoso.communication.azure.com/;accesskey=${KEY}`;
const b64url = (s) => Buffer.from(s).toString("base64url");
const jwt = (claims, signature) => `${b64url('{"alg":"RS256","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.${b64url(signature)}`;
const CLIENT_ID = "0e3b2a3c-6c39-4b52-9d4f-2b3f5a1c7d10";
const OBJECT_ID = "5f0f2ce8-0d6f-4ad4-9a0d-3b5cf6d0f2a1";
const TEAMS_TOKEN = jwt({ appid: CLIENT_ID, oid: OBJECT_ID, aud: "https://auth.msft.communication.azure.com" }, "teams user signature");
const ACS_TOKEN = jwt({ skypeid: "acs:u1", scp: 1792, exp: 1_900_000_000 }, "acs token signature");
const USER = "8:acs:00000000-0000-0000-0000-000000000001_00000000-0000-0000-0000-000000000002";

/** A `fetch` that answers like the service and records what was sent: `{ url, method, headers, body }`. */
function serviceFetch(sent, { status } = {}) {
  return async (url, init) => {
    const headers = new Headers(init.headers);
    const body = init.body ? Buffer.from(init.body).toString() : "";
    sent.push({ url: String(url), method: init.method, headers, body });
    const path = new URL(url).pathname;
    const json = (code, value) => new Response(JSON.stringify(value), { status: code, headers: { "content-type": "application/json" } });
    if (status) return new Response("", { status });
    if (path === "/teamsUser/:exchangeAccessToken" || path.endsWith("/:issueAccessToken")) return json(200, { token: ACS_TOKEN, expiresOn: "2030-01-01T00:00:00Z" });
    if (path === "/identities" && init.method === "POST") {
      return json(201, { identity: { id: USER }, accessToken: { token: ACS_TOKEN, expiresOn: "2030-01-01T00:00:00Z" } });
    }
    return json(200, { id: USER });
  };
}

const signatureOf = (authorization) => authorization.split("&Signature=")[1];
const shown = (trace) => JSON.stringify(trace) + inspect(trace, { depth: 10 }) + new TextDecoder().decode(trace.request.body ?? new Uint8Array());
const authorizationOf = (trace) => new Map(trace.request.headers.map(([k, v]) => [k.toLowerCase(), v])).get("authorization");

test("onRequest sees no signature and no token by default; the string to sign stays", async () => {
  const sent = [];
  const traces = [];
  const client = new CommunicationIdentityClient(CS, { fetch: serviceFetch(sent), onRequest: (t) => traces.push(t) });
  const { token } = await client.createUserAndToken(["chat"]);
  assert.equal(token, ACS_TOKEN, "the caller still gets the token");
  await client.getTokenForTeamsUser({ teamsUserAadToken: TEAMS_TOKEN, clientId: CLIENT_ID, userObjectId: OBJECT_ID });
  assert.equal(traces.length, 2);
  for (const [i, trace] of traces.entries()) {
    const signature = signatureOf(sent[i].headers.get("authorization"));
    assert.ok(signature.length >= 40);
    const text = shown(trace);
    for (const [what, secret] of [["signature", signature], ["ACS token", ACS_TOKEN], ["Teams token", TEAMS_TOKEN]]) {
      assert.ok(!text.includes(secret), `trace ${i} shows the ${what}: ${text}`);
      for (const part of secret.split(".")) assert.ok(part.length < 12 || !text.includes(part), `trace ${i} shows part of the ${what}`);
    }
    assert.equal(authorizationOf(trace), "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<redacted>");
    assert.equal(trace.request.stringToSign.split("\n")[0], "POST", "the string to sign is shown");
    assert.ok(trace.request.body instanceof Uint8Array);
  }
  assert.equal(traces[0].response.body.accessToken.token, "<redacted>");
  assert.equal(traces[0].response.body.identity.id, USER, "what is not a secret stays");
  assert.equal(traces[0].response.body.accessToken.expiresOn, "2030-01-01T00:00:00Z");
  const teamsBody = JSON.parse(new TextDecoder().decode(traces[1].request.body));
  assert.deepEqual(teamsBody, { token: "<redacted>", appId: CLIENT_ID, userId: OBJECT_ID });
  assert.equal(traces[1].response.body.token, "<redacted>");
});

test("traceSecrets: true hands onRequest the request exactly as sent", async () => {
  const sent = [];
  const traces = [];
  const client = new CommunicationIdentityClient(CS, { fetch: serviceFetch(sent), onRequest: (t) => traces.push(t), traceSecrets: true });
  await client.getTokenForTeamsUser({ teamsUserAadToken: TEAMS_TOKEN, clientId: CLIENT_ID, userObjectId: OBJECT_ID });
  assert.equal(authorizationOf(traces[0]), sent[0].headers.get("authorization"));
  assert.equal(new TextDecoder().decode(traces[0].request.body), sent[0].body);
  assert.equal(traces[0].response.body.token, ACS_TOKEN);
  // Anything but `true` is the default.
  const redacted = [];
  const other = new CommunicationIdentityClient(CS, { fetch: serviceFetch([]), onRequest: (t) => redacted.push(t), traceSecrets: "yes" });
  await other.createUser();
  assert.match(authorizationOf(redacted[0]), /&Signature=<redacted>$/);
});

test("createSignedFetch calls onRequest with the same redacted trace", async () => {
  const sent = [];
  const traces = [];
  const signedFetch = createSignedFetch(CS, { fetch: serviceFetch(sent), onRequest: (t) => traces.push(t) });
  const response = await signedFetch("/teamsUser/:exchangeAccessToken?api-version=2023-10-01", {
    method: "POST",
    body: JSON.stringify({ token: TEAMS_TOKEN, appId: CLIENT_ID, userId: OBJECT_ID }),
  });
  assert.equal((await response.json()).token, ACS_TOKEN, "the caller reads the response itself");
  assert.equal(traces.length, 1);
  const text = shown(traces[0]);
  assert.ok(!text.includes(signatureOf(sent[0].headers.get("authorization"))), "signature");
  assert.ok(!text.includes(TEAMS_TOKEN), "Teams token");
  assert.match(authorizationOf(traces[0]), /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<redacted>$/);
  const raw = [];
  const rawFetch = createSignedFetch(CS, { fetch: serviceFetch([]), onRequest: (t) => raw.push(t), traceSecrets: true });
  await rawFetch("/identities?api-version=2023-10-01", { method: "POST" });
  assert.doesNotMatch(authorizationOf(raw[0]), /<redacted>/);
});

/** Runs `fn` with `props` set on Object.prototype, and removes them afterwards whatever happens. */
async function polluted(props, fn) {
  for (const [k, v] of Object.entries(props)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true, enumerable: true });
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(props)) delete Object.prototype[k];
  }
}

test("a polluted Object.prototype changes no option and no argument", async () => {
  const stolen = [];
  const evilFetch = async (url, init) => {
    stolen.push(url);
    return new Response("{}", { status: 201 });
  };
  const sent = [];
  const expectedSignature = signRequest(CS, { method: "GET", url: "https://contoso.communication.azure.com/identities/x", date: new Date(1_700_000_000_000) });
  await polluted({
    fetch: evilFetch,
    onRequest: (t) => stolen.push(t),
    allowInsecureConnection: true,
    traceSecrets: true,
    retry: { maxRetries: 0 },
    maxRetries: 0,
    timeoutMs: 1,
    apiVersion: "2021-03-07",
    customId: "chosen-by-the-prototype",
    tokenExpiresInMinutes: 61,
    communicationUserId: USER,
    method: "DELETE",
    body: "from the prototype",
    date: new Date(0),
    tokenRefresher: async () => ACS_TOKEN,
  }, async () => {
    // Plain http to a host that is not loopback is still refused.
    for (const make of [(cs) => new CommunicationIdentityClient(cs), (cs) => createSignedFetch(cs)]) {
      assert.throws(() => make(`endpoint=http://acs.example.com/;accesskey=${KEY}`), { code: "ERR_INVALID_ARGUMENT", target: "endpoint" });
    }
    // Neither the prototype's fetch nor its onRequest is used; the api-version and the body are the caller's.
    const mine = [];
    const client = new CommunicationIdentityClient(CS, { fetch: serviceFetch(sent), onRequest: (t) => mine.push(t) });
    await client.createUser();
    await client.createUser({});
    assert.equal(sent.length, 2);
    for (const s of sent) {
      assert.equal(new URL(s.url).searchParams.get("api-version"), "2023-10-01");
      assert.equal(s.body, "", "no customId from the prototype: no body");
    }
    assert.match(authorizationOf(mine[0]), /<redacted>$/, "traceSecrets is not inherited");
    await client.getToken({ communicationUserId: USER }, ["chat"], {});
    assert.deepEqual(JSON.parse(sent[2].body), { scopes: ["chat"] }, "no tokenExpiresInMinutes from the prototype");
    await assert.rejects(client.getToken({}, ["chat"]), { code: "ERR_INVALID_ARGUMENT", target: "user" });
    // The retry policy and the time budget are the defaults: a 503 is tried four times.
    const failing = [];
    const retrying = new CommunicationIdentityClient(CS, { fetch: serviceFetch(failing, { status: 503 }), retry: { baseDelayMs: 0, maxDelayMs: 0 } });
    await assert.rejects(retrying.createUser(), { code: "ERR_SERVICE", statusCode: 503 });
    assert.equal(failing.length, 4, "maxRetries is the default 3");
    // signRequest signs what the caller gave: GET, no body, its own date or the current one.
    const given = { method: "GET", url: "https://contoso.communication.azure.com/identities/x" };
    assert.deepEqual(signRequest(CS, { ...given, date: new Date(1_700_000_000_000) }), expectedSignature);
    const now = signRequest(CS, given);
    assert.equal(now["x-ms-content-sha256"], expectedSignature["x-ms-content-sha256"], "no body from the prototype");
    assert.match(now["x-ms-date"], new RegExp(` ${new Date().getUTCFullYear()} `), "the current date, not the prototype's");
    // The signed fetch sends a GET without a body.
    const fetched = [];
    await createSignedFetch(CS, { fetch: serviceFetch(fetched) })("/identities/x?api-version=2023-10-01");
    assert.equal(fetched[0].method, "GET");
    assert.equal(fetched[0].body, "");
    assert.deepEqual(stolen, [], "nothing went to the prototype's fetch or onRequest");
    // A credential without its own tokenRefresher is refused, not handed the prototype's.
    assert.throws(() => new CommunicationTokenCredential({}), { code: "ERR_INVALID_ARGUMENT", target: "tokenRefresher" });
  });
  assert.equal({}.fetch, undefined, "the prototype is restored");
});

test("plain http only to localhost, 127.0.0.0/8 and [::1]; *.localhost is not loopback", async () => {
  const cs = (host) => `endpoint=http://${host}/;accesskey=${KEY}`;
  for (const host of ["evil.localhost:9", "a.b.localhost", "localhost.example.com", "127.0.0.1.nip.io", "[::2]"]) {
    assert.throws(() => new CommunicationIdentityClient(cs(host)), { code: "ERR_INVALID_ARGUMENT", target: "endpoint" }, host);
    assert.throws(() => createSignedFetch(cs(host)), { code: "ERR_INVALID_ARGUMENT", target: "endpoint" }, host);
  }
  for (const host of ["localhost:8080", "LOCALHOST", "127.0.0.1:9", "127.1.2.3", "[::1]:8080"]) {
    const sent = [];
    await new CommunicationIdentityClient(cs(host), { fetch: serviceFetch(sent) }).createUser();
    assert.equal(sent.length, 1, host);
  }
  // allowInsecureConnection still opens any host, when it is the caller's own option.
  const sent = [];
  await new CommunicationIdentityClient(cs("evil.localhost:9"), { fetch: serviceFetch(sent), allowInsecureConnection: true }).createUser();
  assert.equal(new URL(sent[0].url).host, "evil.localhost:9");
});

test("a Date, Uint8Array or ArrayBuffer from another realm is taken like a local one", async () => {
  const url = "https://contoso.communication.azure.com/identities?api-version=2023-10-01";
  const date = new Date(1_700_000_000_000);
  const local = signRequest(CS, { method: "POST", url, body: new Uint8Array([1, 2, 3]), date });
  const realm = vm.createContext({});
  const foreignDate = vm.runInContext("new Date(1700000000000)", realm);
  assert.ok(!(foreignDate instanceof Date));
  assert.deepEqual(signRequest(CS, { method: "POST", url, body: new Uint8Array([1, 2, 3]), date: foreignDate }), local);
  for (const body of [vm.runInContext("new Uint8Array([1, 2, 3])", realm), vm.runInContext("new Uint8Array([1, 2, 3]).buffer", realm)]) {
    assert.deepEqual(signRequest(CS, { method: "POST", url, body, date }), local, inspect(body));
    const sent = [];
    await createSignedFetch(CS, { fetch: serviceFetch(sent) })("/identities?api-version=2023-10-01", { method: "POST", body });
    assert.equal(sent[0].headers.get("x-ms-content-sha256"), local["x-ms-content-sha256"]);
    assert.deepEqual([...Buffer.from(sent[0].body)], [1, 2, 3]);
  }
  // Still refused: an invalid Date of any realm, and things that only look like a Date.
  for (const bad of [vm.runInContext("new Date(NaN)", realm), { getTime: () => 0 }, Object.create(Date.prototype), 0]) {
    assert.throws(() => signRequest(CS, { method: "GET", url, date: bad }), { code: "ERR_INVALID_ARGUMENT", target: "date" });
  }
});

test("a Response and an AbortSignal of another implementation work like the runtime's own", async () => {
  // undici from npm is not the copy inside Node: its Response is not an instance of the global one.
  assert.ok(!(new UndiciResponse("") instanceof Response));
  const client = new CommunicationIdentityClient(CS, {
    fetch: async () => new UndiciResponse(JSON.stringify({ identity: { id: USER } }), { status: 201, headers: { "content-type": "application/json" } }),
  });
  assert.deepEqual(await client.createUser(), { communicationUserId: USER });
  // An AbortSignal of a polyfill (as the abort-controller package makes), aborted while the call waits.
  const listeners = [];
  const signal = {
    aborted: false,
    addEventListener: (type, f) => type === "abort" && listeners.push(f),
    removeEventListener: () => {},
    get [Symbol.toStringTag]() { return "AbortSignal"; },
  };
  const hanging = new CommunicationIdentityClient(CS, {
    fetch: (url, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))),
  });
  const call = hanging.createUser({ abortSignal: signal, timeoutMs: 2000 });
  setTimeout(() => { signal.aborted = true; for (const f of listeners) f(); }, 50);
  await assert.rejects(call, { code: "ERR_ABORTED" });
});

test("the demo page asks for the raw trace explicitly, and says so", async () => {
  const { readFileSync } = await import("node:fs");
  const script = readFileSync(new URL("../../www/quickstart.js", import.meta.url), "utf8");
  const html = readFileSync(new URL("../../www/index.html", import.meta.url), "utf8");
  assert.match(script, /new CommunicationIdentityClient\(text, \{[^}]*\}[^}]*traceSecrets: true,\s*\}\)/s);
  const note = html.match(/<p id="trace-note">([\s\S]*?)<\/p>/);
  assert.ok(note, "the page has the note");
  assert.match(note[1], /traceSecrets: true/);
  assert.match(note[1], /Signature=&lt;redacted&gt;/);
});

test("the connection string copied into wasm memory is zeroed once parsed", async () => {
  // The package's own instance (the same module URL): its memory is where the copies went.
  const { initSync } = await import("../../dist/acs_identity_edge.js");
  // The module's exports have minified names (scripts/build.mjs): its one memory.
  const memory = Object.values(initSync()).find((v) => v instanceof WebAssembly.Memory);
  const keyText = "zeroize-canary-0f6c1e-key-of-this-test";
  const key = Buffer.from(keyText).toString("base64");
  const cs = `endpoint=https://contoso.communication.azure.com/;accesskey=${key}`;
  const url = "https://contoso.communication.azure.com/identities?api-version=2023-10-01";
  for (let i = 0; i < 20; i++) {
    parseConnectionString(cs);
    signRequest(cs, { method: "POST", url, body: "{}" });
  }
  assert.throws(() => signRequest(cs, { method: "POST", url: "ftp://x/" }), { code: "ERR_INVALID_ARGUMENT" });
  const scan = (secrets) => {
    const bytes = Buffer.from(memory.buffer);
    for (const [what, secret] of secrets) assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `${what} is still in wasm memory`);
  };
  scan([["the connection string", cs], ["the base64 key", key], ["the key", keyText]]);
  // A client keeps the decoded key (zeroed when it is freed), never the text it was parsed from.
  const clients = [new CommunicationIdentityClient(cs), createSignedFetch(cs)];
  scan([["the connection string", cs], ["the base64 key", key]]);
  assert.equal(clients.length, 2);
});
