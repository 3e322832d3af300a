// Signing: requests signed per second by this package's signRequest (wasm), by a reference signer on
// node:crypto and by one on WebCrypto (crypto.subtle), over the same inputs; and how signing time grows
// with the body size. The reference signers get the decoded key once (as a long-lived signer would);
// signRequest is handed the connection string on every call, as its API takes it.
import { createHash, createHmac, webcrypto } from "node:crypto";
import { signRequest, createSignedFetch } from "acs-identity-edge";
import { interleave, rateSync, rateAsync, median, progress } from "./lib.mjs";

const KEY = Buffer.alloc(64, 7);
const CS = `endpoint=https://bench-resource.communication.azure.com/;accesskey=${KEY.toString("base64")}`;
// createUserAndToken: a string to sign of about 150 bytes and a 62-byte JSON body.
const URL_TYPICAL = "https://bench-resource.communication.azure.com/identities?api-version=2023-10-01";
const BODY_TYPICAL = '{"scopes":["chat","voip","chat.join"],"expiresInMinutes":1440}';
const DATE = new Date(Date.UTC(2026, 10, 25, 12, 0, 0));

function stringToSign(method, url, date, hash) {
  const u = new URL(url);
  return `${method}\n${u.pathname}${u.search}\n${date.toUTCString()};${u.host};${hash}`;
}

function nodeSigner(method, url, body, date) {
  const hash = createHash("sha256").update(body).digest("base64");
  const sts = stringToSign(method, url, date, hash);
  const signature = createHmac("sha256", KEY).update(sts).digest("base64");
  return { "x-ms-date": date.toUTCString(), "x-ms-content-sha256": hash, authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}` };
}

const subtle = webcrypto.subtle;
const encoder = new TextEncoder();
const hmacKey = await subtle.importKey("raw", KEY, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const b64 = (buf) => Buffer.from(buf).toString("base64");

async function webSigner(method, url, body, date) {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const hash = b64(await subtle.digest("SHA-256", bytes));
  const sts = stringToSign(method, url, date, hash);
  const signature = b64(await subtle.sign("HMAC", hmacKey, encoder.encode(sts)));
  return { "x-ms-date": date.toUTCString(), "x-ms-content-sha256": hash, authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}` };
}

const oursSigner = (method, url, body, date) => signRequest(CS, { method, url, body, date });

/** The three signers agree on every input (else the comparison would be meaningless). */
async function check(body) {
  const a = oursSigner("POST", URL_TYPICAL, body, DATE);
  const b = nodeSigner("POST", URL_TYPICAL, body, DATE);
  const c = await webSigner("POST", URL_TYPICAL, body, DATE);
  if (a.authorization !== b.authorization || b.authorization !== c.authorization) {
    throw new Error("bench: the signers disagree; fix that before comparing their speed");
  }
}

async function rates(label, body, roundMs, rounds) {
  await check(body);
  progress(`signing rate, ${label}`);
  const contenders = [
    { name: "ours (signRequest, wasm)", run: () => rateSync(() => oursSigner("POST", URL_TYPICAL, body, DATE), roundMs) },
    { name: "node:crypto", run: () => rateSync(() => nodeSigner("POST", URL_TYPICAL, body, DATE), roundMs) },
    { name: "WebCrypto (crypto.subtle)", run: () => rateAsync(() => webSigner("POST", URL_TYPICAL, body, DATE), roundMs) },
  ];
  const result = await interleave(contenders, rounds, (c) => c.run());
  return Object.fromEntries(Object.entries(result).map(([name, r]) => [name, Math.round(r.median)]));
}

export async function signingBench({ quick = false } = {}) {
  const roundMs = quick ? 100 : 300;
  const rounds = quick ? 3 : 7;
  const typicalSts = stringToSign("POST", URL_TYPICAL, DATE, "x".repeat(44));
  const body64k = Buffer.alloc(65_536, 0x61);
  const typical = await rates(`${typicalSts.length}-byte string to sign, ${BODY_TYPICAL.length}-byte body`, BODY_TYPICAL, roundMs, rounds);
  const large = await rates("64 KB body", body64k, roundMs, rounds);

  progress("signing time by body size");
  const scaling = [];
  for (const size of [1, 64, 1024, 16_384, 65_536, 262_144, 1_048_576]) {
    const body = Buffer.alloc(size, 0x62);
    await check(body);
    const perCall = await interleave(
      [
        { name: "ours", run: () => 1e6 / rateSync(() => oursSigner("POST", URL_TYPICAL, body, DATE), roundMs / 2, 3) },
        { name: "node:crypto", run: () => 1e6 / rateSync(() => nodeSigner("POST", URL_TYPICAL, body, DATE), roundMs / 2, 3) },
      ],
      quick ? 3 : 5,
      (c) => c.run(),
    );
    scaling.push({ bytes: size, oursMicros: perCall.ours.median, nodeMicros: perCall["node:crypto"].median });
  }
  progress("signing by body size on the asynchronous path (createSignedFetch)");
  // createSignedFetch with a fetch that answers at once: hashing (WebCrypto from 16 KiB), signing and the
  // call's own work, next to the hash alone by WebCrypto and by node:crypto, and the synchronous signRequest.
  const signed = createSignedFetch(CS, { fetch: async () => new Response(null, { status: 204 }) });
  const asyncScaling = [];
  for (const size of [1024, 65_536, 1_048_576, 10_485_760]) {
    const body = Buffer.alloc(size, 0x62);
    const calls = Math.max(5, Math.min(200, Math.round(2e7 / size)));
    const perCall = (fn) => async () => {
      const start = performance.now();
      for (let i = 0; i < calls; i++) await fn();
      return (performance.now() - start) / calls;
    };
    const r = await interleave(
      [
        { name: "createSignedFetch", run: perCall(() => signed("/emails:send?api-version=2023-03-31", { method: "POST", body })) },
        { name: "crypto.subtle.digest", run: perCall(() => subtle.digest("SHA-256", body)) },
        { name: "node:crypto", run: perCall(() => createHash("sha256").update(body).digest("base64")) },
        { name: "signRequest", run: perCall(() => oursSigner("POST", URL_TYPICAL, body, DATE)) },
      ],
      quick ? 2 : 5,
      (c) => c.run(),
    );
    asyncScaling.push({ bytes: size, calls, ...Object.fromEntries(Object.entries(r).map(([name, v]) => [name, v.median])) });
  }
  return {
    inputs: { stringToSignBytes: typicalSts.length, bodyBytes: BODY_TYPICAL.length, largeBodyBytes: body64k.length },
    asyncScaling,
    typical,
    large,
    scaling,
    note: "median of interleaved rounds; reference signers reuse the decoded key, signRequest parses the connection string each call",
  };
}

export { median };
