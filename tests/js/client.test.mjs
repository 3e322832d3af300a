// The npm package's client against local servers: a strict HMAC-verifying ACS stand-in written
// independently with node:crypto (the README quickstart runs against it as written), byte-identical signed
// headers with the official @azure/communication-identity for the same inputs and clock, and retries,
// timeouts and cancellation against a server that answers 429/503 with Retry-After, stalls or hangs up.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { rmSync } from "node:fs";
import { CommunicationIdentityClient, AcsError, createSignedFetch, decodeAccessToken } from "acs-identity-edge";

const KEY = Buffer.from("a strict verifier's test key, not a real one");
const root = fileURLToPath(new URL("../..", import.meta.url));

function jwt(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.c2ln`;
}

/** Checks the signature of a request as the service does; returns the reason it fails, or null. */
function verify(req, body) {
  const auth = req.headers.authorization || "";
  const m = auth.match(/^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/);
  if (!m) return "authorization";
  const hash = createHash("sha256").update(body).digest("base64");
  if (req.headers["x-ms-content-sha256"] !== hash) return "content hash";
  const date = req.headers["x-ms-date"];
  if (!date || Math.abs(Date.parse(date) - Date.now()) > 15 * 60 * 1000) return "date";
  const stringToSign = `${req.method}\n${req.url}\n${date};${req.headers.host};${hash}`;
  const expected = createHmac("sha256", KEY).update(stringToSign, "utf8").digest();
  const given = Buffer.from(m[1], "base64");
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : "signature";
}

/** A minimal ACS Identity stand-in: verifies every request, then answers like the service. */
function strictServer() {
  const users = new Set();
  const log = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const send = (status, json) => {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", "ms-cv": "cv.0", "x-ms-client-request-id": req.headers["x-ms-client-request-id"] || "" });
        res.end(json === undefined ? undefined : JSON.stringify(json));
      };
      const failure = verify(req, body);
      log.push({ method: req.method, url: req.url, headers: req.headers, body: body.toString(), failure });
      if (failure) return send(401, { error: { code: "Denied", message: `Denied: ${failure}.` } });
      const url = new URL(req.url, "http://x");
      if (url.searchParams.get("api-version") !== "2023-10-01") return send(400, { error: { code: "InvalidApiVersion", message: "bad api-version" } });
      const token = () => ({ token: jwt({ skypeid: "acs:x", scp: 1792, exp: Math.floor(Date.now() / 1000) + 3600, acsScope: "voip" }), expiresOn: new Date(Date.now() + 3600e3).toISOString().replace("Z", "0000+00:00") });
      const idMatch = url.pathname.match(/^\/identities\/([^/]+)(\/:issueAccessToken|\/:revokeAccessTokens)?$/);
      if (req.method === "POST" && url.pathname === "/identities") {
        const id = `8:acs:${randomUUID()}_${randomUUID()}`;
        users.add(id);
        const parsed = body.length ? JSON.parse(body) : {};
        return send(201, parsed.createTokenWithScopes ? { identity: { id }, accessToken: token() } : { identity: { id } });
      }
      if (idMatch) {
        const id = decodeURIComponent(idMatch[1]);
        if (!users.has(id)) return send(404, { error: { code: "IdentityNotFound", message: "not found" } });
        if (req.method === "POST" && idMatch[2] === "/:issueAccessToken") return send(200, token());
        if (req.method === "POST" && idMatch[2] === "/:revokeAccessTokens") return send(204);
        if (req.method === "DELETE" && !idMatch[2]) {
          users.delete(id);
          return send(204);
        }
      }
      send(404, { error: { code: "NotFound", message: "no such route" } });
    });
  });
  return { server, log };
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

let strict;
let strictCs;
before(async () => {
  strict = strictServer();
  const port = await listen(strict.server);
  strictCs = `endpoint=http://127.0.0.1:${port}/;accesskey=${KEY.toString("base64")}`;
});
after(() => strict.server.close());

