// The public JS API of acs-identity-edge, shared by every runtime entry (node.js, workerd.js, browser.js).
// The WebAssembly module (src/wasm/, bound by wasm-bindgen) parses, signs, sends with fetch, retries and
// reads the answers, and runs the Microsoft Entra ID credentials (token requests, cache); this file checks
// and shapes arguments, turns the module's errors into `AcsError` instances with stable codes, and holds
// `AzureKeyCredential` and the client-side `CommunicationTokenCredential`.
import * as wasm from "./acs_identity_edge.js";

/** Every error this package throws: a real `Error` with a stable `code` (`ERR_...`). */
export class AcsError extends Error {
  constructor(fields) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "AcsError";
    this.code = fields.code;
    for (const key of ["target", "statusCode", "serviceCode", "serviceMessage", "requestId", "msCv"]) {
      if (fields[key] !== undefined) this[key] = fields[key];
    }
    // An authority's refusal: its request id is Entra's correlation id, named as MSAL names it.
    if (fields.code === "ERR_AUTHENTICATION" && fields.requestId !== undefined) this.correlationId = fields.requestId;
  }
}

/** Turns what the wasm module threw into an AcsError (a trap or a foreign error keeps its message). */
function toAcsError(e) {
  if (e instanceof AcsError) return e;
  if (e && typeof e === "object" && typeof e.code === "string" && e.code.startsWith("ERR_")) return new AcsError(e);
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

const abortError = () => new AcsError({ code: "ERR_ABORTED", message: "the operation was aborted" });

function invalidArgument(target, message) {
  return new AcsError({ code: "ERR_INVALID_ARGUMENT", message, target });
}

/** `options.timeoutMs`, when given, is a number >= 0 (0: no bound). */
function checkTimeout(options) {
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs >= 0)) {
    throw invalidArgument("timeoutMs", "timeoutMs must be a number >= 0");
  }
}

/** The client options the wasm module reads, checked here so that each bad one is named. */
function resolveOptions(options = {}) {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "options must be an object");
  // Only the settings given are checked here; the wasm module fills in the defaults (RetryOptions::default).
  const retry = options.retry && typeof options.retry === "object" ? options.retry : {};
  for (const key of ["maxRetries", "baseDelayMs", "maxDelayMs"]) {
    if (key in retry && !(Number.isFinite(retry[key]) && retry[key] >= 0)) throw invalidArgument(`retry.${key}`, `retry.${key} must be a number >= 0`);
  }
  checkTimeout(options);
  if (options.fetch !== undefined && typeof options.fetch !== "function") throw invalidArgument("fetch", "fetch must be a function");
  if (options.fetch === undefined && typeof globalThis.fetch !== "function") throw invalidArgument("fetch", "no fetch: pass options.fetch");
  if (options.onRequest !== undefined && typeof options.onRequest !== "function") {
    throw invalidArgument("onRequest", "onRequest must be a function");
  }
  return {
    ...options,
    // Browsers do not let scripts set User-Agent; it is sent where it is honoured.
    sendUserAgent: typeof document === "undefined",
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
  checkTimeout(options);
  if (options.abortSignal && options.abortSignal.aborted) throw abortError();
  return { abortSignal: options.abortSignal, timeoutMs: options.timeoutMs };
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

  async #call(op, args, options = {}) {
    const call = callOptions(options);
    try {
      return await this.#client.call(op, args, call);
    } catch (e) {
      throw toAcsError(e);
    }
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
 * A `fetch`-shaped function that authorizes (and retries) any ACS REST call: SMS, email, chat and rooms use
 * the same schemes. `createSignedFetch(connectionString, options?)` or `createSignedFetch(endpoint,
 * credential, options?)`. Relative URLs resolve against the resource endpoint; other origins are refused, so
 * that the key or token is never sent to another host.
 */
export function createSignedFetch(...args) {
  const signer = makeClient(wasm.SignedFetch, args);
  const endpoint = signer.endpoint;
  return async function signedFetch(input, init = {}) {
    const url = new URL(input instanceof Request ? input.url : String(input), `${endpoint}/`);
    if (url.origin !== new URL(endpoint).origin) {
      throw invalidArgument("url", "the URL is not on the resource endpoint");
    }
    const method = (init.method || (input instanceof Request ? input.method : "GET")).toUpperCase();
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array) && !(body instanceof ArrayBuffer)) {
      throw invalidArgument("body", "body must be a string, Uint8Array or ArrayBuffer (it is hashed before sending)");
    }
    const headers = [...new Headers(init.headers || (input instanceof Request ? input.headers : {}))];
    const { abortSignal, signal, headers: _headers, body: _body, method: _method, ...rest } = init;
    const call = callOptions({ abortSignal: abortSignal || signal });
    try {
      return await signer.send(method, `${url.pathname}${url.search}`, headers, bodyBytes(body), rest, call);
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
  const signed = core(wasm.signRequest, String(connectionString), method, url, bodyBytes(request.body), unixSeconds(request.date));
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
  if (options.authorityHost !== undefined && typeof options.authorityHost !== "string") {
    throw invalidArgument("authorityHost", "authorityHost must be a string");
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") throw invalidArgument("fetch", "fetch must be a function");
  if (options.fetch === undefined && typeof globalThis.fetch !== "function") throw invalidArgument("fetch", "no fetch: pass options.fetch");
  return { authorityHost: options.authorityHost, fetch: options.fetch, sendUserAgent: typeof document === "undefined" };
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
