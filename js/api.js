// The public JS API of acs-identity-edge, shared by every runtime entry (node.js, workerd.js, browser.js).
// The WebAssembly module (src/wasm/, bound by wasm-bindgen) parses, signs, sends with fetch, retries and
// reads the answers, and runs the Microsoft Entra ID credentials (token requests, cache); this file checks
// and shapes arguments, turns the module's errors into `AcsError` instances with stable codes, and holds
// `AzureKeyCredential` and the client-side `CommunicationTokenCredential`.
import * as wasm from "./acs_identity_edge.js";
import { entry } from "./transport.js";

/** `o[key]` when it is an own property of `o`: an inherited one (a polluted Object.prototype) is not an option. */
const own = (o, key) => (o !== null && typeof o === "object" && Object.hasOwn(o, key) ? o[key] : undefined);

/** The `Object.prototype.toString` tag (`"Uint8Array"`, `"Request"`, ...): `instanceof` refuses another realm's. */
const tagOf = (value) => Object.prototype.toString.call(value).slice(8, -1);

/** Every error this package throws: a real `Error` with a stable `code` (`ERR_...`). */
export class AcsError extends Error {
  constructor(fields) {
    // The underlying JS error (a fetch rejection, with Node's `code` such as ECONNREFUSED on its own cause).
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "AcsError";
    this.code = fields.code;
    for (const key of ["target", "statusCode", "serviceCode", "serviceMessage", "requestId", "msCv"]) {
      if (own(fields, key) !== undefined) this[key] = fields[key];
    }
    // An authority's refusal: its request id is Entra's correlation id, named as MSAL names it.
    if (fields.code === "ERR_AUTHENTICATION" && fields.requestId !== undefined) this.correlationId = fields.requestId;
  }
}

/** Turns what the wasm module threw into an AcsError (a trap or a foreign error keeps its message). */
function toAcsError(e) {
  if (e instanceof AcsError) return e;
  if (typeof own(e, "code") === "string" && e.code.startsWith("ERR_")) return new AcsError(e);
  if (e && e.name === "AbortError") return new AcsError({ code: "ERR_ABORTED", message: "the operation was aborted" });
  return new AcsError({ code: "ERR_INTERNAL", message: e instanceof Error ? e.message : String(e) });
}

/** Calls a function of the wasm module: its result, or throws its error as an AcsError. */
function core(fn, ...args) {
  try {
    return fn(...args);
  } catch (e) {
    throw toAcsError(e);
  }
}

const encoder = new TextEncoder();

/** The bytes of a string, an ArrayBuffer or a view on one, of any realm. */
function bodyBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === "string") return encoder.encode(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (tagOf(body) === "ArrayBuffer") return new Uint8Array(body);
  throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "body must be a string, Uint8Array or ArrayBuffer", target: "body" });
}

const getTime = Date.prototype.getTime;

/** A Date of any realm (getTime throws for anything else) in unix seconds; now when absent. */
function unixSeconds(date) {
  if (date === undefined) return Math.floor(Date.now() / 1000);
  let ms = NaN;
  try {
    ms = getTime.call(date);
  } catch {
    // not a Date
  }
  if (!Number.isFinite(ms)) throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "date must be a valid Date", target: "date" });
  return Math.floor(ms / 1000);
}

// What `onRequest` sees unless `traceSecrets: true`: the signature and bearer tokens, the string value of
// every member named like a secret (`token`, `client_secret`, ...) and anything JWT-shaped are redacted.
const REDACTED = "<redacted>";
const JWT = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/** `root` with its secrets redacted, in place, without recursion (a hostile body may nest 100,000 deep). */
function redacted(root) {
  const pending = [root];
  while (pending.length) {
    const o = pending.pop();
    if (o && typeof o === "object" && !ArrayBuffer.isView(o)) {
      for (const key of Object.keys(o)) {
        const v = o[key];
        if (typeof v === "string") o[key] = /(token|secret|assertion|password|key)$/i.test(key) ? REDACTED : v.replace(JWT, REDACTED);
        else pending.push(v);
      }
    }
  }
  return root;
}

function redactTrace(trace) {
  const { request } = trace;
  for (const header of request.headers) {
    // `HMAC-SHA256 SignedHeaders=...&Signature=<redacted>`, `Bearer <redacted>`.
    if (header[0].toLowerCase() === "authorization") header[1] = header[1].replace(/^(.*&Signature=|\S*\s|)[^]*/, `$1${REDACTED}`);
  }
  if (request.body) {
    try {
      request.body = encoder.encode(JSON.stringify(redacted(JSON.parse(new TextDecoder().decode(request.body)))));
    } catch {
      // not JSON (the client's bodies all are): shown as sent
    }
  }
  redacted(trace.response);
  return trace;
}

