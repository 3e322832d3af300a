// Microsoft Entra ID and key credentials in the package's own client, against the emulator as the
// resource and the authority:
// - `acs-emulator --entra-* --disable-local-auth` (plain http on loopback, which the package's credentials
//   allow): the quickstart with the package's ClientSecretCredential, one token request for 32 concurrent
//   first calls, a connection-string client refused with 401, Entra's refusals (wrong secret, unknown
//   tenant, unknown app, client assertion) as ERR_AUTHENTICATION without the secret, a 401 answered by one
//   fresh token and one retry;
// - a second emulator with local auth on: AzureKeyCredential.update() rotates the key of a live client;
// - `--tls`: @azure/identity's ClientSecretCredential with the package's client, and the package's
//   ClientSecretCredential with the official @azure/communication-identity client, in child Nodes that
//   trust the emulator's certificate (NODE_EXTRA_CA_CERTS is read when Node starts; MSAL and the official
//   bearer policy want https).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { repoRoot, startEmulator } from "../support/emulator.mjs";
import {
  AcsError,
  AzureKeyCredential,
  ClientAssertionCredential,
  ClientSecretCredential,
  CommunicationIdentityClient,
  createSignedFetch,
} from "../../dist/node.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b";
const SECRET = "emulator~client.secret_0123456789";
const SCOPE = "https://communication.azure.com//.default";
const ENTRA_ENV = {
  ACS_EMULATOR_ENTRA_TENANT_ID: TENANT,
  ACS_EMULATOR_ENTRA_CLIENT_ID: CLIENT,
  ACS_EMULATOR_ENTRA_CLIENT_SECRET: SECRET,
};

const base64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
const nowSeconds = () => Math.floor(Date.now() / 1000);

let emu; // Entra on, local auth off, plain http
let keyed; // local auth on
before(async () => {
  [emu, keyed] = await Promise.all([
    startEmulator({ faults: true, extraArgs: ["--disable-local-auth"], env: ENTRA_ENV }),
    startEmulator(),
  ]);
});
after(async () => {
  const statuses = await Promise.all([emu?.stop(), keyed?.stop()]);
  for (const status of statuses) assert.equal(status?.code, 0, "the emulator stops cleanly");
});

const stats = async () => (await fetch(`${emu.url}/emulator/entra/stats`)).json();
const whoami = async (token) =>
  (await fetch(`${emu.url}/emulator/whoami`, { headers: { authorization: `Bearer ${token}` } })).status;
const secretCredential = (secret = SECRET, tenant = TENANT, client = CLIENT) =>
  new ClientSecretCredential(tenant, client, secret, { authorityHost: emu.authorityHost });

/** Every text form of an error a user could log. */
function everyText(e) {
  const cause = e.cause ?? {};
  return [e.message, e.stack, JSON.stringify(e), String(e), cause.message, cause.stack, JSON.stringify(cause)].join("\n");
}