test("the README quickstart runs as written against a strict HMAC-verifying server", async () => {
  const before = strict.log.length;
  const child = spawn(process.execPath, ["examples/quickstart.mjs"], { cwd: root, env: { ...process.env, COMMUNICATION_SERVICES_CONNECTION_STRING: strictCs } });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  const code = await new Promise((resolve) => child.on("close", resolve));
  assert.equal(code, 0, out);
  assert.match(out, /Created an identity with ID: 8:acs:/);
  assert.match(out, /Issued an access token with 'voip' scope that expires at \d{4}-/);
  assert.match(out, /Successfully revoked all access tokens/);
  assert.match(out, /Deleted the identity with ID: 8:acs:/);
  const requests = strict.log.slice(before);
  assert.deepEqual(requests.map((r) => r.method), ["POST", "POST", "POST", "DELETE"]);
  assert.ok(requests.every((r) => r.failure === null), JSON.stringify(requests.map((r) => r.failure)));
  assert.match(requests[1].url, /^\/identities\/8%3Aacs%3A[^/]+\/:issueAccessToken\?api-version=2023-10-01$/);
});

test("every operation's request verifies, and carries a request id and user agent", async () => {
  const client = new CommunicationIdentityClient(strictCs, { userAgentPrefix: "my-app/2.0" });
  const before = strict.log.length;
  const user = await client.createUser();
  const both = await client.createUserAndToken(["chat", "voip"], { tokenExpiresInMinutes: 60 });
  assert.ok(both.expiresOn instanceof Date && both.expiresOn.getTime() > Date.now());
  assert.equal(decodeAccessToken(both.token).communicationUserId, "8:acs:x");
  await client.getToken(user, ["voip"], { tokenExpiresInMinutes: 1440 });
  await client.revokeTokens(user);
  await client.deleteUser(user);
  const requests = strict.log.slice(before);
  assert.equal(requests.length, 5);
  for (const r of requests) {
    assert.equal(r.failure, null);
    assert.match(r.headers["x-ms-client-request-id"], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(r.headers["user-agent"], /^my-app\/2\.0 acs-identity-edge\/\d+\.\d+\.\d+/);
  }
  assert.equal(new Set(requests.map((r) => r.headers["x-ms-client-request-id"])).size, 5);
  assert.equal(requests[1].body, '{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}');
  assert.equal(requests[0].body, "");
});

test("a wrong key is a typed 401 with the service's words and the request id, never the key", async () => {
  const wrong = strictCs.replace(/accesskey=.*/, `accesskey=${Buffer.from("some other key").toString("base64")}`);
  const client = new CommunicationIdentityClient(wrong);
  const e = await client.createUser().then(() => null, (x) => x);
  assert.ok(e instanceof AcsError);
  assert.equal(e.code, "ERR_SERVICE");
  assert.equal(e.statusCode, 401);
  assert.equal(e.serviceCode, "Denied");
  assert.match(e.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(e.msCv, "cv.0");
  const text = `${e.message} ${e.stack} ${JSON.stringify(e)}`;
  assert.ok(!text.includes(Buffer.from("some other key").toString("base64")) && !text.includes("some other key"));
});

test("bad arguments fail before any request", async () => {
  const client = new CommunicationIdentityClient(strictCs);
  const before = strict.log.length;
  const cases = [
    [() => client.getToken({ communicationUserId: "8:acs:x" }, []), "scopes"],
    [() => client.getToken({ communicationUserId: "8:acs:x" }, ["voip"], { tokenExpiresInMinutes: 59 }), "expiresInMinutes"],
    [() => client.getToken({ communicationUserId: "8:acs:x" }, ["voip"], { tokenExpiresInMinutes: 60.5 }), "expiresInMinutes"],
    [() => client.getToken({ communicationUserId: "" }, ["voip"]), undefined],
    [() => client.getToken(null, ["voip"]), "user"],
    [() => client.createUserAndToken("voip"), "scopes"],
    [() => client.getTokenForTeamsUser({ teamsUserAadToken: "t", clientId: "nope", userObjectId: "nope" }), "clientId"],
    [() => client.createUser({ customId: "needs-the-preview-version" }), undefined],
  ];
  for (const [run, target] of cases) {
    const e = await Promise.resolve().then(run).then(() => null, (x) => x);
    assert.ok(e instanceof AcsError, String(e));
    assert.equal(e.code, "ERR_INVALID_ARGUMENT", e.message);
    if (target) assert.equal(e.target, target);
  }
  assert.equal(strict.log.length, before, "no request was sent");
  assert.throws(() => new CommunicationIdentityClient("endpoint=http://example.com/;accesskey=cHc="), (e) => e.code === "ERR_INVALID_ARGUMENT" && e.target === "endpoint");
  assert.ok(new CommunicationIdentityClient("endpoint=http://example.com/;accesskey=cHc=", { allowInsecureConnection: true }));
});

// ---- same bytes as the official SDK -------------------------------------------------------------------

test("signed headers are byte-identical to @azure/communication-identity's for the same inputs and clock", async () => {
  const { CommunicationIdentityClient: Official } = await import("@azure/communication-identity");
  const frozen = Date.UTC(2024, 1, 29, 1, 2, 3);
  const RealDate = globalThis.Date;
  class FrozenDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(frozen);
      else super(...args);
    }
    static now() {
      return frozen;
    }
  }
  // A capturing server that answers every operation; the signature is checked separately by the strict one.
  const seen = [];
  const capture = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString(), h: req.headers });
      const id = "8:acs:00000000-0000-4000-8000-000000000000_00000000-0000-0000-0000-000000000001";
      const token = { token: jwt({ exp: 4102444799 }), expiresOn: "2099-12-31T23:59:59.0000000+00:00" };
      res.setHeader("content-type", "application/json");
      if (req.method === "DELETE" || req.url.includes(":revoke")) {
        res.writeHead(204);
        return res.end();
      }
      if (req.url.startsWith("/identities?")) {
        res.writeHead(201);
        return res.end(JSON.stringify(req.url && chunks.length ? { identity: { id }, accessToken: token } : { identity: { id } }));
      }
      res.writeHead(200);
      res.end(JSON.stringify(token));
    });
  });
  const port = await listen(capture);
  const cs = `endpoint=http://127.0.0.1:${port}/;accesskey=${KEY.toString("base64")}`;
  const user = { communicationUserId: "8:acs:00000000-0000-4000-8000-000000000000_00000000-0000-0000-0000-000000000001" };
  const teams = { teamsUserAadToken: jwt({ appid: "x" }), clientId: "0d2a51a5-6a3c-4d5e-8f70-3a0e5c1f2b4d", userObjectId: "7c9e6679-7425-40de-944b-e07fc1f90ae7" };
  const run = async (client) => {
    await client.createUser();
    await client.createUserAndToken(["chat", "voip"], { tokenExpiresInMinutes: 60 });
    await client.getToken(user, ["voip"], { tokenExpiresInMinutes: 60 });
    await client.getToken(user, ["chat.join.limited"]);
    await client.revokeTokens(user);
    await client.deleteUser(user);
    await client.getTokenForTeamsUser(teams);
  };
  globalThis.Date = FrozenDate;
  try {
    await run(new CommunicationIdentityClient(cs));
    const ours = seen.splice(0);
    await run(new Official(cs, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } }));
    const theirs = seen.splice(0);
    assert.equal(ours.length, 7);
    assert.equal(theirs.length, 7);
    for (let i = 0; i < 7; i++) {
      const label = `${theirs[i].method} ${theirs[i].url}`;
      assert.equal(ours[i].method, theirs[i].method, label);
      assert.equal(ours[i].url, theirs[i].url, label);
      assert.equal(ours[i].body, theirs[i].body, label);
      for (const h of ["x-ms-date", "x-ms-content-sha256", "authorization", "host"]) assert.equal(ours[i].h[h], theirs[i].h[h], `${label}: ${h}`);
    }
  } finally {
    globalThis.Date = RealDate;
    capture.close();
  }
});

