// The emulator under load: signed issueAccessToken requests per second and p50/p99 latency with 32 and 128
// connections, in memory and with --data (SQLite); and its memory (RSS) at 1e5 and 1e6 identities.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommunicationIdentityClient, signRequest } from "acs-identity-edge";
import { startEmulator } from "../tests/support/emulator.mjs";
import { load, rawRequest } from "./load.mjs";
import { percentile, progress } from "./lib.mjs";

const QUIET = { env: { RUST_LOG: "error" } };

/** A request signed now for `emu`, as raw bytes the load generator can send again and again. */
function signedRequest(emu, method, path, body = "") {
  const url = `${emu.url}${path}`;
  const headers = signRequest(emu.connectionString, { method, url, body });
  const host = new URL(emu.url).host;
  return rawRequest(method, path, host, { ...headers, accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) }, body);
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function issueTokenLoad(options, durationMs) {
  const emu = await startEmulator({ ...options, ...QUIET });
  try {
    const client = new CommunicationIdentityClient(emu.connectionString);
    const user = await client.createUser();
    const path = `/identities/${encodeURIComponent(user.communicationUserId)}/:issueAccessToken?api-version=2023-10-01`;
    const request = signedRequest(emu, "POST", path, '{"scopes":["chat","voip"]}');
    const rows = [];
    for (const connections of [32, 128]) {
      progress(`emulator issueAccessToken, ${connections} connections, ${durationMs / 1000} s${options.data ? ", --data" : ""}`);
      const r = await load({ port: emu.port, request, connections, durationMs, expectStatus: 200 });
      rows.push({
        connections,
        requests: r.requests,
        errors: r.errors,
        rps: Math.round(r.rps),
        p50Ms: +percentile(r.latenciesMs, 50).toFixed(2),
        p99Ms: +percentile(r.latenciesMs, 99).toFixed(2),
      });
    }
    return rows;
  } finally {
    await emu.stop();
  }
}

export async function emulatorBench({ quick = false } = {}) {
  const durationMs = quick ? 3000 : 20_000;
  const dir = mkdtempSync(join(tmpdir(), "acs-bench-emulator-"));
  try {
    const memory = await issueTokenLoad({}, durationMs);
    const data = await issueTokenLoad({ data: join(dir, "identities.sqlite") }, durationMs);
    return { durationSeconds: durationMs / 1000, inMemory: memory, withData: data };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function emulatorMemoryBench({ quick = false } = {}) {
  const targets = quick ? [10_000, 100_000] : [100_000, 1_000_000];
  const emu = await startEmulator(QUIET);
  try {
    const pid = emu.process.pid;
    const rows = [{ identities: 0, rssMiB: +(rssKiB(pid) / 1024).toFixed(1) }];
    let created = 0;
    for (const target of targets) {
      progress(`emulator memory: creating identities up to ${target}`);
      while (created < target) {
        // One signature serves many requests within the emulator's clock-skew window; re-sign per batch.
        const request = signedRequest(emu, "POST", "/identities?api-version=2023-10-01");
        const r = await load({ port: emu.port, request, connections: 64, durationMs: 60_000, maxRequests: target - created, expectStatus: 201 });
        if (r.ok === 0) throw new Error("bench: the emulator created no identities");
        created += r.ok;
      }
      rows.push({ identities: created, rssMiB: +(rssKiB(pid) / 1024).toFixed(1) });
    }
    return { rows };
  } finally {
    await emu.stop();
  }
}
