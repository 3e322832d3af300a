// Client overhead in Node: createUser and getToken calls per second against one local server that answers
// at once, for this package's client (the Node entry: node:http), the official SDK (node:http), plain fetch
// and plain node:http with no signing (the floors); sequential and 32 concurrent, interleaved; each
// reported also as a ratio to both floors.
import { spawn } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { CommunicationIdentityClient } from "acs-identity-edge";
import { CommunicationIdentityClient as OfficialClient } from "@azure/communication-identity";
import { interleave, rateAsync, rateConcurrent, progress } from "./lib.mjs";

export const KEY = Buffer.alloc(64, 9).toString("base64");

/** The canned server in its own process: `{ port, stop }`. */
export async function startServer() {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./canned-server.mjs", import.meta.url))], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise((resolvePort, reject) => {
    child.stdout.once("data", (d) => resolvePort(Number(String(d).trim())));
    child.once("exit", (code) => reject(new Error(`canned server exited (${code})`)));
  });
  return { port, stop: () => new Promise((r) => { child.once("exit", r); child.stdin.end(); }) };
}

export async function clientBench({ quick = false } = {}) {
  const server = await startServer();
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const cs = `endpoint=${base}/;accesskey=${KEY}`;
    const ours = new CommunicationIdentityClient(cs);
    // The official pipeline refuses plain http unless told; the server is on loopback.
    const official = new OfficialClient(cs, { allowInsecureConnection: true });
    const user = { communicationUserId: "8:acs:ac5e0000-0000-4000-8000-000000000001_00000020-1111-2222-3333-444444444444" };
    const tokenPath = `/identities/${encodeURIComponent(user.communicationUserId)}/:issueAccessToken?api-version=2023-10-01`;
    const plain = {
      createUser: async () => (await fetch(`${base}/identities?api-version=2023-10-01`, { method: "POST", headers: { accept: "application/json" } })).json(),
      getToken: async () =>
        (await fetch(`${base}${tokenPath}`, { method: "POST", headers: { accept: "application/json", "content-type": "application/json" }, body: '{"scopes":["voip"]}' })).json(),
    };
    // The same two requests over node:http with a keep-alive agent: the floor of the Node entry's transport.
    const agent = new http.Agent({ keepAlive: true });
    const viaHttp = (path, headers, body) => new Promise((resolve, reject) => {
      const req = http.request(`${base}${path}`, { method: "POST", agent, headers }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
    const plainHttp = {
      createUser: () => viaHttp("/identities?api-version=2023-10-01", { accept: "application/json" }),
      getToken: () => viaHttp(tokenPath, { accept: "application/json", "content-type": "application/json" }, '{"scopes":["voip"]}'),
    };
    const contenders = [
      { name: "plain fetch (no signing)", createUser: plain.createUser, getToken: plain.getToken },
      { name: "plain node:http (no signing)", createUser: plainHttp.createUser, getToken: plainHttp.getToken },
      { name: "ours", createUser: () => ours.createUser(), getToken: () => ours.getToken(user, ["voip"]) },
      { name: "official SDK", createUser: () => official.createUser(), getToken: () => official.getToken(user, ["voip"]) },
    ];
    // Warm up every path (JIT, keep-alive connections) and check that each really works.
    for (const c of contenders) {
      for (let i = 0; i < 50; i++) {
        await c.createUser();
        const t = await c.getToken();
        if (!t.token) throw new Error(`bench: ${c.name} getToken returned no token`);
      }
    }
    const roundMs = quick ? 300 : 1000;
    const rounds = quick ? 2 : 5;
    const results = {};
    for (const op of ["createUser", "getToken"]) {
      for (const [mode, measure] of [
        ["sequential", (c) => rateAsync(c[op], roundMs)],
        ["32 concurrent", (c) => rateConcurrent(c[op], roundMs, 32)],
      ]) {
        progress(`client overhead, ${op}, ${mode}`);
        const r = await interleave(contenders, rounds, measure);
        const floor = r["plain fetch (no signing)"].median;
        const httpFloor = r["plain node:http (no signing)"].median;
        results[`${op}, ${mode}`] = Object.fromEntries(
          Object.entries(r).map(([name, v]) => [name, { callsPerSecond: Math.round(v.median), ratioToPlainFetch: +(floor / v.median).toFixed(2), ratioToPlainHttp: +(httpFloor / v.median).toFixed(2) }]),
        );
      }
    }
    agent.destroy();
    return { results, note: "ratioToPlainFetch = plain fetch rate / contender rate (1.00 = no overhead); ratioToPlainHttp the same against plain node:http" };
  } finally {
    await server.stop();
  }
}
