// The benchmark Worker with this package (and the plain-fetch floor, in the same Worker). Also signs
// bodies of `size` bytes `n` times on the asynchronous path (createSignedFetch, whose fetch answers at
// once), next to crypto.subtle.digest of the same body alone.
import { CommunicationIdentityClient, createSignedFetch } from "acs-identity-edge";
import { handler } from "./common.mjs";

let signed;
const bodies = new Map();
const bodyOf = (url) => {
  const size = Number(url.searchParams.get("size"));
  if (!bodies.has(size)) bodies.set(size, new Uint8Array(size).fill(0x62));
  return bodies.get(size);
};

export default handler((env) => new CommunicationIdentityClient(env.CS), {
  async signBody(env, n, url) {
    signed ||= createSignedFetch(env.CS, { fetch: async () => new Response(null, { status: 204 }) });
    const body = bodyOf(url);
    let ok = 0;
    for (let i = 0; i < n; i++) if ((await signed("/emails:send?api-version=2023-03-31", { method: "POST", body })).status === 204) ok++;
    return ok;
  },
  async digestBody(env, n, url) {
    const body = bodyOf(url);
    let ok = 0;
    for (let i = 0; i < n; i++) if ((await crypto.subtle.digest("SHA-256", body)).byteLength === 32) ok++;
    return ok;
  },
});
