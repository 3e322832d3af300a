// Writes .dev.vars for `npx wrangler dev`: .dev.vars.example with its SESSION_SECRET placeholder replaced by
// a fresh random secret (the Worker refuses the placeholder), and optionally another connection string.
//   node scripts/dev-vars.mjs [--connection-string "endpoint=...;accesskey=..."] [--force]
// It never overwrites an existing .dev.vars without --force. `readDevVars` is what session-token.mjs reads.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PLACEHOLDER_SESSION_SECRET } from "../src/session.js";

const exampleDir = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The `KEY="value"` (or `KEY=value`) lines of a .dev.vars file, as an object; {} when there is none. */
export function readDevVars(dir = process.cwd()) {
  const file = join(dir, ".dev.vars");
  if (!existsSync(file)) return {};
  const vars = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^#]*?))\s*(?:#.*)?$/.exec(line);
    if (m) vars[m[1]] = m[2] ?? m[3] ?? m[4];
  }
  return vars;
}

/** .dev.vars.example with a random SESSION_SECRET (and `connectionString` when given). */
export function devVarsText({ connectionString } = {}) {
  let text = readFileSync(join(exampleDir, ".dev.vars.example"), "utf8");
  if (!text.includes(`"${PLACEHOLDER_SESSION_SECRET}"`)) throw new Error(".dev.vars.example has no SESSION_SECRET placeholder");
  text = text.replace(`"${PLACEHOLDER_SESSION_SECRET}"`, `"${randomBytes(32).toString("base64url")}"`);
  if (connectionString !== undefined) {
    if (/["\r\n]/.test(connectionString)) throw new Error("the connection string cannot hold quotes or line breaks");
    text = text.replace(/^ACS_CONNECTION_STRING=.*$/m, `ACS_CONNECTION_STRING="${connectionString}"`);
  }
  return text.replace(/^# Copy to \.dev\.vars.*\n/m, "# Written by scripts/dev-vars.mjs from .dev.vars.example. Never commit this file.\n");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--connection-string");
  const connectionString = at >= 0 ? args[at + 1] : undefined;
  const unknown = args.filter((a, i) => a !== "--force" && a !== "--connection-string" && !(at >= 0 && i === at + 1));
  if ((at >= 0 && !connectionString) || unknown.length > 0) {
    console.error('usage: node scripts/dev-vars.mjs [--connection-string "endpoint=...;accesskey=..."] [--force]');
    process.exit(2);
  }
  const target = join(process.cwd(), ".dev.vars");
  if (existsSync(target) && !args.includes("--force")) {
    console.error(`${target} exists; keeping it (pass --force to replace it)`);
    process.exit(1);
  }
  writeFileSync(target, devVarsText({ connectionString }), { mode: 0o600 });
  console.log(`wrote ${target} with a new random SESSION_SECRET`);
}