// ---- retries, timeouts, cancellation --------------------------------------------------------------------

/** A server that misbehaves as scripted per request index, then answers like the service. */
async function scriptedServer(script) {
  let n = 0;
  const sockets = new Set();
  const attempts = [];
  const server = createServer((req, res) => {
    const step = script[n++] || "ok";
    attempts.push({ at: Date.now(), date: req.headers["x-ms-date"], id: req.headers["x-ms-client-request-id"], sig: req.headers.authorization });
    req.resume();
    if (step === "stall") return; // never answers
    if (step === "close") return req.socket.destroy();
    if (typeof step === "object") {
      res.writeHead(step.status, { "content-type": "application/json", ...step.headers });
      return res.end(JSON.stringify({ error: { code: "TooManyRequests", message: `status ${step.status}` } }));
    }
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ identity: { id: "8:acs:ok" } }));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    cs: `endpoint=http://127.0.0.1:${port}/;accesskey=cHc=`,
    attempts,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const fast = { retry: { baseDelayMs: 10, maxDelayMs: 5000 } };

test("429 and 503 are retried, honouring Retry-After (seconds and HTTP date) and retry-after-ms", async () => {
  const s = await scriptedServer([
    { status: 429, headers: { "retry-after": "1" } },
    { status: 503, headers: { "retry-after-ms": "150" } },
    { status: 503, headers: { "retry-after": new Date(Date.now() + 1000).toUTCString() } },
  ]);
  try {
    const started = Date.now();
    const user = await new CommunicationIdentityClient(s.cs, fast).createUser();
    assert.equal(user.communicationUserId, "8:acs:ok");
    assert.equal(s.attempts.length, 4);
    const gaps = s.attempts.slice(1).map((a, i) => a.at - s.attempts[i].at);
    assert.ok(gaps[0] >= 950, `Retry-After: 1 honoured (${gaps[0]} ms)`);
    assert.ok(gaps[1] >= 140 && gaps[1] < 900, `retry-after-ms honoured (${gaps[1]} ms)`);
    assert.ok(Date.now() - started >= 1100);
    assert.equal(new Set(s.attempts.map((a) => a.id)).size, 1, "one request id across retries");
  } finally {
    s.close();
  }
});

