// An ACS token service on Cloudflare Workers: the "trusted service" of the ACS docs. Your app's users
// get ACS access tokens for calling and chat without ever seeing the ACS access key.
//
//   POST   /api/token   { "scopes"?: ["chat", ...] }  -> { acsUserId, token, expiresOn }
//   POST   /api/revoke  revokes every token of the caller's ACS user          -> 204
//   DELETE /api/user    deletes the caller's ACS user and the mapping          -> 204
//
// Bindings (wrangler.toml): ACS_USERS (KV: app user id -> ACS user id), APP_USER (Durable Object, one per
// app user: creation and rate limit), secrets ACS_CONNECTION_STRING and SESSION_SECRET, and the vars
// ALLOWED_ORIGINS, ALLOWED_SCOPES, TOKEN_EXPIRES_IN_MINUTES, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_SECONDS,
// SESSION_AUDIENCE and SESSION_MAX_LIFETIME_MINUTES. An unusable SESSION_SECRET (missing, short, or the
// placeholder of .dev.vars.example) or session setting answers every request 500 "misconfigured".
import { acsClient, describeAcsFailure, failureStatus } from "./acs.js";
import { sessionSecretProblem, verifySessionToken } from "./session.js";

export { AppUser } from "./app-user.js";

/**
 * The authentication hook: the one place that decides who is calling. Returns the app user id, or null
 * for an unauthenticated request. This example accepts `Authorization: Bearer <app session token>`
 * (see session.js); replace the body with your own check (your identity provider's JWT, a session
 * cookie, Cloudflare Access) and keep the contract.
 */
async function authenticate(request, env, config) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") || "");
  if (!m) return null;
  const session = await verifySessionToken(m[1], env.SESSION_SECRET, {
    audience: config.sessionAudience,
    maxLifetimeSeconds: config.sessionMaxLifetimeMinutes * 60,
  });
  return session ? session.sub : null;
}

const DEFAULT_SCOPES = "chat,voip";
const DEFAULT_EXPIRES_IN_MINUTES = 60;
const DEFAULT_SESSION_AUDIENCE = "acs-token-service";
const DEFAULT_SESSION_MAX_LIFETIME_MINUTES = 60;
/** The largest request body read, in bytes (UTF-8), checked before and while the body is read. */
const MAX_BODY_BYTES = 4096;

const list = (value, fallback = "") =>
  String(value ?? fallback)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function settings(env) {
  const minutes = Number(env.TOKEN_EXPIRES_IN_MINUTES ?? DEFAULT_EXPIRES_IN_MINUTES);
  const sessionMinutes = Number(env.SESSION_MAX_LIFETIME_MINUTES ?? DEFAULT_SESSION_MAX_LIFETIME_MINUTES);
  const sessionAudience = String(env.SESSION_AUDIENCE ?? DEFAULT_SESSION_AUDIENCE).trim();
  let problem = sessionSecretProblem(env.SESSION_SECRET);
  if (!problem && sessionAudience === "") problem = "SESSION_AUDIENCE is empty";
  if (!problem && !(Number.isInteger(sessionMinutes) && sessionMinutes >= 1 && sessionMinutes <= 1440)) {
    problem = "SESSION_MAX_LIFETIME_MINUTES must be a whole number of minutes from 1 to 1440";
  }
  return {
    problem,
    origins: new Set(list(env.ALLOWED_ORIGINS)),
    scopes: list(env.ALLOWED_SCOPES, DEFAULT_SCOPES),
    expiresInMinutes: Number.isInteger(minutes) && minutes >= 60 && minutes <= 1440 ? minutes : DEFAULT_EXPIRES_IN_MINUTES,
    sessionAudience,
    sessionMaxLifetimeMinutes: sessionMinutes,
  };
}

// Each configuration problem is logged once per isolate, not once per request.
const reported = new Set();

/** The answer while the configuration is unusable: every request, until it is fixed (no crash, no restart loop). */
function misconfigured(problem) {
  if (!reported.has(problem)) {
    reported.add(problem);
    console.error(`token service misconfigured: ${problem}`);
  }
  return errorResponse(500, "misconfigured", `the token service is misconfigured: ${problem}`);
}

/** A JSON error: `{ "error": { "code", "message", ...details } }`. */
function errorResponse(status, code, message, details = {}, headers = {}) {
  return Response.json({ error: { code, message, ...details } }, { status, headers: { "cache-control": "no-store", ...headers } });
}

function corsHeaders(origin) {
  return origin ? { "access-control-allow-origin": origin, "access-control-expose-headers": "retry-after", vary: "Origin" } : { vary: "Origin" };
}

function withHeaders(response, headers) {
  const out = new Response(response.body, response);
  for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
  return out;
}

const ROUTES = {
  "/api/token": { POST: issueToken },
  "/api/revoke": { POST: revokeTokens },
  "/api/user": { DELETE: deleteUser },
};

