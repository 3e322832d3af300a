// The JS side of the WebAssembly module (src/wasm/mod.rs): JSON text in, JSON text out, through the
// module's memory. The runtime entries (node.js, workerd.js, browser.js) instantiate the module, which
// imports nothing, and hand the instance to `start`.
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Members the module writes as unix milliseconds; read back as Dates.
const DATES = ["expiresOn", "issuedAt", "lastTokenIssuedAt"];
let exports;

/** Makes `instance` (of acs_identity_edge_bg.wasm) the one every call goes to. */
export function start(instance) {
  exports = instance.exports;
}

/** Runs `op` on `input` (and `bytes`, the body to sign): `{ ok }`, `{}` or `{ error }`. */
export function run(op, input, bytes) {
  let text;
  try {
    text = JSON.stringify([op, input]);
  } catch {
    // A cycle or a BigInt: not something an argument of this API can hold.
    return { error: { code: "ERR_INVALID_ARGUMENT", message: "arguments must be plain JSON values", target: "input" } };
  }
  const n = bytes ? bytes.length : 0;
  const size = n + 3 * text.length;
  const at = exports.acs_input(size);
  const memory = new Uint8Array(exports.memory.buffer, at, size);
  if (n) memory.set(bytes);
  const length = exports.acs_call(n, encoder.encodeInto(text, memory.subarray(n)).written);
  const reply = decoder.decode(new Uint8Array(exports.memory.buffer, exports.acs_output(), length));
  return JSON.parse(reply, (key, value) => (typeof value === "number" && DATES.includes(key) ? new Date(value) : value));
}
