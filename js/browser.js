// Browsers, bundlers (Vite, esbuild) and Deno: fetches and instantiates the .wasm next to this file
// (compiling while it downloads where the server sends it as application/wasm).
import init from "./acs_identity_edge.js";

await init({ module_or_path: new URL("./acs_identity_edge_bg.wasm", import.meta.url) });

export * from "./api.js";
