// `npm run test:long`: the full-size hardening runs that `npm test` scales down.
//   - differential signing: 100,000 seeded requests (npm test: 2,000)
//   - emulator robustness, release build: 50,000 requests over 64 connections, an 8 s SIGKILL window, and
//     stalled request bodies and idle keep-alive connections must be closed (npm test: 10,000 requests,
//     a 2.5 s window, header-less connections only)
//   node scripts/test-long.mjs [--skip-build] [--seed N]
// Ends with `N passed, M failed`.
import { spawn } from "node:child_process";
import { root } from "./setup.mjs";
import { build } from "./build.mjs";

const args = process.argv.slice(2);
const seedArg = args.indexOf("--seed");
const seed = seedArg >= 0 ? args[seedArg + 1] : undefined;
const results = [];

function run(cmd, argv, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const tee = (stream) => (chunk) => {
      out += chunk;
      stream.write(chunk);
    };
    child.stdout.on("data", tee(process.stdout));
    child.stderr.on("data", tee(process.stderr));
    child.on("error", (e) => resolve({ code: 127, out: `${out}\n${e.message}` }));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

async function step(name, cmd, argv, env, count) {
  console.log(`\n=== ${name}`);
  const started = Date.now();
  const { code, out } = await run(cmd, argv, env);
  const c = count(out);
  if (code !== 0 && c.failed === 0) c.failed = 1;
  if (c.passed + c.failed === 0) c.failed = 1;
  results.push({ name, ...c });
  console.log(`--- ${name}: ${c.passed} passed, ${c.failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const nodeCounts = (out) => ({
  passed: [...out.matchAll(/^# pass (\d+)$/gm)].reduce((t, m) => t + Number(m[1]), 0),
  failed: [...out.matchAll(/^# (?:fail|cancelled|skipped|todo) (\d+)$/gm)].reduce((t, m) => t + Number(m[1]), 0),
});
const cargoCounts = (out) => {
  let passed = 0, failed = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
};

async function main() {
  if (!args.includes("--skip-build")) {
    process.env.ACS_BUILD_NO_BUDGET = "1";
    build();
  }
  await step("differential signing, 100,000 cases", process.execPath,
    ["--test", "--test-reporter=tap", "tests/js/differential.test.mjs"],
    { ACS_DIFF_CASES: "100000", ...(seed ? { ACS_DIFF_SEED: seed } : {}) }, nodeCounts);
  await step("emulator robustness, full size", "cargo",
    ["test", "--release", "-p", "acs-emulator", "--test", "robustness", "--", "--nocapture"],
    { ACS_ROBUSTNESS_FULL: "1" }, cargoCounts);
  const passed = results.reduce((t, r) => t + r.passed, 0);
  const failed = results.reduce((t, r) => t + r.failed, 0);
  console.log("\nsummary:");
  for (const r of results) console.log(`  ${r.name.padEnd(40)} ${r.passed} passed, ${r.failed} failed`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