const abortError = () => new AcsError({ code: "ERR_ABORTED", message: "the operation was aborted" });

function invalidArgument(target, message) {
  return new AcsError({ code: "ERR_INVALID_ARGUMENT", message, target });
}

/** `timeoutMs`, when given, is a number >= 0 (0: no bound). */
function checkTimeout(timeoutMs) {
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw invalidArgument("timeoutMs", "timeoutMs must be a number >= 0");
  }
  return timeoutMs;
}

/** The client options the wasm module reads, checked here so that each bad one is named. */
function resolveOptions(options = {}) {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "options must be an object");
  // Only the settings given are checked here; the wasm module fills in the defaults (RetryOptions::default).
  // Every option is an own property (the wasm module reads them so too): nothing comes from a prototype.
  const retry = own(options, "retry");
  for (const key of ["maxRetries", "baseDelayMs", "maxDelayMs"]) {
    const value = own(retry, key);
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw invalidArgument(`retry.${key}`, `retry.${key} must be a number >= 0`);
  }
  checkTimeout(own(options, "timeoutMs"));
  const fetch = own(options, "fetch");
  const onRequest = own(options, "onRequest");
  if (fetch !== undefined && typeof fetch !== "function") throw invalidArgument("fetch", "fetch must be a function");
  if (fetch === undefined && typeof globalThis.fetch !== "function") throw invalidArgument("fetch", "no fetch: pass options.fetch");
  if (onRequest !== undefined && typeof onRequest !== "function") {
    throw invalidArgument("onRequest", "onRequest must be a function");
  }
  return {
    ...options,
    // Redacted unless the caller asks for the replayable request with `traceSecrets: true`.
    onRequest: onRequest && own(options, "traceSecrets") !== true ? (trace) => onRequest(redactTrace(trace)) : onRequest,
    // Browsers do not let scripts set User-Agent; it is sent where it is honoured.
    sendUserAgent: typeof document === "undefined",
    // Without a caller's fetch, the entry's own transport where it has one (Node: node:http).
    transport: own(options, "fetch") === undefined ? entry.send : undefined,
  };
}

/** The wasm objects of this package's Entra credentials, by credential. */
const entraCredentials = new WeakMap();

/** A key credential (`{ key }`, as `AzureKeyCredential`) or a token credential (`{ getToken }`). */
function isCredential(value) {
  return value !== null && typeof value === "object" && (typeof value.getToken === "function" || "key" in value);
}

/**
 * `credential` as the client asks it: `getToken(scopes, { abortSignal?, budgetMs? })`, where `budgetMs` is
 * the time left of the call. The client stops waiting at that time (ERR_TIMEOUT) or when the call is
 * aborted, whether or not the credential honours its `abortSignal`.
 */
function boundedTokenCredential(credential) {
  return {
    getToken(scopes, { abortSignal, budgetMs }) {
      const asked = credential.getToken(scopes, abortSignal ? { abortSignal } : {});
      if (budgetMs === undefined && !abortSignal) return asked;
      return new Promise((resolve, reject) => {
        const settle = (done, value) => {
          clearTimeout(timer);
          if (abortSignal) abortSignal.removeEventListener("abort", onAbort);
          done(value);
        };
        const onAbort = () => settle(reject, abortError());
        const timer = budgetMs === undefined ? undefined : setTimeout(
          () => settle(reject, new AcsError({ code: "ERR_TIMEOUT", message: "the call did not finish within its timeout" })),
          budgetMs,
        );
        if (abortSignal) abortSignal.addEventListener("abort", onAbort);
        Promise.resolve(asked).then((token) => settle(resolve, token), (e) => settle(reject, e));
      });
    },
  };
}

/**
 * The wasm object of a client or signed fetch: `new Kind(connectionString, options)`, or
 * `Kind.withCredential(endpoint, credential, options)` when the second argument is a credential (or a third
 * is given).
 */
