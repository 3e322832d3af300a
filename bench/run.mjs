// `npm run bench`: every benchmark of issue 8 in one run on this machine, contenders interleaved. Prints
// a summary and writes bench/results.json and bench/RESULTS.md. Timings are reported, never asserted.
//   node bench/run.mjs [--quick] [--only size,signing,client,workerd,native,cold,emulator,memory] [--render]
// --quick shortens every phase (for trying the harness; its numbers are not the reported ones);
// --render only rewrites RESULTS.md from results.json.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem, release, platform } from "node:os";
import { join } from "node:path";
import { root } from "../scripts/setup.mjs";
import { emulatorBinary } from "../tests/support/emulator.mjs";
import { progress } from "./lib.mjs";
import { renderMarkdown, renderSummary } from "./report.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : null;
const want = (name) => !only || only.includes(name);

function machine() {
  const version = (cmd, argv) => {
    const r = spawnSync(cmd, argv, { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim().split("\n")[0] : "unknown";
  };
  const cpu = cpus();
  return {
    cpu: cpu[0] ? cpu[0].model.trim() : "unknown",
    logicalCores: cpu.length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `${platform()} ${release()}`,
    node: process.version,
    rustc: version("rustc", ["--version"]),
    date: new Date().toISOString(),
  };
}

async function main() {
  if (args.includes("--render")) {
    const results = JSON.parse(readFileSync(join(root, "bench", "results.json"), "utf8"));
    writeFileSync(join(root, "bench", "RESULTS.md"), renderMarkdown(results));
    console.log(renderSummary(results));
    return;
  }
  // The package and the emulator as the tests use them.
  if (!existsSync(join(root, "dist", "acs_identity_edge_bg.wasm")) || args.includes("--build")) {
    progress("building the package");
    const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "--skip-setup"], { stdio: "inherit", env: { ...process.env, ACS_BUILD_NO_BUDGET: "1" } });
    if (r.status !== 0) throw new Error("bench: the package build failed");
  }
  if (!existsSync(emulatorBinary) && (want("emulator") || want("memory"))) {
    progress("building the emulator");
    const r = spawnSync("cargo", ["build", "--release", "-p", "acs-emulator"], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) throw new Error("bench: the emulator build failed");
  }

  const results = { machine: machine(), quick };
  if (want("size")) {
    progress("size");
    results.size = await (await import("./size.mjs")).sizeBench();
  }
  if (want("signing")) results.signing = await (await import("./signing.mjs")).signingBench({ quick });
  if (want("client")) results.client = await (await import("./client.mjs")).clientBench({ quick });
  if (want("workerd")) results.workerd = await (await import("./workerd.mjs")).workerdBench({ quick });
  if (want("native")) results.native = await (await import("./native.mjs")).nativeBench({ quick });
  if (want("cold")) {
    const cold = await import("./cold-start.mjs");
    results.coldStart = { node: await cold.nodeColdStart({ runs: quick ? 5 : 20 }), workerd: await cold.workerdColdStart({ runs: quick ? 2 : 7 }) };
  }
  if (want("emulator")) results.emulator = await (await import("./emulator.mjs")).emulatorBench({ quick });
  if (want("memory")) results.emulatorMemory = await (await import("./emulator.mjs")).emulatorMemoryBench({ quick });

  const dir = join(root, "bench");
  if (!quick && !only) {
    writeFileSync(join(dir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(dir, "RESULTS.md"), renderMarkdown(results));
    progress("wrote bench/results.json and bench/RESULTS.md");
  } else {
    progress("partial or --quick run: results.json and RESULTS.md left as they are");
  }
  console.log(renderSummary(results));
  if (results.native) console.log((await import("./native.mjs")).nativeSummary(results.native));
}

main().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});
