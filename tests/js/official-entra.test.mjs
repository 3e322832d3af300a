// The official Microsoft Entra ID stack against the emulator as authority: `@azure/identity`'s
// `ClientSecretCredential` (authorityHost = the emulator, disableInstanceDiscovery) with the official
// `@azure/communication-identity` client runs the quickstart over HTTPS against
// `acs-emulator --tls ... --entra-* --disable-local-auth`, so every call is proved to go through a bearer
// token; a wrong secret fails with Entra's AADSTS7000215; an access-key client is refused; and 32
// concurrent first calls through one credential and client are counted at the authority.
//
// NODE_EXTRA_CA_CERTS is read when Node starts, so the SDK code runs in child processes that trust the
// emulator's certificate; they print one JSON line that the tests check.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { repoRoot, startEmulator } from "../support/emulator.mjs";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b";
const SECRET = "emulator~client.secret_0123456789";

let emu;
before(async () => {
  emu = await startEmulator({
    tls: true,
    extraArgs: ["--disable-local-auth"],
    env: {
      ACS_EMULATOR_ENTRA_TENANT_ID: TENANT,
      ACS_EMULATOR_ENTRA_CLIENT_ID: CLIENT,
      ACS_EMULATOR_ENTRA_CLIENT_SECRET: SECRET,
    },
  });
});
after(async () => {
  const status = await emu?.stop();
  assert.equal(status?.code, 0, "the emulator stops cleanly");
});

/** Runs `body` (an async module body using the names below) in a child Node that trusts the emulator. */
function runChild(body, { secret = SECRET, authorityHost } = {}) {
  const script = `
    import { ClientSecretCredential } from "@azure/identity";
    import { CommunicationIdentityClient } from "@azure/communication-identity";
    const { ENDPOINT, AUTHORITY, TENANT, CLIENT, SECRET, CS } = process.env;
    const credential = new ClientSecretCredential(TENANT, CLIENT, SECRET, {
      authorityHost: AUTHORITY,
      disableInstanceDiscovery: true,
    });
    const stats = async () => (await fetch(ENDPOINT + "/emulator/entra/stats")).json();
    const whoami = async (token) =>
      (await fetch(ENDPOINT + "/emulator/whoami", { headers: { authorization: "Bearer " + token } })).status;
    const result = await (async () => { ${body} })();
    console.log(JSON.stringify(result));
  `;
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: emu.certFile,
    ENDPOINT: emu.url,
    AUTHORITY: authorityHost ?? `https://localhost:${emu.port}`,
    TENANT,
    CLIENT,
    SECRET: secret,
    CS: emu.connectionString,
  };
  // The credential and the SDK must not pick up anything from the developer's environment.
  for (const name of Object.keys(env)) if (name.startsWith("AZURE_")) delete env[name];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      { cwd: repoRoot, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split("\n").pop()));
      },
    );
  });
}

