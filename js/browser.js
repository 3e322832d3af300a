// Browsers, bundlers (Vite, esbuild) and Deno: fetches and instantiates the .wasm next to this file
// (compiling while it downloads where the server sends it as application/wasm).
import { start } from "./acs_identity_edge.js";

const url = new URL("./acs_identity_edge_bg.wasm", import.meta.url);
const { instance } = await WebAssembly.instantiateStreaming(fetch(url))
  .catch(async () => WebAssembly.instantiate(await (await fetch(url)).arrayBuffer()));
start(instance);

export * from "./api.js";
