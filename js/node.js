// Node.js entry: compiles the wasm module from the file next to this one, synchronously, at import.
import { readFileSync } from "node:fs";
import { initSync } from "./acs_identity_edge.js";

initSync({ module: readFileSync(new URL("./acs_identity_edge_bg.wasm", import.meta.url)) });

export * from "./api.js";
