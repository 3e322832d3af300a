// The app's own session tokens, which the token service trusts to say who the caller is. This is the
// app's scheme, not ACS's: an HMAC-SHA256 (WebCrypto) over the claims, keyed with SESSION_SECRET.
//
//   v1.<base64url(JSON {"sub", "aud", "iat", "exp"})>.<base64url(HMAC-SHA256(secret, "v1.<claims>"))>
//
// `sub` is the app user id, `aud` names the service the token is for (a token minted for another service
// that shares the secret is refused), `iat` and `exp` are unix seconds; a token may live at most the
// verifier's `maxLifetimeSeconds`, so a leaked long-lived token is refused however far its `exp` is.
// Your login backend mints these with `signSessionToken`; the Worker checks them with `verifySessionToken`.
// Swap the whole file for your identity provider's tokens if you have one (see `authenticate` in index.js).

const VERSION = "v1";
const MAX_SUBJECT_LENGTH = 256;
const MIN_SECRET_LENGTH = 32;
/** Clock skew allowed between the login backend and the Worker for `iat`. */
const CLOCK_SKEW_SECONDS = 60;
/** The SESSION_SECRET placeholder of .dev.vars.example: a secret everyone has, so it is refused. */
export const PLACEHOLDER_SESSION_SECRET = "replace-me-with-at-least-32-random-characters-shared-with-your-login-backend";
const encoder = new TextEncoder();
const keys = new Map();

/**
 * Why `secret` cannot be a SESSION_SECRET (missing, too short, or the published placeholder), or null when
 * it can. The message names the variable and never holds the value.
 */
export function sessionSecretProblem(secret) {
  if (typeof secret !== "string" || secret.length === 0) return "SESSION_SECRET is not set";
  if (secret === PLACEHOLDER_SESSION_SECRET) {
    return "SESSION_SECRET is still the placeholder of .dev.vars.example; set your own random value (32 or more characters)";
  }
  if (secret.length < MIN_SECRET_LENGTH) return `SESSION_SECRET is shorter than ${MIN_SECRET_LENGTH} characters`;
  return null;
}

function hmacKey(secret) {
  const problem = sessionSecretProblem(secret);
  if (problem) throw new Error(problem);
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

function toBase64url(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * Mints a session token for `sub`, meant for the service `aud`, issued at `iat` (default now) and expiring
 * at `exp` (unix seconds).
 */
export async function signSessionToken(secret, { sub, aud, iat = Math.floor(Date.now() / 1000), exp }) {
  const claims = toBase64url(encoder.encode(JSON.stringify({ sub, aud, iat, exp })));
  const signed = `${VERSION}.${claims}`;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(signed));
  return `${signed}.${toBase64url(new Uint8Array(mac))}`;
}

/**
 * Checks a session token: its MAC (in constant time, by WebCrypto), its audience (`audience`), its
 * lifetime (`exp - iat` at most `maxLifetimeSeconds`, `iat` not in the future), its expiry and its subject.
 * Returns `{ sub, exp }`, or null for anything else.
 */
export async function verifySessionToken(token, secret, { audience, maxLifetimeSeconds, nowSeconds = Math.floor(Date.now() / 1000) }) {
  if (typeof audience !== "string" || audience === "") throw new Error("verifySessionToken needs the expected audience");
  if (!Number.isInteger(maxLifetimeSeconds) || maxLifetimeSeconds <= 0) throw new Error("verifySessionToken needs a maximum lifetime");
  if (typeof token !== "string" || token.length > 4096) return null;
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION) return null;
  const mac = fromBase64url(parts[2]);
  const claimsBytes = fromBase64url(parts[1]);
  if (!mac || !claimsBytes) return null;
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), mac, encoder.encode(`${parts[0]}.${parts[1]}`));
  if (!valid) return null;
  let claims;
  try {
    claims = JSON.parse(new TextDecoder().decode(claimsBytes));
  } catch {
    return null;
  }
  if (!claims || typeof claims.sub !== "string" || claims.sub.length === 0 || claims.sub.length > MAX_SUBJECT_LENGTH) return null;
  if (claims.aud !== audience) return null;
  if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp)) return null;
  if (claims.iat > nowSeconds + CLOCK_SKEW_SECONDS) return null;
  if (claims.exp - claims.iat > maxLifetimeSeconds || claims.exp <= claims.iat) return null;
  if (claims.exp <= nowSeconds) return null;
  return { sub: claims.sub, exp: claims.exp };
}