test("each retry is signed anew", async () => {
  const s = await scriptedServer([{ status: 503, headers: { "retry-after": "1" } }]);
  try {
    await new CommunicationIdentityClient(s.cs, fast).createUser();
    assert.equal(s.attempts.length, 2);
    assert.notEqual(s.attempts[0].date, s.attempts[1].date);
    assert.notEqual(s.attempts[0].sig, s.attempts[1].sig);
  } finally {
    s.close();
  }
});

test("a Retry-After longer than maxDelayMs is not waited for: the 429 comes back at once", async () => {
  const s = await scriptedServer([{ status: 429, headers: { "retry-after": "30" } }]);
  try {
    const started = Date.now();
    const e = await new CommunicationIdentityClient(s.cs, fast).createUser().then(() => null, (x) => x);
    assert.equal(e && e.statusCode, 429);
    assert.ok(Date.now() - started < 2000);
    assert.equal(s.attempts.length, 1);
  } finally {
    s.close();
  }
});

test("when retries run out the last answer is the typed error", async () => {
  const s = await scriptedServer(Array(10).fill({ status: 500, headers: {} }));
  try {
    const e = await new CommunicationIdentityClient(s.cs, { retry: { maxRetries: 2, baseDelayMs: 5 } }).createUser().then(() => null, (x) => x);
    assert.equal(e.code, "ERR_SERVICE");
    assert.equal(e.statusCode, 500);
    assert.equal(s.attempts.length, 3);
  } finally {
    s.close();
  }
});

test("4xx other than 408/429 is not retried", async () => {
  const s = await scriptedServer([{ status: 400, headers: {} }, { status: 400, headers: {} }]);
  try {
    const e = await new CommunicationIdentityClient(s.cs, fast).createUser().then(() => null, (x) => x);
    assert.equal(e.statusCode, 400);
    assert.equal(s.attempts.length, 1);
  } finally {
    s.close();
  }
});

test("a dropped connection is retried; when it keeps dropping the error is ERR_NETWORK", async () => {
  const s = await scriptedServer(["close"]);
  try {
    const user = await new CommunicationIdentityClient(s.cs, fast).createUser();
    assert.equal(user.communicationUserId, "8:acs:ok");
    assert.equal(s.attempts.length, 2);
  } finally {
    s.close();
  }
  const t = await scriptedServer(Array(10).fill("close"));
  try {
    const e = await new CommunicationIdentityClient(t.cs, { retry: { maxRetries: 1, baseDelayMs: 5 } }).createUser().then(() => null, (x) => x);
    assert.ok(e instanceof AcsError);
    assert.equal(e.code, "ERR_NETWORK");
    assert.equal(t.attempts.length, 2);
  } finally {
    t.close();
  }
});

