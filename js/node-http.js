// The Node entry's transport: one request over node:http / node:https (keep-alive agents), for the
// client's loop in wasm, which signs, retries, refuses redirects and parses. Node's global `fetch` (undici)
// costs more per call than the service's answer takes on a near server: a `Request`, an `AbortSignal`
// and web streams for every call. Called as
//   send(method, url, [name, value, ...], body: Uint8Array | undefined, signal: AbortSignal | undefined,
//        maxBytes)
// it resolves with [status, statusText, [name, value, ...] (lower-case names), body: Uint8Array | null]
// (null: the body is longer than maxBytes, and was not read further), and rejects with an Error (whose
// message the client reports as ERR_NETWORK) when no whole response arrived. A compressed body (never
// asked for) is inflated with the same bound. Never follows a redirect.
import http from "node:http";
import https from "node:https";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
const decoders = { gzip: createGunzip, "x-gzip": createGunzip, deflate: createInflate, br: createBrotliDecompress };

export function send(method, url, headerList, body, signal, maxBytes) {
  return new Promise((resolve, reject) => {
    const headers = {};
    for (let i = 0; i < headerList.length; i += 2) headers[headerList[i]] = headerList[i + 1];
    const secure = url.startsWith("https:");
    let settled = false;
    const fail = (e) => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    const req = (secure ? https : http).request(url, { method, headers, agent: secure ? agents.https : agents.http, signal }, (res) => {
      const raw = res.rawHeaders;
      const names = new Array(raw.length);
      for (let i = 0; i < raw.length; i += 2) {
        names[i] = raw[i].toLowerCase();
        names[i + 1] = raw[i + 1];
      }
      const answer = (bytes) => {
        if (settled) return;
        settled = true;
        resolve([res.statusCode, res.statusMessage || "", names, bytes]);
      };
      const tooLarge = () => {
        answer(null);
        res.destroy();
        req.destroy();
      };
      const declared = Number(res.headers["content-length"]);
      if (declared > maxBytes) return tooLarge();
      const encoding = res.headers["content-encoding"];
      const decoder = encoding && decoders[encoding.trim().toLowerCase()];
      let stream = res;
      if (decoder) {
        stream = decoder();
        res.on("error", fail);
        res.pipe(stream);
      }
      const chunks = [];
      let length = 0;
      stream.on("data", (chunk) => {
        length += chunk.length;
        if (length > maxBytes) {
          if (stream !== res) stream.destroy();
          return tooLarge();
        }
        chunks.push(chunk);
      });
      stream.on("error", fail);
      stream.on("end", () => answer(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
      // A connection closed before the end of the body is a network error, not a short body.
      res.on("close", () => {
        if (!res.complete) fail(new Error("the connection closed before the response ended"));
      });
    });
    req.on("error", fail);
    req.end(body);
  });
}