export default {
  async fetch(request, env) {
    const config = settings(env);
    if (config.problem) return misconfigured(config.problem);
    const origin = request.headers.get("origin");
    // Requests without Origin come from servers and tools; browsers always send it cross-origin.
    if (origin !== null && !config.origins.has(origin)) {
      return errorResponse(403, "origin_not_allowed", "this origin may not call the token service", {}, { vary: "Origin" });
    }
    const cors = corsHeaders(origin);
    const url = new URL(request.url);
    const route = ROUTES[url.pathname];
    if (!route) return withHeaders(errorResponse(404, "not_found", "no such endpoint"), cors);
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          ...cors,
          "access-control-allow-methods": Object.keys(route).join(", "),
          "access-control-allow-headers": "authorization, content-type",
          "access-control-max-age": "600",
        },
      });
    }
    const handler = route[request.method];
    if (!handler) {
      return withHeaders(errorResponse(405, "method_not_allowed", `use ${Object.keys(route).join(", ")}`), { ...cors, allow: Object.keys(route).join(", ") });
    }
    try {
      const appUserId = await authenticate(request, env, config);
      if (!appUserId) {
        return withHeaders(errorResponse(401, "unauthenticated", "a valid app session token is required", {}, { "www-authenticate": "Bearer" }), cors);
      }
      return withHeaders(await handler({ request, env, config, appUserId }), cors);
    } catch (e) {
      // Nothing about the failure reaches the caller; the log gets its name and code only.
      console.error("token service failure", e && e.name, e && e.code);
      return withHeaders(errorResponse(500, "internal", "the token service failed"), cors);
    }
  },
};

/** The caller's Durable Object, after counting this request against their rate limit. */
async function admitted(env, appUserId) {
  const appUser = env.APP_USER.get(env.APP_USER.idFromName(appUserId));
  const admission = await appUser.admit();
  if (!admission.allowed) {
    return {
      refusal: errorResponse(429, "rate_limited", "too many requests; try again later", { retryAfterSeconds: admission.retryAfterSeconds }, {
        "retry-after": String(admission.retryAfterSeconds),
      }),
    };
  }
  return { appUser };
}

const failed = (failure) => errorResponse(failureStatus(failure), failure.code, failure.message, Object.fromEntries(Object.entries(failure).filter(([k]) => k !== "code" && k !== "message")));

const tooLarge = () => errorResponse(413, "body_too_large", `the request body is larger than ${MAX_BODY_BYTES} bytes`);

/**
 * The request body as text, read at most `limit` bytes far: a `Content-Length` past the limit is refused
 * before reading, and a body without one (chunked) is refused as soon as it passes the limit, so a large
 * or endless body is never buffered. Bytes that are not UTF-8 are refused too.
 */
async function boundedText(request, limit) {
  const declared = request.headers.get("content-length");
  if (declared !== null && !(/^\d+$/.test(declared.trim()) && Number(declared) <= limit)) return { refusal: tooLarge() };
  if (!request.body) return { text: "" };
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return { refusal: tooLarge() };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { refusal: errorResponse(400, "invalid_json", "the request body is not UTF-8 JSON") };
  }
}

async function requestedScopes(request, allowed) {
  const read = await boundedText(request, MAX_BODY_BYTES);
  if (read.refusal) return read;
  const text = read.text;
  if (text.trim() === "") return { scopes: allowed };
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return { refusal: errorResponse(400, "invalid_json", "the request body is not JSON") };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { refusal: errorResponse(400, "invalid_request", "the request body must be a JSON object") };
  }
  if (body.scopes === undefined) return { scopes: allowed };
  if (!Array.isArray(body.scopes) || body.scopes.length === 0 || !body.scopes.every((s) => typeof s === "string")) {
    return { refusal: errorResponse(400, "invalid_request", "scopes must be a non-empty array of strings") };
  }
  const disallowed = body.scopes.filter((s) => !allowed.includes(s));
  if (disallowed.length > 0) {
    return { refusal: errorResponse(400, "scope_not_allowed", "a requested scope is not allowed", { disallowed, allowed }) };
  }
  return { scopes: [...new Set(body.scopes)] };
}

async function issueToken({ request, env, config, appUserId }) {
  const asked = await requestedScopes(request, config.scopes);
  if (asked.refusal) return asked.refusal;
  const { appUser, refusal } = await admitted(env, appUserId);
  if (refusal) return refusal;
  const user = await appUser.ensureAcsUser(appUserId);
  if (user.failure) return failed(user.failure);
  try {
    const { token, expiresOn } = await acsClient(env).getToken({ communicationUserId: user.acsUserId }, asked.scopes, {
      tokenExpiresInMinutes: config.expiresInMinutes,
    });
    return Response.json({ acsUserId: user.acsUserId, token, expiresOn: expiresOn.toISOString() }, { headers: { "cache-control": "no-store" } });
  } catch (e) {
    return failed(describeAcsFailure(e));
  }
}

async function revokeTokens({ env, appUserId }) {
  const { appUser, refusal } = await admitted(env, appUserId);
  if (refusal) return refusal;
  const acsUserId = await appUser.findAcsUser(appUserId);
  // No ACS user yet: there is no token to revoke.
  if (!acsUserId) return new Response(null, { status: 204 });
  try {
    await acsClient(env).revokeTokens({ communicationUserId: acsUserId });
    return new Response(null, { status: 204 });
  } catch (e) {
    return failed(describeAcsFailure(e));
  }
}

async function deleteUser({ env, appUserId }) {
  const { appUser, refusal } = await admitted(env, appUserId);
  if (refusal) return refusal;
  const outcome = await appUser.deleteAcsUser(appUserId);
  if (outcome.failure) return failed(outcome.failure);
  return new Response(null, { status: 204 });
}
