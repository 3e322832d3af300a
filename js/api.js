// The public JS API of acs-identity-edge, shared by every runtime entry (node.js, workerd.js, browser.js).
// The WebAssembly module does the parsing, signing and protocol work; this file only shapes values for JS:
// Dates, Uint8Arrays, and `AcsError` instances with stable codes.
import { run } from "./acs_identity_edge.js";

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
function toAcsError(e) {
  if (e instanceof AcsError) return e;
  if (e && typeof e === "object" && typeof e.code === "string" && e.code.startsWith("ERR_")) return new AcsError(e);
  if (e && e.name === "AbortError") return new AcsError({ code: "ERR_ABORTED", message: "the operation was aborted" });
  return new AcsError({ code: "ERR_INTERNAL", message: e instanceof Error ? e.message : String(e) });
}

/** Runs `op` in the wasm module (see src/wasm/mod.rs): its result, or throws its error as an AcsError. */
function core(op, input, bytes) {
  let reply;
  try {
    reply = run(op, input, bytes);
  } catch (e) {
    throw toAcsError(e);
  }
  if (reply.error) throw new AcsError(reply.error);
  return reply.ok;
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

const VERSION = "0.1.0";
const DEFAULT_RETRY = { maxRetries: 3, baseDelayMs: 800, maxDelayMs: 60_000 };

function invalidArgument(target, message) {
  return new AcsError({ code: "ERR_INVALID_ARGUMENT", message, target });
}

function randomUuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const abortError = () => new AcsError({ code: "ERR_ABORTED", message: "the operation was aborted" });
const timeoutError = () => new AcsError({ code: "ERR_TIMEOUT", message: "the operation timed out" });

/** Waits `ms`, or rejects when `signal` aborts. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * One call: build and sign (wasm) -> fetch -> parse (wasm), retried as the wasm retry policy says, each
 * attempt signed anew. `signal` aborts it; the whole call, waits included, is bounded by `timeoutMs`.
 */
async function runWithRetries(settings, attempt, options) {
  const userSignal = options && options.abortSignal;
  if (userSignal && userSignal.aborted) throw abortError();
  const controller = new AbortController();
  const TIMEOUT = { timeout: true };
  const onAbort = () => controller.abort(userSignal.reason);
  if (userSignal) userSignal.addEventListener("abort", onAbort, { once: true });
  const timeoutMs = options && options.timeoutMs !== undefined ? options.timeoutMs : settings.timeoutMs;
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(TIMEOUT), timeoutMs) : undefined;
  const stopped = () => (controller.signal.reason === TIMEOUT ? timeoutError() : abortError());
  try {
    for (let retry = 0; ; retry++) {
      let outcome;
      try {
        outcome = await attempt(controller.signal);
      } catch (e) {
        if (controller.signal.aborted) throw stopped();
        if (e instanceof AcsError) throw e;
        outcome = { status: 0, headers: [], error: e };
      }
      const delay = core("retryDelay", { retry, status: outcome.status, headers: outcome.headers, now: Date.now(), random: Math.random(), options: settings.retry });
      if (delay < 0) {
        if (outcome.status === 0) {
          throw new AcsError({ code: "ERR_NETWORK", message: `the request could not be completed: ${outcome.error && outcome.error.message ? outcome.error.message : String(outcome.error)}` });
        }
        return outcome;
      }
      try {
        await sleep(delay, controller.signal);
      } catch {
        throw stopped();
      }
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (userSignal) userSignal.removeEventListener("abort", onAbort);
  }
}

function resolveSettings(options = {}) {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "options must be an object");
  const chosenFetch = options.fetch || globalThis.fetch;
  if (typeof chosenFetch !== "function") throw invalidArgument("fetch", "no fetch: pass options.fetch");
  // Called as a plain function: workerd throws "Illegal invocation" when fetch gets another `this`.
  const fetchImpl = (input, init) => chosenFetch(input, init);
  const retry = { ...DEFAULT_RETRY, ...(options.retry || {}) };
  for (const key of ["maxRetries", "baseDelayMs", "maxDelayMs"]) {
    if (!Number.isFinite(retry[key]) || retry[key] < 0) throw invalidArgument(`retry.${key}`, `retry.${key} must be a number >= 0`);
  }
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs >= 0)) {
    throw invalidArgument("timeoutMs", "timeoutMs must be a number >= 0");
  }
  const userAgent = `${options.userAgentPrefix ? `${options.userAgentPrefix} ` : ""}acs-identity-edge/${VERSION}`;
  return { fetchImpl, retry, timeoutMs: options.timeoutMs || 0, userAgent, onRequest: options.onRequest };
}

