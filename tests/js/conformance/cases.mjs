// The conformance suite: one list of cases that exercises the whole public API of acs-identity-edge
// against the local emulator (started with --faults). It imports nothing but its assertions, so the same
// file runs unchanged in Node, workerd, Chromium and Deno; each runner passes the subject:
//
//   { pkg, connectionString, runtime }
//
// `pkg` is the package's module namespace as that runtime loads it (`import * as pkg from
// "acs-identity-edge"`), `connectionString` points at the emulator, `runtime` names the runtime for messages.
import * as expect from "./expect.mjs";

/**
 * The Microsoft Entra ID application the runners' emulator also authenticates (its --entra-* settings, in
 * `emulatorEnv`): the emulator is the authority, on its own origin. Test values, not secrets of anyone's.
 */
export const entraApp = {
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  clientId: "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b",
  clientSecret: "conformance~entra.secret_0123456789",
};

/** The environment every runner starts the emulator with. */
export const emulatorEnv = {
  ACS_EMULATOR_ENTRA_TENANT_ID: entraApp.tenantId,
  ACS_EMULATOR_ENTRA_CLIENT_ID: entraApp.clientId,
  ACS_EMULATOR_ENTRA_CLIENT_SECRET: entraApp.clientSecret,
};

const PREVIEW = "2025-03-02-preview";
const SCOPES = ["chat", "voip"];

function accessKeyOf(connectionString) {
  const m = /(?:^|;)\s*accesskey=([^;]+)/i.exec(connectionString);
  return m ? m[1].trim() : "";
}

function endpointOf(subject) {
  return subject.pkg.parseConnectionString(subject.connectionString).endpoint;
}

function client(subject, options = {}) {
  return new subject.pkg.CommunicationIdentityClient(subject.connectionString, {
    retry: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 200 },
    ...options,
  });
}

/** A `fetch` that adds the emulator's fault header and records each attempt's headers. */
function faultyFetch(fault, attempts = []) {
  return (url, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("x-emulator-fault", fault);
    attempts.push({ url: String(url), headers });
    return fetch(url, { ...init, headers });
  };
}

/** A `fetch` that must never be called (argument errors fail before any request). */
function forbiddenFetch(calls) {
  return () => {
    calls.count++;
    return Promise.reject(new Error("no request was expected"));
  };
}

/** What an error shows anywhere: message, stack, own fields. */
function everythingIn(error) {
  const own = {};
  for (const key of Object.getOwnPropertyNames(error)) own[key] = String(error[key]);
  return `${error.message}\n${error.stack}\n${JSON.stringify(own)}\n${String(error)}`;
}

function assertNoKey(error, key, message) {
  expect.ok(key.length > 8, "the test needs a real access key");
  const text = everythingIn(error);
  expect.ok(!text.includes(key), `${message}: the access key appears in the error`);
  expect.ok(!text.includes(key.slice(0, 16)), `${message}: part of the access key appears in the error`);
}

function assertAcsError(subject, error, expected, message) {
  expect.ok(error instanceof subject.pkg.AcsError, `${message}: an AcsError, got ${error && error.name}: ${error && error.message}`);
  expect.ok(error instanceof Error, `${message}: an Error`);
  expect.equal(error.name, "AcsError", message);
  expect.fields(error, expected, message);
}