test("a stalled server hits the timeout, and the same client works afterwards", async () => {
  const s = await scriptedServer(["stall", "stall", "stall", "stall"]);
  try {
    const client = new CommunicationIdentityClient(s.cs, fast);
    const started = Date.now();
    const e = await client.createUser({ timeoutMs: 300 }).then(() => null, (x) => x);
    assert.equal(e && e.code, "ERR_TIMEOUT");
    assert.ok(Date.now() - started < 2000);
  } finally {
    s.close();
  }
  const ok = await scriptedServer([]);
  try {
    const client = new CommunicationIdentityClient(ok.cs, { timeoutMs: 2000 });
    assert.equal((await client.createUser()).communicationUserId, "8:acs:ok");
  } finally {
    ok.close();
  }
});

test("an abort signal cancels a call in flight and one already aborted never sends", async () => {
  const s = await scriptedServer(["stall"]);
  try {
    const client = new CommunicationIdentityClient(s.cs, fast);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const e = await client.createUser({ abortSignal: controller.signal }).then(() => null, (x) => x);
    assert.equal(e && e.code, "ERR_ABORTED");
    const sent = s.attempts.length;
    const e2 = await client.createUser({ abortSignal: AbortSignal.abort() }).then(() => null, (x) => x);
    assert.equal(e2 && e2.code, "ERR_ABORTED");
    assert.equal(s.attempts.length, sent);
  } finally {
    s.close();
  }
});

test("an abort during a Retry-After wait stops the wait", async () => {
  const s = await scriptedServer([{ status: 429, headers: { "retry-after": "20" } }]);
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const e = await new CommunicationIdentityClient(s.cs, { retry: { maxDelayMs: 60_000 } }).createUser({ abortSignal: controller.signal }).then(() => null, (x) => x);
    assert.equal(e && e.code, "ERR_ABORTED");
    assert.ok(Date.now() - started < 3000);
  } finally {
    s.close();
  }
});

test("createSignedFetch signs any ACS call (verified by the strict server) and resolves relative URLs", async () => {
  const signedFetch = createSignedFetch(strictCs);
  const before = strict.log.length;
  const res = await signedFetch("/identities?api-version=2023-10-01", { method: "POST", body: '{"createTokenWithScopes":["chat"]}' });
  assert.equal(res.status, 201);
  const body = await res.json();
  assert.match(body.identity.id, /^8:acs:/);
  const bad = await signedFetch("/identities?api-version=1999-01-01", { method: "POST" });
  assert.equal(bad.status, 400, "a service error is an ordinary Response");
  assert.equal(strict.log.slice(before).filter((r) => r.failure).length, 0);
});

test("createSignedFetch hashes a large body with WebCrypto: the strict server verifies it, and a caller's x-ms-content-sha256 is replaced", async () => {
  const signedFetch = createSignedFetch(strictCs);
  const before = strict.log.length;
  // 1 MiB (hashed by WebCrypto and sent as given) and 100 bytes (hashed in the wasm module).
  for (const size of [1 << 20, 100]) {
    const body = JSON.stringify({ pad: "p".repeat(size) });
    for (const init of [{ body }, { body: new TextEncoder().encode(body), headers: { "x-ms-content-sha256": "c29tZXRoaW5nIGVsc2U=" } }]) {
      const res = await signedFetch("/identities?api-version=2023-10-01", { method: "POST", ...init });
      assert.equal(res.status, 201, `${size} bytes`);
      await res.arrayBuffer();
    }
  }
  const seen = strict.log.slice(before);
  assert.equal(seen.length, 4);
  assert.deepEqual(seen.map((r) => r.failure), [null, null, null, null]);
  assert.deepEqual(seen.map((r) => r.body.length), [(1 << 20) + 10, (1 << 20) + 10, 110, 110]);
});