/** Largest response body read; the service's answers are a few hundred bytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

function refuseRedirect(response) {
  if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
    throw new AcsError({ code: "ERR_INVALID_RESPONSE", message: `the server answered with a redirect (${response.status}), which the service never does; it was not followed`, statusCode: response.status || undefined });
  }
}

/** The body as text, refusing one over MAX_RESPONSE_BYTES without reading it all. */
async function readLimited(response) {
  const tooLarge = () => new AcsError({ code: "ERR_INVALID_RESPONSE", message: "the response body is larger than 1 MiB", statusCode: response.status });
  if (Number(response.headers.get("content-length")) > MAX_RESPONSE_BYTES) {
    if (response.body) await response.body.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return response.text();
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

// Browsers do not let scripts set User-Agent; send it where it is honoured.
const canSetUserAgent = typeof document === "undefined";

/** A body as `onRequest` shows it: parsed JSON, the text when it is not JSON, `null` when empty. */
function traceBody(text) {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function userIdOf(user) {
  if (typeof user === "string") return user;
  if (user && typeof user.communicationUserId === "string") return user.communicationUserId;
  throw invalidArgument("user", "user must be { communicationUserId: string }");
}

/**
 * The client of the ACS Identity service, with the methods and results of `@azure/communication-identity`.
 * Runs in Workers, Node (>= 18), Deno and browsers; sends with the global `fetch` (or `options.fetch`).
 */
export class CommunicationIdentityClient {
  #resource;
  #endpoint;
  #settings;

  constructor(connectionString, options = {}) {
    this.#settings = resolveSettings(options);
    this.#resource = {
      connectionString: String(connectionString),
      apiVersion: options.apiVersion,
      allowInsecureConnection: options.allowInsecureConnection === true,
    };
    this.#endpoint = core("client", this.#resource).endpoint;
  }

  /** The resource endpoint, `https://host[:port]`. */
  get endpoint() {
    return this.#endpoint;
  }

  async #call(op, args, options = {}) {
    if (options === null || typeof options !== "object") throw invalidArgument("options", "options must be an object");
    const settings = this.#settings;
    const input = { ...this.#resource, op, args, requestId: randomUuid(), userAgent: canSetUserAgent ? settings.userAgent : "" };
    const prepare = () => {
      const prepared = core("prepare", { ...input, now: Date.now() / 1000 });
      if (prepared.body !== undefined) prepared.body = encoder.encode(prepared.body);
      return prepared;
    };
    // Bad arguments fail here, before any request; the first attempt sends this request, each retry
    // signs anew.
    let first = prepare();
    const outcome = await runWithRetries(settings, async (signal) => {
      const prepared = first || prepare();
      first = null;
      const started = Date.now();
      const response = await settings.fetchImpl(prepared.url, {
        method: prepared.method,
        headers: prepared.headers,
        body: prepared.body,
        // The service never redirects; following one would resend the body to another server.
        redirect: "manual",
        signal,
      });
      refuseRedirect(response);
      const body = await readLimited(response);
      const headers = [...response.headers];
      if (settings.onRequest) {
        settings.onRequest({ request: prepared, response: { status: response.status, statusText: response.statusText, headers, body: traceBody(body) }, durationMs: Date.now() - started });
      }
      return { status: response.status, headers, body };
    }, options);
    return core("parse", { op, status: outcome.status, headers: outcome.headers, body: outcome.body });
  }

  /** Creates a user. `{ communicationUserId }` */
  createUser(options = {}) {
    return this.#call("createUser", { customId: options && options.customId }, options);
  }

  /** Creates a user and issues it a token. `{ user, token, expiresOn }` */
  createUserAndToken(scopes, options = {}) {
    return this.#call("createUserAndToken", {
      scopes, expiresInMinutes: options && options.tokenExpiresInMinutes, customId: options && options.customId,
    }, options);
  }

  /** Issues a token for a user. `{ token, expiresOn }` */
  async getToken(user, scopes, options = {}) {
    return this.#call("getToken", { userId: userIdOf(user), scopes, expiresInMinutes: options && options.tokenExpiresInMinutes }, options);
  }

  /** Revokes every token of a user. */
  async revokeTokens(user, options = {}) {
    return this.#call("revokeTokens", { userId: userIdOf(user) }, options);
  }

  /** Deletes a user and revokes its tokens. */
  async deleteUser(user, options = {}) {
    return this.#call("deleteUser", { userId: userIdOf(user) }, options);
  }

  /** Gets a user (api-version 2025-03-02-preview). `{ communicationUserId, customId?, lastTokenIssuedAt? }` */
  async getUser(user, options = {}) {
    return this.#call("getUser", { userId: userIdOf(user) }, options);
  }

  /** Exchanges a Teams user's Entra ID token for an ACS token. `{ token, expiresOn }` */
  async getTokenForTeamsUser(params, options = {}) {
    if (!params || typeof params !== "object") throw invalidArgument("params", "params must be { teamsUserAadToken, clientId, userObjectId }");
    return this.#call("getTokenForTeamsUser", params, options);
  }
}

