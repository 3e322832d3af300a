// Differential signing: seeded random requests signed by this package's `signRequest` and by the official
// `@azure/communication-common` access-key policy (driven through `@azure/core-rest-pipeline` with a fake
// `next` and a frozen clock), both checked against an independent reference built on `node:crypto` that
// signs what `fetch` actually sends (the WHATWG path and query, the `Host` header, the body bytes).
//
// Ours must equal the reference on every case. The official policy must equal it too, except where it is
// known to be wrong, and each such case must be explained by one of these classes:
//   official-requery      it signs `url.searchParams.toString()`, a re-serialised query, not the query sent
//   official-binary-body  it hashes `body.toString()`, so a Uint8Array body is hashed as "1,2,3"
// A sample of every class is then sent to the emulator, which checks signatures as the service does (the
// target as received): ours is accepted, the official one gets 401.
//
//   ACS_DIFF_CASES=100000 ACS_DIFF_SEED=7 node --test tests/js/differential.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { createCommunicationAccessKeyCredentialPolicy } from "@azure/communication-common";
import { AzureKeyCredential } from "@azure/core-auth";
import { createPipelineRequest, createHttpHeaders } from "@azure/core-rest-pipeline";
import { signRequest } from "acs-identity-edge";
import { startEmulator } from "../support/emulator.mjs";

const CASES = Number(process.env.ACS_DIFF_CASES || 2000);
const SEED = Number(process.env.ACS_DIFF_SEED || 20240913);

// ---- seeded generator ----------------------------------------------------------------------------

/** sfc32: small, fast, and the same sequence on every platform for a given seed. */
function prng(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  const int = (n) => Math.floor(next() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => next() < p;
  const bytes = (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  };
  return { next, int, pick, chance, bytes };
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "post", "Get", "delete"];
const UNICODE = ["é", "ß", "日本", "😀", "Ωmega", "naïve", "ü", "\u00a0", "𝄞", "中文字"];
const RESERVED = [":", "/", "?", "@", "!", "$", "'", "(", ")", "*", ",", ";", "=", "+", "&", "~", "-", ".", "_", "[", "]"];
const WORDS = ["identities", "teamsUser", ":issueAccessToken", ":revokeAccessTokens", ":exchangeAccessToken", "sms", "emails:send", "chat", "threads", "v1", "a", "Z9", "rooms", "token"];
const ID = (r) => `8:acs:ac5e0000-0000-4000-8000-000000000001_0000001f-${r.int(1e4)}`;

function hex2(b, upper) {
  const h = b.toString(16).padStart(2, "0");
  return upper ? h.toUpperCase() : h;
}

/** Percent-encodes every byte of `s` except unreserved ones (case of the hex digits chosen by `upper`). */
function encodeAll(s, upper = true) {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${hex2(b, upper)}`;
  }
  return out;
}

function genHost(r, scheme) {
  const base = r.pick([
    () => `res${r.int(1000)}.communication.azure.com`,
    () => "contoso.unitedstates.communication.azure.com",
    () => "localhost",
    () => `127.0.0.${r.int(255) + 1}`,
    () => "[::1]",
    () => `My-Resource.Communication.Azure.COM`,
    () => `a${r.int(10)}.b_c.example`,
    () => "host.example.",
  ])();
  const port = r.pick([
    () => "",
    () => "",
    () => `:${scheme === "https" ? 443 : 80}`,
    () => `:${scheme === "https" ? 80 : 443}`,
    () => `:${1 + r.int(65535)}`,
    () => `:0${8000 + r.int(1000)}`,
    () => ":8443",
  ])();
  return base + port;
}

function genSegment(r) {
  return r.pick([
    () => r.pick(WORDS),
    () => encodeAll(ID(r), r.chance(0.5)),
    () => ID(r),
    () => r.pick(UNICODE) + r.pick(WORDS),
    () => encodeAll(r.pick(UNICODE), r.chance(0.5)),
    () => Array.from({ length: 1 + r.int(4) }, () => r.pick(RESERVED.filter((c) => c !== "/" && c !== "?"))).join(""),
    () => `%${hex2(r.int(256), r.chance(0.5))}`,
    () => `x%20y%2Fz%3a%25`,
    () => r.pick([".", "..", "%2e", "%2E%2e"]),
    () => r.pick(["{a}", "a`b", "\"q\"", "<t>", "a\\b", "|pipe|", "^"]),
    () => "",
  ])();
}