describe("the package's ClientSecretCredential against the emulator (local auth disabled)", () => {
  test("the emulator is its own authority, on plain http loopback", () => {
    assert.equal(emu.authorityHost, emu.url);
    assert.equal(emu.tenantId, TENANT);
    assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test("the whole quickstart runs on bearer tokens, with one token request", async () => {
    const credential = secretCredential();
    const traces = [];
    const redacted = [];
    const client = new CommunicationIdentityClient(emu.url, credential, { onRequest: (t) => traces.push(t), traceSecrets: true });
    const quiet = new CommunicationIdentityClient(emu.url, credential, { onRequest: (t) => redacted.push(t) });
    const before = await stats();

    await quiet.createUser();
    assert.equal(new Map(redacted[0].request.headers).get("authorization"), "Bearer <redacted>", "a trace shows no bearer token by default");
    const user = await client.createUser();
    assert.match(user.communicationUserId, /^8:acs:/);
    const { token, expiresOn } = await client.getToken(user, ["voip"]);
    assert.ok(expiresOn instanceof Date);
    assert.equal(claimsOf(token).acsScope, "voip");
    assert.equal(await whoami(token), 200, "the token is good");
    await client.revokeTokens(user);
    assert.equal(await whoami(token), 401, "revokeTokens reached the emulator");

    const both = await client.createUserAndToken(["chat", "voip"]);
    assert.equal(claimsOf(both.token).acsScope, "chat,voip");
    assert.equal(await whoami(both.token), 200);

    const appId = "1fd5e4d0-5a43-4c2b-9d3e-0c6d6b7f2a11";
    const oid = "a8b7c6d5-1234-4e5f-8a9b-0c1d2e3f4a5b";
    const teamsToken = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({
      aud: "https://communication.azure.com", iat: nowSeconds() - 60, nbf: nowSeconds() - 60,
      exp: nowSeconds() + 3600, appid: appId, oid, tid: TENANT,
    })}.`;
    const teams = await client.getTokenForTeamsUser({ teamsUserAadToken: teamsToken, clientId: appId, userObjectId: oid });
    assert.equal(claimsOf(teams.token).skypeid, `orgid:${oid}`);

    await client.deleteUser(user);
    await client.deleteUser(both.user);
    const afterDelete = await client.getToken(user, ["voip"]).catch((e) => e);
    assert.ok(afterDelete instanceof AcsError);
    assert.equal(afterDelete.statusCode, 404, "deleteUser reached the emulator");

    const after = await stats();
    assert.equal(after.tokenRequests - before.tokenRequests, 1, "one token request served every call");
    assert.equal(after.tokensIssued - before.tokensIssued, 1);
    // Every request carried the Entra token and no HMAC header.
    assert.ok(traces.length >= 8);
    for (const { request } of traces) {
      const headers = new Map(request.headers);
      assert.match(headers.get("authorization"), /^Bearer [\w-]+\.[\w-]+\.[\w-]*$/);
      assert.equal(headers.has("x-ms-date"), false);
      assert.equal(headers.has("x-ms-content-sha256"), false);
      assert.equal(request.stringToSign, undefined);
    }
    const entra = claimsOf(new Map(traces[0].request.headers).get("authorization").slice(7));
    assert.equal(entra.aud, "https://communication.azure.com");
    assert.equal(entra.tid, TENANT);
    assert.equal(entra.azp, CLIENT);
    assert.ok(!emu.logs().includes(SECRET), "the secret is never logged");
  });

  test("the credential's getToken follows @azure/core-auth and caches", async () => {
    const credential = secretCredential();
    const before = await stats();
    const first = await credential.getToken(SCOPE);
    const second = await credential.getToken([SCOPE], { abortSignal: new AbortController().signal });
    const after = await stats();
    assert.equal(after.tokenRequests - before.tokenRequests, 1);
    assert.equal(second.token, first.token);
    assert.equal(first.tokenType, "Bearer");
    assert.equal(first.expiresOnTimestamp - first.refreshAfterTimestamp, 5 * 60_000);
    assert.ok(Math.abs(first.expiresOnTimestamp - claimsOf(first.token).exp * 1000) < 60_000);
    assert.equal(JSON.stringify(credential), "{}", "the credential holds nothing enumerable");
  });

  test("32 concurrent first calls through one client make exactly one token request", async () => {
    const client = new CommunicationIdentityClient(emu.url, secretCredential());
    const before = await stats();
    const users = await Promise.all(Array.from({ length: 32 }, () => client.createUser()));
    const after = await stats();
    await Promise.all(users.map((u) => client.deleteUser(u)));
    const end = await stats();
    assert.equal(new Set(users.map((u) => u.communicationUserId)).size, 32);
    assert.equal(after.tokenRequests - before.tokenRequests, 1);
    assert.equal(end.tokenRequests, after.tokenRequests, "the cached token served the deletes");
  });

  test("retries carry the same bearer token: a 503 twice, then the answer, on one token request", async () => {
    const attempts = [];
    const faulty = (url, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("x-emulator-fault", "503;times=2;retry-after-ms=10");
      attempts.push(headers);
      return fetch(url, { ...init, headers });
    };
    const before = await stats();
    const client = new CommunicationIdentityClient(emu.url, secretCredential(), { fetch: faulty, retry: { maxRetries: 3, baseDelayMs: 10 } });
    const user = await client.createUser();
    assert.match(user.communicationUserId, /^8:acs:/);
    assert.equal(attempts.length, 3, "two 503s retried");
    assert.equal(new Set(attempts.map((h) => h.get("authorization"))).size, 1, "one token for every attempt");
    assert.equal(new Set(attempts.map((h) => h.get("x-ms-client-request-id"))).size, 1, "one request id");
    assert.equal((await stats()).tokenRequests - before.tokenRequests, 1);
  });

  test("createSignedFetch with a token credential sends any request with the bearer token", async () => {
    const signedFetch = createSignedFetch(emu.url, secretCredential());
    const response = await signedFetch("/identities?api-version=2023-10-01", { method: "POST", body: "{}" });
    assert.equal(response.status, 201);
    const { identity } = await response.json();
    const removed = await signedFetch(`/identities/${encodeURIComponent(identity.id)}?api-version=2023-10-01`, { method: "DELETE" });
    assert.equal(removed.status, 204);
  });

  test("a connection-string client is refused: a typed ERR_SERVICE 401", async () => {
    const client = new CommunicationIdentityClient(emu.connectionString);
    const e = await client.createUser().catch((x) => x);
    assert.ok(e instanceof AcsError);
    assert.equal(e.code, "ERR_SERVICE");
    assert.equal(e.statusCode, 401);
    assert.equal(e.serviceCode, "Denied");
    assert.match(e.serviceMessage, /Local authentication .* is disabled/);
  });

  test("a wrong secret is ERR_AUTHENTICATION with AADSTS7000215 and the correlation id, never the secret", async () => {
    const wrong = "not-the-secret~0123456789abcdef";
    const credential = secretCredential(wrong);
    const client = new CommunicationIdentityClient(emu.url, credential);
    const e = await client.createUser().catch((x) => x);
    assert.ok(e instanceof AcsError, String(e));
    assert.equal(e.code, "ERR_AUTHENTICATION");
    assert.equal(e.serviceCode, "AADSTS7000215");
    assert.equal(e.statusCode, 401);
    assert.match(e.correlationId, /^[0-9a-f-]{36}$/);
    assert.equal(e.requestId, e.correlationId);
    assert.match(e.message, /invalid_client.*AADSTS7000215: Invalid client secret provided/);
    // The credential's own error is the cause; it says the same.
    assert.ok(e.cause instanceof AcsError);
    assert.equal(e.cause.serviceCode, "AADSTS7000215");
    const text = everyText(e);
    assert.ok(!text.includes(wrong) && !text.includes(SECRET), "no secret in the error");
    // The credential alone fails the same way.
    const direct = await credential.getToken(SCOPE).catch((x) => x);
    assert.equal(direct.code, "ERR_AUTHENTICATION");
    assert.equal(direct.serviceCode, "AADSTS7000215");
    assert.ok(!everyText(direct).includes(wrong));
  });

  test("an unknown tenant and an unknown application have their own AADSTS codes", async () => {
    const tenant = "00000000-1111-2222-3333-444444444444";
    const unknownTenant = await secretCredential(SECRET, tenant).getToken(SCOPE).catch((x) => x);
    assert.equal(unknownTenant.code, "ERR_AUTHENTICATION");
    assert.equal(unknownTenant.serviceCode, "AADSTS90002");
    assert.equal(unknownTenant.statusCode, 400);
    const app = "99999999-8888-4777-8666-555555555555";
    const unknownApp = await secretCredential(SECRET, TENANT, app).getToken(SCOPE).catch((x) => x);
    assert.equal(unknownApp.code, "ERR_AUTHENTICATION");
    assert.equal(unknownApp.serviceCode, "AADSTS700016");
    for (const e of [unknownTenant, unknownApp]) assert.ok(!everyText(e).includes(SECRET));
  });

  test("ClientAssertionCredential sends the assertion; the emulator refuses assertions with AADSTS700027", async () => {
    let asked = 0;
    const assertion = `${base64url({ alg: "RS256" })}.${base64url({ aud: "x" })}.sig`;
    const credential = new ClientAssertionCredential(TENANT, CLIENT, async () => (asked++, assertion), {
      authorityHost: emu.authorityHost,
    });
    const e = await new CommunicationIdentityClient(emu.url, credential).createUser().catch((x) => x);
    assert.equal(e.code, "ERR_AUTHENTICATION");
    assert.equal(e.serviceCode, "AADSTS700027");
    assert.equal(asked, 1);
    assert.ok(!everyText(e).includes(assertion));
  });

  test("a 401 to a bearer request: one fresh token and one retry", async () => {
    const real = secretCredential();
    let calls = 0;
    const credential = {
      async getToken(scopes, options) {
        calls++;
        assert.deepEqual(scopes, [SCOPE], "the client asks for the Communication Services scope");
        assert.equal(typeof options, "object");
        // The first token is one the emulator refuses.
        if (calls === 1) return { token: "not.a-valid.token", expiresOnTimestamp: Date.now() + 3_600_000 };
        return real.getToken(scopes, options);
      },
    };
    const statuses = [];
    const client = new CommunicationIdentityClient(emu.url, credential, { onRequest: (t) => statuses.push(t.response.status) });
    const user = await client.createUser();
    assert.match(user.communicationUserId, /^8:acs:/);
    assert.equal(calls, 2, "one fresh token after the 401");
    assert.deepEqual(statuses, [401, 201], "one retry");
    await client.deleteUser(user);
    assert.equal(calls, 2, "the fresh token is cached");

    // A credential whose tokens are always refused: one retry, then the 401.
    let refused = 0;
    const always = { getToken: async () => (refused++, { token: "x.y.z", expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const seen = [];
    const e = await new CommunicationIdentityClient(emu.url, always, { onRequest: (t) => seen.push(t.response.status) })
      .createUser()
      .catch((x) => x);
    assert.equal(e.code, "ERR_SERVICE");
    assert.equal(e.statusCode, 401);
    assert.equal(refused, 2);
    assert.deepEqual(seen, [401, 401]);
  });

  test("a 401 to the package's own credential's token: its cached token is dropped, the authority asked again", async () => {
    let answered = 0;
    // The resource refuses the first request (as if the token had been revoked), then serves.
    const resource = async (url, init) => {
      if (answered++ === 0) {
        return new Response(JSON.stringify({ error: { code: "InvalidAuthenticationToken", message: "refused" } }), { status: 401 });
      }
      return fetch(url, init);
    };
    const credential = secretCredential();
    await credential.getToken(SCOPE); // cached before the client's first call
    const before = await stats();
    const client = new CommunicationIdentityClient(emu.url, credential, { fetch: resource });
    const user = await client.createUser();
    assert.equal(answered, 2, "one retry");
    assert.equal((await stats()).tokenRequests - before.tokenRequests, 1, "the retry's token came from the authority, not the cache");
    await client.deleteUser(user);
    assert.equal((await stats()).tokenRequests - before.tokenRequests, 1, "then the new token is cached");
  });

  test("a getToken that returns null or throws is ERR_AUTHENTICATION, the thrown error kept as cause", async () => {
    const none = await new CommunicationIdentityClient(emu.url, { getToken: async () => null }).createUser().catch((x) => x);
    assert.ok(none instanceof AcsError);
    assert.equal(none.code, "ERR_AUTHENTICATION");
    assert.match(none.message, /no token/);

    const boom = new TypeError("the token service is down");
    const thrown = await new CommunicationIdentityClient(emu.url, { getToken: async () => { throw boom; } })
      .createUser()
      .catch((x) => x);
    assert.equal(thrown.code, "ERR_AUTHENTICATION");
    assert.equal(thrown.cause, boom);

    // A foreign error's words stay in its cause, even with an ERR_ code: they are not this package's.
    const foreign = Object.assign(new Error("token service said: password=hunter2"), { code: "ERR_UPSTREAM" });
    const words = await new CommunicationIdentityClient(emu.url, { getToken: async () => { throw foreign; } })
      .createUser()
      .catch((x) => x);
    assert.equal(words.code, "ERR_AUTHENTICATION");
    assert.equal(words.cause, foreign);
    assert.ok(!words.message.includes("hunter2") && !words.stack.includes("hunter2") && !JSON.stringify(words).includes("hunter2"));

    const sync = await new CommunicationIdentityClient(emu.url, { getToken() { throw boom; } }).createUser().catch((x) => x);
    assert.equal(sync.code, "ERR_AUTHENTICATION");
    assert.equal(sync.cause, boom);

    const shape = await new CommunicationIdentityClient(emu.url, { getToken: async () => ({ token: "" }) }).createUser().catch((x) => x);
    assert.equal(shape.code, "ERR_AUTHENTICATION");
    assert.match(shape.message, /token, expiresOnTimestamp/);
  });
});

describe("AzureKeyCredential (local auth on)", () => {
  test("update() rotates the key of a live client: read on every request", async () => {
    const wrongKey = Buffer.from("not the resource key").toString("base64");
    const credential = new AzureKeyCredential(wrongKey);
    const client = new CommunicationIdentityClient(keyed.url, credential);
    const refused = await client.createUser().catch((x) => x);
    assert.equal(refused.code, "ERR_SERVICE");
    assert.equal(refused.statusCode, 401);
    credential.update(keyed.accessKey);
    assert.equal(credential.key, keyed.accessKey);
    const user = await client.createUser();
    assert.match(user.communicationUserId, /^8:acs:/);
    credential.update(wrongKey);
    const again = await client.deleteUser(user).catch((x) => x);
    assert.equal(again.statusCode, 401, "the rotated-out key is no longer used");
    credential.update(keyed.accessKey);
    await client.deleteUser(user);

    const signedFetch = createSignedFetch(keyed.url, credential);
    assert.equal((await signedFetch("/identities?api-version=2023-10-01", { method: "POST", body: "{}" })).status, 201);
  });

  test("a plain { key } object works as well", async () => {
    const client = new CommunicationIdentityClient(keyed.url, { key: keyed.accessKey });
    const user = await client.createUser();
    await client.deleteUser(user);
  });
});

describe("bad arguments are ERR_INVALID_ARGUMENT with a target", () => {
  const cases = [
    ["credential", () => new CommunicationIdentityClient("https://x.communication.azure.com", "a key string")],
    ["credential", () => new CommunicationIdentityClient("https://x.communication.azure.com", {}, {})],
    ["credential", () => new CommunicationIdentityClient("https://x.communication.azure.com", { key: 42 })],
    ["credential", () => new CommunicationIdentityClient("https://x.communication.azure.com", { key: "not base64!" })],
    ["credential", () => createSignedFetch("https://x.communication.azure.com", null, {})],
    ["endpoint", () => new CommunicationIdentityClient("https://x.communication.azure.com/path", { key: "cHc=" })],
    ["endpoint", () => new CommunicationIdentityClient("http://example.com", { key: "cHc=" })],
    ["key", () => new AzureKeyCredential("")],
    ["key", () => new AzureKeyCredential("cHc=").update(undefined)],
    ["tenantId", () => new ClientSecretCredential("", CLIENT, SECRET)],
    ["tenantId", () => new ClientSecretCredential("a/b", CLIENT, SECRET)],
    ["clientId", () => new ClientSecretCredential(TENANT, 7, SECRET)],
    ["clientSecret", () => new ClientSecretCredential(TENANT, CLIENT, "")],
    ["authorityHost", () => new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: "http://login.example.com" })],
    ["authorityHost", () => new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: "https://login.example.com/tenant" })],
    ["authorityHost", () => new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: 1 })],
    ["fetch", () => new ClientSecretCredential(TENANT, CLIENT, SECRET, { fetch: "no" })],
    ["getAssertion", () => new ClientAssertionCredential(TENANT, CLIENT, "jwt")],
  ];
  for (const [target, make] of cases) {
    test(`${target}: ${make.toString().slice(6, 90)}`, () => {
      assert.throws(make, (e) => e instanceof AcsError && e.code === "ERR_INVALID_ARGUMENT" && e.target === target);
    });
  }

  test("scopes of getToken: a string or an array of strings", async () => {
    const e = await secretCredential().getToken([1]).catch((x) => x);
    assert.equal(e.code, "ERR_INVALID_ARGUMENT");
    assert.equal(e.target, "scopes");
  });

  test("the secret is in no error of a bad argument", () => {
    try {
      new ClientSecretCredential("bad tenant!", CLIENT, SECRET);
      assert.fail("must throw");
    } catch (e) {
      assert.ok(!everyText(e).includes(SECRET));
    }
  });
});

describe("the Entra credentials with an authority of the test's (fetch injected)", () => {
  /** An authority answering with `expires_in`, counting requests and keeping their form bodies. */
  function authority(expiresIn = 3599) {
    const requests = [];
    const fetch = async (url, init) => {
      requests.push({ url, method: init.method, headers: new Headers(init.headers), body: new URLSearchParams(new TextDecoder().decode(init.body)) });
      await new Promise((r) => setTimeout(r, 5));
      return new Response(JSON.stringify({ token_type: "Bearer", expires_in: expiresIn, access_token: `token-${requests.length}` }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
    return { fetch, requests };
  }

  test("the default authority host, the form of the client-credentials grant, one request for concurrent callers", async () => {
    const { fetch, requests } = authority();
    const credential = new ClientSecretCredential("contoso.onmicrosoft.com", CLIENT, "s e+c/r&t", { fetch });
    const tokens = await Promise.all(Array.from({ length: 8 }, () => credential.getToken(SCOPE)));
    assert.equal(requests.length, 1);
    assert.ok(tokens.every((t) => t.token === "token-1"));
    const [r] = requests;
    assert.equal(r.url, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    assert.equal(r.method, "POST");
    assert.equal(r.headers.get("content-type"), "application/x-www-form-urlencoded");
    assert.equal(r.body.get("grant_type"), "client_credentials");
    assert.equal(r.body.get("client_id"), CLIENT);
    assert.equal(r.body.get("client_secret"), "s e+c/r&t");
    assert.equal(r.body.get("scope"), SCOPE);
  });

  test("a token within 5 minutes of its expiry is refreshed", async () => {
    const short = authority(299);
    const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { fetch: short.fetch });
    assert.equal((await credential.getToken(SCOPE)).token, "token-1");
    assert.equal((await credential.getToken(SCOPE)).token, "token-2");
    assert.equal(short.requests.length, 2);
    const long = authority(301);
    const cached = new ClientSecretCredential(TENANT, CLIENT, SECRET, { fetch: long.fetch });
    await cached.getToken(SCOPE);
    await cached.getToken(SCOPE);
    assert.equal(long.requests.length, 1);
  });

  test("ClientAssertionCredential asks getAssertion for each token request and sends it", async () => {
    const { fetch, requests } = authority();
    let asked = 0;
    const credential = new ClientAssertionCredential(TENANT, CLIENT, () => `jwt-${++asked}`, { fetch });
    await Promise.all([credential.getToken(SCOPE), credential.getToken(SCOPE)]);
    assert.equal(asked, 1);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].body.get("client_assertion"), "jwt-1");
    assert.equal(requests[0].body.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    assert.equal(requests[0].body.get("client_secret"), null);

    const boom = new Error("no certificate");
    const failing = new ClientAssertionCredential(TENANT, CLIENT, async () => { throw boom; }, { fetch });
    const e = await failing.getToken(SCOPE).catch((x) => x);
    assert.equal(e.code, "ERR_AUTHENTICATION");
    assert.equal(e.cause, boom);
    assert.equal(requests.length, 1, "no token request without an assertion");
  });

  test("the authority unreachable: ERR_AUTHENTICATION naming the network failure, with the credential's ERR_NETWORK as cause", async () => {
    const down = async () => { throw new TypeError("fetch failed"); };
    const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { fetch: down });
    const direct = await credential.getToken(SCOPE).catch((x) => x);
    assert.equal(direct.code, "ERR_NETWORK");
    const client = new CommunicationIdentityClient("https://contoso.communication.azure.com", credential, { fetch: down });
    const e = await client.createUser().catch((x) => x);
    assert.equal(e.code, "ERR_AUTHENTICATION");
    assert.equal(e.message, "the token credential failed to give a token: could not reach login.microsoftonline.com: fetch failed");
    assert.equal(e.cause.code, "ERR_NETWORK");
    assert.ok(!everyText(e).includes(SECRET));
  });

  test("the call's timeoutMs and abortSignal bound a token credential that never answers (and ignores its abortSignal)", async () => {
    const never = { getToken: () => new Promise(() => {}) };
    const endpoint = "https://contoso.communication.azure.com";
    const sent = [];
    const resource = async (url) => (sent.push(url), new Response("{}", { status: 500 }));
    const timedOut = await new CommunicationIdentityClient(endpoint, never, { fetch: resource, timeoutMs: 200 }).createUser().catch((x) => x);
    assert.ok(timedOut instanceof AcsError);
    assert.equal(timedOut.code, "ERR_TIMEOUT");
    const perCall = await new CommunicationIdentityClient(endpoint, never, { fetch: resource }).createUser({ timeoutMs: 100 }).catch((x) => x);
    assert.equal(perCall.code, "ERR_TIMEOUT");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const aborted = await new CommunicationIdentityClient(endpoint, never, { fetch: resource })
      .createUser({ abortSignal: controller.signal })
      .catch((x) => x);
    assert.equal(aborted.code, "ERR_ABORTED");
    assert.equal(sent.length, 0, "nothing was sent without a token");

    // The package's own credential, whose authority never answers and ignores the signal.
    const hung = new ClientSecretCredential(TENANT, CLIENT, SECRET, { fetch: () => new Promise(() => {}) });
    const e = await new CommunicationIdentityClient(endpoint, hung, { fetch: resource, timeoutMs: 200 }).createUser().catch((x) => x);
    assert.equal(e.code, "ERR_TIMEOUT");
  });

  test("an aborted getToken is ERR_ABORTED", async () => {
    const { fetch } = authority();
    const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { fetch });
    const e = await credential.getToken(SCOPE, { abortSignal: AbortSignal.abort() }).catch((x) => x);
    assert.equal(e.code, "ERR_ABORTED");
  });
});

/** Runs `script` (an ES module) in a child Node that trusts `emulator`'s certificate; its last line is JSON. */
function runTrusting(emulator, script) {
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: emulator.certFile,
    ENDPOINT: emulator.url,
    AUTHORITY: `https://localhost:${emulator.port}`,
    TENANT,
    CLIENT,
    SECRET,
  };
  for (const name of Object.keys(env)) if (name.startsWith("AZURE_")) delete env[name];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split("\n").pop()));
    });
  });
}

