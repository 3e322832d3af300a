// The official `@azure/communication-identity` (npm, 1.3.1) against the emulator: the quickstart flows
// (create, create with token, custom expiry, every scope, getToken, revoke, delete, the Teams exchange),
// the error cases recorded from the live service, every api-version, and retries through the emulator's
// fault injection. What the emulator answers is checked through the SDK's own results and errors, plus
// the emulator's `/emulator/whoami`, which says whether a token is still good.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CommunicationIdentityClient } from "@azure/communication-identity";
import { AzureCommunicationTokenCredential } from "@azure/communication-common";
import { repoRoot, startEmulator } from "../support/emulator.mjs";
import { facts } from "../support/facts.mjs";

const SCOPES = facts.scopes;
const MINUTE = 60_000;

// ---------------------------------------------------------------------------------------------------
// The error bodies the live service sent, from tests/data/recordings. An expectation below must be one
// of them, so a test can only pass on the service's own text.

const recordedErrors = (() => {
  const dir = join(repoRoot, "tests", "data", "recordings");
  const found = new Set();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".json") || file === "INDEX.json") continue;
    for (const { response } of JSON.parse(readFileSync(join(dir, file), "utf8")).interactions ?? []) {
      const error = response?.body?.error;
      if (error) found.add(JSON.stringify([response.status, error.code, error.message, error.target ?? null]));
    }
  }
  return found;
})();

/** An expected error that the live service was recorded sending. */
function recorded(statusCode, code, message, target = null) {
  const key = JSON.stringify([statusCode, code, message, target]);
  assert.ok(recordedErrors.has(key), `not a recorded service error: ${key}`);
  return { statusCode, code, message, target };
}

/** Awaits a call that must fail with a RestError of that status, code, message and (body) target. */
async function rejectsWith(promise, { statusCode, code, message, target }) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a ${statusCode} ${code} error, but the call succeeded`);
  assert.equal(error.name, "RestError", `${error.stack}`);
  assert.equal(error.statusCode, statusCode, error.message);
  if (code !== undefined) assert.equal(error.code, code);
  if (message !== undefined) assert.equal(error.message, message);
  if (target !== undefined) {
    const body = JSON.parse(error.response.bodyAsText);
    assert.equal(body.error.target ?? null, target);
  }
  return error;
}

// ---------------------------------------------------------------------------------------------------
// Tokens

function base64url(value) {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/** The claims of an access token, read without checking its signature (as the SDKs do). */
function claimsOf(token) {
  const parts = token.split(".");
  assert.equal(parts.length, 3, "a JWT has three parts");
  return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

/** An unsigned (`alg: none`) Entra ID token with the claims the exchange reads. */
function entraToken(claims) {
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`;
}

const APP_ID = "1fd5e4d0-5a43-4c2b-9d3e-0c6d6b7f2a11";
const USER_OID = "a8b7c6d5-1234-4e5f-8a9b-0c1d2e3f4a5b";
const nowSeconds = () => Math.floor(Date.now() / 1000);

function teamsClaims(overrides = {}) {
  return {
    aud: "https://communication.azure.com",
    iss: "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
    iat: nowSeconds() - 60,
    nbf: nowSeconds() - 60,
    exp: nowSeconds() + 3600,
    appid: APP_ID,
    oid: USER_OID,
    tid: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    scp: "Teams.ManageCalls Teams.ManageChats",
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------------
// The emulator

let emu;
let resourceId;

before(async () => {
  emu = await startEmulator({ faults: true });
  resourceId = (await (await fetch(`${emu.url}/emulator/health`)).json()).resourceId;
});

after(async () => {
  if (emu) await emu.stop();
});

function client(options = {}) {
  return new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true, ...options });
}

