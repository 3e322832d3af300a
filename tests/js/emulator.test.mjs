// Self-test of tests/support/emulator.mjs: it starts the built emulator, parses its line, and stops it.
// Uses only Node built-ins (HMAC signing with node:crypto).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, repoRoot } from "../support/emulator.mjs";

/** Signs a request the way the ACS SDKs do and sends it with fetch. */
async function signedFetch(emu, method, pathAndQuery, body = "", extraHeaders = {}) {
  const url = new URL(pathAndQuery, emu.url);
  const date = new Date().toUTCString();
  const hash = createHash("sha256").update(body).digest("base64");
  const toSign = `${method}\n${pathAndQuery}\n${date};${url.host};${hash}`;
  const signature = createHmac("sha256", Buffer.from(emu.accessKey, "base64")).update(toSign).digest("base64");
  return fetch(url, {
    method,
    body: method === "GET" || method === "DELETE" ? undefined : body,
    headers: {
      "content-type": "application/json",
      "x-ms-date": date,
      "x-ms-content-sha256": hash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
      ...extraHeaders,
    },
  });
}

test("starts, answers signed requests, and stops on SIGTERM", async () => {
  const emu = await startEmulator();
  try {
    assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(emu.connectionString, `endpoint=${emu.url}/;accesskey=${emu.accessKey}`);
    assert.equal(Number(new URL(emu.url).port), emu.port);
    const health = await fetch(`${emu.url}/emulator/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, "ok");

    const created = await signedFetch(emu, "POST", "/identities?api-version=2023-10-01", '{"createTokenWithScopes":["voip"]}');
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("content-type"), "application/json; charset=utf-8");
    const body = await created.json();
    assert.match(body.identity.id, /^8:acs:/);
    assert.match(body.accessToken.expiresOn, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);

    const who = await fetch(`${emu.url}/emulator/whoami`, { headers: { authorization: `Bearer ${body.accessToken.token}` } });
    assert.equal(who.status, 200);
    assert.equal((await who.json()).id, body.identity.id);

    const unsigned = await fetch(`${emu.url}/identities?api-version=2023-10-01`, { method: "POST", body: "{}" });
    assert.equal(unsigned.status, 401);
    assert.match(emu.logs(), /route="POST \/identities" status=201/);
  } finally {
    const status = await emu.stop();
    assert.equal(status.code, 0);
  }
  assert.notEqual(emu.process.exitCode, null);
  await assert.rejects(fetch(`${emu.url}/emulator/health`));
  // stop() twice is harmless.
  assert.deepEqual(await emu.stop(), { code: 0, signal: null });
});

test("passes options: data survives a restart, faults, extra args, env", async () => {
  const dir = mkdtempSync(join(tmpdir(), "acs-emulator-js-"));
  const data = join(dir, "acs.sqlite");
  const first = await startEmulator({ data, faults: true, extraArgs: ["--max-skew-seconds", "60"] });
  let id;
  try {
    const plain = await signedFetch(first, "POST", "/identities?api-version=2023-10-01", "{}");
    assert.equal(plain.status, 201, "no fault header, no fault");
    const r = await signedFetch(first, "POST", "/identities?api-version=2023-10-01", "{}", { "x-emulator-fault": "503" });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get("retry-after"), "1");
    const created = await signedFetch(first, "POST", "/identities?api-version=2025-03-02-preview", '{"customId":"js-self-test"}');
    id = (await created.json()).identity.id;
  } finally {
    await first.stop();
  }
  const resource = "11111111-2222-4333-8444-555555555555";
  const second = await startEmulator({ data, env: { ACS_EMULATOR_RESOURCE_ID: resource } }).catch((e) => e);
  assert.ok(second instanceof Error, "a data file refuses another resource id");
  assert.match(second.message, /--resource-id/);
  const third = await startEmulator({ data });
  try {
    const again = await signedFetch(third, "POST", "/identities?api-version=2025-03-02-preview", '{"customId":"js-self-test"}');
    assert.equal((await again.json()).identity.id, id);
  } finally {
    await third.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("tls writes a certificate that verifies the server", async () => {
  const emu = await startEmulator({ tls: true });
  try {
    assert.match(emu.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(emu.certFile, "utf8");
    assert.match(ca, /BEGIN CERTIFICATE/);
    const status = await new Promise((resolve, reject) => {
      const req = httpsRequest(`${emu.url}/emulator/health`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 200);
  } finally {
    await emu.stop();
    rmSync(emu.certFile, { force: true });
  }
});

test("a missing binary fails clearly", async () => {
  await assert.rejects(
    startEmulator({ binary: join(repoRoot, "target", "release", "no-such-emulator") }),
    /cargo build --release -p acs-emulator/,
  );
});
