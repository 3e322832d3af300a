// `npm start`: builds the package, then (once the emulator exists) runs the quickstart against it.
import { build } from "./build.mjs";

build();
console.log("\nnpm start: the local emulator is not yet available; the package is built in dist/.");
