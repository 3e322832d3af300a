// examples/quickstart.mjs when a step fails: one line on stderr saying which step and why (the error's
// code), exit code 1, no stack trace and never the key. The successful run is in client.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { repoRoot } from "../support/emulator.mjs";

const KEY = Buffer.from("quickstart-failure-test-key-0123456789abcdef").toString("base64");

function runQuickstart(connectionString) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["examples/quickstart.mjs"], {
      cwd: repoRoot,
      env: { ...process.env, COMMUNICATION_SERVICES_CONNECTION_STRING: connectionString },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function assertOneLine(run, pattern) {
  const lines = run.stderr.split("\n").filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, `one line on stderr:\n${run.stderr}`);
  assert.match(lines[0], pattern);
  assert.ok(!/^\s+at /m.test(run.stderr + run.stdout), `no stack trace:\n${run.stderr}`);
  assert.ok(!(run.stderr + run.stdout).includes(KEY), "no key");
  assert.equal(run.code, 1, `exit code 1 (got ${run.code}, ${run.signal})`);
}

test("the quickstart against a closed port: one line naming the step and the network error, exit 1", async () => {
  const run = await runQuickstart(`endpoint=http://127.0.0.1:${await closedPort()}/;accesskey=${KEY}`);
  assertOneLine(run, /^Quickstart failed: could not create an identity: .*\(ERR_NETWORK[,)]/);
  assert.match(run.stdout, /Access Tokens Quickstart/);
  assert.doesNotMatch(run.stdout, /Created an identity/);
});

test("the quickstart with a malformed connection string: one line, exit 1", async () => {
  const run = await runQuickstart("endpoint=http://127.0.0.1:1/;accesskey=not base64!");
  assertOneLine(run, /^Quickstart failed: could not create the identity client: .*\(ERR_INVALID_CONNECTION_STRING\)$/);
});

test("the quickstart when the service refuses: one line with the service's status, exit 1", async () => {
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "Denied", message: "Denied by the test server." } }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const run = await runQuickstart(`endpoint=http://127.0.0.1:${server.address().port}/;accesskey=${KEY}`);
    assertOneLine(run, /^Quickstart failed: could not create an identity: .*\(ERR_SERVICE, status 401\)$/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
