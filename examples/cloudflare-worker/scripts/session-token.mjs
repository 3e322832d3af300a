// Mints an app session token for local testing, as your login backend would:
//   node scripts/session-token.mjs <app-user-id> [minutes]
// SESSION_SECRET (and SESSION_AUDIENCE, default "acs-token-service") come from the environment, or else from
// the .dev.vars of the current directory (written by scripts/dev-vars.mjs).
import { signSessionToken, sessionSecretProblem } from "../src/session.js";
import { readDevVars } from "./dev-vars.mjs";

const [sub, minutes = "60"] = process.argv.slice(2);
const devVars = readDevVars();
const secret = process.env.SESSION_SECRET ?? devVars.SESSION_SECRET;
const audience = process.env.SESSION_AUDIENCE ?? devVars.SESSION_AUDIENCE ?? "acs-token-service";
if (!sub || !/^\d+$/.test(minutes) || Number(minutes) < 1) {
  console.error("usage: node scripts/session-token.mjs <app-user-id> [minutes]  (SESSION_SECRET from the environment or .dev.vars)");
  process.exit(2);
}
const problem = sessionSecretProblem(secret);
if (problem) {
  console.error(`${problem} (set it in the environment, or run node scripts/dev-vars.mjs)`);
  process.exit(2);
}
const iat = Math.floor(Date.now() / 1000);
console.log(await signSessionToken(secret, { sub, aud: audience, iat, exp: iat + Number(minutes) * 60 }));
