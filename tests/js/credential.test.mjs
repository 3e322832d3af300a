// CommunicationTokenCredential: caching, refresh before expiry, one refresh in flight, refusing an expired
// refreshed token, proactive refresh and dispose.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CommunicationTokenCredential, AcsError } from "acs-identity-edge";

const MIN = 60_000;
function tokenExpiringIn(ms, tag = "t") {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none" })}.${part({ exp: Math.floor((Date.now() + ms) / 1000), tag })}.c2ln`;
}

test("a static token is returned as is until it expires", async () => {
  const token = tokenExpiringIn(60 * MIN);
  const credential = new CommunicationTokenCredential(token);
  const got = await credential.getToken();
  assert.equal(got.token, token);
  assert.ok(Math.abs(got.expiresOnTimestamp - (Date.now() + 60 * MIN)) < 2000);
  const expired = new CommunicationTokenCredential(tokenExpiringIn(-MIN));
  await assert.rejects(expired.getToken(), (e) => e instanceof AcsError && e.code === "ERR_INVALID_TOKEN");
});

test("a malformed token is refused at once", () => {
  assert.throws(() => new CommunicationTokenCredential("not-a-jwt"), (e) => e.code === "ERR_INVALID_TOKEN");
  assert.throws(() => new CommunicationTokenCredential({}), (e) => e.code === "ERR_INVALID_ARGUMENT");
});

test("a cached token is reused while fresh, refreshed within 10 minutes of expiry", async () => {
  let calls = 0;
  const fresh = tokenExpiringIn(60 * MIN, "fresh");
  const credential = new CommunicationTokenCredential({
    token: tokenExpiringIn(5 * MIN, "old"),
    tokenRefresher: async () => {
      calls++;
      return fresh;
    },
  });
  assert.equal((await credential.getToken()).token, fresh, "5 minutes left: refreshed");
  assert.equal((await credential.getToken()).token, fresh, "now fresh: cached");
  assert.equal(calls, 1);
  credential.dispose();
});

test("concurrent callers share one refresh", async () => {
  let calls = 0;
  let release;
  const gate = new Promise((r) => (release = r));
  const credential = new CommunicationTokenCredential({
    tokenRefresher: async () => {
      calls++;
      await gate;
      return tokenExpiringIn(60 * MIN);
    },
  });
  const all = Promise.all([credential.getToken(), credential.getToken(), credential.getToken()]);
  release();
  const tokens = await all;
  assert.equal(calls, 1);
  assert.equal(new Set(tokens.map((t) => t.token)).size, 1);
});

test("a refreshed token that is already expired is refused, and the next refresh can succeed", async () => {
  let n = 0;
  const credential = new CommunicationTokenCredential({
    tokenRefresher: async () => (n++ === 0 ? tokenExpiringIn(-MIN) : tokenExpiringIn(60 * MIN)),
  });
  await assert.rejects(credential.getToken(), (e) => e.code === "ERR_INVALID_TOKEN" && /expired/.test(e.message));
  assert.ok((await credential.getToken()).expiresOnTimestamp > Date.now());
});

test("proactive refresh renews ahead of expiry without a caller; dispose stops it", async () => {
  let calls = 0;
  const credential = new CommunicationTokenCredential({
    token: tokenExpiringIn(10 * MIN + 300, "start"),
    refreshProactively: true,
    tokenRefresher: async () => {
      calls++;
      return tokenExpiringIn(60 * MIN, "renewed");
    },
  });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(calls, 1, "renewed in the background");
  const { token } = await credential.getToken();
  assert.match(Buffer.from(token.split(".")[1], "base64url").toString(), /renewed/);
  credential.dispose();
  await assert.rejects(credential.getToken(), (e) => e.code === "ERR_INVALID_ARGUMENT");
});
