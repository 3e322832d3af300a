// Mints an app session token for local testing, as your login backend would:
//   SESSION_SECRET=... node scripts/session-token.mjs <app-user-id> [minutes]
import { signSessionToken } from "../src/session.js";

const [sub, minutes = "60"] = process.argv.slice(2);
if (!sub || !process.env.SESSION_SECRET) {
  console.error("usage: SESSION_SECRET=... node scripts/session-token.mjs <app-user-id> [minutes]");
  process.exit(2);
}
const exp = Math.floor(Date.now() / 1000) + Number(minutes) * 60;
console.log(await signSessionToken(process.env.SESSION_SECRET, { sub, exp }));
