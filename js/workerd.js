// Cloudflare Workers / workerd entry: the .wasm is imported as a module (Workers forbid compiling bytes).
import wasmModule from "./acs_identity_edge_bg.wasm";
import { start } from "./acs_identity_edge.js";

start(new WebAssembly.Instance(wasmModule));

export * from "./api.js";
