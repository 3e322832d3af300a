// The token service of examples/cloudflare-worker in workerd (Miniflare), against the emulator: the whole
// flow, the mapping surviving a Worker restart, every error status, CORS, and concurrent first requests
// creating exactly one ACS user. The Worker is bundled the way Wrangler bundles it and imports the
// package by name.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { decodeAccessToken } from "acs-identity-edge";
import { startEmulator, repoRoot } from "../support/emulator.mjs";
import { bundleWorker, workerModulesRules } from "./conformance/worker-bundle.mjs";
import { signSessionToken } from "../../examples/cloudflare-worker/src/session.js";

const exampleDir = join(repoRoot, "examples", "cloudflare-worker");
const SESSION_SECRET = "a-test-session-secret-that-is-long-enough-0123456789";
const ORIGIN = "https://app.example.test";

/** `[vars]` of wrangler.toml (string values only, which is all it has). */
function wranglerVars() {
  const text = readFileSync(join(exampleDir, "wrangler.toml"), "utf8");
  const section = text.split(/^\[vars\]\s*$/m)[1].split(/^\[/m)[0];
  return Object.fromEntries([...section.matchAll(/^([A-Z_]+)\s*=\s*"([^"]*)"\s*$/gm)].map((m) => [m[1], m[2]]));
}

function wranglerBindings() {
  const text = readFileSync(join(exampleDir, "wrangler.toml"), "utf8");
  return {
    main: /^main\s*=\s*"([^"]+)"/m.exec(text)[1],
    compatibilityDate: /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)[1],
    kv: /\[\[kv_namespaces\]\]\s*binding\s*=\s*"([^"]+)"/.exec(text)[1],
    durableObject: /\[\[durable_objects\.bindings\]\]\s*name\s*=\s*"([^"]+)"\s*class_name\s*=\s*"([^"]+)"/.exec(text).slice(1),
  };
}

async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const AUDIENCE = "acs-token-service";
const now = () => Math.floor(Date.now() / 1000);
const session = (sub, { secret = SESSION_SECRET, aud = AUDIENCE, iat = now(), exp = now() + 600 } = {}) => signSessionToken(secret, { sub, aud, iat, exp });