function genQueryPart(r) {
  const key = r.pick(["api-version", "a", "a", "top", "skip", "$filter", "q", r.pick(UNICODE), "k%20y", "x+y", "~"]);
  const value = r.pick([
    () => "2023-10-01",
    () => "2025-03-02-preview",
    () => String(r.int(1e6)),
    () => Array.from({ length: 1 + r.int(5) }, () => r.pick(RESERVED)).join(""),
    () => encodeAll(r.pick(UNICODE), r.chance(0.5)),
    () => r.pick(UNICODE),
    () => r.pick(["%6D", "%6d", "~", "%7E", "%20", "+", "a b", "%", "%zz", "'", "\"", "<>", "`"]),
    () => "",
  ])();
  return r.pick([() => `${key}=${value}`, () => `${key}=${value}`, () => key, () => "", () => `${key}=${value}=${value}`])();
}

function genQuery(r) {
  return r.pick([
    () => "",
    () => "",
    () => "?",
    () => "?api-version=2023-10-01",
    () => `?${Array.from({ length: 1 + r.int(5) }, () => genQueryPart(r)).join("&")}`,
    () => `?a=1&a=2&a=${r.int(9)}`,
    () => `?api-version=2023-10-01&${genQueryPart(r)}`,
  ])();
}

function genBody(r, big) {
  if (big) {
    return r.chance(0.5) ? r.bytes(1024 * 1024) : "x".repeat(1024 * 1024 - 7) + "é€😀";
  }
  return r.pick([
    () => undefined,
    () => "",
    () => JSON.stringify({ scopes: [r.pick(["chat", "voip", "chat.join"])], expiresInMinutes: 60 + r.int(1381) }),
    () => JSON.stringify({ createTokenWithScopes: ["voip"], customId: r.pick(UNICODE) + r.int(100) }),
    () => '{"scopes": ["voip"]}',
    () => r.pick(UNICODE).repeat(1 + r.int(40)),
    () => r.bytes(1 + r.int(512)),
    () => new TextEncoder().encode(JSON.stringify({ a: r.pick(UNICODE) })),
    () => "\u0000\u0001 \t\r\n",
  ])();
}

function genDate(r) {
  return r.pick([
    () => 1_649_873_352,
    () => r.int(4_102_444_800),
    () => Date.UTC(2024, 1, 29, 23, 59, 59) / 1000,
    () => Date.UTC(2038, 0, 19, 3, 14, 8) / 1000,
    () => Date.UTC(2000 + r.int(50), r.int(12), 1 + r.int(9), r.int(24), r.int(60), r.int(60)) / 1000,
  ])();
}

function genKey(r) {
  return Buffer.from(r.bytes(r.pick([16, 32, 33, 64, 1 + r.int(100)]))).toString("base64");
}

/** One request. `i` makes roughly one in 200 bodies 1 MB. */
function genCase(r, i) {
  const scheme = r.chance(0.5) ? "https" : "http";
  const host = genHost(r, scheme);
  const segments = Array.from({ length: 1 + r.int(5) }, () => genSegment(r));
  const raw = `${scheme}://${host}/${segments.join("/")}${genQuery(r)}${r.chance(0.05) ? "#frag" : ""}`;
  return {
    index: i,
    method: r.pick(METHODS),
    raw,
    body: genBody(r, i % 200 === 199),
    unix: genDate(r),
    key: genKey(r),
  };
}

// ---- the three signers ---------------------------------------------------------------------------

const encoder = new TextEncoder();
const bodyBytes = (body) => (body === undefined ? new Uint8Array(0) : typeof body === "string" ? encoder.encode(body) : body);

/** What `fetch` sends for this URL: the WHATWG path and query (a bare `?` and the fragment are not sent). */
function wireTarget(url) {
  const u = new URL(url);
  return { host: u.host, pathAndQuery: u.pathname + u.search };
}

function hmac(keyB64, text) {
  return createHmac("sha256", Buffer.from(keyB64, "base64")).update(text, "utf8").digest("base64");
}