async function whoami(subject, token) {
  const response = await fetch(`${endpointOf(subject)}/emulator/whoami`, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.text();
  return { status: response.status, body: body ? JSON.parse(body) : null };
}

function base64url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** An unsigned JWT with these claims (the emulator reads Entra tokens without checking signatures). */
function jwt(claims) {
  return `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}.${base64url("signature")}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const USER_ID = /^8:acs:[0-9a-f-]{36}_[0-9a-f-]+$/;

export const cases = [
  {
    name: "createUser returns a new communication user id each time",
    async run(subject) {
      const c = client(subject);
      const a = await c.createUser();
      const b = await c.createUser();
      expect.match(a.communicationUserId, USER_ID, "user id");
      expect.deepEqual(Object.keys(a), ["communicationUserId"], "result fields");
      expect.notEqual(a.communicationUserId, b.communicationUserId, "two users");
    },
  },
  {
    name: "the global fetch passed as options.fetch works (no this-binding trap)",
    async run(subject) {
      const user = await client(subject, { fetch: globalThis.fetch }).createUser();
      expect.match(user.communicationUserId, USER_ID, "client");
      const signedFetch = subject.pkg.createSignedFetch(subject.connectionString, { fetch: globalThis.fetch });
      expect.equal((await signedFetch("/identities?api-version=2023-10-01", { method: "POST" })).status, 201, "signed fetch");
    },
  },
  {
    name: "createUserAndToken issues a token with the scopes and lifetime asked for",
    async run(subject) {
      const before = Date.now();
      const result = await client(subject).createUserAndToken(SCOPES, { tokenExpiresInMinutes: 60 });
      expect.match(result.user.communicationUserId, USER_ID, "user id");
      expect.ok(result.expiresOn instanceof Date, "expiresOn is a Date");
      expect.between(result.expiresOn.getTime() - before, 58 * 60_000, 62 * 60_000, "expires in 60 minutes");
      const claims = subject.pkg.decodeAccessToken(result.token);
      expect.equal(claims.communicationUserId, result.user.communicationUserId, "token subject");
      expect.deepEqual([...claims.scopes].sort(), [...SCOPES].sort(), "token scopes");
      expect.equal(Math.floor(claims.expiresOn.getTime() / 1000), Math.floor(result.expiresOn.getTime() / 1000), "claims and result agree");
      const me = await whoami(subject, result.token);
      expect.equal(me.status, 200, "the service accepts the token");
      expect.equal(me.body.id, result.user.communicationUserId, "whoami id");
    },
  },
  {
    name: "getToken issues tokens for an existing user, 24 hours by default",
    async run(subject) {
      const c = client(subject);
      const user = await c.createUser();
      const before = Date.now();
      const t = await c.getToken(user, ["voip"]);
      expect.between(t.expiresOn.getTime() - before, 1438 * 60_000, 1442 * 60_000, "default lifetime");
      expect.deepEqual(subject.pkg.decodeAccessToken(t.token).scopes, ["voip"], "scopes");
      const short = await c.getToken(user, ["chat.join"], { tokenExpiresInMinutes: 90 });
      expect.between(short.expiresOn.getTime() - before, 88 * 60_000, 92 * 60_000, "90 minutes");
      expect.equal((await whoami(subject, t.token)).status, 200, "token accepted");
    },
  },
  {
    name: "revokeTokens invalidates the tokens issued before it",
    async run(subject) {
      const c = client(subject);
      const { user, token } = await c.createUserAndToken(["chat"]);
      expect.equal((await whoami(subject, token)).status, 200, "before revoking");
      expect.equal(await c.revokeTokens(user), undefined, "revokeTokens resolves to undefined");
      expect.equal((await whoami(subject, token)).status, 401, "after revoking");
    },
  },
  {
    name: "deleteUser removes the user: its tokens stop working and new ones fail with IdentityNotFound",
    async run(subject) {
      const c = client(subject);
      const { user, token } = await c.createUserAndToken(["voip"]);
      expect.equal(await c.deleteUser(user), undefined, "deleteUser resolves to undefined");
      expect.equal((await whoami(subject, token)).status, 401, "old token");
      const e = await expect.rejects(c.getToken(user, ["voip"]), "token for a deleted user");
      assertAcsError(subject, e, { code: "ERR_SERVICE", statusCode: 404, serviceCode: "IdentityNotFound" }, "deleted user");
      expect.match(e.requestId, /^[0-9a-f-]{36}$/, "request id");
      expect.ok(typeof e.msCv === "string" && e.msCv.length > 0, "MS-CV");
    },
  },
  {
    name: "getUser and customId on the preview api-version",
    async run(subject) {
      const c = client(subject, { apiVersion: PREVIEW });
      const customId = `conformance-${subject.runtime}-${crypto.randomUUID()}`;
      const a = await c.createUser({ customId });
      const b = await c.createUser({ customId });
      expect.equal(a.communicationUserId, b.communicationUserId, "the same customId gives the same user");
      expect.equal(a.customId, customId, "customId echoed");
      const withToken = await c.createUserAndToken(["chat"], { customId });
      expect.equal(withToken.user.communicationUserId, a.communicationUserId, "createUserAndToken with the customId");
      const detail = await c.getUser(a);
      expect.equal(detail.communicationUserId, a.communicationUserId, "getUser id");
      expect.equal(detail.customId, customId, "getUser customId");
      expect.ok(detail.lastTokenIssuedAt instanceof Date, "lastTokenIssuedAt after a token");
    },
  },
  {
    name: "operations that need the preview api-version fail locally on a stable one",
    async run(subject) {
      const calls = { count: 0 };
      const c = client(subject, { fetch: forbiddenFetch(calls) });
      const e = await expect.rejects(c.getUser({ communicationUserId: "8:acs:x_y" }));
      assertAcsError(subject, e, { code: "ERR_INVALID_ARGUMENT", target: "apiVersion" }, "getUser on 2023-10-01");
      const e2 = await expect.rejects(c.createUser({ customId: "a" }));
      assertAcsError(subject, e2, { code: "ERR_INVALID_ARGUMENT" }, "customId on 2023-10-01");
      expect.equal(calls.count, 0, "no request was sent");
    },
  },
  {
    name: "every stable api-version the service documents works end to end",
    async run(subject) {
      for (const apiVersion of ["2021-03-07", "2022-06-01", "2023-10-01", "2025-06-30"]) {
        const c = client(subject, { apiVersion });
        const { user, token } = await c.createUserAndToken(["chat"]);
        const traces = [];
        const traced = client(subject, { apiVersion, onRequest: (t) => traces.push(t) });
        await traced.getToken(user, ["voip"]);
        expect.match(traces[0].request.url, new RegExp(`api-version=${apiVersion}$`), apiVersion);
        await c.revokeTokens(user);
        expect.equal((await whoami(subject, token)).status, 401, `${apiVersion}: revoked`);
        await c.deleteUser(user);
      }
    },
  },
  {
    name: "getTokenForTeamsUser exchanges an Entra ID token, and reports the service's refusals",
    async run(subject) {
      const c = client(subject);
      const clientId = "0e3b2a3c-6c39-4b52-9d4f-2b3f5a1c7d10";
      const userObjectId = crypto.randomUUID();
      const entra = jwt({ exp: nowSeconds() + 3600, nbf: nowSeconds() - 60, appid: clientId, oid: userObjectId });
      const t = await c.getTokenForTeamsUser({ teamsUserAadToken: entra, clientId, userObjectId });
      expect.equal(subject.pkg.decodeAccessToken(t.token).communicationUserId, `8:orgid:${userObjectId}`, "Teams user id");
      expect.ok(t.expiresOn instanceof Date && t.expiresOn.getTime() > Date.now(), "expiresOn");
      const expired = jwt({ exp: nowSeconds() - 60, appid: clientId, oid: userObjectId });
      const e = await expect.rejects(c.getTokenForTeamsUser({ teamsUserAadToken: expired, clientId, userObjectId }));
      assertAcsError(subject, e, { code: "ERR_SERVICE", statusCode: 401, serviceCode: "InvalidAccessToken" }, "expired Entra token");
      const otherApp = "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f";
      const e2 = await expect.rejects(c.getTokenForTeamsUser({ teamsUserAadToken: entra, clientId: otherApp, userObjectId }));
      assertAcsError(subject, e2, { code: "ERR_SERVICE", statusCode: 400, serviceCode: "ValidationError", target: "appId" }, "wrong app");
    },
  },
  {
    name: "bad arguments fail with ERR_INVALID_ARGUMENT before any request",
    async run(subject) {
      const calls = { count: 0 };
      const c = client(subject, { fetch: forbiddenFetch(calls) });
      const user = { communicationUserId: "8:acs:ac5e0000-0000-4000-8000-000000000001_00000000-0000-0000-0000-000000000000" };
      const checks = [
        ["lifetime 59", () => c.getToken(user, ["chat"], { tokenExpiresInMinutes: 59 }), "expiresInMinutes"],
        ["lifetime 1441", () => c.createUserAndToken(["chat"], { tokenExpiresInMinutes: 1441 }), "expiresInMinutes"],
        ["no scopes", () => c.getToken(user, []), "scopes"],
        ["no user", () => c.revokeTokens({}), "user"],
        ["options not an object", () => c.deleteUser(user, 5), "options"],
        ["Teams params missing", () => c.getTokenForTeamsUser(null), "params"],
      ];
      for (const [label, work, target] of checks) {
        const e = await expect.rejects(work, label);
        assertAcsError(subject, e, { code: "ERR_INVALID_ARGUMENT", target }, label);
      }
      expect.equal(calls.count, 0, "no request was sent");
      const e = expect.throws(() => new subject.pkg.CommunicationIdentityClient(subject.connectionString, { retry: { maxRetries: -1 } }));
      assertAcsError(subject, e, { code: "ERR_INVALID_ARGUMENT", target: "retry.maxRetries" }, "negative maxRetries");
    },
  },
  {
    name: "service validation errors carry the service's code, message, target and request id",
    async run(subject) {
      const c = client(subject);
      const user = await c.createUser();
      const e = await expect.rejects(c.getToken(user, ["no.such.scope"]));
      assertAcsError(subject, e, { code: "ERR_SERVICE", statusCode: 400, serviceCode: "ValidationError", target: "scopes" }, "unknown scope");
      expect.match(e.serviceMessage, /no\.such\.scope/, "service message");
      expect.equal(e.message, e.serviceMessage, "message is the service's");
      expect.match(e.requestId, /^[0-9a-f-]{36}$/, "request id");
      const e2 = await expect.rejects(c.getToken({ communicationUserId: "8:acs:someone-else" }, ["chat"]));
      assertAcsError(subject, e2, { code: "ERR_SERVICE", statusCode: 401, serviceCode: "IdentityNotOwned" }, "foreign user");
    },
  },
  {
    name: "a wrong access key is refused with Denied, and no error ever shows a key",
    async run(subject) {
      const wrongKey = "d3JvbmcgYnV0IHdlbGwgZm9ybWVkIGtleSBmb3IgdGhlIGNvbmZvcm1hbmNlIHN1aXRl";
      const cs = subject.connectionString.replace(/accesskey=[^;]+/i, `accesskey=${wrongKey}`);
      const c = new subject.pkg.CommunicationIdentityClient(cs, { retry: { maxRetries: 0 } });
      const e = await expect.rejects(c.createUser());
      assertAcsError(subject, e, { code: "ERR_SERVICE", statusCode: 401, serviceCode: "Denied" }, "wrong key");
      assertNoKey(e, wrongKey, "wrong key");
      assertNoKey(e, accessKeyOf(subject.connectionString), "wrong key (real key)");
      const e2 = await expect.rejects(client(subject).getToken({ communicationUserId: "8:acs:x_y" }, ["nope"]));
      assertNoKey(e2, accessKeyOf(subject.connectionString), "service error");
    },
  },
  {
    name: "malformed connection strings fail with ERR_INVALID_CONNECTION_STRING and never echo the key",
    async run(subject) {
      const key = accessKeyOf(subject.connectionString);
      const endpoint = endpointOf(subject);
      const bad = [
        ["no key", `endpoint=${endpoint}/`],
        ["no endpoint", `accesskey=${key}`],
        ["key not base64", `endpoint=${endpoint}/;accesskey=${key.slice(0, 20)}@@${key.slice(20)}`],
        ["endpoint not a URL", `endpoint=not a url;accesskey=${key}`],
      ];
      for (const [label, cs] of bad) {
        const e = expect.throws(() => new subject.pkg.CommunicationIdentityClient(cs), label);
        assertAcsError(subject, e, { code: "ERR_INVALID_CONNECTION_STRING" }, label);
        assertNoKey(e, key, label);
        const e2 = expect.throws(() => subject.pkg.signRequest(cs, { method: "GET", url: "https://x.example/" }), `${label} (signRequest)`);
        assertAcsError(subject, e2, { code: "ERR_INVALID_CONNECTION_STRING" }, `${label} (signRequest)`);
        assertNoKey(e2, key, `${label} (signRequest)`);
      }
    },
  },
  {
    name: "plain http is refused for an endpoint that is not loopback",
    async run(subject) {
      const calls = { count: 0 };
      const key = accessKeyOf(subject.connectionString);
      const cs = `endpoint=http://acs.example.com/;accesskey=${key}`;
      const e = await expect.rejects(async () => new subject.pkg.CommunicationIdentityClient(cs, { fetch: forbiddenFetch(calls) }).createUser());
      assertAcsError(subject, e, { code: "ERR_INVALID_ARGUMENT", target: "endpoint" }, "plain http");
      expect.equal(calls.count, 0, "nothing was sent");
      assertNoKey(e, key, "plain http");
    },
  },
  {
    name: "onRequest shows each signed request and the response",
    async run(subject) {
      const traces = [];
      const c = client(subject, { onRequest: (t) => traces.push(t) });
      const { user } = await c.createUserAndToken(["chat"], { tokenExpiresInMinutes: 60 });
      expect.equal(traces.length, 1, "one attempt");
      const { request, response } = traces[0];
      expect.equal(request.method, "POST", "method");
      const url = new URL(request.url);
      expect.equal(`${url.pathname}${url.search}`, "/identities?api-version=2023-10-01", "path and query");
      const headers = new Map(request.headers.map(([k, v]) => [k.toLowerCase(), v]));
      expect.equal(headers.get("authorization"), "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<redacted>", "authorization, redacted");
      expect.match(headers.get("x-ms-date"), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/, "x-ms-date");
      expect.match(headers.get("x-ms-client-request-id"), /^[0-9a-f-]{36}$/, "request id");
      const lines = request.stringToSign.split("\n");
      expect.equal(lines[0], "POST", "string to sign: method");
      expect.equal(lines[1], "/identities?api-version=2023-10-01", "string to sign: path");
      expect.equal(lines[2], `${headers.get("x-ms-date")};${url.host};${headers.get("x-ms-content-sha256")}`, "string to sign: date;host;hash");
      const body = JSON.parse(new TextDecoder().decode(request.body));
      expect.deepEqual(body, { createTokenWithScopes: ["chat"], expiresInMinutes: 60 }, "request body");
      expect.equal(response.status, 201, "status");
      expect.equal(response.body.identity.id, user.communicationUserId, "response body");
      expect.equal(response.body.accessToken.token, "<redacted>", "the issued token, redacted");
    },
  },
  {
    name: "503 is retried after retry-after-ms, with one request id and a fresh signature per attempt",
    async run(subject) {
      const traces = [];
      const attempts = [];
      const c = client(subject, { fetch: faultyFetch("503;times=2;retry-after-ms=30", attempts), onRequest: (t) => traces.push(t) });
      const started = Date.now();
      const user = await c.createUser();
      expect.match(user.communicationUserId, USER_ID, "created after the retries");
      expect.deepEqual(traces.map((t) => t.response.status), [503, 503, 201], "attempt statuses");
      const ids = attempts.map((a) => a.headers.get("x-ms-client-request-id"));
      expect.equal(new Set(ids).size, 1, "one request id across attempts");
      expect.ok(attempts.every((a) => a.headers.get("authorization")), "every attempt signed");
      expect.ok(Date.now() - started >= 55, "waited retry-after-ms twice");
    },
  },
  {
    name: "429 is retried up to maxRetries, then fails with the service's 429",
    async run(subject) {
      const attempts = [];
      const c = client(subject, { retry: { maxRetries: 2, baseDelayMs: 10 }, fetch: faultyFetch("429;times=10;retry-after-ms=10", attempts) });
      const e = await expect.rejects(c.createUser());
      assertAcsError(subject, e, { code: "ERR_SERVICE", statusCode: 429, serviceCode: "TooManyRequests" }, "429");
      expect.equal(attempts.length, 3, "first attempt and two retries");
    },
  },
  {
    name: "500 and a dropped connection are retried; maxRetries 0 turns them into errors",
    async run(subject) {
      const a500 = [];
      const user = await client(subject, { fetch: faultyFetch("500", a500) }).createUser();
      expect.match(user.communicationUserId, USER_ID, "500 then success");
      expect.equal(a500.length, 2, "one retry after 500");
      // A browser may itself resend a request whose reused connection closed, so how many dropped
      // connections reach the client differs by runtime; a fetch that fails outright does not.
      const afterDrops = await client(subject, { fetch: faultyFetch("drop;times=2") }).createUser();
      expect.match(afterDrops.communicationUserId, USER_ID, "dropped connections then success");
      let failures = 0;
      const flaky = (url, init) => (failures++ === 0 ? Promise.reject(new TypeError("network down")) : fetch(url, init));
      const afterFailure = await client(subject, { fetch: flaky }).createUser();
      expect.match(afterFailure.communicationUserId, USER_ID, "a failed fetch then success");
      expect.equal(failures, 2, "one retry after a failed fetch");
      const e = await expect.rejects(client(subject, { retry: { maxRetries: 0 }, fetch: faultyFetch("500") }).createUser());
      assertAcsError(subject, e, { code: "ERR_SERVICE", statusCode: 500 }, "500 without retries");
      const e2 = await expect.rejects(client(subject, { retry: { maxRetries: 0 }, fetch: faultyFetch("drop;times=50") }).createUser());
      assertAcsError(subject, e2, { code: "ERR_NETWORK" }, "dropped without retries");
    },
  },
  {
    name: "400 is never retried",
    async run(subject) {
      const attempts = [];
      const c = client(subject, { fetch: faultyFetch("400;times=5", attempts) });
      const e = await expect.rejects(c.createUser());
      assertAcsError(subject, e, { code: "ERR_SERVICE", statusCode: 400 }, "400");
      expect.equal(attempts.length, 1, "one attempt");
    },
  },
  {
    name: "an unreachable endpoint fails with ERR_NETWORK",
    async run(subject) {
      const key = accessKeyOf(subject.connectionString);
      const c = new subject.pkg.CommunicationIdentityClient(`endpoint=http://127.0.0.1:1/;accesskey=${key}`, { retry: { maxRetries: 1, baseDelayMs: 5 } });
      const e = await expect.rejects(c.createUser());
      assertAcsError(subject, e, { code: "ERR_NETWORK" }, "port 1");
      expect.ok(e.message.startsWith("could not reach 127.0.0.1:1: "), `the message names the host: ${e.message}`);
      assertNoKey(e, key, "network error");
    },
  },
  {
    name: "a network error keeps the fetch rejection as its cause, with the runtime's error code",
    async run(subject) {
      const key = accessKeyOf(subject.connectionString);
      const rejection = new TypeError("fetch failed");
      rejection.cause = Object.assign(new Error("getaddrinfo ENOTFOUND contoso.communication.azure.com"), { code: "ENOTFOUND" });
      const c = new subject.pkg.CommunicationIdentityClient(`endpoint=https://contoso.communication.azure.com/;accesskey=${key}`, {
        retry: { maxRetries: 0 },
        fetch: () => Promise.reject(rejection),
      });
      const e = await expect.rejects(c.createUser());
      assertAcsError(subject, e, { code: "ERR_NETWORK" }, "rejected fetch");
      expect.equal(e.message, "could not reach contoso.communication.azure.com: fetch failed (ENOTFOUND)", "the message");
      expect.ok(e.cause === rejection, "the cause is the rejection itself");
      assertNoKey(e, key, "network error");
    },
  },
  {
    name: "an aborted signal stops a call: before it starts, during a slow answer, and during a retry wait",
    async run(subject) {
      const calls = { count: 0 };
      const aborted = new AbortController();
      aborted.abort();
      const e = await expect.rejects(client(subject, { fetch: forbiddenFetch(calls) }).createUser({ abortSignal: aborted.signal }));
      assertAcsError(subject, e, { code: "ERR_ABORTED" }, "already aborted");
      expect.equal(calls.count, 0, "nothing sent");

      const slow = new AbortController();
      const started = Date.now();
      setTimeout(() => slow.abort(), 100);
      const e2 = await expect.rejects(client(subject, { fetch: faultyFetch("delay=3000") }).createUser({ abortSignal: slow.signal }));
      assertAcsError(subject, e2, { code: "ERR_ABORTED" }, "aborted during the request");
      expect.ok(Date.now() - started < 2500, `stopped promptly (${Date.now() - started} ms)`);

      const waiting = new AbortController();
      const attempts = [];
      const c = client(subject, { retry: { maxRetries: 3, baseDelayMs: 10 }, fetch: faultyFetch("503;times=5;retry-after=30", attempts) });
      const started2 = Date.now();
      const pending = c.createUser({ abortSignal: waiting.signal });
      setTimeout(() => waiting.abort(), 300);
      const e3 = await expect.rejects(pending);
      assertAcsError(subject, e3, { code: "ERR_ABORTED" }, "aborted during the retry wait");
      expect.equal(attempts.length, 1, "no second attempt");
      expect.ok(Date.now() - started2 < 5000, "did not wait the 30 s Retry-After");
    },
  },
  {
    name: "timeoutMs bounds a call, retries included, with ERR_TIMEOUT",
    async run(subject) {
      const started = Date.now();
      const e = await expect.rejects(client(subject, { fetch: faultyFetch("delay=3000") }).createUser({ timeoutMs: 150 }));
      assertAcsError(subject, e, { code: "ERR_TIMEOUT" }, "per call");
      expect.ok(Date.now() - started < 2500, "stopped promptly");
      // A wait that would outlast the bound is not started: the answer in hand (the 503) is the result.
      const waitStarted = Date.now();
      const e2 = await expect.rejects(client(subject, { timeoutMs: 150, retry: { maxRetries: 3, baseDelayMs: 10 }, fetch: faultyFetch("503;times=5;retry-after=30") }).createUser());
      assertAcsError(subject, e2, { code: "ERR_SERVICE", statusCode: 503 }, "client default, a Retry-After past the bound");
      expect.ok(Date.now() - waitStarted < 2500, "the 30 s wait was not started");
      const e3 = await expect.rejects(client(subject, { timeoutMs: 150, retry: { maxRetries: 3, baseDelayMs: 10 }, fetch: faultyFetch("503;times=5;retry-after-ms=10;delay=100") }).createUser());
      assertAcsError(subject, e3, { code: "ERR_TIMEOUT" }, "client default, the bound reached across attempts and a wait");
      const ok = await client(subject, { timeoutMs: 5000 }).createUser();
      expect.match(ok.communicationUserId, USER_ID, "a call within its bound succeeds");
    },
  },
  {
    name: "CommunicationTokenCredential fetches through its refresher once for concurrent callers, then caches",
    async run(subject) {
      const c = client(subject);
      const user = await c.createUser();
      let refreshes = 0;
      const credential = new subject.pkg.CommunicationTokenCredential({
        tokenRefresher: async () => {
          refreshes++;
          return (await c.getToken(user, ["chat"])).token;
        },
      });
      const [a, b, d] = await Promise.all([credential.getToken(), credential.getToken(), credential.getToken()]);
      expect.equal(refreshes, 1, "one refresh for three concurrent callers");
      expect.equal(a.token, b.token, "same token");
      expect.equal(a.token, d.token, "same token");
      expect.equal(subject.pkg.decodeAccessToken(a.token).communicationUserId, user.communicationUserId, "the user's token");
      expect.equal(a.expiresOnTimestamp, subject.pkg.decodeAccessToken(a.token).expiresOn.getTime(), "expiresOnTimestamp");
      await credential.getToken();
      expect.equal(refreshes, 1, "cached afterwards");
      credential.dispose();
      const e = await expect.rejects(credential.getToken());
      assertAcsError(subject, e, { code: "ERR_INVALID_ARGUMENT" }, "after dispose");
    },
  },
  {
    name: "CommunicationTokenCredential refreshes a token within 10 minutes of expiry and refuses expired ones",
    async run(subject) {
      const c = client(subject);
      const user = await c.createUser();
      const soon = jwt({ skypeid: user.communicationUserId.slice(2), scp: 1792, exp: nowSeconds() + 5 * 60, acsScope: "chat" });
      let refreshes = 0;
      const credential = new subject.pkg.CommunicationTokenCredential({
        token: soon,
        tokenRefresher: async () => {
          refreshes++;
          return (await c.getToken(user, ["chat"], { tokenExpiresInMinutes: 60 })).token;
        },
      });
      const fresh = await credential.getToken();
      expect.equal(refreshes, 1, "refreshed a token 5 minutes from expiry");
      expect.notEqual(fresh.token, soon, "a new token");
      expect.equal((await whoami(subject, fresh.token)).status, 200, "the refreshed token works");
      credential.dispose();

      const later = jwt({ skypeid: "acs:x", scp: 1792, exp: nowSeconds() + 3600, acsScope: "chat" });
      const staticCredential = new subject.pkg.CommunicationTokenCredential(later);
      expect.equal((await staticCredential.getToken()).token, later, "a static token is returned as is");
      const expired = jwt({ skypeid: "acs:x", scp: 1792, exp: nowSeconds() - 60, acsScope: "chat" });
      const e = await expect.rejects(new subject.pkg.CommunicationTokenCredential(expired).getToken());
      assertAcsError(subject, e, { code: "ERR_INVALID_TOKEN" }, "static expired token");
      const bad = new subject.pkg.CommunicationTokenCredential({ tokenRefresher: async () => expired });
      const e2 = await expect.rejects(bad.getToken());
      assertAcsError(subject, e2, { code: "ERR_INVALID_TOKEN" }, "refresher returned an expired token");
      const e3 = expect.throws(() => new subject.pkg.CommunicationTokenCredential({}));
      assertAcsError(subject, e3, { code: "ERR_INVALID_ARGUMENT" }, "no refresher");
    },
  },
  {
    name: "CommunicationTokenCredential refreshes ahead of time when asked, and hands its refresher the abort signal",
    async run(subject) {
      const c = client(subject);
      const user = await c.createUser();
      const soon = jwt({ skypeid: user.communicationUserId.slice(2), scp: 1792, exp: nowSeconds() + 5 * 60, acsScope: "voip" });
      let refreshes = 0;
      const proactive = new subject.pkg.CommunicationTokenCredential({
        token: soon,
        refreshProactively: true,
        tokenRefresher: async () => {
          refreshes++;
          return (await c.getToken(user, ["voip"])).token;
        },
      });
      for (let i = 0; i < 100 && refreshes === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect.equal(refreshes, 1, "refreshed without a getToken call");
      const { token } = await proactive.getToken();
      expect.notEqual(token, soon, "the proactively refreshed token is served");
      expect.equal(refreshes, 1, "and not refreshed again");
      proactive.dispose();

      const controller = new AbortController();
      let seen;
      const credential = new subject.pkg.CommunicationTokenCredential({
        tokenRefresher: async (abortSignal) => {
          seen = abortSignal;
          return (await c.getToken(user, ["voip"], { abortSignal })).token;
        },
      });
      await credential.getToken({ abortSignal: controller.signal });
      expect.equal(seen, controller.signal, "the caller's signal reaches the refresher");
      credential.dispose();
    },
  },
  {
    name: "signRequest signs what the service verifies; a changed body or path is refused",
    async run(subject) {
      const endpoint = endpointOf(subject);
      const url = `${endpoint}/identities?api-version=2023-10-01`;
      const body = JSON.stringify({ createTokenWithScopes: ["chat"] });
      const headers = subject.pkg.signRequest(subject.connectionString, { method: "POST", url, body });
      expect.deepEqual(Object.keys(headers).sort(), ["authorization", "x-ms-content-sha256", "x-ms-date"], "header names");
      const ok = await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
      expect.equal(ok.status, 201, "signed request accepted");
      expect.ok((await ok.json()).accessToken.token, "a token came back");
      const tampered = await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: body.replace("chat", "voip") });
      expect.equal(tampered.status, 401, "changed body refused");
      expect.equal((await tampered.json()).error.code, "Denied", "Denied");
      const otherPath = await fetch(`${endpoint}/identities?api-version=2022-06-01`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
      expect.equal(otherPath.status, 401, "changed query refused");
      const fixed = subject.pkg.signRequest(subject.connectionString, { method: "GET", url, date: new Date(Date.UTC(2022, 3, 13, 18, 9, 12)) });
      expect.equal(fixed["x-ms-date"], "Wed, 13 Apr 2022 18:09:12 GMT", "date option");
      expect.equal(fixed["x-ms-content-sha256"], "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "empty body hash");
      const asBytes = subject.pkg.signRequest(subject.connectionString, { method: "POST", url, body: new TextEncoder().encode(body), date: new Date(Date.UTC(2022, 3, 13, 18, 9, 12)) });
      const asText = subject.pkg.signRequest(subject.connectionString, { method: "POST", url: new URL(url), body, date: new Date(Date.UTC(2022, 3, 13, 18, 9, 12)) });
      expect.deepEqual(asBytes, asText, "bytes and text sign alike");
      const e = expect.throws(() => subject.pkg.signRequest(subject.connectionString, { method: "GET", url: 5 }));
      assertAcsError(subject, e, { code: "ERR_INVALID_ARGUMENT", target: "url" }, "bad url");
    },
  },
  {
    name: "createSignedFetch signs relative and absolute URLs, keeps caller headers, and retries with one request id",
    async run(subject) {
      const seen = [];
      const record = (url, init) => {
        seen.push(new Headers(init.headers));
        return fetch(url, init);
      };
      const signedFetch = subject.pkg.createSignedFetch(subject.connectionString, { retry: { baseDelayMs: 10 }, fetch: record });
      const created = await signedFetch("/identities?api-version=2023-10-01", {
        method: "POST",
        headers: { "content-type": "application/json", "x-emulator-fault": "503;times=2;retry-after-ms=10" },
        body: JSON.stringify({ createTokenWithScopes: ["voip"] }),
      });
      expect.equal(created.status, 201, "created after two 503s");
      expect.equal(seen.length, 3, "three attempts");
      expect.equal(new Set(seen.map((h) => h.get("x-ms-client-request-id"))).size, 1, "one request id across attempts");
      expect.ok(seen.every((h) => h.get("content-type") === "application/json"), "caller header kept");
      const { identity, accessToken } = await created.json();
      expect.deepEqual(subject.pkg.decodeAccessToken(accessToken.token).scopes, ["voip"], "body was sent");
      const id = encodeURIComponent(identity.id);
      const absolute = `${endpointOf(subject)}/identities/${id}/:issueAccessToken?api-version=2023-10-01`;
      const issued = await signedFetch(absolute, { method: "POST", body: new TextEncoder().encode(JSON.stringify({ scopes: ["chat"] })) });
      expect.equal(issued.status, 200, "absolute URL with a Uint8Array body");
      const request = new Request(`${endpointOf(subject)}/identities/${id}?api-version=2023-10-01`, { method: "DELETE" });
      const deleted = await signedFetch(request);
      expect.equal(deleted.status, 204, "a Request input");
      const mine = await signedFetch(`/identities/${id}/:revokeAccessTokens?api-version=2023-10-01`, { method: "POST", headers: { "x-ms-client-request-id": "b1d2f3a4-0000-4000-8000-000000000001" } });
      expect.equal(mine.status, 404, "a deleted user cannot be revoked");
      expect.equal(mine.headers.get("x-ms-client-request-id"), "b1d2f3a4-0000-4000-8000-000000000001", "caller's request id kept");
      const e = await expect.rejects(signedFetch("/identities?api-version=2023-10-01", { method: "POST", body: { not: "bytes" } }));
      assertAcsError(subject, e, { code: "ERR_INVALID_ARGUMENT", target: "body" }, "object body");
    },
  },
  {
    name: "createSignedFetch stops on abort and passes the last failure through as a Response",
    async run(subject) {
      const signedFetch = subject.pkg.createSignedFetch(subject.connectionString, { retry: { maxRetries: 1, baseDelayMs: 10 } });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const e = await expect.rejects(signedFetch("/identities?api-version=2023-10-01", { method: "POST", signal: controller.signal, headers: { "x-emulator-fault": "delay=3000" } }));
      assertAcsError(subject, e, { code: "ERR_ABORTED" }, "aborted");
      const failing = await signedFetch("/identities?api-version=2023-10-01", { method: "POST", headers: { "x-emulator-fault": "503;times=5;retry-after-ms=10" } });
      expect.equal(failing.status, 503, "the service's answer after the retries");
      expect.equal((await failing.json()).error.code, "ServiceUnavailable", "its body is readable");
    },
  },
  {
    name: "identifiers: raw ids round trip for every kind",
    async run(subject) {
      const { createIdentifierFromRawId: parse, getIdentifierRawId: raw } = subject.pkg;
      const samples = [
        ["8:acs:ac5e0000-0000-4000-8000-000000000001_00000001-0000-0000-0000-000000000001", "communicationUser"],
        ["4:+14255550123", "phoneNumber"],
        ["8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130", "microsoftTeamsUser"],
        ["8:teamsvisitor:45ab2481-1c1c-4005-be24-0ffb879b1130", "microsoftTeamsUser"],
        ["8:gcch:45ab2481-1c1c-4005-be24-0ffb879b1130", "microsoftTeamsUser"],
        ["28:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130", "microsoftTeamsApp"],
        ["8:acs:resource_tenant_user", "teamsExtensionUser"],
        ["48:something-else", "unknown"],
      ];
      for (const [rawId, kind] of samples) {
        const identifier = parse(rawId);
        expect.equal(identifier.kind, kind, rawId);
        expect.equal(raw(identifier), rawId, `${rawId} round trip`);
      }
      expect.ok(parse("8:teamsvisitor:45ab2481-1c1c-4005-be24-0ffb879b1130").isAnonymous, "visitor is anonymous");
      expect.equal(parse("8:gcch:45ab2481-1c1c-4005-be24-0ffb879b1130").cloud, "gcch", "cloud");
      expect.equal(raw({ phoneNumber: "+14255550123" }), "4:+14255550123", "phone number without rawId");
      expect.equal(raw({ communicationUserId: "8:acs:x" }), "8:acs:x", "communication user");
    },
  },
  {
    name: "parseConnectionString and decodeAccessToken",
    async run(subject) {
      const parsed = subject.pkg.parseConnectionString(subject.connectionString);
      expect.deepEqual(Object.keys(parsed).sort(), ["endpoint", "host"], "only endpoint and host");
      expect.equal(new URL(parsed.endpoint).host, parsed.host, "host matches endpoint");
      expect.ok(!JSON.stringify(parsed).includes(accessKeyOf(subject.connectionString)), "no key");
      const https = subject.pkg.parseConnectionString("endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0");
      expect.deepEqual(https, { endpoint: "https://contoso.communication.azure.com", host: "contoso.communication.azure.com" }, "https");
      for (const bad of ["abc", "a.b", 5, "a.!!!.c"]) {
        const e = expect.throws(() => subject.pkg.decodeAccessToken(bad), String(bad));
        assertAcsError(subject, e, { code: "ERR_INVALID_TOKEN" }, String(bad));
      }
    },
  },
  {
    name: "a key credential (AzureKeyCredential) is read on every request: update() rotates the key",
    async run(subject) {
      const endpoint = endpointOf(subject);
      const key = accessKeyOf(subject.connectionString);
      const wrongKey = "d3JvbmcgYnV0IHdlbGwgZm9ybWVkIGtleSBmb3IgdGhlIGNvbmZvcm1hbmNlIHN1aXRl";
      const credential = new subject.pkg.AzureKeyCredential(wrongKey);
      const c = new subject.pkg.CommunicationIdentityClient(endpoint, credential, { retry: { maxRetries: 0 } });
      const e = await expect.rejects(c.createUser());
      assertAcsError(subject, e, { code: "ERR_SERVICE", statusCode: 401, serviceCode: "Denied" }, "wrong key");
      assertNoKey(e, wrongKey, "wrong key");
      credential.update(key);
      expect.equal(credential.key, key, "the key is updated");
      const user = await c.createUser();
      expect.match(user.communicationUserId, USER_ID, "the same client signs with the new key");
      const signedFetch = subject.pkg.createSignedFetch(endpoint, credential);
      expect.equal((await signedFetch("/identities?api-version=2023-10-01", { method: "POST" })).status, 201, "signed fetch");
      const bad = expect.throws(() => new subject.pkg.AzureKeyCredential(""), "empty key");
      assertAcsError(subject, bad, { code: "ERR_INVALID_ARGUMENT", target: "key" }, "empty key");
      const noCredential = expect.throws(() => new subject.pkg.CommunicationIdentityClient(endpoint, "not a credential"), "string");
      assertAcsError(subject, noCredential, { code: "ERR_INVALID_ARGUMENT", target: "credential" }, "string credential");
    },
  },
  {
    name: "a token credential: Bearer tokens for the Communication scope, no HMAC, one getToken for concurrent calls, a fresh one after a 401",
    async run(subject) {
      const endpoint = endpointOf(subject);
      /** A token credential of the case's, counting its calls; its tokens are `${prefix}-1`, `${prefix}-2`, ... */
      const tokenCredential = (prefix, asked) => ({
        async getToken(scopes, options) {
          asked.push({ scopes, hasOptions: typeof options === "object" });
          await new Promise((r) => setTimeout(r, 5));
          return { token: `${prefix}-${asked.length}`, expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      });
      const sent = [];
      // The resource of this case: answers 401 to the token "refused-1", 201 to the others.
      const resource = async (url, init = {}) => {
        const headers = new Headers(init.headers);
        sent.push(headers);
        const status = headers.get("authorization") === "Bearer refused-1" ? 401 : 201;
        const body = status === 201 ? { identity: { id: `8:acs:00000000-0000-4000-8000-000000000001_${sent.length}` } } : { error: { code: "InvalidAuthenticationToken", message: "no" } };
        return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
      };
      const scope = "https://communication.azure.com//.default";

      const concurrent = [];
      const c = new subject.pkg.CommunicationIdentityClient(endpoint, tokenCredential("entra", concurrent), { fetch: resource, retry: { maxRetries: 0 } });
      const users = await Promise.all([c.createUser(), c.createUser(), c.createUser()]);
      expect.equal(new Set(users.map((u) => u.communicationUserId)).size, 3, "three users");
      expect.deepEqual(concurrent.map((a) => a.scopes), [[scope]], "one getToken for three concurrent calls, for the Communication scope");
      expect.ok(concurrent[0].hasOptions, "getToken gets an options object");
      expect.equal(sent.length, 3, "three requests");
      for (const headers of sent) {
        expect.equal(headers.get("authorization"), "Bearer entra-1", "bearer authorization");
        expect.equal(headers.get("x-ms-date"), null, "no x-ms-date");
        expect.equal(headers.get("x-ms-content-sha256"), null, "no content hash");
      }

      const retried = [];
      sent.length = 0;
      const r = new subject.pkg.CommunicationIdentityClient(endpoint, tokenCredential("refused", retried), { fetch: resource, retry: { maxRetries: 0 } });
      await r.createUser();
      expect.equal(retried.length, 2, "a fresh token after the 401");
      expect.deepEqual(sent.map((h) => h.get("authorization")), ["Bearer refused-1", "Bearer refused-2"], "one retry with the fresh token");
      await r.createUser();
      expect.equal(retried.length, 2, "the fresh token is cached");

      const boom = new Error("the token service is down");
      const failing = new subject.pkg.CommunicationIdentityClient(endpoint, { getToken: async () => { throw boom; } }, { fetch: resource });
      const e = await expect.rejects(failing.createUser());
      assertAcsError(subject, e, { code: "ERR_AUTHENTICATION" }, "getToken threw");
      expect.equal(e.cause, boom, "the thrown error is the cause");
      const none = new subject.pkg.CommunicationIdentityClient(endpoint, { getToken: async () => null }, { fetch: resource });
      assertAcsError(subject, await expect.rejects(none.createUser()), { code: "ERR_AUTHENTICATION" }, "getToken gave null");
    },
  },
  {
    name: "ClientSecretCredential runs the client-credentials grant with fetch, caches, and reports Entra's refusals",
    async run(subject) {
      const secret = "conformance~secret_0123456789abcdef";
      const requests = [];
      const authority = async (url, init = {}) => {
        const form = new URLSearchParams(new TextDecoder().decode(init.body));
        requests.push({ url: String(url), form });
        if (form.get("client_secret") !== secret) {
          const body = { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 0d1c\r\nCorrelation ID: 5a7f6d8e-1b2c-4d3e-9f40-123456789abc", error_codes: [7000215], correlation_id: "5a7f6d8e-1b2c-4d3e-9f40-123456789abc", trace_id: "0d1c" };
          return new Response(JSON.stringify(body), { status: 401, headers: { "content-type": "application/json" } });
        }
        return new Response(JSON.stringify({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: "eyJ0.eyJ1.sig" }), { status: 200 });
      };
      const credential = new subject.pkg.ClientSecretCredential("contoso.onmicrosoft.com", "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b", secret, { fetch: authority });
      const tokens = await Promise.all([credential.getToken("https://communication.azure.com//.default"), credential.getToken(["https://communication.azure.com//.default"])]);
      expect.equal(requests.length, 1, "one token request for two callers");
      expect.equal(requests[0].url, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", "token endpoint");
      expect.equal(requests[0].form.get("grant_type"), "client_credentials", "grant");
      expect.equal(requests[0].form.get("scope"), "https://communication.azure.com//.default", "scope");
      expect.equal(tokens[0].token, "eyJ0.eyJ1.sig", "token");
      expect.between(tokens[0].expiresOnTimestamp - Date.now(), 3590_000, 3600_000, "expires in 3599 s");

      const wrong = new subject.pkg.ClientSecretCredential("contoso.onmicrosoft.com", "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b", "wrong~secret_0123456789abcdef", { fetch: authority });
      const e = await expect.rejects(wrong.getToken("https://communication.azure.com//.default"));
      assertAcsError(subject, e, { code: "ERR_AUTHENTICATION", statusCode: 401, serviceCode: "AADSTS7000215", correlationId: "5a7f6d8e-1b2c-4d3e-9f40-123456789abc" }, "wrong secret");
      assertNoKey(e, "wrong~secret_0123456789abcdef", "wrong secret");
      const http = expect.throws(() => new subject.pkg.ClientSecretCredential("t", "c", secret, { authorityHost: "http://login.example.com" }), "http authority");
      assertAcsError(subject, http, { code: "ERR_INVALID_ARGUMENT", target: "authorityHost" }, "http authority");
    },
  },
  {
    name: "Microsoft Entra ID with the emulator as authority: ClientSecretCredential's bearer tokens run the quickstart; a wrong secret is AADSTS7000215",
    async run(subject) {
      const endpoint = endpointOf(subject);
      let tokenRequests = 0;
      const countingFetch = (url, init) => {
        if (String(url).includes("/oauth2/v2.0/token")) tokenRequests++;
        return fetch(url, init);
      };
      const credential = new subject.pkg.ClientSecretCredential(entraApp.tenantId, entraApp.clientId, entraApp.clientSecret, {
        authorityHost: endpoint,
        fetch: countingFetch,
      });
      const traces = [];
      const c = new subject.pkg.CommunicationIdentityClient(endpoint, credential, { onRequest: (t) => traces.push(t), traceSecrets: true });
      const [a, b] = await Promise.all([c.createUser(), c.createUser()]);
      expect.match(a.communicationUserId, USER_ID, "user id");
      const { token } = await c.getToken(b, ["chat"]);
      expect.equal((await whoami(subject, token)).status, 200, "the token works");
      await c.revokeTokens(b);
      expect.equal((await whoami(subject, token)).status, 401, "revoked");
      await c.deleteUser(a);
      await c.deleteUser(b);
      expect.equal(tokenRequests, 1, "one token request for every call");
      expect.equal(traces.length, 6, "six calls");
      for (const { request } of traces) {
        const headers = new Map(request.headers.map(([k, v]) => [k.toLowerCase(), v]));
        expect.match(headers.get("authorization"), /^Bearer [\w-]+\.[\w-]+\.[\w-]*$/, "bearer authorization");
        expect.equal(headers.has("x-ms-date"), false, "no x-ms-date");
      }

      const wrongSecret = "wrong~entra.secret_0123456789abcdef";
      const wrong = new subject.pkg.ClientSecretCredential(entraApp.tenantId, entraApp.clientId, wrongSecret, { authorityHost: endpoint });
      const e = await expect.rejects(new subject.pkg.CommunicationIdentityClient(endpoint, wrong).createUser());
      assertAcsError(subject, e, { code: "ERR_AUTHENTICATION", statusCode: 401, serviceCode: "AADSTS7000215", correlationId: /^[0-9a-f-]{36}$/ }, "wrong secret");
      assertNoKey(e, wrongSecret, "wrong secret");
      assertNoKey(e, entraApp.clientSecret, "wrong secret (the real one)");
    },
  },
];

/** Runs one case; never throws. `{ name, ok, error?, ms }` */
export async function runCase(testCase, subject) {
  const started = Date.now();
  try {
    await testCase.run(subject);
    return { name: testCase.name, ok: true, ms: Date.now() - started };
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ""}` : String(e);
    return { name: testCase.name, ok: false, error, ms: Date.now() - started };
  }
}

/** Runs every case in order. */
export async function runAll(subject) {
  const results = [];
  for (const testCase of cases) results.push(await runCase(testCase, subject));
  return results;
}