/**
 * A `fetch`-shaped function that signs (and retries) any ACS REST call: SMS, email, chat and rooms use the
 * same scheme. Relative URLs resolve against the resource endpoint.
 */
export function createSignedFetch(connectionString, options = {}) {
  const settings = resolveSettings(options);
  const { endpoint } = parseConnectionString(connectionString);
  return async function signedFetch(input, init = {}) {
    const url = new URL(input instanceof Request ? input.url : String(input), `${endpoint}/`);
    const method = (init.method || (input instanceof Request ? input.method : "GET")).toUpperCase();
    let body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array) && !(body instanceof ArrayBuffer)) {
      throw invalidArgument("body", "body must be a string, Uint8Array or ArrayBuffer (it is hashed before sending)");
    }
    const bytes = bodyBytes(body);
    // One request id for every attempt, as the SDKs do, so the service (and its logs) see one request.
    const requestId = randomUuid();
    const outcome = await runWithRetries(settings, async (signal) => {
      const signed = core("sign", { connectionString: String(connectionString), method, url: url.href, date: Math.floor(Date.now() / 1000) }, bytes);
      const headers = new Headers(init.headers || {});
      headers.set("x-ms-date", signed["x-ms-date"]);
      headers.set("x-ms-content-sha256", signed["x-ms-content-sha256"]);
      headers.set("authorization", signed.authorization);
      if (!headers.has("x-ms-client-request-id")) headers.set("x-ms-client-request-id", requestId);
      const response = await settings.fetchImpl(url.href, { ...init, method, headers, body: bytes.length ? bytes : undefined, redirect: "manual", signal });
      refuseRedirect(response);
      return { status: response.status, headers: [...response.headers], response };
    }, init.abortSignal ? { abortSignal: init.abortSignal } : init.signal ? { abortSignal: init.signal } : {});
    return outcome.response;
  };
}

/** The claims of an ACS access token (not verified): `{ communicationUserId?, scopes, expiresOn, issuedAt?, resourceId? }`. */
export function decodeAccessToken(token) {
  if (typeof token !== "string") throw new AcsError({ code: "ERR_INVALID_TOKEN", message: "the access token must be a string", target: "token" });
  return core("decodeAccessToken", { token });
}

/** `{ kind, ... }` for a raw id (`8:acs:...`, `4:+1...`, `8:orgid:...`, ...). */
export function createIdentifierFromRawId(rawId) {
  return core("createIdentifierFromRawId", { rawId: String(rawId) });
}

/** The raw id of an identifier. */
export function getIdentifierRawId(identifier) {
  return core("getIdentifierRawId", { identifier });
}

/**
 * Parses a connection string. Returns `{ endpoint, host }`; the access key is never returned.
 * @param {string} connectionString
 */
export function parseConnectionString(connectionString) {
  return core("parseConnectionString", { connectionString: String(connectionString) });
}

/**
 * Signs one ACS REST request (HMAC-SHA256). Returns the headers to add, with lower-case names.
 * The URL's path and query are signed exactly as fetch sends them (already-encoded text is kept as is).
 */
