// Node.js entry: compiles the wasm module from the file next to this one, synchronously, at import, and
// sends the client's calls with node:http.
import { readFileSync } from "node:fs";
import { initSync } from "./acs_identity_edge.js";
import { entry } from "./transport.js";
import { send } from "./node-http.js";

// Calls go over node:http (see node-http.js), except in Bun, whose global fetch is its own fast one.
if (!globalThis.Bun) entry.send = send;

initSync({ module: readFileSync(new URL("./acs_identity_edge_bg.wasm", import.meta.url)) });

export * from "./api.js";