function makeClient(Kind, args) {
  const [first, second, third] = args;
  if (args.length >= 3 || isCredential(second) || typeof second === "string") {
    if (!isCredential(second)) {
      throw invalidArgument("credential", "the credential must be a key credential ({ key }) or a token credential ({ getToken })");
    }
    const options = resolveOptions(third);
    // One of this package's Entra credentials: a 401 to its token drops the token it caches, too.
    const entra = entraCredentials.get(second);
    options.credentialReset = entra ? () => entra.clearCache() : undefined;
    const credential = typeof second.getToken === "function" ? boundedTokenCredential(second) : second;
    return core((e, c, o) => Kind.withCredential(e, c, o), String(first), credential, options);
  }
  return core((cs, o) => new Kind(cs, o), String(first), resolveOptions(second));
}

/** The per-call options the wasm module reads: `{ abortSignal?, timeoutMs? }`. */
function callOptions(options) {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "options must be an object");
  const timeoutMs = checkTimeout(own(options, "timeoutMs"));
  const abortSignal = own(options, "abortSignal");
  if (abortSignal && abortSignal.aborted) throw abortError();
  return { abortSignal, timeoutMs };
}

function userIdOf(user) {
  if (typeof user === "string") return user;
  const id = own(user, "communicationUserId");
  if (typeof id === "string") return id;
  throw invalidArgument("user", "user must be { communicationUserId: string }");
}

/**
 * The client of the ACS Identity service, with the methods and results of `@azure/communication-identity`.
 * Runs in Workers, Node (>= 18), Deno and browsers; sends with the global `fetch` (or `options.fetch`).
 */
export class CommunicationIdentityClient {
  #client;

  /**
   * `new CommunicationIdentityClient(connectionString, options?)`, or
   * `new CommunicationIdentityClient(endpoint, credential, options?)` with a key credential
   * (`AzureKeyCredential`, read on every request) or a token credential (Microsoft Entra ID).
   */
  constructor(...args) {
    this.#client = makeClient(wasm.Client, args);
  }

  /** The resource endpoint, `https://host[:port]`. */
  get endpoint() {
    return this.#client.endpoint;
  }

  /** Runs `op` with its arguments (the module reads them from one array, by position). */
  async #call(op, options, userId, scopes, expiresInMinutes, customId, teams) {
    const call = callOptions(options);
    try {
      return await this.#client.call(op, [userId, scopes, expiresInMinutes, customId, teams, call.abortSignal, call.timeoutMs]);
    } catch (e) {
      throw toAcsError(e);
    }
  }

  /** Creates a user. `{ communicationUserId }` */
  createUser(options = {}) {
    return this.#call("createUser", options, undefined, undefined, undefined, own(options, "customId"));
  }

  /** Creates a user and issues it a token. `{ user, token, expiresOn }` */
  createUserAndToken(scopes, options = {}) {
    return this.#call("createUserAndToken", options, undefined, scopes, own(options, "tokenExpiresInMinutes"), own(options, "customId"));
  }

  /** Issues a token for a user. `{ token, expiresOn }` */
  async getToken(user, scopes, options = {}) {
    return this.#call("getToken", options, userIdOf(user), scopes, own(options, "tokenExpiresInMinutes"));
  }

  /** Revokes every token of a user. */
  async revokeTokens(user, options = {}) {
    return this.#call("revokeTokens", options, userIdOf(user));
  }

  /** Deletes a user and revokes its tokens. */
  async deleteUser(user, options = {}) {
    return this.#call("deleteUser", options, userIdOf(user));
  }

  /** Gets a user (api-version 2025-03-02-preview). `{ communicationUserId, customId?, lastTokenIssuedAt? }` */
  async getUser(user, options = {}) {
    return this.#call("getUser", options, userIdOf(user));
  }

  /** Exchanges a Teams user's Entra ID token for an ACS token. `{ token, expiresOn }` */
  async getTokenForTeamsUser(params, options = {}) {
    if (!params || typeof params !== "object") throw invalidArgument("params", "params must be { teamsUserAadToken, clientId, userObjectId }");
    return this.#call("getTokenForTeamsUser", options, undefined, undefined, undefined, undefined, params);
  }
}

/** From this size on, createSignedFetch hashes a body with WebCrypto rather than in the wasm module. */
const DIGEST_BYTES = 16 * 1024;
const subtle = globalThis.crypto?.subtle;
const EMPTY = new Uint8Array(0);

/**
 * A `fetch`-shaped function that authorizes (and retries) any ACS REST call: SMS, email, chat and rooms use
 * the same schemes. `createSignedFetch(connectionString, options?)` or `createSignedFetch(endpoint,
 * credential, options?)`. Relative URLs resolve against the resource endpoint; other origins are refused, so
 * that the key or token is never sent to another host.
 */
