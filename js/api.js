// The public JS API of acs-identity-edge, shared by every runtime entry (node.js, workerd.js, browser.js).
// The WebAssembly module does the parsing, signing and protocol work; this file only shapes values for JS:
// Dates, Uint8Arrays, and `AcsError` instances with stable codes.
import * as wasm from "./acs_identity_edge.js";

/** Every error this package throws: a real `Error` with a stable `code` (`ERR_...`). */
export class AcsError extends Error {
  constructor(fields) {
    super(fields.message);
    this.name = "AcsError";
    this.code = fields.code;
    for (const key of ["target", "statusCode", "serviceCode", "serviceMessage", "requestId", "msCv"]) {
      if (fields[key] !== undefined) this[key] = fields[key];
    }
  }
}

/** Turns what the wasm module threw into an AcsError (a trap or a foreign error keeps its message). */
export function toAcsError(e) {
  if (e instanceof AcsError) return e;
  if (e && typeof e === "object" && typeof e.code === "string" && e.code.startsWith("ERR_")) return new AcsError(e);
  if (e && e.name === "AbortError") return new AcsError({ code: "ERR_ABORTED", message: "the operation was aborted" });
  return new AcsError({ code: "ERR_INTERNAL", message: e instanceof Error ? e.message : String(e) });
}

function call(fn) {
  try {
    return fn();
  } catch (e) {
    throw toAcsError(e);
  }
}

const encoder = new TextEncoder();

function bodyBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "body must be a string, Uint8Array or ArrayBuffer", target: "body" });
}

function unixSeconds(date) {
  if (date === undefined) return Math.floor(Date.now() / 1000);
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "date must be a valid Date", target: "date" });
  return Math.floor(ms / 1000);
}

/**
 * Parses a connection string. Returns `{ endpoint, host }`; the access key is never returned.
 * @param {string} connectionString
 */
export function parseConnectionString(connectionString) {
  return call(() => wasm.parseConnectionString(String(connectionString)));
}

/**
 * Signs one ACS REST request (HMAC-SHA256). Returns the headers to add, with lower-case names.
 * The URL's path and query are signed exactly as given.
 */
export function signRequest(connectionString, request) {
  if (!request || typeof request !== "object") {
    throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "request must be { method, url, body?, date? }", target: "request" });
  }
  const url = request.url instanceof URL ? request.url.href : request.url;
  if (typeof url !== "string") throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "url must be a string or URL", target: "url" });
  const method = typeof request.method === "string" ? request.method : "GET";
  const signed = call(() => wasm.signRequestRaw(String(connectionString), method, url, bodyBytes(request.body), unixSeconds(request.date)));
  return {
    "x-ms-date": signed["x-ms-date"],
    "x-ms-content-sha256": signed["x-ms-content-sha256"],
    authorization: signed.authorization,
  };
}