function headersFor(keyB64, method, host, pathAndQuery, date, hash) {
  const sts = `${method.toUpperCase()}\n${pathAndQuery}\n${date};${host};${hash}`;
  return {
    "x-ms-date": date,
    "x-ms-content-sha256": hash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${hmac(keyB64, sts)}`,
  };
}

/** The reference: what the service checks, computed with node:crypto from what fetch sends. */
function reference(c) {
  const { host, pathAndQuery } = wireTarget(c.raw);
  const date = new Date(c.unix * 1000).toUTCString();
  const hash = createHash("sha256").update(bodyBytes(c.body)).digest("base64");
  return headersFor(c.key, c.method, host, pathAndQuery, date, hash);
}

/** This package, given the URL as the string the case was generated as (it signs what fetch sends). */
function ours(c) {
  const { pathAndQuery } = wireTarget(c.raw);
  const afterHost = c.raw.replace(/^[a-z]+:\/\/[^/?#]*/i, "").replace(/#.*$/, "");
  const wireForm = afterHost === pathAndQuery || afterHost === `${pathAndQuery}?`;
  return { wireForm, headers: signRequest(`endpoint=https://ignored.example/;accesskey=${c.key}`, { method: c.method, url: c.raw, body: c.body, date: new Date(c.unix * 1000) }) };
}

const RealDate = globalThis.Date;

/** The official access-key policy with `Date` frozen at `unixSeconds` while it runs. */
async function official(c) {
  const frozen = c.unix * 1000;
  class FrozenDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(frozen);
      else super(...args);
    }
    static now() {
      return frozen;
    }
  }
  const policy = createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(c.key));
  const request = createPipelineRequest({ url: c.raw, method: c.method, body: c.body });
  let captured;
  globalThis.Date = FrozenDate;
  try {
    await policy.sendRequest(request, async (req) => {
      captured = req;
      return { status: 200, headers: createHttpHeaders(), request: req };
    });
  } finally {
    globalThis.Date = RealDate;
  }
  return {
    "x-ms-date": captured.headers.get("x-ms-date"),
    "x-ms-content-sha256": captured.headers.get("x-ms-content-sha256"),
    authorization: captured.headers.get("authorization"),
  };
}

/** Which known defect of the official policy explains `got`, recomputed independently; null if none. */
function explainOfficial(c, got) {
  const u = new URL(c.raw);
  const date = new RealDate(c.unix * 1000).toUTCString();
  const requery = u.searchParams.toString();
  const officialTarget = requery ? `${u.pathname}?${requery}` : u.pathname;
  const stringBody = c.body === undefined ? "" : c.body.toString();
  const officialHash = createHash("sha256").update(stringBody, "utf8").digest("base64");
  const expected = headersFor(c.key, c.method, u.host, officialTarget, date, officialHash);
  if (!same(expected, got)) return null;
  const classes = [];
  if (officialTarget !== u.pathname + u.search) classes.push("official-requery");
  if (officialHash !== createHash("sha256").update(bodyBytes(c.body)).digest("base64")) classes.push("official-binary-body");
  return classes.length ? classes.join("+") : null;
}

const same = (a, b) => a["x-ms-date"] === b["x-ms-date"] && a["x-ms-content-sha256"] === b["x-ms-content-sha256"] && a.authorization === b.authorization;

// ---- the run -------------------------------------------------------------------------------------

const stats = { cases: 0, identical: 0, oursMatchReference: 0, alreadyInWireForm: 0, rewrittenByFetch: 0, bigBodies: 0, classes: {} };
const samples = {}; // class -> a few cases, for the emulator check
const failures = [];

test(`${CASES} seeded requests (seed ${SEED}): ours equals the reference, official differences are all explained`, async () => {
  const r = prng(SEED);
  for (let i = 0; i < CASES; i++) {
    const c = genCase(r, i);
    const want = reference(c);
    const mine = ours(c);
    const theirs = await official(c);
    stats.cases++;
    if (mine.wireForm) stats.alreadyInWireForm++;
    else stats.rewrittenByFetch++;
    if (bodyBytes(c.body).length >= 1024 * 1024) stats.bigBodies++;
    if (same(mine.headers, want)) stats.oursMatchReference++;
    else failures.push({ who: "ours", c, want, got: mine.headers });
    if (same(mine.headers, theirs)) {
      stats.identical++;
      (samples.identical ||= []).length < 40 && samples.identical.push(c);
      continue;
    }
    if (same(theirs, want)) {
      failures.push({ who: "official differs from ours, but agrees with the reference", c, want, got: theirs });
      continue;
    }
    const why = explainOfficial(c, theirs);
    if (why === null) {
      failures.push({ who: "official (unexplained)", c, want, got: theirs });
      continue;
    }
    stats.classes[why] = (stats.classes[why] || 0) + 1;
    const s = (samples[why] ||= []);
    if (s.length < 40) s.push(c);
  }
  console.log(`# differential: ${JSON.stringify(stats)}`);
  const show = failures.slice(0, 5).map((f) => `${f.who}: ${f.c.method} ${JSON.stringify(f.c.raw)} body=${f.c.body === undefined ? "none" : typeof f.c.body === "string" ? `string(${f.c.body.length})` : `bytes(${f.c.body.length})`} unix=${f.c.unix}\n  want ${JSON.stringify(f.want)}\n  got  ${JSON.stringify(f.got)}`);
  assert.equal(failures.length, 0, `${failures.length} unexplained mismatches, first ones:\n${show.join("\n")}`);
  assert.equal(stats.cases, CASES);
  // The generator must reach every corner it claims to: both ways of passing the URL, both known
  // official defects, and the byte-identical majority.
  assert.ok(stats.alreadyInWireForm > CASES / 10 && stats.rewrittenByFetch > CASES / 10, JSON.stringify(stats));
  assert.ok(stats.identical > CASES / 10, JSON.stringify(stats));
  assert.ok(Object.keys(stats.classes).some((k) => k.includes("official-requery")), JSON.stringify(stats.classes));
  assert.ok(Object.keys(stats.classes).some((k) => k.includes("official-binary-body")), JSON.stringify(stats.classes));
  if (CASES >= 1000) assert.ok(stats.bigBodies >= 2, "1 MB bodies are generated");
});