export function signRequest(connectionString, request) {
  if (!request || typeof request !== "object") {
    throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "request must be { method, url, body?, date? }", target: "request" });
  }
  const given = request.url instanceof URL ? request.url.href : request.url;
  if (typeof given !== "string") throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "url must be a string or URL", target: "url" });
  // Sign what fetch will send: a string that fetch would rewrite (a space, non-ASCII, `..`) is signed in
  // its rewritten form; a string already in that form is unchanged.
  let url;
  try {
    url = new URL(given).href;
  } catch {
    throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "url must be an absolute http(s) URL", target: "url" });
  }
  const method = typeof request.method === "string" ? request.method : "GET";
  const signed = core("sign", { connectionString: String(connectionString), method, url, date: unixSeconds(request.date) }, bodyBytes(request.body));
  return {
    "x-ms-date": signed["x-ms-date"],
    "x-ms-content-sha256": signed["x-ms-content-sha256"],
    authorization: signed.authorization,
  };
}

/** Refresh a cached token this long before it expires (as the official JS credential). */
const REFRESH_BEFORE_MS = 10 * 60 * 1000;

/**
 * The client-side credential of the ACS calling and chat SDKs: caches a token, refreshes it through
 * `tokenRefresher` before it expires (one refresh at a time), optionally ahead of time, and refuses a
 * refreshed token that is already expired. Give it a token string (static) or
 * `{ tokenRefresher, token?, refreshProactively? }`.
 */
export class CommunicationTokenCredential {
  #token = null;
  #expiresOn = 0;
  #refresher = null;
  #inFlight = null;
  #timer = undefined;
  #proactive = false;
  #disposed = false;

  constructor(tokenOrOptions) {
    if (typeof tokenOrOptions === "string") {
      this.#set(tokenOrOptions);
      return;
    }
    if (!tokenOrOptions || typeof tokenOrOptions.tokenRefresher !== "function") {
      throw invalidArgument("tokenRefresher", "pass a token string or { tokenRefresher, token?, refreshProactively? }");
    }
    this.#refresher = tokenOrOptions.tokenRefresher;
    this.#proactive = tokenOrOptions.refreshProactively === true;
    if (tokenOrOptions.token) this.#set(tokenOrOptions.token);
    if (this.#proactive) this.#schedule();
  }

  #set(token) {
    const claims = decodeAccessToken(token);
    this.#token = token;
    this.#expiresOn = claims.expiresOn.getTime();
  }

  #schedule() {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#disposed || !this.#proactive) return;
    const wait = this.#token ? Math.max(0, this.#expiresOn - REFRESH_BEFORE_MS - Date.now()) : 0;
    // setTimeout holds at most 2^31-1 ms; a longer wait is re-armed when it fires.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#token && this.#expiresOn - REFRESH_BEFORE_MS > Date.now()) return this.#schedule();
      this.#refresh().catch(() => this.#schedule());
    }, Math.min(wait, 2 ** 31 - 1));
    if (this.#timer && typeof this.#timer.unref === "function") this.#timer.unref();
  }

  #refresh(abortSignal) {
    if (!this.#inFlight) {
      this.#inFlight = (async () => {
        try {
          const token = await this.#refresher(abortSignal);
          if (typeof token !== "string") throw new AcsError({ code: "ERR_INVALID_TOKEN", message: "the tokenRefresher must return a token string", target: "token" });
          const claims = decodeAccessToken(token);
          if (claims.expiresOn.getTime() <= Date.now()) {
            throw new AcsError({ code: "ERR_INVALID_TOKEN", message: "the token returned by the tokenRefresher is already expired", target: "token" });
          }
          if (!this.#disposed) this.#set(token);
          return token;
        } finally {
          this.#inFlight = null;
          this.#schedule();
        }
      })();
    }
    return this.#inFlight;
  }

  /** `{ token, expiresOnTimestamp }`, refreshed first when it is within 10 minutes of expiry. */
  async getToken(options = {}) {
    if (this.#disposed) throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "the credential is disposed", target: "credential" });
    const fresh = this.#token && this.#expiresOn - REFRESH_BEFORE_MS > Date.now();
    if (!fresh && this.#refresher) await this.#refresh(options && options.abortSignal);
    else if (!this.#token || this.#expiresOn <= Date.now()) {
      throw new AcsError({ code: "ERR_INVALID_TOKEN", message: "the static token has expired", target: "token" });
    }
    return { token: this.#token, expiresOnTimestamp: this.#expiresOn };
  }

  /** Stops proactive refreshing; later getToken calls fail. */
  dispose() {
    this.#disposed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
