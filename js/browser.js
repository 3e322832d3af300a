// Browsers, bundlers (Vite, esbuild) and Deno: fetches and instantiates the .wasm next to this file.
import init from "./acs_identity_edge.js";

await init({ module_or_path: new URL("./acs_identity_edge_bg.wasm", import.meta.url) });

export * from "./api.js";
