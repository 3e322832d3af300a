// Tamper matrix against the running emulator, over HTTP: requests signed with this package's
// `signRequest` and sent with `fetch` (or `node:http` where a header fetch cannot set is needed). Each
// request is first sent with exactly one thing changed (method, path, query, host, body byte, date,
// signature byte, key, a header removed, a skewed clock, ...) and must get 401 `Denied` with the reason
// that names that change, without any effect on the emulator's state; then it is sent untouched and must
// succeed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import http from "node:http";
import { signRequest, decodeAccessToken } from "acs-identity-edge";
import { startEmulator } from "../support/emulator.mjs";

// The reasons the emulator gives (the library's `VerifyFailure::message`).
const SIGNATURE = "Request signature is not valid.";
const CONTENT_HASH = "Request 'x-ms-content-sha256' differs from generated content hash.";
const SKEW = "Request date is outside the allowed clock skew.";
const BAD_DATE = "Request date header is not a valid IMF-fixdate.";
const NO_AUTHORIZATION = "Denied by the authorization header: it is missing.";
const NO_HASH = "Request is missing the 'x-ms-content-sha256' header.";
const NO_DATE = "Request is missing the 'x-ms-date' (or 'date') header.";
const MALFORMED = "The authorization header is not 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=...'.";

const V = "2023-10-01";
const PREVIEW = "2025-03-02-preview";
const OTHER_KEY = Buffer.alloc(64, 7).toString("base64");

let emu;
let base; // http://127.0.0.1:PORT
let otherHostBase; // http://localhost:PORT
const tally = { tampered: 0, untouched: 0, byTamper: {} };

before(async () => {
  emu = await startEmulator({ env: { RUST_LOG: "warn" } });
  base = emu.url;
  otherHostBase = emu.url.replace("127.0.0.1", "localhost");
});

after(async () => {
  if (emu) await emu.stop();
  console.log(`# tamper: ${JSON.stringify(tally)}`);
});

