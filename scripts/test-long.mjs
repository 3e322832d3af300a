// `npm run test:long`: the full-size hardening runs that `npm test` scales down.
//   - differential signing: 100,000 seeded requests (npm test: 2,000)
//   - emulator robustness, release build: 50,000 requests over 64 connections, an 8 s SIGKILL window, and
//     stalled request bodies and idle keep-alive connections must be closed (npm test: 10,000 requests,
//     a 2.5 s window, header-less connections only)
//   node scripts/test-long.mjs [--skip-build] [--seed N]
// Ends with `N passed, M failed`.
import { run, cargoCounts, nodeTestCounts } from "./runner.mjs";
import { build } from "./build.mjs";

const args = process.argv.slice(2);
const seedArg = args.indexOf("--seed");
const seed = seedArg >= 0 ? args[seedArg + 1] : undefined;
const results = [];

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

const nodeCounts = (out) => nodeTestCounts(out, true);

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
