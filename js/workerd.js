// Cloudflare Workers / workerd entry: the .wasm is imported as a module (Workers forbid compiling bytes).
import wasmModule from "./acs_identity_edge_bg.wasm";
import { initSync } from "./acs_identity_edge.js";

initSync({ module: wasmModule });

export * from "./api.js";