const cs = (key = emu.accessKey) => `endpoint=${base}/;accesskey=${key}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A request as it will be signed: method, path and query (as sent), body, and the signing time. */
function signed(req, { key, signUrlBase = base, unix = nowSeconds() } = {}) {
  const headers = signRequest(cs(key), { method: req.method, url: `${signUrlBase}${req.path}`, body: req.body, date: new Date(unix * 1000) });
  return { ...req, headers: { ...headers, "content-type": "application/json", "x-ms-client-request-id": crypto.randomUUID() } };
}

async function sendFetch({ method, path, headers, body, urlBase = base }) {
  const res = await fetch(`${urlBase}${path}`, { method, headers, body: body === undefined ? undefined : body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** node:http, for what fetch will not send: another Host header. */
function sendRaw({ method, path, headers, body }, host) {
  return new Promise((resolve, reject) => {
    // node:http frames a GET body only when told its length.
    const length = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
    const req = http.request(`${base}${path}`, { method, headers: { ...headers, ...length, host }, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : null }));
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("timed out")));
    req.end(body);
  });
}

const health = async () => (await sendFetch({ method: "GET", path: "/emulator/health", headers: {} })).json;

const flipChar = (s, i) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
const hashOf = (body) => createHash("sha256").update(body ?? "").digest("base64");

/**
 * The tampers of one request. Each: name, a function from the correctly signed request to what is sent
 * (and how), and the reason expected.
 */
function tampers(req) {
  const hasBody = req.body !== undefined && req.body !== "";
  const [pathOnly, query = ""] = req.path.split("?");
  const list = [
    ["method", (s) => ({ ...s, method: s.method === "POST" ? (hasBody ? "PUT" : "GET") : s.method === "GET" ? "DELETE" : "GET", body: s.method === "POST" && !hasBody ? undefined : s.body }), SIGNATURE],
    // (A path that stays one of the API's, which are authenticated before they are routed.)
    ["path: one character", (s) => ({ ...s, path: pathOnly === "/identities" ? `/identities/?${query}` : `${pathOnly.slice(0, -1)}${pathOnly.endsWith("a") ? "b" : "a"}?${query}` }), SIGNATURE],
    ["path: case of a literal segment", (s) => ({ ...s, path: s.path.replace("/identities", "/Identities") }), SIGNATURE],
    ["path: an extra slash", (s) => ({ ...s, path: s.path.replace("/identities", "//identities") }), SIGNATURE],
    ["query: api-version", (s) => ({ ...s, path: s.path.replace(`api-version=${req.version}`, `api-version=${req.version === V ? "2022-10-01" : V}`) }), SIGNATURE],
    ["query: a parameter added", (s) => ({ ...s, path: `${s.path}&x=1` }), SIGNATURE],
    ["query: removed", (s) => ({ ...s, path: pathOnly }), SIGNATURE],
    ["host: signed for localhost, sent to 127.0.0.1", () => signed(req, { signUrlBase: otherHostBase }), SIGNATURE],
    ["host: Host header of another name", (s) => ({ ...s, rawHost: `evil.example:${emu.port}` }), SIGNATURE],
    ["body: one byte changed", (s) => ({ ...s, body: hasBody ? flipChar(s.body, s.body.length - 2) : "{}" }), CONTENT_HASH],
    ["body: changed, hash recomputed", (s) => {
      const body = hasBody ? flipChar(s.body, s.body.length - 2) : "{}";
      return { ...s, body, headers: { ...s.headers, "x-ms-content-sha256": hashOf(body) } };
    }, SIGNATURE],
    ["date: one second later", (s) => ({ ...s, headers: { ...s.headers, "x-ms-date": new Date(Date.parse(s.headers["x-ms-date"]) + 1000).toUTCString() } }), SIGNATURE],
    ["date: not an IMF-fixdate", (s) => ({ ...s, headers: { ...s.headers, "x-ms-date": s.headers["x-ms-date"].replace(" GMT", " UTC") } }), BAD_DATE],
    ["signature: one byte", (s) => {
      const a = s.headers.authorization;
      const i = a.indexOf("Signature=") + 10 + 5;
      return { ...s, headers: { ...s.headers, authorization: flipChar(a, i) } };
    }, SIGNATURE],
    ["signature: truncated", (s) => ({ ...s, headers: { ...s.headers, authorization: s.headers.authorization.slice(0, -4) } }), SIGNATURE],
    ["key: another key", () => signed(req, { key: OTHER_KEY }), SIGNATURE],
    ["header removed: authorization", (s) => ({ ...s, headers: without(s.headers, "authorization") }), NO_AUTHORIZATION],
    ["header removed: x-ms-date", (s) => ({ ...s, headers: without(s.headers, "x-ms-date") }), NO_DATE],
    ["header removed: x-ms-content-sha256", (s) => ({ ...s, headers: without(s.headers, "x-ms-content-sha256") }), NO_HASH],
    ["header renamed: x-ms-date sent as date", (s) => ({ ...s, headers: { ...without(s.headers, "x-ms-date"), date: s.headers["x-ms-date"] } }), NO_DATE],
    ["authorization: a signed header left out", (s) => ({ ...s, headers: { ...s.headers, authorization: s.headers.authorization.replace("x-ms-date;host;", "x-ms-date;") } }), MALFORMED],
    ["authorization: another scheme", (s) => ({ ...s, headers: { ...s.headers, authorization: s.headers.authorization.replace("HMAC-SHA256", "HMAC-SHA1") } }), MALFORMED],
    ["clock: 16 minutes behind", () => signed(req, { unix: nowSeconds() - 16 * 60 }), SKEW],
    ["clock: 16 minutes ahead", () => signed(req, { unix: nowSeconds() + 16 * 60 }), SKEW],
  ];
  return list;
}

function without(headers, name) {
  const out = { ...headers };
  delete out[name];
  return out;
}

async function expectDenied(name, sent, reason) {
  // fetch refuses a body on GET; node:http sends it.
  const bodyOnGet = sent.method === "GET" && sent.body !== undefined;
  const r = sent.rawHost || bodyOnGet ? await sendRaw(sent, sent.rawHost || new URL(base).host) : await sendFetch(sent);
  assert.equal(r.status, 401, `${name}: ${sent.method} ${sent.path} answered ${r.status} ${JSON.stringify(r.json)}`);
  assert.equal(r.json?.error?.code, "Denied", name);
  assert.equal(r.json.error.message, reason, name);
  tally.tampered++;
  tally.byTamper[name] = (tally.byTamper[name] || 0) + 1;
}

/** Every tamper of `req`, then the request untouched, which must answer `okStatus`. */
async function matrix(req, okStatus) {
  for (const [name, change, reason] of tampers(req)) {
    await expectDenied(name, change(signed(req)), reason);
  }
  const r = await sendFetch(signed(req));
  assert.equal(r.status, okStatus, `untouched ${req.method} ${req.path}: ${JSON.stringify(r.json)}`);
  tally.untouched++;
  return r.json;
}

async function createUser(scopes) {
  const body = JSON.stringify(scopes ? { createTokenWithScopes: scopes } : {});
  const r = await sendFetch(signed({ method: "POST", path: `/identities?api-version=${V}`, body }));
  assert.equal(r.status, 201);
  return r.json;
}

async function whoami(token) {
  return (await sendFetch({ method: "GET", path: "/emulator/whoami", headers: { authorization: `Bearer ${token}` } })).status;
}

const idPath = (id) => encodeURIComponent(id);

test("create user: every tamper is refused and creates nothing; untouched requests create", async () => {
  const bodies = [undefined, "{}", '{"createTokenWithScopes":["chat"]}', '{"createTokenWithScopes": ["voip"], "expiresInMinutes": 60}', JSON.stringify({ createTokenWithScopes: ["chat", "voip"], expiresInMinutes: 1440 })];
  for (const body of bodies) {
    for (const version of [V, "2021-03-07", PREVIEW]) {
      const before = (await health()).identities;
      const created = await matrix({ method: "POST", path: `/identities?api-version=${version}`, body, version }, 201);
      assert.match(created.identity.id, /^8:acs:/);
      assert.equal((await health()).identities, before + 1, "only the untouched request created an identity");
    }
  }
});

test("issue token, get user: every tamper is refused; untouched requests succeed", async () => {
  for (let i = 0; i < 10; i++) {
    const { identity } = await createUser();
    const body = JSON.stringify({ scopes: [["chat", "voip", "chat.join"][i % 3]], ...(i % 2 ? { expiresInMinutes: 60 + i } : {}) });
    const token = await matrix({ method: "POST", path: `/identities/${idPath(identity.id)}/:issueAccessToken?api-version=${V}`, body, version: V }, 200);
    assert.equal(decodeAccessToken(token.token).communicationUserId, identity.id);
    const user = await matrix({ method: "GET", path: `/identities/${idPath(identity.id)}?api-version=${PREVIEW}`, version: PREVIEW }, 200);
    assert.equal(user.id, identity.id);
  }
});

test("revoke and delete: tampered requests leave tokens valid and users alive; untouched ones revoke and delete", async () => {
  for (let i = 0; i < 10; i++) {
    const { identity, accessToken } = await createUser(["voip"]);
    assert.equal(await whoami(accessToken.token), 200);
    const revoke = { method: "POST", path: `/identities/${idPath(identity.id)}/:revokeAccessTokens?api-version=${V}`, version: V };
    for (const [name, change, reason] of tampers(revoke)) {
      await expectDenied(name, change(signed(revoke)), reason);
      // The tampered revoke did nothing. (A tampered POST becomes a GET, which gets 401 too.)
    }
    assert.equal(await whoami(accessToken.token), 200, "a tampered revoke revoked nothing");
    assert.equal((await sendFetch(signed(revoke))).status, 204);
    tally.untouched++;
    assert.equal(await whoami(accessToken.token), 401, "the untouched revoke revoked");

    const before = (await health()).identities;
    const del = { method: "DELETE", path: `/identities/${idPath(identity.id)}?api-version=${V}`, version: V };
    for (const [name, change, reason] of tampers(del)) await expectDenied(name, change(signed(del)), reason);
    assert.equal((await health()).identities, before, "a tampered delete deleted nothing");
    assert.equal((await sendFetch(signed(del))).status, 204);
    tally.untouched++;
    assert.equal((await health()).identities, before - 1);
  }
});

test("within the allowed skew, and with the default port written out, requests pass", async () => {
  for (const offset of [-14 * 60, -60, 0, 60, 14 * 60]) {
    const r = await sendFetch(signed({ method: "POST", path: `/identities?api-version=${V}`, body: "{}" }, { unix: nowSeconds() + offset }));
    assert.equal(r.status, 201, `offset ${offset}`);
  }
  // A replayed request within the skew is accepted: HMAC signing has no nonce (as in the service).
  const once = signed({ method: "POST", path: `/identities?api-version=${V}`, body: "{}" });
  assert.equal((await sendFetch(once)).status, 201);
  assert.equal((await sendFetch(once)).status, 201);
});

test("the matrix ran in full", () => {
  const names = tampers({ method: "POST", path: "/identities?api-version=x", body: "{}" }).map(([n]) => n);
  for (const n of names) assert.ok(tally.byTamper[n] >= 20, `${n}: ${tally.byTamper[n]}`);
  assert.ok(tally.tampered >= 1000, JSON.stringify(tally));
  assert.ok(tally.untouched >= 55, JSON.stringify(tally));
});
