// The conformance suite inside workerd: a Worker that imports the package by name (as a Worker bundler
// resolves it, with the "workerd" export condition) and runs one case per request.
//   GET /cases            -> the case names, in order
//   GET /run?case=<index> -> { name, ok, error?, ms }
import * as pkg from "acs-identity-edge";
import { cases, runCase } from "./cases.mjs";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/cases") return Response.json(cases.map((c) => c.name));
    if (url.pathname === "/run") {
      const testCase = cases[Number(url.searchParams.get("case"))];
      if (!testCase) return Response.json({ ok: false, error: "no such case" }, { status: 404 });
      return Response.json(await runCase(testCase, { pkg, connectionString: env.ACS_CONNECTION_STRING, runtime: "workerd" }));
    }
    return new Response("not found", { status: 404 });
  },
};
