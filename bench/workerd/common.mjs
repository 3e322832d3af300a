// What both benchmark Workers share: `GET /run?op=createUser|getToken|plainCreateUser|plainGetToken&n=N
// &concurrency=C` runs N calls (C at a time) against env.BASE (the canned server) and answers with the
// number that succeeded. "plain*" are the same requests with plain fetch and no signing (the floor).
// `extra` adds a Worker's own operations, called with (env, n, url).
const USER = "8:acs:ac5e0000-0000-4000-8000-000000000001_00000020-1111-2222-3333-444444444444";
const TOKEN_PATH = `/identities/${encodeURIComponent(USER)}/:issueAccessToken?api-version=2023-10-01`;

export function handler(makeClient, extra = {}) {
  let client;
  return {
    async fetch(request, env) {
      const url = new URL(request.url);
      const op = url.searchParams.get("op");
      const n = Number(url.searchParams.get("n") || 1);
      const concurrency = Number(url.searchParams.get("concurrency") || 1);
      client ||= makeClient(env);
      const user = { communicationUserId: USER };
      const calls = {
        createUser: async () => (await client.createUser()).communicationUserId,
        getToken: async () => (await client.getToken(user, ["voip"])).token,
        plainCreateUser: async () => (await (await fetch(`${env.BASE}/identities?api-version=2023-10-01`, { method: "POST", headers: { accept: "application/json" } })).json()).identity.id,
        plainGetToken: async () => (await (await fetch(`${env.BASE}${TOKEN_PATH}`, { method: "POST", headers: { accept: "application/json", "content-type": "application/json" }, body: '{"scopes":["voip"]}' })).json()).token,
      };
      if (extra[op]) return new Response(String(await extra[op](env, n, url)));
      const call = calls[op];
      if (!call) return new Response("no such op", { status: 404 });
      let ok = 0;
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          if (await call()) ok++;
        }
      }));
      return new Response(String(ok));
    },
  };
}