test("the frozen clock is restored and the reference agrees with the shared vectors' format", () => {
  assert.equal(globalThis.Date, RealDate);
  assert.equal(new Date(1_649_873_352_000).toUTCString(), "Wed, 13 Apr 2022 18:09:12 GMT");
  assert.equal(createHash("sha256").update("").digest("base64"), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
});

// ---- which side the service accepts: the emulator verifies what it receives, as the service does ----

let emulator;

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  if (emulator) await emulator.stop();
});

/** Whether the emulator can decode every path segment (percent escapes must spell UTF-8); it answers 404
 * before authenticating a path it cannot decode, which would say nothing about the signature. */
function emulatorCanRoute(c) {
  const fatal = new TextDecoder("utf-8", { fatal: true });
  return new URL(c.raw).pathname.split("/").every((seg) => {
    const bytes = [];
    for (let i = 0; i < seg.length; i++) {
      if (seg[i] === "%" && /^[0-9a-f]{2}$/i.test(seg.slice(i + 1, i + 3))) {
        bytes.push(parseInt(seg.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...encoder.encode(seg[i]));
    }
    try {
      fatal.decode(new Uint8Array(bytes));
      return true;
    } catch {
      return false;
    }
  });
}

/** Moves a generated request onto the emulator: same path (under /identities, so it is authenticated) and query. */
function onEmulator(c) {
  const u = new URL(c.raw);
  const path = `/identities/x${u.pathname}`;
  const method = ["GET", "DELETE"].includes(c.method.toUpperCase()) ? c.method.toUpperCase() : "POST";
  const body = method === "POST" ? c.body : undefined;
  return { ...c, method, body, raw: `${emulator.url}${path}${u.search}`, key: emulator.accessKey, unix: Math.floor(RealDate.now() / 1000) };
}

async function send(c, headers) {
  const body = c.body === undefined ? undefined : typeof c.body === "string" ? c.body : c.body;
  const res = await fetch(new URL(c.raw), { method: c.method, headers, body });
  const text = await res.text();
  return { status: res.status, text };
}

test("the emulator accepts our signature on every sampled case and rejects the official one where it is wrong", async () => {
  const classes = Object.keys(samples);
  assert.ok(classes.includes("identical") && classes.length >= 3, classes.join(","));
  let checked = 0;
  for (const cls of classes) {
    for (const original of samples[cls].filter(emulatorCanRoute).slice(0, 15)) {
      const c = onEmulator(original);
      const mine = ours(c).headers;
      const theirs = await official(c);
      const a = await send(c, mine);
      assert.notEqual(a.status, 401, `ours rejected (${cls}): ${c.method} ${c.raw}: ${a.text}`);
      const b = await send(c, theirs);
      // On the emulator the request may no longer hit the defect (a different body or method); the official
      // side must then be accepted, and where the defect still applies it must be refused.
      const stillBroken = explainOfficial(c, theirs) !== null && !same(theirs, reference(c));
      if (stillBroken) assert.equal(b.status, 401, `official accepted despite ${cls}: ${c.method} ${c.raw}`);
      else assert.notEqual(b.status, 401, `official rejected (${cls}): ${c.method} ${c.raw}: ${b.text}`);
      checked++;
    }
  }
  assert.ok(checked >= 30, `checked ${checked}`);
});