export function createSignedFetch(...args) {
  const signer = makeClient(wasm.SignedFetch, args);
  const endpoint = signer.endpoint;
  return async function signedFetch(input, init = {}) {
    const request = tagOf(input) === "Request" ? input : null;
    const url = new URL(request ? request.url : String(input), `${endpoint}/`);
    if (url.origin !== new URL(endpoint).origin) {
      throw invalidArgument("url", "the URL is not on the resource endpoint");
    }
    const method = (own(init, "method") || (request ? request.method : "GET")).toUpperCase();
    const body = own(init, "body");
    if (body !== undefined && body !== null && typeof body !== "string" && !["Uint8Array", "ArrayBuffer"].includes(tagOf(body))) {
      throw invalidArgument("body", "body must be a string, Uint8Array or ArrayBuffer (it is hashed before sending)");
    }
    // The signature covers the body's hash, which only the signer sets.
    const headers = [...new Headers(own(init, "headers") || (request ? request.headers : {}))].filter(([name]) => name !== "x-ms-content-sha256");
    // `rest` holds own properties only; the named ones are read as own properties above and below.
    const { abortSignal: _abortSignal, signal: _signal, headers: _headers, body: _body, method: _method, ...rest } = init;
    const call = callOptions({ abortSignal: own(init, "abortSignal") || own(init, "signal") });
    let bytes = bodyBytes(body);
    try {
      // A large body is hashed by the runtime's WebCrypto (native, off the main thread where it can be) and
      // goes to fetch as it is; the wasm module signs that hash without a copy of the body.
      if (bytes.length >= DIGEST_BYTES && subtle) {
        headers.push(["x-ms-content-sha256", btoa(String.fromCharCode(...new Uint8Array(await subtle.digest("SHA-256", bytes))))]);
        rest.body = bytes;
        bytes = EMPTY;
      }
      return await signer.send(method, `${url.pathname}${url.search}`, headers, bytes, rest, [call.abortSignal, call.timeoutMs]);
    } catch (e) {
      throw toAcsError(e);
    }
  };
}

/** The claims of an ACS access token (not verified): `{ communicationUserId?, scopes, expiresOn, issuedAt?, resourceId? }`. */
export function decodeAccessToken(token) {
  if (typeof token !== "string") throw new AcsError({ code: "ERR_INVALID_TOKEN", message: "the access token must be a string", target: "token" });
  return core(wasm.decodeAccessToken, token);
}

/** `{ kind, ... }` for a raw id (`8:acs:...`, `4:+1...`, `8:orgid:...`, ...). */
export function createIdentifierFromRawId(rawId) {
  return core(wasm.createIdentifierFromRawId, String(rawId));
}

/** The raw id of an identifier. */
export function getIdentifierRawId(identifier) {
  return core(wasm.getIdentifierRawId, identifier);
}

/**
 * Parses a connection string. Returns `{ endpoint, host }`; the access key is never returned.
 * @param {string} connectionString
 */
export function parseConnectionString(connectionString) {
  return core(wasm.parseConnectionString, String(connectionString));
}

/**
 * Signs one ACS REST request (HMAC-SHA256). Returns the headers to add, with lower-case names.
 * The URL's path and query are signed exactly as fetch sends them (already-encoded text is kept as is).
 */
