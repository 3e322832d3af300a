// The client against a hostile server (raw `node:net`, so it can send anything): malformed and truncated
// JSON, HTML error pages from a proxy, wrong content types, empty answers, 3xx, huge and endless bodies,
// resets, garbage instead of HTTP, stalls and slow drips. Every call must settle within its timeout with a
// typed `AcsError` (never a trap, never a foreign exception), and the next call on the same client must
// succeed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { CommunicationIdentityClient, AcsError, signRequest, decodeAccessToken } from "acs-identity-edge";

const TIMEOUT_MS = 1500;
const SLACK_MS = 1500;
const USER = "8:acs:ac5e0000-0000-4000-8000-000000000001_00000000-0000-0000-0000-000000000001";

function jwt(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none" })}.${part(claims)}.c2ln`;
}
const goodToken = () => ({ token: jwt({ skypeid: USER.slice(2), exp: Math.floor(Date.now() / 1000) + 3600, acsScope: "voip" }), expiresOn: "2030-01-01T00:00:00.0000000+00:00" });

// ---- the server ------------------------------------------------------------------------------------

const sockets = new Set();
const timers = new Set();
let queue = []; // behaviours for the next requests; benign when empty
let served = 0;
let server;
let port;
const seen = []; // request heads received, for the redirect check
let other; // a second origin, for redirects
let otherPort;

const later = (ms, fn) => {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
};

function response(status, headers, body = "") {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const lines = [`HTTP/1.1 ${status}`, ...Object.entries({ "content-length": String(b.length), connection: "close", ...headers }).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`)];
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`), b]);
}
const json = (status, body, extra = {}) => response(status, { "content-type": "application/json; charset=utf-8", ...extra }, typeof body === "string" ? body : JSON.stringify(body));

/** The well-behaved answer for a request. */
function benign(socket, head) {
  const [method, target] = head.split(" ");
  if (method === "POST" && target.startsWith("/identities?")) return socket.end(json("201 Created", { identity: { id: USER } }));
  if (target.includes("/:issueAccessToken")) return socket.end(json("200 OK", goodToken()));
  if (target.includes("/:revokeAccessTokens") || method === "DELETE") return socket.end(response("204 No Content", { "content-length": null }));
  return socket.end(json("404 Not Found", { error: { code: "NotFound", message: "no" } }));
}

/** Reads one request (head and Content-Length body), then hands the socket to the next behaviour. */
function onConnection(socket) {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  socket.on("error", () => {});
  const behaviour = queue.length ? queue.shift() : benign;
  if (behaviour.onConnect) return behaviour.onConnect(socket);
  let buf = Buffer.alloc(0);
  const onData = (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = buf.subarray(0, end).toString("latin1");
    const length = Number((head.match(/\r\ncontent-length: *(\d+)/i) || [0, 0])[1]);
    if (buf.length < end + 4 + length) return;
    socket.off("data", onData);
    served++;
    seen.push(head);
    behaviour(socket, head);
  };
  socket.on("data", onData);
}

before(async () => {
  server = net.createServer(onConnection);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  port = server.address().port;
  other = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", (d) => {
      seen.push(`other origin: ${d.toString("latin1").split("\r\n\r\n")[0]}`);
      socket.end(json("201 Created", { identity: { id: "8:acs:from-another-origin" } }));
    });
  });
  await new Promise((r) => other.listen(0, "127.0.0.1", r));
  otherPort = other.address().port;
});

after(() => {
  for (const t of timers) clearTimeout(t);
  for (const s of sockets) s.destroy();
  server.close();
  other.close();
});

// Each scenario runs over both transports of the Node entry: its own node:http one (the default) and the
// global fetch (undici) given as options.fetch, the path Workers, Deno and browsers take.
const TRANSPORTS = [["node:http", {}], ["fetch", { fetch: globalThis.fetch }]];
const client = (transport = {}) => new CommunicationIdentityClient(`endpoint=http://127.0.0.1:${port}/;accesskey=${Buffer.from("hostile test key").toString("base64")}`, { retry: { maxRetries: 0 }, timeoutMs: TIMEOUT_MS, ...transport });

// ---- behaviours ------------------------------------------------------------------------------------