describe("@azure/identity ClientSecretCredential with the emulator as authority", () => {
  test("the official client runs the quickstart with bearer tokens only", async () => {
    assert.equal(emu.authorityHost, emu.url, "the start line names the authority host");
    assert.equal(emu.tenantId, TENANT, "the start line names the tenant");
    const r = await runChild(`
      const client = new CommunicationIdentityClient(ENDPOINT, credential);
      const before = await stats();
      const user = await client.createUser();
      const { token, expiresOn } = await client.getToken(user, ["voip"]);
      const goodBefore = await whoami(token);
      await client.revokeTokens(user);
      const goodAfterRevoke = await whoami(token);
      await client.deleteUser(user);
      const afterDelete = await client.getToken(user, ["voip"]).then(() => "issued", (e) => e.statusCode);
      const entra = await credential.getToken("https://communication.azure.com//.default");
      return {
        id: user.communicationUserId, token, expiresOn, goodBefore, goodAfterRevoke, afterDelete,
        before, after: await stats(), entra: entra.token, entraExpires: entra.expiresOnTimestamp,
      };
    `);
    assert.match(r.id, /^8:acs:ac5e0000-0000-4000-8000-000000000001_[0-9a-f-]{36}$/);
    const claims = JSON.parse(Buffer.from(r.token.split(".")[1], "base64url").toString());
    assert.equal(claims.acsScope, "voip");
    assert.equal(r.goodBefore, 200, "the token was good before the revocation");
    assert.equal(r.goodAfterRevoke, 401, "revokeTokens reached the emulator");
    assert.equal(r.afterDelete, 404, "deleteUser reached the emulator");
    assert.ok(r.after.tokenRequests > r.before.tokenRequests, "the credential asked the emulator's authority");
    assert.ok(r.after.tokensIssued >= 1);
    // The credential's token is the emulator's Entra token for ACS.
    const entra = JSON.parse(Buffer.from(r.entra.split(".")[1], "base64url").toString());
    assert.equal(entra.aud, "https://communication.azure.com");
    assert.equal(entra.tid, TENANT);
    assert.equal(entra.azp, CLIENT);
    // The issuer is on the authority host the credential was given (MSAL checks that it is).
    assert.equal(entra.iss, `https://localhost:${emu.port}/${TENANT}/v2.0`);
    assert.ok(Math.abs(r.entraExpires - entra.exp * 1000) < 10 * 60_000);
    // Only the bearer path was used: local auth is disabled, so an HMAC request would have failed.
    assert.match(emu.logs(), /route="POST \/\{tenant\}\/oauth2\/v2\.0\/token" status=200/);
    assert.match(emu.logs(), /route="DELETE \/identities\/\{id\}" status=204/);
    assert.ok(!emu.logs().includes(SECRET), "the secret is never logged");
  });

  test("the authority host may also be given as 127.0.0.1", async () => {
    const r = await runChild(
      `const client = new CommunicationIdentityClient(ENDPOINT, credential);
       const user = await client.createUser();
       await client.deleteUser(user);
       return { id: user.communicationUserId };`,
      { authorityHost: emu.url },
    );
    assert.match(r.id, /^8:acs:/);
  });

  test("a wrong client secret fails with Entra's AADSTS7000215 and never shows the secret", async () => {
    const wrong = "not-the-secret~0123456789abcdef";
    const r = await runChild(
      `const client = new CommunicationIdentityClient(ENDPOINT, credential);
       try {
         await client.createUser();
         return { ok: true };
       } catch (e) {
         const c = e.cause ?? {};
         return { name: e.name, message: e.message, causeName: c.name, errorCode: c.errorCode, errorNo: c.errorNo,
                  status: c.status, correlationId: c.correlationId,
                  text: JSON.stringify({ ...e, stack: e.stack, cause: { ...c, message: c.message, stack: c.stack } }) };
       }`,
      { secret: wrong },
    );
    assert.equal(r.ok, undefined, "createUser must fail with a wrong secret");
    // @azure/identity wraps every MSAL server error in AuthenticationRequiredError, with MSAL's
    // ServerError (parsed from Entra's body) as its cause.
    assert.equal(r.name, "AuthenticationRequiredError", r.message);
    assert.equal(r.causeName, "ServerError");
    assert.equal(r.errorCode, "invalid_client");
    assert.equal(String(r.errorNo), "7000215");
    assert.equal(r.status, 401);
    assert.match(r.correlationId, /^[0-9a-f-]{36}$/);
    assert.match(r.message, /AADSTS7000215: Invalid client secret provided/);
    assert.ok(!r.text.includes(wrong) && !r.text.includes(SECRET), "no secret in the error");
  });

  test("an access-key (HMAC) client is refused: local auth is disabled", async () => {
    const r = await runChild(`
      const client = new CommunicationIdentityClient(CS);
      try {
        await client.createUser();
        return { ok: true };
      } catch (e) {
        return { name: e.name, statusCode: e.statusCode, code: e.code, message: e.message };
      }
    `);
    assert.equal(r.ok, undefined);
    assert.equal(r.name, "RestError");
    assert.equal(r.statusCode, 401);
    assert.equal(r.code, "Denied");
    assert.match(r.message, /Local authentication .* is disabled/);
  });

  test("32 concurrent first calls through one credential and client: token requests counted at the authority", async () => {
    const r = await runChild(`
      const client = new CommunicationIdentityClient(ENDPOINT, credential);
      const before = await stats();
      const users = await Promise.all(Array.from({ length: 32 }, () => client.createUser()));
      const after = await stats();
      await Promise.all(users.map((u) => client.deleteUser(u)));
      const end = await stats();
      return { ids: users.map((u) => u.communicationUserId), before, after, end };
    `);
    assert.equal(new Set(r.ids).size, 32);
    const firstCalls = r.after.tokenRequests - r.before.tokenRequests;
    console.log(`@azure/identity + @azure/communication-identity: 32 concurrent first calls made ${firstCalls} token request(s) at the authority`);
    // The official pipeline shares one token refresh between concurrent requests (core-rest-pipeline's
    // token cycler), and the cached token then serves the 32 deletes.
    assert.equal(firstCalls, 1);
    assert.equal(r.end.tokenRequests, r.after.tokenRequests);
  });
});