/** What the emulator says of a token: `{status, body}`. */
async function whoami(token) {
  const response = await fetch(`${emu.url}/emulator/whoami`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

async function assertTokenGood(token, id, scopes) {
  const who = await whoami(token);
  assert.equal(who.status, 200, JSON.stringify(who.body));
  assert.equal(who.body.id, id);
  assert.deepEqual(who.body.scopes, scopes);
}

async function assertTokenRefused(token, reason) {
  const who = await whoami(token);
  assert.equal(who.status, 401, JSON.stringify(who.body));
  assert.equal(who.body.error.code, "InvalidAccessToken");
  assert.equal(who.body.error.innererror.code, reason);
}

/** The token's lifetime is `minutes` from the call, by its `expiresOn` and by its `exp` claim. */
function assertLifetime(result, minutes, calledAt) {
  assert.ok(result.expiresOn instanceof Date, "expiresOn is a Date");
  const expected = calledAt + minutes * MINUTE;
  const slack = 5_000;
  assert.ok(
    Math.abs(result.expiresOn.getTime() - expected) < slack,
    `expiresOn ${result.expiresOn.toISOString()} is not ${minutes} min after the call`,
  );
  assert.ok(Math.abs(claimsOf(result.token).exp * 1000 - result.expiresOn.getTime()) < 1000, "exp matches expiresOn");
}

const userIdPattern = () => new RegExp(`^8:acs:${resourceId}_[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$`);

// ---------------------------------------------------------------------------------------------------

describe("quickstart", () => {
  test("createUser: a new ACS user of the emulator's resource each time", async () => {
    const identity = client();
    const a = await identity.createUser();
    const b = await identity.createUser();
    assert.match(a.communicationUserId, userIdPattern());
    assert.match(b.communicationUserId, userIdPattern());
    assert.notEqual(a.communicationUserId, b.communicationUserId);
  });

  test("createUserAndToken: a 24 h token for the new user, with the service's claims", async () => {
    const calledAt = Date.now();
    const result = await client().createUserAndToken(["voip"]);
    const id = result.user.communicationUserId;
    assert.match(id, userIdPattern());
    assertLifetime(result, 1440, calledAt);
    const claims = claimsOf(result.token);
    assert.equal(claims.skypeid, `acs:${id.slice("8:acs:".length)}`);
    assert.equal(claims.acsScope, "voip");
    assert.equal(claims.resourceId, resourceId);
    assert.equal(typeof claims.scp, "number");
    assert.equal(claims.csi, String(claims.iat));
    await assertTokenGood(result.token, id, ["voip"]);
  });

  test("the SDK's own token credential reads the emulator's tokens", async () => {
    const { token, expiresOn } = await client().createUserAndToken(["chat"]);
    const credential = new AzureCommunicationTokenCredential(token);
    const got = await credential.getToken();
    assert.equal(got.token, token);
    assert.equal(got.expiresOnTimestamp, Math.floor(expiresOn.getTime() / 1000) * 1000);
    credential.dispose();
  });

  test("custom expiry: 60 and 1440 minutes, on createUserAndToken and getToken", async () => {
    const identity = client();
    const user = await identity.createUser();
    for (const minutes of [60, 1440]) {
      let calledAt = Date.now();
      const created = await identity.createUserAndToken(["chat"], { tokenExpiresInMinutes: minutes });
      assertLifetime(created, minutes, calledAt);
      calledAt = Date.now();
      const issued = await identity.getToken(user, ["chat"], { tokenExpiresInMinutes: minutes });
      assertLifetime(issued, minutes, calledAt);
      await assertTokenGood(issued.token, user.communicationUserId, ["chat"]);
    }
  });

  test("custom expiry: 59 and 1441 minutes are refused with the service's 400", async () => {
    const identity = client();
    const user = await identity.createUser();
    for (const minutes of [59, 1441]) {
      const expected = recorded(
        400,
        "ValidationError",
        `ExpiresInMinutes value ${minutes} is invalid. Value must be within the [60, 1440] interval.`,
        "ExpiresInMinutes",
      );
      await rejectsWith(identity.createUserAndToken(["chat"], { tokenExpiresInMinutes: minutes }), expected);
      await rejectsWith(identity.getToken(user, ["chat"], { tokenExpiresInMinutes: minutes }), expected);
    }
  });

  test("every scope, alone and all together, on getToken and createUserAndToken", async () => {
    const identity = client();
    const user = await identity.createUser();
    for (const scope of SCOPES) {
      const { token } = await identity.getToken(user, [scope]);
      assert.equal(claimsOf(token).acsScope, scope);
      await assertTokenGood(token, user.communicationUserId, [scope]);
    }
    const all = await identity.getToken(user, SCOPES);
    assert.equal(claimsOf(all.token).acsScope, SCOPES.join(","));
    await assertTokenGood(all.token, user.communicationUserId, SCOPES);
    const created = await identity.createUserAndToken(SCOPES);
    await assertTokenGood(created.token, created.user.communicationUserId, SCOPES);
  });

  test("revokeTokens: earlier tokens are refused, tokens issued later are good", async () => {
    const identity = client();
    const { user, token: first } = await identity.createUserAndToken(["voip"]);
    const { token: second } = await identity.getToken(user, ["chat"]);
    await assertTokenGood(first, user.communicationUserId, ["voip"]);
    await assertTokenGood(second, user.communicationUserId, ["chat"]);
    await identity.revokeTokens(user);
    await assertTokenRefused(first, "TokenRevoked");
    await assertTokenRefused(second, "TokenRevoked");
    // A token issued right after the revocation is good (the emulator applies revocations at once).
    const { token: third } = await identity.getToken(user, ["voip"]);
    await assertTokenGood(third, user.communicationUserId, ["voip"]);
    await identity.revokeTokens(user); // revoking again is fine
    await assertTokenRefused(third, "TokenRevoked");
  });

  test("deleteUser: its tokens are refused and later calls for it get 404", async () => {
    const identity = client();
    const { user, token } = await identity.createUserAndToken(["chat"]);
    await assertTokenGood(token, user.communicationUserId, ["chat"]);
    await identity.deleteUser(user);
    await assertTokenRefused(token, "IdentityDeleted");
    const notFound = {
      statusCode: 404,
      code: "IdentityNotFound",
      message: `Identity '${user.communicationUserId}' was not found.`,
    };
    await rejectsWith(identity.getToken(user, ["chat"]), notFound);
    await rejectsWith(identity.revokeTokens(user), notFound);
    await rejectsWith(identity.deleteUser(user), notFound);
    // An id of this resource that never existed is answered the same way.
    const never = { communicationUserId: `8:acs:${resourceId}_00000000-0000-4000-8000-000000000000` };
    await rejectsWith(identity.getToken(never, ["chat"]), { ...notFound, message: `Identity '${never.communicationUserId}' was not found.` });
  });

  test("many concurrent calls: every user distinct, every token good", async () => {
    const identity = client();
    const results = await Promise.all(Array.from({ length: 40 }, () => identity.createUserAndToken(["chat"])));
    const ids = new Set(results.map((r) => r.user.communicationUserId));
    assert.equal(ids.size, results.length);
    await Promise.all(results.map((r) => assertTokenGood(r.token, r.user.communicationUserId, ["chat"])));
  });
});

describe("over HTTPS", () => {
  test("the SDK trusts the emulator's certificate through NODE_EXTRA_CA_CERTS, without allowInsecureConnection", async () => {
    const secure = await startEmulator({ tls: true });
    try {
      assert.match(secure.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      // NODE_EXTRA_CA_CERTS is read when Node starts, so the quickstart runs in a child process.
      const script = `
        import { CommunicationIdentityClient } from "@azure/communication-identity";
        const client = new CommunicationIdentityClient(process.env.CS);
        const { user, token } = await client.createUserAndToken(["voip"]);
        const again = await client.getToken(user, ["chat"], { tokenExpiresInMinutes: 60 });
        await client.revokeTokens(user);
        await client.deleteUser(user);
        console.log(JSON.stringify({ id: user.communicationUserId, token, again: again.token }));
      `;
      const out = await new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          ["--input-type=module", "-e", script],
          { cwd: repoRoot, env: { ...process.env, CS: secure.connectionString, NODE_EXTRA_CA_CERTS: secure.certFile }, timeout: 30_000 },
          (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
        );
      });
      const { id, token, again } = JSON.parse(out);
      assert.match(id, userIdPattern());
      assert.equal(claimsOf(token).acsScope, "voip");
      assert.equal(claimsOf(again).acsScope, "chat");
      const untrusted = await fetch(`${secure.url}/emulator/health`).catch((e) => e);
      assert.ok(untrusted instanceof Error, "this process does not trust the self-signed certificate");
      assert.match(secure.logs(), /route="DELETE \/identities\/\{id\}" status=204/);
    } finally {
      await secure.stop();
    }
  });
});

describe("Teams user exchange", () => {
  test("an unsigned Entra token with the right appid, oid and exp gives a token as long-lived as it", async () => {
    const claims = teamsClaims({ exp: nowSeconds() + 2 * 3600 });
    const result = await client().getTokenForTeamsUser({
      teamsUserAadToken: entraToken(claims),
      clientId: APP_ID,
      userObjectId: USER_OID,
    });
    assert.ok(result.expiresOn instanceof Date);
    assert.equal(Math.floor(result.expiresOn.getTime() / 1000), claims.exp);
    const acs = claimsOf(result.token);
    assert.equal(acs.skypeid, `orgid:${USER_OID}`);
    assert.equal(acs.exp, claims.exp);
    const who = await whoami(result.token);
    assert.equal(who.status, 200, JSON.stringify(who.body));
    assert.equal(who.body.id, `8:orgid:${USER_OID}`);
    assert.equal(who.body.kind, "microsoftTeamsUser");
  });

  test("a token signed by someone (azp instead of appid) is taken too; its signature is not checked", async () => {
    const claims = teamsClaims({ appid: undefined, azp: APP_ID });
    const signed = `${base64url({ alg: "RS256", typ: "JWT", kid: "k1" })}.${base64url(claims)}.${base64url("not checked")}`;
    const result = await client().getTokenForTeamsUser({ teamsUserAadToken: signed, clientId: APP_ID, userObjectId: USER_OID });
    assert.equal(claimsOf(result.token).skypeid, `orgid:${USER_OID}`);
  });

  test("a token longer-lived than 24 h gives a 24 h ACS token", async () => {
    const calledAt = Date.now();
    const result = await client().getTokenForTeamsUser({
      teamsUserAadToken: entraToken(teamsClaims({ exp: nowSeconds() + 3 * 24 * 3600 })),
      clientId: APP_ID,
      userObjectId: USER_OID,
    });
    assertLifetime(result, 1440, calledAt);
  });

  test("the recorded refusals: bad, empty or expired tokens, missing, malformed and unexpected ids", async () => {
    const identity = client();
    const exchange = (teamsUserAadToken, clientId = APP_ID, userObjectId = USER_OID) =>
      identity.getTokenForTeamsUser({ teamsUserAadToken, clientId, userObjectId });
    const invalidToken = recorded(401, "InvalidAccessToken", "Provided access token is not valid.");
    await rejectsWith(exchange(""), invalidToken);
    await rejectsWith(exchange("not a jwt"), invalidToken);
    await rejectsWith(exchange(entraToken(teamsClaims({ exp: nowSeconds() - 60 }))), invalidToken);
    await rejectsWith(exchange(entraToken(teamsClaims({ appid: undefined }))), invalidToken);
    await rejectsWith(exchange(entraToken(teamsClaims({ oid: undefined }))), invalidToken);
    await rejectsWith(exchange(entraToken(teamsClaims({ exp: undefined }))), invalidToken);

    const good = entraToken(teamsClaims());
    await rejectsWith(exchange(good, ""), recorded(400, "ValidationError", "AppId: The AppId field is required.", "AppId"));
    await rejectsWith(exchange(good, APP_ID, ""), recorded(400, "ValidationError", "UserId: The UserId field is required.", "UserId"));
    await rejectsWith(exchange(good, "not-a-guid"), recorded(400, "ValidationError", "Provided AppId has invalid format.", "appId"));
    await rejectsWith(exchange(good, APP_ID, "not-a-guid"), recorded(400, "ValidationError", "Provided UserId has invalid format.", "userId"));
    await rejectsWith(
      exchange(good, "00000000-0000-4000-8000-00000000beef"),
      recorded(400, "ValidationError", "AAD application is not the expected one.", "appId"),
    );
    await rejectsWith(
      exchange(good, APP_ID, "00000000-0000-4000-8000-00000000beef"),
      recorded(400, "ValidationError", "Provided AAD token issued for unexpected user.", "userId"),
    );
  });
});

describe("recorded error cases", () => {
  test("an identity of another resource: 401 IdentityNotOwned on getToken, revokeTokens and deleteUser", async () => {
    const identity = client();
    const foreign = { communicationUserId: "8:acs:00000000-1111-4222-8333-444444444444_00000000-0000-4000-8000-000000000001" };
    const notOwned = recorded(401, "IdentityNotOwned", "Provided identity doesn't belong to the resource.");
    await rejectsWith(identity.getToken(foreign, ["chat", "voip"]), notOwned);
    await rejectsWith(identity.revokeTokens(foreign), notOwned);
    await rejectsWith(identity.deleteUser(foreign), notOwned);
    // Not an ACS user id at all.
    await rejectsWith(identity.getToken({ communicationUserId: "8:orgid:" + USER_OID }, ["chat"]), notOwned);
  });

  test("getToken with no scopes: 400 ValidationError", async () => {
    const identity = client();
    const user = await identity.createUser();
    await rejectsWith(
      identity.getToken(user, []),
      recorded(400, "ValidationError", "Invalid scopes - Scopes field is required.", "scopes"),
    );
  });

  test("an unknown scope: 400 ValidationError naming it", async () => {
    const identity = client();
    const user = await identity.createUser();
    await rejectsWith(identity.getToken(user, ["pstn"]), {
      statusCode: 400,
      code: "ValidationError",
      message: "Invalid scopes - Scope 'pstn' is not supported.",
      target: "scopes",
    });
  });

  test("a key other than the resource's: 401 Denied, and nothing is created", async () => {
    const before = (await (await fetch(`${emu.url}/emulator/health`)).json()).identities;
    const wrongKey = Buffer.alloc(64, 7).toString("base64");
    const impostor = new CommunicationIdentityClient(`endpoint=${emu.url}/;accesskey=${wrongKey}`, {
      allowInsecureConnection: true,
    });
    const error = await rejectsWith(impostor.createUser(), { statusCode: 401, code: "Denied" });
    assert.doesNotMatch(error.message, new RegExp(wrongKey.slice(0, 16).replace(/[+/]/g, "\\$&")));
    assert.doesNotMatch(error.message, new RegExp(emu.accessKey.slice(0, 16).replace(/[+/]/g, "\\$&")));
    const after = (await (await fetch(`${emu.url}/emulator/health`)).json()).identities;
    assert.equal(after, before);
  });
});

describe("api-versions", () => {
  const versions = facts.knownApiVersions;

  test("the SDK's default is 2023-10-01, and the service's headers come back", async () => {
    const seen = [];
    const identity = client();
    await identity.createUser({ onResponse: (raw) => seen.push(raw) });
    assert.equal(seen.length, 1);
    const { request, headers, status } = seen[0];
    assert.equal(status, 201);
    assert.equal(new URL(request.url).searchParams.get("api-version"), "2023-10-01");
    assert.equal(headers.get("x-ms-client-request-id"), request.headers.get("x-ms-client-request-id"));
    assert.match(headers.get("ms-cv") ?? "", /\S/);
    assert.match(headers.get("api-supported-versions") ?? "", /2023-10-01/);
    assert.equal(headers.get("content-type"), "application/json; charset=utf-8");
  });

  for (const apiVersion of versions) {
    test(`the quickstart on ${apiVersion}`, async () => {
      const seen = new Set();
      const onResponse = (raw) => seen.add(new URL(raw.request.url).searchParams.get("api-version"));
      const identity = client({ apiVersion });
      const { user, token } = await identity.createUserAndToken(["chat"], { tokenExpiresInMinutes: 60, onResponse });
      await assertTokenGood(token, user.communicationUserId, ["chat"]);
      const issued = await identity.getToken(user, ["voip"], { onResponse });
      await identity.revokeTokens(user, { onResponse });
      await assertTokenRefused(issued.token, "TokenRevoked");
      await identity.deleteUser(user, { onResponse });
      await assertTokenRefused(token, "IdentityDeleted");
      // The service's Teams route lists neither 2021-03-07 nor 2021-11-01 in api-supported-versions.
      const exchange = () =>
        identity.getTokenForTeamsUser({
          teamsUserAadToken: entraToken(teamsClaims()),
          clientId: APP_ID,
          userObjectId: USER_OID,
          onResponse,
        });
      if (!facts.teamsApiVersions.includes(apiVersion)) {
        await rejectsWith(exchange(), { statusCode: 400, code: "UnsupportedApiVersion" });
      } else {
        const teams = await exchange();
        assert.equal(claimsOf(teams.token).skypeid, `orgid:${USER_OID}`);
      }
      assert.deepEqual([...seen], [apiVersion]);
    });
  }

  test("an api-version the service does not know: 400 UnsupportedApiVersion (ASP.NET's text, URI without query)", async () => {
    const identity = client({ apiVersion: "2019-01-01" });
    const error = await rejectsWith(identity.createUser(), { statusCode: 400, code: "UnsupportedApiVersion" });
    assert.equal(
      error.message,
      `The HTTP resource that matches the request URI '${emu.url}/identities' does not support the API version '2019-01-01'.`,
    );
  });
});

describe("retries through --faults", () => {
  /** A client whose every attempt carries `x-emulator-fault: fault`; `attempts` lists each try. */
  function faultyClient(fault, options = {}) {
    const attempts = [];
    const identity = client({
      ...options,
      additionalPolicies: [
        {
          position: "perRetry",
          policy: {
            name: "emulatorFault",
            async sendRequest(request, next) {
              request.headers.set("x-emulator-fault", fault);
              attempts.push({ at: Date.now(), requestId: request.headers.get("x-ms-client-request-id") });
              try {
                const response = await next(request);
                attempts.at(-1).status = response.status;
                attempts.at(-1).body = response.bodyAsText;
                return response;
              } catch (e) {
                attempts.at(-1).error = e.code ?? e.name;
                throw e;
              }
            },
          },
        },
      ],
    });
    return { identity, attempts };
  }

  test("503 with Retry-After: 1 is retried after a second, and the retry is served", async () => {
    const { identity, attempts } = faultyClient("503");
    const user = await identity.createUser();
    assert.match(user.communicationUserId, userIdPattern());
    assert.deepEqual(attempts.map((a) => a.status), [503, 201]);
    assert.equal(attempts[0].requestId, attempts[1].requestId, "the retry keeps its request id");
    assert.ok(attempts[1].at - attempts[0].at >= 950, `retried after ${attempts[1].at - attempts[0].at} ms`);
  });

  test("429 with retry-after-ms is retried after that long", async () => {
    const { identity, attempts } = faultyClient("429;retry-after-ms=300");
    const result = await identity.createUserAndToken(["voip"]);
    await assertTokenGood(result.token, result.user.communicationUserId, ["voip"]);
    assert.deepEqual(attempts.map((a) => a.status), [429, 201]);
    const waited = attempts[1].at - attempts[0].at;
    assert.ok(waited >= 280 && waited < 950, `retried after ${waited} ms`);
  });

  test("500 (empty body, as recorded) is retried with backoff", async () => {
    const { identity, attempts } = faultyClient("500;times=2", { retryOptions: { retryDelayInMs: 20 } });
    const user = await identity.createUser();
    const { token } = await identity.getToken(user, ["chat"]);
    await assertTokenGood(token, user.communicationUserId, ["chat"]);
    assert.deepEqual(attempts.map((a) => a.status), [500, 500, 201, 500, 500, 200]);
    for (const a of attempts.filter((a) => a.status === 500)) assert.ok(!a.body, `500 with a body: ${a.body}`);
  });

  test("a dropped connection is retried", async () => {
    const { identity, attempts } = faultyClient("drop", { retryOptions: { retryDelayInMs: 20 } });
    const user = await identity.createUser();
    assert.match(user.communicationUserId, userIdPattern());
    assert.equal(attempts.length, 2);
    assert.ok(attempts[0].error, "the first attempt failed");
    assert.equal(attempts[1].status, 201);
  });

  test("a fault that outlasts the retries surfaces as the service's status", async () => {
    const { identity, attempts } = faultyClient("503;retry-after=0;times=10");
    const error = await rejectsWith(identity.createUser(), { statusCode: 503 });
    assert.ok(error);
    assert.equal(attempts.length, 4, "one try and three retries");
    assert.ok(attempts.every((a) => a.status === 503));
  });

  test("a delayed answer is waited for; an abort signal ends the wait", async () => {
    const { identity } = faultyClient("delay=300");
    const started = Date.now();
    await identity.createUser();
    assert.ok(Date.now() - started >= 280);
    const slow = faultyClient("delay=5000");
    await assert.rejects(slow.identity.createUser({ abortSignal: AbortSignal.timeout(200) }), (e) => e.name === "AbortError");
  });
});

describe("rate limits (--rate-limit)", () => {
  test("past 1000 creates and issues in 30 s the SDK gets 429 with Retry-After; other operations go on", async () => {
    const limited = await startEmulator({ rateLimit: true });
    try {
      const identity = new CommunicationIdentityClient(limited.connectionString, {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
      });
      const user = await identity.createUser();
      let done = 1;
      const worker = async () => {
        while (done < 1000) {
          done += 1;
          await (done % 2 ? identity.createUser() : identity.getToken(user, ["chat"]));
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      const seen = [];
      const error = await rejectsWith(identity.getToken(user, ["voip"], { onResponse: (raw) => seen.push(raw) }), {
        statusCode: 429,
        code: "TooManyRequests",
      });
      assert.ok(error);
      const retryAfter = Number(seen[0].headers.get("retry-after"));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 30, `Retry-After: ${retryAfter}`);
      await rejectsWith(identity.createUser(), { statusCode: 429, code: "TooManyRequests" });
      // Revoke and delete count against their own limit.
      await identity.revokeTokens(user);
      await identity.deleteUser(user);
    } finally {
      await limited.stop();
    }
  });
});
