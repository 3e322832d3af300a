// The protocol facts of the library, read from its Rust source, where each is defined once: the
// api-versions, scopes and token lifetime bounds (src/operations/mod.rs), the operation names
// (src/operations/operation.rs) and the error codes (src/error.rs). Test suites import these instead of
// keeping copies; tests/js/facts.test.mjs checks the copies that the package's JS, its types and the demo
// page must keep against them.
//
//   import { facts } from "../support/facts.mjs";
//   facts.knownApiVersions // ["2021-03-07", ...]
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (path) => readFileSync(join(root, path), "utf8");

const operations = read("src/operations/mod.rs");
const operationKinds = read("src/operations/operation.rs");
const errors = read("src/error.rs");

/** The `&str` constants of a Rust source (`pub const NAME: &str = "value";`), by name. */
function stringConstants(source) {
  const out = new Map();
  for (const [, name, value] of source.matchAll(/pub const (\w+): &str = "([^"]*)";/g)) out.set(name, value);
  return out;
}

/** The items of the list `pub const NAME: ... = [ ... ];` (or `&[ ... ]`), string literals or constant names. */
function list(source, name, constants) {
  const m = source.match(new RegExp(`pub const ${name}: [^=]+= &?\\[([^\\]]*)\\];`));
  if (!m) throw new Error(`no list ${name} in the Rust source`);
  return m[1].split(",").map((s) => s.trim()).filter(Boolean).map((item) => {
    if (item.startsWith('"')) return JSON.parse(item);
    if (!constants.has(item)) throw new Error(`${name}: unknown constant ${item}`);
    return constants.get(item);
  });
}

function number(source, name) {
  const m = source.match(new RegExp(`pub const ${name}: u32 = (\\d+);`));
  if (!m) throw new Error(`no constant ${name} in the Rust source`);
  return Number(m[1]);
}

const constants = stringConstants(operations);
const identityApiVersions = list(operations, "IDENTITY_API_VERSIONS", constants);
if (identityApiVersions[0] !== constants.get("LEGACY_API_VERSION")) {
  throw new Error("IDENTITY_API_VERSIONS must start with LEGACY_API_VERSION (KNOWN_API_VERSIONS is the rest)");
}
const scopeModule = operations.slice(operations.indexOf("pub mod scope {"));

export const facts = Object.freeze({
  defaultApiVersion: constants.get("DEFAULT_API_VERSION"),
  previewApiVersion: constants.get("PREVIEW_API_VERSION"),
  legacyApiVersion: constants.get("LEGACY_API_VERSION"),
  /** The api-versions of the identity operations the library builds (IDENTITY_API_VERSIONS without the 2020 API). */
  knownApiVersions: identityApiVersions.slice(1),
  teamsApiVersions: list(operations, "TEAMS_API_VERSIONS", constants),
  scopes: list(scopeModule, "ALL", stringConstants(scopeModule)),
  minExpiresInMinutes: number(operations, "MIN_EXPIRES_IN_MINUTES"),
  maxExpiresInMinutes: number(operations, "MAX_EXPIRES_IN_MINUTES"),
  /** Every `ERR_*` code of the library: ErrorKind::code's and INTERNAL_ERROR_CODE. */
  errorCodes: [...new Set([...errors.matchAll(/"(ERR_[A-Z_]+)"/g)].map((m) => m[1]))],
  /** The operation names (Operation::NAME of each operation!(...) in operation.rs). */
  operationNames: [...operationKinds.matchAll(/^\s+\w+, "(\w+)", /gm)].map((m) => m[1]),
  /** How many variants `enum OperationKind` has, and how many `OperationKind::ALL` lists. */
  operationKindVariants: (operationKinds.match(/pub enum OperationKind \{([^}]*)\}/)[1].match(/^\s+\w+,$/gm) || []).length,
  operationKindAll: (operationKinds.match(/pub const ALL: \[OperationKind; \d+\] = \[([^\]]*)\]/)[1].match(/OperationKind::\w+/g) || []).length,
});