describe("with the official packages (https)", () => {
  let secure;
  before(async () => {
    secure = await startEmulator({ tls: true, extraArgs: ["--disable-local-auth"], env: ENTRA_ENV });
  });
  after(async () => {
    assert.equal((await secure?.stop())?.code, 0);
  });

  test("the quickstart runs unchanged with the official credential; 32 concurrent first calls make one token request", async () => {
    const script = `
      import { ClientSecretCredential } from "@azure/identity";
      import { CommunicationIdentityClient } from "./dist/node.js";
      const { ENDPOINT, AUTHORITY, TENANT, CLIENT, SECRET } = process.env;
      const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: AUTHORITY, disableInstanceDiscovery: true });
      const stats = async () => (await fetch(ENDPOINT + "/emulator/entra/stats")).json();
      const client = new CommunicationIdentityClient(ENDPOINT, credential);
      const before = await stats();
      const users = await Promise.all(Array.from({ length: 32 }, () => client.createUser()));
      const first = await stats();
      const { token } = await client.getToken(users[0], ["voip"]);
      await client.revokeTokens(users[0]);
      const both = await client.createUserAndToken(["chat"]);
      await Promise.all([...users, both.user].map((u) => client.deleteUser(u)));
      const afterDelete = await client.getToken(users[0], ["voip"]).then(() => "issued", (e) => e.statusCode);
      console.log(JSON.stringify({ ids: users.map((u) => u.communicationUserId), token, both: both.token, afterDelete,
        before, first, end: await stats() }));
    `;
    const r = await runTrusting(secure, script);
    assert.equal(new Set(r.ids).size, 32);
    assert.equal(r.first.tokenRequests - r.before.tokenRequests, 1, "one token request for 32 concurrent first calls");
    assert.equal(r.end.tokenRequests, r.first.tokenRequests, "the cached token served every later call");
    assert.equal(claimsOf(r.token).acsScope, "voip");
    assert.equal(claimsOf(r.both).acsScope, "chat");
    assert.equal(r.afterDelete, 404);
    assert.match(secure.logs(), /route="POST \/\{tenant\}\/oauth2\/v2\.0\/token" status=200/);
    assert.ok(!secure.logs().includes(SECRET));
  });

  test("the package's ClientSecretCredential works in the official @azure/communication-identity client", async () => {
    const r = await runTrusting(secure, `
      import { ClientSecretCredential } from "./dist/node.js";
      import { CommunicationIdentityClient } from "@azure/communication-identity";
      const { ENDPOINT, AUTHORITY, TENANT, CLIENT, SECRET } = process.env;
      const stats = async () => (await fetch(ENDPOINT + "/emulator/entra/stats")).json();
      const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, { authorityHost: AUTHORITY });
      const client = new CommunicationIdentityClient(ENDPOINT, credential);
      const before = await stats();
      const user = await client.createUser();
      const { token } = await client.getToken(user, ["chat"]);
      await client.deleteUser(user);
      const after = await stats();
      const wrong = new CommunicationIdentityClient(ENDPOINT, new ClientSecretCredential(TENANT, CLIENT, "wrong~secret_0123456789", { authorityHost: AUTHORITY }));
      const refused = await wrong.createUser().then(() => null, (e) => ({ name: e.name, code: e.code, serviceCode: e.serviceCode, text: JSON.stringify(e) + e.message + e.stack }));
      console.log(JSON.stringify({ id: user.communicationUserId, token, before, after, refused }));
    `);
    assert.match(r.id, /^8:acs:/);
    assert.equal(claimsOf(r.token).acsScope, "chat");
    assert.equal(r.after.tokenRequests - r.before.tokenRequests, 1, "the official client's calls were served by one token of the package's credential");
    assert.equal(r.refused.code, "ERR_AUTHENTICATION", "the credential's AcsError reaches the caller");
    assert.equal(r.refused.serviceCode, "AADSTS7000215");
    assert.ok(!r.refused.text.includes("wrong~secret_0123456789"));
  });
});