const send = (bytes) => (socket) => socket.end(bytes);
const stall = () => {}; // read the request, answer nothing, keep the socket open
const B = {
  malformedJson: send(json("201 Created", '{"identity":{"id":')),
  truncatedLength: send(Buffer.concat([response("201 Created", { "content-type": "application/json", "content-length": "500" }), Buffer.from('{"identity":{"id":"8:acs:x"')])),
  truncatedChunked: send(Buffer.from('HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n10\r\n{"identity":{"id\r\n')),
  badChunkSize: send(Buffer.from('HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n')),
  proxyHtml502: send(response("502 Bad Gateway", { "content-type": "text/html" }, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")),
  captivePortalHtml200: send(response("200 OK", { "content-type": "text/html; charset=utf-8" }, "<!doctype html><html><body>Sign in to the hotel Wi-Fi</body></html>")),
  octetGarbage: send(response("201 Created", { "content-type": "application/octet-stream" }, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x80, 0xc0]))),
  invalidUtf8Json: send(json("201 Created", Buffer.concat([Buffer.from('{"identity":{"id":"8:acs:'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}')]).toString("latin1"))),
  empty200: send(response("200 OK", { "content-type": "application/json" })),
  empty201: send(response("201 Created", {})),
  jsonNull: send(json("201 Created", "null")),
  jsonArray: send(json("201 Created", "[]")),
  jsonNumber: send(json("201 Created", "42")),
  jsonString: send(json("201 Created", '"8:acs:x"')),
  jsonEmptyObject: send(json("201 Created", "{}")),
  idNotString: send(json("201 Created", { identity: { id: 42 } })),
  deepArrays: send(json("201 Created", "[".repeat(200_000) + "]".repeat(200_000))),
  deepObjects: send(json("201 Created", '{"identity":'.repeat(50_000) + "1" + "}".repeat(50_000))),
  tokenBadDate: send(json("200 OK", { token: "a.b.c", expiresOn: "next tuesday" })),
  tokenNotJwt: send(json("200 OK", { token: 12, expiresOn: "2030-01-01T00:00:00Z" })),
  errorNotShaped: send(json("400 Bad Request", { error: "nope" })),
  errorDeep: send(json("400 Bad Request", `{"error":{"code":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`)),
  status999: send(response("999 Whatever", { "content-type": "application/json" }, "{}")),
  status301NoLocation: send(response("301 Moved Permanently", {})),
  status304: send(response("304 Not Modified", { "content-length": null })),
  redirectLoop: (socket, head) => {
    // Every request of this connection's kind redirects to itself; fetch gives up after 20.
    queue.unshift(...Array(25).fill(B.redirectSelf));
    B.redirectSelf(socket, head);
  },
  redirectSelf: (socket, head) => socket.end(response("302 Found", { location: head.split(" ")[1] })),
  retryAfterHour: send(json("429 Too Many Requests", { error: { code: "TooManyRequests", message: "slow down" } }, { "retry-after": "3600" })),
  // 64 KiB on the wire that inflate to 16 MiB: the declared length does not bound the body.
  gzipBomb: send(response("201 Created", { "content-type": "application/json", "content-encoding": "gzip" }, gzipSync(Buffer.from(`{"identity":{"id":"8:acs:${"a".repeat(16 * 1024 * 1024)}"}}`), { level: 9 }))),
  hugeJson: send(json("201 Created", `{"identity":{"id":"8:acs:${"a".repeat(16 * 1024 * 1024)}"}, "x":`)),
  endless: (socket) => {
    // An endless JSON string, 64 KiB every millisecond, until 96 MiB; then it stalls.
    socket.write(Buffer.from('HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n'));
    const chunk = Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(0x10000, 0x61), Buffer.from("\r\n")]);
    let sent = 0;
    const pump = () => {
      if (socket.destroyed || sent >= 96 * 1024 * 1024) return;
      socket.write(chunk);
      sent += 0x10000;
      later(1, pump);
    };
    const start = '{"identity":{"id":"';
    socket.write(Buffer.from(`${start.length.toString(16)}\r\n${start}\r\n`));
    pump();
  },
  resetOnConnect: Object.assign(() => {}, { onConnect: (socket) => socket.resetAndDestroy() }),
  closeOnConnect: Object.assign(() => {}, { onConnect: (socket) => socket.destroy() }),
  resetAfterRequest: (socket) => socket.resetAndDestroy(),
  resetMidHeaders: (socket) => {
    socket.write("HTTP/1.1 201 Created\r\ncontent-type: appl");
    later(20, () => socket.resetAndDestroy());
  },
  resetMidBody: (socket) => {
    socket.write(response("201 Created", { "content-type": "application/json", "content-length": "1000" }, '{"identity":'));
    later(20, () => socket.resetAndDestroy());
  },
  notHttp: send(Buffer.from("SSH-2.0-OpenSSH_9.6\r\n\r\n")),
  halfStatusLine: send(Buffer.from("HTTP/1.1 20")),
  hugeHeader: send(Buffer.concat([Buffer.from(`HTTP/1.1 201 Created\r\nx-filler: ${"f".repeat(256 * 1024)}\r\n`), Buffer.from('content-length: 2\r\nconnection: close\r\n\r\n{}')])),
  stallBeforeAnswer: stall,
  stallAfterHeaders: (socket) => socket.write(Buffer.from("HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{")),
  slowDrip: (socket) => {
    const text = json("201 Created", { identity: { id: USER } });
    let i = 0;
    const drip = () => {
      if (socket.destroyed || i >= text.length) return;
      socket.write(text.subarray(i, ++i));
      later(200, drip);
    };
    drip();
  },
};

// name, behaviour, operation, the codes allowed ("ok" = a result)
const SCENARIOS = [
  ["malformed JSON", B.malformedJson, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["Content-Length longer than the body, then close", B.truncatedLength, "createUser", ["ERR_NETWORK"]],
  // (undici takes the close as the end of the body; what arrived is not JSON.)
  ["chunked body cut off", B.truncatedChunked, "createUser", ["ERR_NETWORK", "ERR_INVALID_RESPONSE"]],
  ["invalid chunk size", B.badChunkSize, "createUser", ["ERR_NETWORK"]],
  ["502 HTML page from a proxy", B.proxyHtml502, "createUser", ["ERR_SERVICE"], { statusCode: 502 }],
  ["200 HTML page (captive portal)", B.captivePortalHtml200, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["octet-stream garbage", B.octetGarbage, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["invalid UTF-8 in JSON", B.invalidUtf8Json, "createUser", ["ERR_INVALID_RESPONSE", "ok"]],
  ["empty 200", B.empty200, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["empty 201 without a content type", B.empty201, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["empty 200 for a token", B.empty200, "getToken", ["ERR_INVALID_RESPONSE"]],
  ["JSON null", B.jsonNull, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["JSON array", B.jsonArray, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["JSON number", B.jsonNumber, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["JSON string", B.jsonString, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["JSON {}", B.jsonEmptyObject, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["id of the wrong type", B.idNotString, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["200,000 nested arrays", B.deepArrays, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["50,000 nested objects", B.deepObjects, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["token with an unreadable expiresOn", B.tokenBadDate, "getToken", ["ERR_INVALID_RESPONSE"]],
  ["token that is a number", B.tokenNotJwt, "getToken", ["ERR_INVALID_RESPONSE"]],
  ["400 whose error is a string", B.errorNotShaped, "createUser", ["ERR_SERVICE"], { statusCode: 400 }],
  ["400 whose error code is 100,000 nested arrays", B.errorDeep, "createUser", ["ERR_SERVICE"], { statusCode: 400 }],
  ["status 999", B.status999, "createUser", ["ERR_NETWORK", "ERR_SERVICE", "ERR_INVALID_RESPONSE"]],
  ["301 without a Location", B.status301NoLocation, "createUser", ["ERR_SERVICE", "ERR_INVALID_RESPONSE"]],
  ["304", B.status304, "createUser", ["ERR_SERVICE", "ERR_INVALID_RESPONSE"]],
  ["302 to itself, forever", B.redirectLoop, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["429 with Retry-After: 3600", B.retryAfterHour, "createUser", ["ERR_SERVICE"], { statusCode: 429 }],
  ["16 MiB of truncated JSON", B.hugeJson, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["gzip of 16 MiB of JSON, with a small Content-Length", B.gzipBomb, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["an endless body", B.endless, "createUser", ["ERR_INVALID_RESPONSE"]],
  ["reset on connect", B.resetOnConnect, "createUser", ["ERR_NETWORK"]],
  ["closed on connect", B.closeOnConnect, "createUser", ["ERR_NETWORK"]],
  ["reset after the request", B.resetAfterRequest, "createUser", ["ERR_NETWORK"]],
  ["reset in the middle of the headers", B.resetMidHeaders, "createUser", ["ERR_NETWORK"]],
  ["reset in the middle of the body", B.resetMidBody, "createUser", ["ERR_NETWORK"]],
  ["not HTTP at all", B.notHttp, "createUser", ["ERR_NETWORK"]],
  ["half a status line", B.halfStatusLine, "createUser", ["ERR_NETWORK"]],
  ["a 256 KiB header", B.hugeHeader, "createUser", ["ERR_NETWORK"]],
  ["no answer", B.stallBeforeAnswer, "createUser", ["ERR_TIMEOUT"]],
  ["headers, then nothing", B.stallAfterHeaders, "createUser", ["ERR_TIMEOUT"]],
  ["one byte every 200 ms", B.slowDrip, "createUser", ["ERR_TIMEOUT"]],
  ["no answer to a revoke", B.stallBeforeAnswer, "revokeTokens", ["ERR_TIMEOUT"]],
];

async function run(c, op) {
  switch (op) {
    case "createUser":
      return c.createUser();
    case "getToken":
      return c.getToken({ communicationUserId: USER }, ["voip"]);
    case "revokeTokens":
      return c.revokeTokens({ communicationUserId: USER });
    default:
      throw new Error(op);
  }
}

/** Runs `op` and returns `{ code, error?, result?, ms }`, failing on anything but a result or an AcsError. */
async function outcome(c, op) {
  const started = Date.now();
  try {
    const result = await run(c, op);
    return { code: "ok", result, ms: Date.now() - started };
  } catch (e) {
    assert.ok(e instanceof AcsError, `not an AcsError: ${e && e.stack}`);
    assert.ok(e instanceof Error);
    assert.match(e.code, /^ERR_[A-Z_]+$/);
    assert.notEqual(e.code, "ERR_INTERNAL", `a trap or foreign error: ${e.message}`);
    return { code: e.code, error: e, ms: Date.now() - started };
  }
}

const results = [];

for (const [transportName, transport] of TRANSPORTS) for (const [name, behaviour, op, allowed, fields] of SCENARIOS) {
  test(`hostile (${transportName}): ${name} -> ${allowed.join(" or ")} in time, then the same client works`, async () => {
    const c = client(transport);
    queue = [behaviour];
    const o = await outcome(c, op);
    results.push(`${transportName}: ${name}: ${o.code} in ${o.ms} ms`);
    assert.ok(allowed.includes(o.code), `${name}: got ${o.code} ${o.error ? o.error.message : ""}`);
    assert.ok(o.ms < TIMEOUT_MS + SLACK_MS, `${name}: took ${o.ms} ms`);
    for (const [k, v] of Object.entries(fields || {})) assert.equal(o.error[k], v, `${name}: ${k}`);
    queue = [];
    const next = await outcome(c, "createUser");
    assert.equal(next.code, "ok", `${name}: the next call failed with ${next.code}`);
    assert.equal(next.result.communicationUserId, USER);
    const token = await outcome(c, "getToken");
    assert.equal(token.code, "ok", `${name}: the next getToken failed with ${token.code}`);
  });
}

for (const [transportName, transport] of TRANSPORTS) test(`a redirect to another origin does not carry the signature there (${transportName})`, async () => {
  const c = client(transport);
  seen.length = 0;
  queue = [(socket) => socket.end(response("307 Temporary Redirect", { location: `http://127.0.0.1:${otherPort}/identities?api-version=2023-10-01` }))];
  const o = await outcome(c, "createUser");
  results.push(`307 to another origin: ${o.code}${o.result ? ` ${JSON.stringify(o.result)}` : ""}`);
  const there = seen.filter((h) => h.startsWith("other origin:"));
  assert.equal(there.length, 0, "the redirect was not followed: nothing reached the other origin");
  assert.equal(o.code, "ERR_INVALID_RESPONSE");
  queue = [];
  assert.equal((await outcome(c, "createUser")).code, "ok");
});

test("retries get past hostile answers: two resets then a good answer succeed; resets every time end in ERR_NETWORK", async () => {
  const c = new CommunicationIdentityClient(`endpoint=http://127.0.0.1:${port}/;accesskey=${Buffer.from("k").toString("base64")}`, { retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20 }, timeoutMs: 5000 });
  queue = [B.resetAfterRequest, B.proxyHtml502];
  const before = served;
  const ok = await outcome(c, "createUser");
  assert.equal(ok.code, "ok");
  assert.equal(served - before, 3);
  queue = [B.resetAfterRequest, B.resetAfterRequest, B.resetAfterRequest];
  const failed = await outcome(c, "createUser");
  assert.equal(failed.code, "ERR_NETWORK");
  queue = [];
  assert.equal((await outcome(c, "createUser")).code, "ok");
});

test("after every hostile answer the WebAssembly instance still signs and decodes", () => {
  const h = signRequest("endpoint=https://x.example/;accesskey=cHc=", { method: "GET", url: "https://x.example/", date: new Date(1_649_873_352_000) });
  assert.match(h.authorization, /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=/);
  assert.equal(decodeAccessToken(goodToken().token).communicationUserId, USER);
  console.log(`# hostile outcomes:\n${results.map((r) => `#   ${r}`).join("\n")}`);
});