export function signRequest(connectionString, request) {
  if (!request || typeof request !== "object") {
    throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "request must be { method, url, body?, date? }", target: "request" });
  }
  const given = tagOf(own(request, "url")) === "URL" ? request.url.href : own(request, "url");
  if (typeof given !== "string") throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "url must be a string or URL", target: "url" });
  // Sign what fetch will send: a string that fetch would rewrite (a space, non-ASCII, `..`) is signed in
  // its rewritten form; a string already in that form is unchanged.
  let url;
  try {
    url = new URL(given).href;
  } catch {
    throw new AcsError({ code: "ERR_INVALID_ARGUMENT", message: "url must be an absolute http(s) URL", target: "url" });
  }
  const method = typeof own(request, "method") === "string" ? request.method : "GET";
  const signed = core(wasm.signRequest, String(connectionString), method, url, bodyBytes(own(request, "body")), unixSeconds(own(request, "date")));
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
    const refresher = own(tokenOrOptions, "tokenRefresher");
    if (typeof refresher !== "function") {
      throw invalidArgument("tokenRefresher", "pass a token string or { tokenRefresher, token?, refreshProactively? }");
    }
    this.#refresher = refresher;
    this.#proactive = own(tokenOrOptions, "refreshProactively") === true;
    if (own(tokenOrOptions, "token")) this.#set(tokenOrOptions.token);
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
    if (!fresh && this.#refresher) await this.#refresh(own(options, "abortSignal"));
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

/**
 * A key credential as `@azure/core-auth`'s: the resource's access key (base64), read by the clients on every
 * request, so that `update()` rotates it without a new client.
 */
export class AzureKeyCredential {
  #key;

  constructor(key) {
    this.#key = checkedKey(key);
  }

  /** The current key. */
  get key() {
    return this.#key;
  }

  /** Replaces the key (for example with the resource's other key, during rotation). */
  update(newKey) {
    this.#key = checkedKey(newKey);
  }
}

function checkedKey(key) {
  if (typeof key !== "string" || key === "") throw invalidArgument("key", "the key must be a non-empty string");
  return key;
}

function stringArgument(value, target) {
  if (typeof value !== "string" || value === "") throw invalidArgument(target, `${target} must be a non-empty string`);
  return value;
}

/** The options an Entra credential's wasm object reads: `{ authorityHost?, fetch?, sendUserAgent }`. */
function credentialOptions(options = {}) {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "options must be an object");
  const authorityHost = own(options, "authorityHost");
  const fetch = own(options, "fetch");
  if (authorityHost !== undefined && typeof authorityHost !== "string") {
    throw invalidArgument("authorityHost", "authorityHost must be a string");
  }
  if (fetch !== undefined && typeof fetch !== "function") throw invalidArgument("fetch", "fetch must be a function");
  if (fetch === undefined && typeof globalThis.fetch !== "function") throw invalidArgument("fetch", "no fetch: pass options.fetch");
  return { authorityHost, fetch, sendUserAgent: typeof document === "undefined" };
}

/** `getToken(scopes, options)` of a wasm Entra credential, with its errors as `AcsError`s. */
async function entraToken(credential, scopes, options) {
  const call = callOptions(options ?? {});
  try {
    return await credential.getToken(typeof scopes === "string" ? [scopes] : scopes, { abortSignal: call.abortSignal });
  } catch (e) {
    throw toAcsError(e);
  }
}

/**
 * A Microsoft Entra ID application with a client secret (OAuth 2.0 client credentials, as
 * `@azure/identity`'s `ClientSecretCredential`): `POST {authorityHost}/{tenantId}/oauth2/v2.0/token` with
 * `fetch`, tokens cached and refreshed 5 minutes before they expire, one token request for concurrent
 * callers. A token credential of `@azure/core-auth`: give it to `CommunicationIdentityClient`,
 * `createSignedFetch`, or the official SDKs. The secret stays inside the WebAssembly module.
 */
export class ClientSecretCredential {
  #credential;

  constructor(tenantId, clientId, clientSecret, options = {}) {
    this.#credential = core(
      (t, c, s, o) => wasm.EntraCredential.clientSecret(t, c, s, o),
      stringArgument(tenantId, "tenantId"),
      stringArgument(clientId, "clientId"),
      stringArgument(clientSecret, "clientSecret"),
      credentialOptions(options),
    );
    entraCredentials.set(this, this.#credential);
  }

  /** `{ token, expiresOnTimestamp, refreshAfterTimestamp, tokenType }` for `scopes`. */
  getToken(scopes, options = {}) {
    return entraToken(this.#credential, scopes, options);
  }
}

/**
 * A Microsoft Entra ID application that proves itself with a client assertion (a signed JWT from a
 * certificate or a federated identity, given by `getAssertion` for each token request), as
 * `@azure/identity`'s `ClientAssertionCredential`; otherwise as `ClientSecretCredential`.
 */
export class ClientAssertionCredential {
  #credential;

  constructor(tenantId, clientId, getAssertion, options = {}) {
    if (typeof getAssertion !== "function") throw invalidArgument("getAssertion", "getAssertion must be a function");
    this.#credential = core(
      (t, c, a, o) => wasm.EntraCredential.clientAssertion(t, c, a, o),
      stringArgument(tenantId, "tenantId"),
      stringArgument(clientId, "clientId"),
      getAssertion,
      credentialOptions(options),
    );
    entraCredentials.set(this, this.#credential);
  }

  /** `{ token, expiresOnTimestamp, refreshAfterTimestamp, tokenType }` for `scopes`. */
  getToken(scopes, options = {}) {
    return entraToken(this.#credential, scopes, options);
  }
}
