// The app's own session tokens, which the token service trusts to say who the caller is. This is the
// app's scheme, not ACS's: an HMAC-SHA256 (WebCrypto) over the claims, keyed with SESSION_SECRET.
//
//   v1.<base64url(JSON {"sub": app user id, "exp": unix seconds})>.<base64url(HMAC-SHA256(secret, "v1.<claims>"))>
//
// Your login backend mints these with `signSessionToken`; the Worker checks them with `verifySessionToken`.
// Swap the whole file for your identity provider's tokens if you have one (see `authenticate` in index.js).

const VERSION = "v1";
const MAX_SUBJECT_LENGTH = 256;
const encoder = new TextEncoder();
const keys = new Map();

function hmacKey(secret) {
  if (typeof secret !== "string" || secret.length < 32) {
    throw new Error("SESSION_SECRET must be a string of at least 32 characters");
  }
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

/** Mints a session token for `sub` that expires at `exp` (unix seconds). */
export async function signSessionToken(secret, { sub, exp }) {
  const claims = toBase64url(encoder.encode(JSON.stringify({ sub, exp })));
  const signed = `${VERSION}.${claims}`;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(signed));
  return `${signed}.${toBase64url(new Uint8Array(mac))}`;
}

/**
 * Checks a session token: its MAC (in constant time, by WebCrypto), its expiry and its subject.
 * Returns `{ sub, exp }`, or null for anything else.
 */
export async function verifySessionToken(token, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
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
  if (!Number.isFinite(claims.exp) || claims.exp <= nowSeconds) return null;
  return { sub: claims.sub, exp: claims.exp };
}
