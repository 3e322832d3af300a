// What would be published, checked without publishing: the npm tarball's file list (`npm pack --dry-run`),
// and each crate's packaged files (`cargo package --list`) and crates.io metadata. `cargo publish --dry-run
// --workspace`, which also compiles the packaged crates, is the release check (see the README).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/emulator.mjs";

const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));

/** `cargo package --list` of one workspace member: the paths that would go into its .crate. */
function cargoPackageList(name) {
  const out = execFileSync("cargo", ["package", "--list", "--allow-dirty", "--offline", "-p", name], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return out.split("\n").map((l) => l.trim()).filter(Boolean);
}

function cargoMetadata() {
  const out = execFileSync("cargo", ["metadata", "--no-deps", "--format-version", "1", "--offline"], { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 << 20 });
  return Object.fromEntries(JSON.parse(out).packages.map((p) => [p.name, p]));
}

// Files cargo adds to every .crate by itself: the normalised manifest, the original one, the lockfile and the
// VCS note (absent outside a git checkout).
const CARGO_GENERATED = new Set(["Cargo.toml", "Cargo.toml.orig", "Cargo.lock", ".cargo_vcs_info.json"]);

describe("publishing", () => {
  it("npm pack ships dist/, the README, the license and package.json, and nothing else", () => {
    // --ignore-scripts: prepack (the build) has run already in `npm test`; this checks the list only.
    const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8" }));
    const files = packed.files.map((f) => f.path).sort();
    const outside = files.filter((f) => !f.startsWith("dist/") && !["README.md", "LICENSE", "package.json"].includes(f));
    assert.deepEqual(outside, [], "only dist/, README.md, LICENSE and package.json");
    for (const f of ["README.md", "LICENSE", "package.json", "dist/node.js", "dist/workerd.js", "dist/browser.js", "dist/index.d.ts", "dist/acs_identity_edge_bg.wasm"]) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    assert.ok(!files.some((f) => f.endsWith(".map") || f.endsWith(".rs") || f.includes("test")), files.join(", "));
    assert.ok(packed.size < 150_000, `the tarball stays small (${packed.size} bytes)`);
  });

  it("npm pack builds dist/ first (prepack), and the license is the package's", () => {
    // The build's report goes to stderr, so that `npm pack --json` prints JSON only.
    assert.equal(pkg.scripts.prepack, "node scripts/build.mjs 1>&2", "prepack runs the build, so no stale dist/ is published");
    assert.equal(pkg.license, "MIT");
    const license = readFileSync(join(repoRoot, "LICENSE"), "utf8");
    assert.match(license, /^MIT License\n/);
    assert.match(license, /Copyright \(c\) \d{4} acs-identity-edge contributors/);
    assert.equal(readFileSync(join(repoRoot, "emulator", "LICENSE"), "utf8"), license, "the emulator crate ships the same license");
  });

  it("both crates carry the metadata crates.io needs, and the emulator can be published after the library", () => {
    const meta = cargoMetadata();
    for (const name of ["acs-identity-edge", "acs-emulator"]) {
      const p = meta[name];
      assert.ok(p, name);
      for (const field of ["description", "license", "repository", "readme", "rust_version"]) assert.ok(p[field], `${name}: ${field}`);
      assert.equal(p.license, "MIT", name);
      assert.ok(p.keywords.length >= 1 && p.keywords.length <= 5, `${name}: 1 to 5 keywords`);
      for (const k of p.keywords) assert.match(k, /^[a-z][a-z0-9_-]{0,19}$/, `${name}: keyword ${k}`);
      assert.ok(p.categories.length >= 1 && p.categories.length <= 5, `${name}: 1 to 5 categories`);
      assert.equal(p.publish, null, `${name} is publishable`);
      assert.equal(p.version, pkg.version, `${name}: the same version as the npm package`);
    }
    const dep = meta["acs-emulator"].dependencies.find((d) => d.name === "acs-identity-edge");
    assert.equal(dep.req, `^${meta["acs-identity-edge"].version}`, "the path dependency names the library's version");
  });

  for (const [name, dir, entry] of [["acs-identity-edge", ".", "src/lib.rs"], ["acs-emulator", "emulator", "src/main.rs"]]) {
    it(`the ${name} crate packages its sources, README and license only, and stays small`, () => {
      const files = cargoPackageList(name);
      const own = files.filter((f) => !CARGO_GENERATED.has(f));
      const readme = cargoMetadata()[name].readme;
      const outside = own.filter((f) => !(f.startsWith("src/") || f === "README.md" || f === readme || f === "LICENSE"));
      assert.deepEqual(outside, [], `${name}: no tests, benchmarks, fuzz targets, scripts or web files`);
      for (const f of [entry, "README.md", readme, "LICENSE", "Cargo.toml"]) assert.ok(files.includes(f), `${name}: ${f} is packaged`);
      const bytes = own.reduce((total, f) => total + statSync(join(repoRoot, dir, f)).size, 0);
      assert.ok(own.length <= 40, `${name}: ${own.length} files`);
      assert.ok(bytes < 512 * 1024, `${name}: ${bytes} bytes before compression`);
    });
  }
});