test("in Node the client sends over node:http, not the global fetch; a caller's fetch is used when given; request ids stay unique", async () => {
  const global = globalThis.fetch;
  let globalCalls = 0;
  globalThis.fetch = (...args) => {
    globalCalls++;
    return global(...args);
  };
  try {
    const before = strict.log.length;
    const client = new CommunicationIdentityClient(strictCs);
    for (let i = 0; i < 40; i++) await client.createUser();
    assert.equal(globalCalls, 0);
    let given = 0;
    const viaFetch = new CommunicationIdentityClient(strictCs, { fetch: (url, init) => (given++, global(url, init)) });
    await viaFetch.createUser();
    assert.equal(given, 1);
    const seen = strict.log.slice(before);
    assert.deepEqual(seen.map((r) => r.failure), Array(41).fill(null));
    const ids = seen.map((r) => r.headers["x-ms-client-request-id"]);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, 41);
  } finally {
    globalThis.fetch = global;
  }
});

test("the Node transport speaks https and verifies the server's certificate (trusted: a result; untrusted: ERR_NETWORK)", async () => {
  const { startEmulator } = await import("../support/emulator.mjs");
  const emu = await startEmulator({ tls: true });
  try {
    assert.match(emu.connectionString, /endpoint=https:\/\/127\.0\.0\.1:\d+/);
    const script = `import { CommunicationIdentityClient } from "acs-identity-edge";
      const c = new CommunicationIdentityClient(process.env.CS, { retry: { maxRetries: 0 } });
      try { console.log((await c.createUser()).communicationUserId); } catch (e) { console.log(e.code); }`;
    const run = (env) => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: root, env: { ...process.env, CS: emu.connectionString, ...env }, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("error", reject);
      child.on("exit", () => resolve(out.trim()));
    });
    assert.match(await run({ NODE_EXTRA_CA_CERTS: emu.certFile }), /^8:acs:/);
    assert.equal(await run({}), "ERR_NETWORK");
  } finally {
    await emu.stop();
    rmSync(emu.certFile, { force: true });
  }
});

test("createSignedFetch refuses a URL on another origin before signing or sending anything", async () => {
  let calls = 0;
  const signedFetch = createSignedFetch(strictCs, { fetch: () => { calls++; return Promise.reject(new Error("no request was expected")); } });
  for (const url of ["https://contoso.example/identities?api-version=2023-10-01", "//contoso.example/identities", new URL("http://127.0.0.2:1/identities")]) {
    const e = await signedFetch(url, { method: "POST" }).then(() => null, (x) => x);
    assert.ok(e instanceof AcsError, String(url));
    assert.equal(e.code, "ERR_INVALID_ARGUMENT");
    assert.equal(e.target, "url");
  }
  assert.equal(calls, 0);
});

test("a caller's fetch whose body streams something other than bytes is ERR_INVALID_RESPONSE, and the client works after", async () => {
  let calls = 0;
  const odd = async () => {
    calls++;
    if (calls > 1) return new Response(JSON.stringify({ identity: { id: "8:acs:after" } }), { status: 201 });
    return new Response(new ReadableStream({ start(c) { c.enqueue("not bytes"); c.close(); } }), { status: 201 });
  };
  const client = new CommunicationIdentityClient(strictCs, { fetch: odd, retry: { maxRetries: 0 } });
  const e = await client.createUser().then(() => null, (x) => x);
  assert.ok(e instanceof AcsError);
  assert.equal(e.code, "ERR_INVALID_RESPONSE");
  assert.match(e.message, /not a stream of bytes/);
  assert.equal((await client.createUser()).communicationUserId, "8:acs:after");
});

test("an apiVersion that is not a string is refused, not replaced by the default", () => {
  for (const apiVersion of [20231001, ["2023-10-01"], { v: "2023-10-01" }, true]) {
    assert.throws(() => new CommunicationIdentityClient(strictCs, { apiVersion }), (e) => e instanceof AcsError && e.code === "ERR_INVALID_ARGUMENT" && e.target === "apiVersion", JSON.stringify(apiVersion));
  }
  assert.equal(new CommunicationIdentityClient(strictCs, { apiVersion: undefined }).endpoint, new CommunicationIdentityClient(strictCs).endpoint);
});
