// What `npm test` and `npm run test:long` share: running a command while echoing its output, and
// reading the pass/fail counts from the closing lines of cargo test and node's test runner (TAP).
import { spawn } from "node:child_process";
import { root } from "./setup.mjs";

/** Runs `cmd` in the repo root, echoing its output; resolves `{ code, out }` (never rejects). */
export function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
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

/** Sums cargo test's `test result: ... N passed; M failed` lines. */
export function cargoCounts(out) {
  let passed = 0;
  let failed = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

/** Sums node's TAP `# pass N` / `# fail N` lines; cancelled tests fail, and skipped or todo ones too when
 * `strict` (CI, or the long runs). */
export function nodeTestCounts(out, strict) {
  const sum = (re) => [...out.matchAll(re)].reduce((t, m) => t + Number(m[1]), 0);
  const skipped = sum(/^# (?:skipped|todo) (\d+)$/gm);
  return {
    passed: sum(/^# pass (\d+)$/gm),
    failed: sum(/^# fail (\d+)$/gm) + sum(/^# cancelled (\d+)$/gm) + (strict ? skipped : 0),
    skipped,
  };
}