/** A session token with exactly these claims and any secret, signed here (session.js refuses some secrets). */
function rawSessionToken(secret, claims) {
  const body = `v1.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}

describe("edge token service (examples/cloudflare-worker) in workerd", () => {
  let emulator;
  let dir;
  let scriptPath;
  const workers = [];
  const config = wranglerBindings();

  before(async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), "acs-token-service-"));
    // The package as an app's node_modules would hold it, for the bundler to resolve by name.
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(repoRoot, join(dir, "node_modules", "acs-identity-edge"), "dir");
    scriptPath = await bundleWorker(join(exampleDir, config.main), join(dir, "bundle"), { nodePaths: [join(dir, "node_modules")] });
  });
  after(async () => {
    for (const mf of workers) await mf.dispose().catch(() => {});
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A Worker as wrangler.toml declares it, with `vars` overriding its [vars]. */
  async function startWorker({ vars = {}, persist = null, connectionString = emulator.connectionString, secret = SESSION_SECRET } = {}) {
    const mf = new Miniflare({
      modules: true,
      scriptPath,
      modulesRoot: join(dir, "bundle"),
      modulesRules: workerModulesRules,
      compatibilityDate: config.compatibilityDate,
      kvNamespaces: [config.kv],
      durableObjects: { [config.durableObject[0]]: config.durableObject[1] },
      ...(persist ? { kvPersist: join(persist, "kv"), durableObjectsPersist: join(persist, "do") } : {}),
      bindings: {
        ...wranglerVars(),
        ALLOWED_ORIGINS: ORIGIN,
        ...vars,
        ...(connectionString === null ? {} : { ACS_CONNECTION_STRING: connectionString }),
        ...(secret === null ? {} : { SESSION_SECRET: secret }),
      },
    });
    await mf.ready;
    workers.push(mf);
    return mf;
  }

  async function call(mf, method, path, { token, body, origin, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (origin) h.origin = origin;
    if (body !== undefined) h["content-type"] = "application/json";
    const response = await mf.dispatchFetch(`https://tokens.example.test${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : null };
  }

  async function identities() {
    return (await (await fetch(`${emulator.url}/emulator/health`)).json()).identities;
  }

  async function whoami(token) {
    return (await fetch(`${emulator.url}/emulator/whoami`, { headers: { authorization: `Bearer ${token}` } })).status;
  }

  it("wrangler.toml declares what the Worker uses", () => {
    const vars = wranglerVars();
    for (const name of ["ALLOWED_ORIGINS", "ALLOWED_SCOPES", "TOKEN_EXPIRES_IN_MINUTES", "RATE_LIMIT_REQUESTS", "RATE_LIMIT_WINDOW_SECONDS", "SESSION_AUDIENCE", "SESSION_MAX_LIFETIME_MINUTES"]) {
      assert.ok(name in vars, name);
    }
    assert.equal(vars.TOKEN_EXPIRES_IN_MINUTES, "60");
    assert.equal(vars.SESSION_AUDIENCE, AUDIENCE);
    assert.deepEqual(config.durableObject, ["APP_USER", "AppUser"]);
    assert.equal(config.kv, "ACS_USERS");
    const toml = readFileSync(join(exampleDir, "wrangler.toml"), "utf8");
    assert.ok(!/accesskey=/i.test(toml), "no connection string in wrangler.toml");
  });

  it(".dev.vars is git-ignored; .dev.vars.example is not", () => {
    const ignored = (path) => {
      try {
        execFileSync("git", ["check-ignore", "--quiet", "--no-index", path], { cwd: repoRoot, stdio: "ignore" });
        return true;
      } catch (e) {
        if (e.status === 1) return false;
        throw e;
      }
    };
    assert.equal(ignored("examples/cloudflare-worker/.dev.vars"), true, ".dev.vars holds secrets");
    assert.equal(ignored("examples/cloudflare-worker/.dev.vars.production"), true, "per-environment .dev.vars too");
    assert.equal(ignored("examples/cloudflare-worker/.dev.vars.example"), false, "the example is committed");
  });

  it("refuses the placeholder SESSION_SECRET of .dev.vars.example (and a short or missing one) on every request, naming the problem", async () => {
    const placeholder = /^SESSION_SECRET="([^"]+)"/m.exec(readFileSync(join(exampleDir, ".dev.vars.example"), "utf8"))[1];
    assert.ok(placeholder.length >= 32, "the placeholder is long enough to pass a length check alone");
    for (const [label, secret, pattern] of [
      ["the placeholder", placeholder, /placeholder of \.dev\.vars\.example/],
      ["a short secret", "too-short", /shorter than 32/],
      ["no secret", null, /SESSION_SECRET is not set/],
    ]) {
      const mf = await startWorker({ secret });
      // A token signed with that very secret must not get through.
      const token = rawSessionToken(placeholder, { sub: "mallory@placeholder", aud: AUDIENCE, iat: now(), exp: now() + 600 });
      for (let i = 0; i < 2; i++) {
        const r = await call(mf, "POST", "/api/token", { token });
        assert.equal(r.status, 500, `${label}: ${r.text}`);
        assert.equal(r.json.error.code, "misconfigured", label);
        assert.match(r.json.error.message, pattern, label);
        if (secret) assert.ok(!r.text.includes(secret), `${label}: the secret is not in the answer`);
      }
      const preflight = await call(mf, "OPTIONS", "/api/token", { origin: ORIGIN });
      assert.equal(preflight.status, 500, `${label}: nothing is served while misconfigured`);
    }
  });

  it("session tokens must name this service as audience and live at most SESSION_MAX_LIFETIME_MINUTES", async () => {
    const mf = await startWorker();
    const t = now();
    const refused = {
      "another audience": await session("alice@aud", { aud: "another-service" }),
      "no audience": rawSessionToken(SESSION_SECRET, { sub: "alice@aud", iat: t, exp: t + 600 }),
      "a lifetime of 61 minutes": await session("alice@aud", { iat: t, exp: t + 61 * 60 }),
      "a year-long token": await session("alice@aud", { iat: t, exp: t + 365 * 86_400 }),
      "issued in the future": await session("alice@aud", { iat: t + 600, exp: t + 1200 }),
      "no issue time": rawSessionToken(SESSION_SECRET, { sub: "alice@aud", aud: AUDIENCE, exp: t + 600 }),
      "a fractional lifetime": rawSessionToken(SESSION_SECRET, { sub: "alice@aud", aud: AUDIENCE, iat: t, exp: t + 600.5 }),
      "expiry before issue": await session("alice@aud", { iat: t, exp: t - 1 }),
    };
    for (const [label, token] of Object.entries(refused)) {
      const r = await call(mf, "POST", "/api/token", { token });
      assert.equal(r.status, 401, `${label}: ${r.text}`);
      assert.equal(r.json.error.code, "unauthenticated", label);
    }
    assert.equal((await call(mf, "POST", "/api/token", { token: rawSessionToken(SESSION_SECRET, { sub: "alice@aud", aud: AUDIENCE, iat: t, exp: t + 600 }) })).status, 200, "the test's own signer is right");
    const full = await call(mf, "POST", "/api/token", { token: await session("alice@aud", { iat: t, exp: t + 60 * 60 }) });
    assert.equal(full.status, 200, `exactly the maximum lifetime: ${full.text}`);
    const longer = await startWorker({ vars: { SESSION_MAX_LIFETIME_MINUTES: "120", SESSION_AUDIENCE: "tokens.example" } });
    const ok = await call(longer, "POST", "/api/token", { token: await session("alice@aud", { aud: "tokens.example", iat: t, exp: t + 90 * 60 }) });
    assert.equal(ok.status, 200, `SESSION_MAX_LIFETIME_MINUTES and SESSION_AUDIENCE are read: ${ok.text}`);
    const wrong = await call(longer, "POST", "/api/token", { token: await session("alice@aud", { iat: t, exp: t + 600 }) });
    assert.equal(wrong.status, 401, "the default audience is not accepted where another is configured");
    const broken = await startWorker({ vars: { SESSION_MAX_LIFETIME_MINUTES: "forever" } });
    const r = await call(broken, "POST", "/api/token", { token: await session("alice@aud") });
    assert.equal(r.status, 500);
    assert.match(r.json.error.message, /SESSION_MAX_LIFETIME_MINUTES/);
  });

  it("413 for a body over 4096 bytes counted as UTF-8 bytes, and before an endless body is read", { timeout: 60_000 }, async () => {
    const mf = await startWorker();
    const token = await session("olivia@body");
    const before = await identities();
    // 3,000 two-byte characters: 3,029 characters, 6,029 bytes.
    const wide = JSON.stringify({ scopes: ["chat"], note: "é".repeat(3000) });
    assert.ok(wide.length < 4096 && new TextEncoder().encode(wide).length > 4096);
    const r = await call(mf, "POST", "/api/token", { token, body: wide });
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json.error.code, "body_too_large");
    const fits = JSON.stringify({ scopes: ["chat"], note: "é".repeat(2000) });
    assert.ok(new TextEncoder().encode(fits).length <= 4096);
    assert.equal((await call(mf, "POST", "/api/token", { token, body: fits })).status, 200, "a body under the limit in bytes");

    // A chunked body that does not end while the request lasts: refused once it passes the limit, not after
    // reading it all. It ends once the test is done with it (or after 10,000 chunks), so that nothing is left
    // pulling it: the HTTP client can go on sending a request body after the answer has come.
    let pulls = 0;
    let done = false;
    const chunk = new TextEncoder().encode(`{"scopes":["chat"],"pad":"${"x".repeat(1000)}`);
    const endless = new ReadableStream({
      pull(controller) {
        if (done || pulls >= 10_000) {
          controller.close();
          return undefined;
        }
        pulls++;
        controller.enqueue(chunk.slice());
        return new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    let pullsAtAnswer;
    const aborter = new AbortController();
    const timer = setTimeout(() => aborter.abort(), 30_000);
    try {
      const response = await mf.dispatchFetch("https://tokens.example.test/api/token", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: endless,
        duplex: "half",
        signal: aborter.signal,
      });
      pullsAtAnswer = pulls;
      assert.equal(response.status, 413, await response.clone().text());
      assert.equal((await response.json()).error.code, "body_too_large");
    } finally {
      done = true;
      clearTimeout(timer);
      aborter.abort();
    }
    assert.ok(pullsAtAnswer < 10_000, "the answer came before the body ended");
    // 4 chunks of 1,026 bytes already pass 4,096; whether the stream was pulled once more before the answer
    // depends on timing.
    assert.ok(pulls * chunk.length > 4096, `the stream was sent past the limit (${pulls} chunks of ${chunk.length} bytes)`);

    const declared = await mf.dispatchFetch("https://tokens.example.test/api/token", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": "5000" },
      body: "x".repeat(5000),
    });
    assert.equal(declared.status, 413);
    assert.equal(await identities(), before + 1, "only the request under the limit created a user");
  });

  it("issues, re-issues, narrows scopes, revokes and deletes: the full flow", async () => {
    const mf = await startWorker();
    const token = await session("alice@flow");
    const before = await identities();
    const first = await call(mf, "POST", "/api/token", { token, origin: ORIGIN });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(Object.keys(first.json).sort(), ["acsUserId", "expiresOn", "token"]);
    assert.match(first.json.acsUserId, /^8:acs:/);
    assert.equal(first.headers.get("access-control-allow-origin"), ORIGIN);
    assert.equal(first.headers.get("cache-control"), "no-store");
    const claims = decodeAccessToken(first.json.token);
    assert.equal(claims.communicationUserId, first.json.acsUserId);
    assert.deepEqual([...claims.scopes].sort(), ["chat", "voip"], "all allowed scopes by default");
    const lifetime = Date.parse(first.json.expiresOn) - Date.now();
    assert.ok(lifetime > 58 * 60_000 && lifetime <= 60 * 60_000 + 5_000, `60 minutes by default (${lifetime} ms)`);
    assert.equal(await identities(), before + 1, "one ACS user created");
    assert.equal(await whoami(first.json.token), 200);

    const kv = await mf.getKVNamespace("ACS_USERS");
    assert.equal((await kv.get("acs-user:alice@flow", "json")).acsUserId, first.json.acsUserId, "mapping in KV");

    const chatOnly = await call(mf, "POST", "/api/token", { token, body: { scopes: ["chat"] } });
    assert.equal(chatOnly.status, 200, chatOnly.text);
    assert.equal(chatOnly.json.acsUserId, first.json.acsUserId, "same ACS user the second time");
    assert.deepEqual(decodeAccessToken(chatOnly.json.token).scopes, ["chat"]);
    assert.equal(await identities(), before + 1, "no second ACS user");

    const revoked = await call(mf, "POST", "/api/revoke", { token });
    assert.equal(revoked.status, 204, revoked.text);
    assert.equal(await whoami(first.json.token), 401, "revoked");
    assert.equal(await whoami(chatOnly.json.token), 401, "revoked");
    const after = await call(mf, "POST", "/api/token", { token });
    assert.equal(after.status, 200);
    assert.equal(await whoami(after.json.token), 200, "a new token after revoking works");

    const deleted = await call(mf, "DELETE", "/api/user", { token, origin: ORIGIN });
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal(await whoami(after.json.token), 401, "tokens of a deleted user stop working");
    assert.equal(await kv.get("acs-user:alice@flow"), null, "mapping removed");
    assert.equal(await identities(), before, "ACS user deleted");
    assert.equal((await call(mf, "DELETE", "/api/user", { token })).status, 204, "deleting again is a no-op");

    const again = await call(mf, "POST", "/api/token", { token });
    assert.equal(again.status, 200);
    assert.notEqual(again.json.acsUserId, first.json.acsUserId, "a new ACS user after deletion");
  });

  it("keeps the mapping across a Worker restart (persisted KV and Durable Object storage)", async () => {
    const persist = join(dir, "persist");
    const token = await session("bob@restart");
    const mf1 = await startWorker({ persist });
    const first = await call(mf1, "POST", "/api/token", { token });
    assert.equal(first.status, 200, first.text);
    await mf1.dispose();
    workers.splice(workers.indexOf(mf1), 1);
    const count = await identities();

    const mf2 = await startWorker({ persist });
    const second = await call(mf2, "POST", "/api/token", { token });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.acsUserId, first.json.acsUserId, "same ACS user after the restart");
    assert.equal(await identities(), count, "no ACS user created after the restart");
    assert.equal((await (await mf2.getKVNamespace("ACS_USERS")).get("acs-user:bob@restart", "json")).acsUserId, first.json.acsUserId);
  });

  it("concurrent first requests for one app user create exactly one ACS user", async () => {
    const mf = await startWorker({ vars: { RATE_LIMIT_REQUESTS: "100" } });
    const before = await identities();
    const token = await session("carol@concurrent");
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(mf, "POST", "/api/token", { token })));
    assert.deepEqual(answers.map((a) => a.status), Array(12).fill(200), answers.map((a) => a.text).join("\n"));
    assert.equal(new Set(answers.map((a) => a.json.acsUserId)).size, 1, "one ACS user id in every answer");
    assert.equal(await identities(), before + 1, "one ACS user created");
    // Different app users at once get different ACS users.
    const others = await Promise.all(["dave", "erin", "frank"].map(async (u) => call(mf, "POST", "/api/token", { token: await session(u) })));
    assert.equal(new Set(others.map((a) => a.json.acsUserId)).size, 3);
    assert.equal(await identities(), before + 4);
  });

  it("401 for a missing, malformed, forged or expired session token", async () => {
    const mf = await startWorker();
    const forged = await session("mallory", { secret: "another-secret-of-sufficient-length-0123456789" });
    const expired = await session("alice", { exp: Math.floor(Date.now() / 1000) - 5 });
    const good = await session("alice");
    const tampered = good.replace(/\.([^.]+)\./, (_, claims) => `.${claims.slice(0, -2)}${claims.slice(-2) === "fQ" ? "fA" : "fQ"}.`);
    const cases = [
      ["no header", {}],
      ["not a token", { token: "hello" }],
      ["forged", { token: forged }],
      ["expired", { token: expired }],
      ["tampered claims", { token: tampered }],
      ["Basic auth", { headers: { authorization: "Basic YWxpY2U6cGFzcw==" } }],
    ];
    for (const [label, options] of cases) {
      for (const [method, path] of [["POST", "/api/token"], ["POST", "/api/revoke"], ["DELETE", "/api/user"]]) {
        const r = await call(mf, method, path, options);
        assert.equal(r.status, 401, `${label} ${path}`);
        assert.equal(r.json.error.code, "unauthenticated", label);
        assert.equal(r.headers.get("www-authenticate"), "Bearer", label);
      }
    }
  });

  it("400 for a scope outside the allow-list and for malformed requests", async () => {
    const mf = await startWorker();
    const before = await identities();
    const token = await session("grace@scopes");
    const notAllowed = await call(mf, "POST", "/api/token", { token, body: { scopes: ["chat", "voip.join"] } });
    assert.equal(notAllowed.status, 400);
    assert.equal(notAllowed.json.error.code, "scope_not_allowed");
    assert.deepEqual(notAllowed.json.error.disallowed, ["voip.join"]);
    assert.deepEqual(notAllowed.json.error.allowed, ["chat", "voip"]);
    for (const [label, body, code] of [
      ["not JSON", "{scopes", "invalid_json"],
      ["empty scopes", { scopes: [] }, "invalid_request"],
      ["scopes not a list", { scopes: "chat" }, "invalid_request"],
      ["a list of numbers", { scopes: [1] }, "invalid_request"],
      ["an array body", [], "invalid_request"],
    ]) {
      const r = await call(mf, "POST", "/api/token", { token, body });
      assert.equal(r.status, 400, label);
      assert.equal(r.json.error.code, code, label);
    }
    assert.equal(await identities(), before, "a refused request creates no ACS user");
    const narrower = await startWorker({ vars: { ALLOWED_SCOPES: "chat" } });
    const r = await call(narrower, "POST", "/api/token", { token, body: { scopes: ["voip"] } });
    assert.equal(r.status, 400, "the allow-list comes from ALLOWED_SCOPES");
    const ok = await call(narrower, "POST", "/api/token", { token });
    assert.deepEqual(decodeAccessToken(ok.json.token).scopes, ["chat"]);
  });

  it("429 with Retry-After past the per-user rate limit; other users are unaffected", async () => {
    const mf = await startWorker({ vars: { RATE_LIMIT_REQUESTS: "3", RATE_LIMIT_WINDOW_SECONDS: "30" } });
    const token = await session("heidi@busy");
    for (let i = 0; i < 3; i++) assert.equal((await call(mf, "POST", "/api/token", { token })).status, 200, `request ${i + 1}`);
    const limited = await call(mf, "POST", "/api/token", { token, origin: ORIGIN });
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, "rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 30, `Retry-After ${limited.headers.get("retry-after")}`);
    assert.equal(limited.json.error.retryAfterSeconds, retryAfter);
    assert.match(limited.headers.get("access-control-expose-headers"), /retry-after/i, "a page can read Retry-After");
    assert.equal((await call(mf, "POST", "/api/revoke", { token })).status, 429, "every endpoint counts");
    assert.equal((await call(mf, "POST", "/api/token", { token: await session("ivan@calm") })).status, 200, "another user");
  });

  it("502 when ACS is unreachable or refuses, with its request id and never the key", async () => {
    const token = await session("judy@outage");
    const down = await startWorker({ connectionString: `endpoint=http://127.0.0.1:${await closedPort()}/;accesskey=${emulator.accessKey}` });
    const unreachable = await call(down, "POST", "/api/token", { token });
    assert.equal(unreachable.status, 502, unreachable.text);
    assert.equal(unreachable.json.error.code, "acs_unreachable");
    assert.ok(!unreachable.text.includes(emulator.accessKey), "no key in the answer");

    const wrongKey = "V3JvbmdLZXlGb3JUaGVUb2tlblNlcnZpY2VUZXN0c0FBQUFBQUFBQUE=";
    const refused = await startWorker({ connectionString: emulator.connectionString.replace(/accesskey=[^;]+/, `accesskey=${wrongKey}`) });
    const denied = await call(refused, "POST", "/api/token", { token });
    assert.equal(denied.status, 502, denied.text);
    assert.equal(denied.json.error.code, "acs_error");
    assert.equal(denied.json.error.acsStatus, 401);
    assert.equal(denied.json.error.acsCode, "Denied");
    assert.match(denied.json.error.acsRequestId, /^[0-9a-f-]{36}$/, "ACS request id for support");
    assert.ok(!denied.text.includes(wrongKey) && !denied.text.includes(emulator.accessKey), "no key in the answer");

    // A mapped user, then ACS refuses issuing and revoking (the same storage, a rotated key): also 502.
    const persist = join(dir, "persist-502");
    const good = await startWorker({ persist });
    assert.equal((await call(good, "POST", "/api/token", { token })).status, 200);
    await good.dispose();
    workers.splice(workers.indexOf(good), 1);
    const rotated = await startWorker({ persist, connectionString: emulator.connectionString.replace(/accesskey=[^;]+/, `accesskey=${wrongKey}`) });
    for (const [method, path] of [["POST", "/api/token"], ["POST", "/api/revoke"], ["DELETE", "/api/user"]]) {
      const r = await call(rotated, method, path, { token });
      assert.equal(r.status, 502, `${path}: ${r.text}`);
      assert.equal(r.json.error.acsCode, "Denied", path);
      assert.match(r.json.error.acsRequestId, /^[0-9a-f-]{36}$/, path);
      assert.ok(!r.text.includes(wrongKey) && !r.text.includes(emulator.accessKey), `${path}: no key`);
    }

    const broken = await startWorker({ connectionString: "endpoint=http://127.0.0.1:1/;accesskey=not base64 at all!" });
    const misconfigured = await call(broken, "POST", "/api/token", { token });
    assert.equal(misconfigured.status, 500);
    assert.equal(misconfigured.json.error.code, "misconfigured");
    assert.ok(!misconfigured.text.includes("not base64 at all"), "no key in the answer");
  });

  it("runs on Microsoft Entra ID instead of the access key: a resource with local auth disabled, one token request", async () => {
    const entra = {
      ACS_EMULATOR_ENTRA_TENANT_ID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      ACS_EMULATOR_ENTRA_CLIENT_ID: "0b7e5f3a-9c41-4d2e-8f6a-1c2d3e4f5a6b",
      ACS_EMULATOR_ENTRA_CLIENT_SECRET: "worker~client.secret_0123456789",
    };
    const resource = await startEmulator({ extraArgs: ["--disable-local-auth"], env: entra });
    try {
      const stats = async () => (await fetch(`${resource.url}/emulator/entra/stats`)).json();
      const vars = (secret) => ({
        ACS_ENDPOINT: resource.url,
        AZURE_TENANT_ID: entra.ACS_EMULATOR_ENTRA_TENANT_ID,
        AZURE_CLIENT_ID: entra.ACS_EMULATOR_ENTRA_CLIENT_ID,
        AZURE_CLIENT_SECRET: secret,
        AZURE_AUTHORITY_HOST: resource.authorityHost,
      });
      const mf = await startWorker({ connectionString: null, vars: vars(entra.ACS_EMULATOR_ENTRA_CLIENT_SECRET) });
      const before = await stats();
      const token = await session("kim@entra");
      const issued = await call(mf, "POST", "/api/token", { token, body: { scopes: ["chat"] } });
      assert.equal(issued.status, 200, issued.text);
      const who = await fetch(`${resource.url}/emulator/whoami`, { headers: { authorization: `Bearer ${issued.json.token}` } });
      assert.equal(who.status, 200, "the token was issued by the Entra-only resource");
      assert.equal((await call(mf, "POST", "/api/revoke", { token })).status, 204);
      assert.equal((await call(mf, "DELETE", "/api/user", { token })).status, 204);
      const after = await stats();
      assert.equal(after.tokenRequests - before.tokenRequests, 1, "one Entra token served the isolate's calls");

      const wrong = "not-the-secret~0123456789abcdef";
      const refused = await startWorker({ connectionString: null, vars: vars(wrong) });
      const r = await call(refused, "POST", "/api/token", { token: await session("lee@entra") });
      assert.equal(r.status, 502, r.text);
      assert.equal(r.json.error.code, "entra_refused");
      assert.equal(r.json.error.entraCode, "AADSTS7000215");
      assert.equal(r.json.error.entraStatus, 401);
      assert.match(r.json.error.entraCorrelationId, /^[0-9a-f-]{36}$/);
      assert.ok(!r.text.includes(wrong) && !r.text.includes(entra.ACS_EMULATOR_ENTRA_CLIENT_SECRET), "no secret in the answer");

      const badEndpoint = await startWorker({ connectionString: null, vars: { ...vars(wrong), ACS_ENDPOINT: "not a url" } });
      const m = await call(badEndpoint, "POST", "/api/token", { token: await session("max@entra") });
      assert.equal(m.status, 500, m.text);
      assert.equal(m.json.error.code, "misconfigured");
      assert.match(m.json.error.message, /ACS_ENDPOINT/);
      // Without the Entra settings, the connection string is used: refused by this resource.
      const hmac = await startWorker({ connectionString: resource.connectionString });
      const denied = await call(hmac, "POST", "/api/token", { token: await session("ned@entra") });
      assert.equal(denied.status, 502, denied.text);
      assert.equal(denied.json.error.acsStatus, 401);
    } finally {
      await resource.stop();
    }
  });

  it("CORS: allow-listed origins only; preflight answered without authentication", async () => {
    const mf = await startWorker({ vars: { ALLOWED_ORIGINS: `${ORIGIN}, http://localhost:5173` } });
    const preflight = await call(mf, "OPTIONS", "/api/token", { origin: "http://localhost:5173", headers: { "access-control-request-method": "POST" } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:5173");
    assert.match(preflight.headers.get("access-control-allow-headers"), /authorization/);
    assert.match(preflight.headers.get("access-control-allow-methods"), /POST/);
    assert.match(preflight.headers.get("vary"), /Origin/);
    const deletePreflight = await call(mf, "OPTIONS", "/api/user", { origin: ORIGIN });
    assert.equal(deletePreflight.headers.get("access-control-allow-methods"), "DELETE");

    const foreign = await call(mf, "OPTIONS", "/api/token", { origin: "https://evil.example" });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
    const foreignPost = await call(mf, "POST", "/api/token", { origin: "https://evil.example", token: await session("kim") });
    assert.equal(foreignPost.status, 403);
    assert.equal(foreignPost.json.error.code, "origin_not_allowed");
    assert.equal(foreignPost.headers.get("access-control-allow-origin"), null);

    const unauthenticated = await call(mf, "POST", "/api/token", { origin: ORIGIN });
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.headers.get("access-control-allow-origin"), ORIGIN, "a page can read the 401");
  });

  it("unknown paths and methods answer JSON 404 and 405", async () => {
    const mf = await startWorker();
    const missing = await call(mf, "GET", "/api/nothing");
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, "not_found");
    const wrong = await call(mf, "GET", "/api/token");
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST");
  });
});
