// A local HTTP server that answers the identity operations at once with canned ACS responses, for the
// client-overhead benchmark. Run as its own process (so it does not share the client's event loop); it
// prints its port on the first line and stops when its parent closes stdin. Its answers carry a
// Content-Length, as 56 of the 64 recorded 200 and 201 answers of the service do (the other 8 are chunked).
import { createServer } from "node:http";

const USER = "8:acs:ac5e0000-0000-4000-8000-000000000001_00000020-1111-2222-3333-444444444444";
// A token-shaped string: header.payload.signature, the payload as the service's tokens have it.
const payload = Buffer.from(JSON.stringify({ skypeid: USER.slice(2), scp: 1792, csi: "1764072000", exp: 1764158400, rgn: "amer", acsScope: "chat,voip", resourceId: "ac5e0000-0000-4000-8000-000000000001", resourceLocation: "unitedstates", iat: 1764072000 })).toString("base64url");
const TOKEN = `eyJhbGciOiJSUzI1NiIsImtpZCI6IjEwNiIsIng1dCI6Im9QMWFxQnlfR3hZU3pSaXhuQ25zdE5PU2p2cyIsInR5cCI6IkpXVCJ9.${payload}.${"s".repeat(342)}`;
const CREATED = JSON.stringify({ identity: { id: USER } });
const ISSUED = JSON.stringify({ token: TOKEN, expiresOn: "2026-11-26T12:00:00.0000000+00:00" });

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const requestId = req.headers["x-ms-client-request-id"];
    const headers = { "content-type": "application/json; charset=utf-8", ...(requestId ? { "x-ms-client-request-id": requestId } : {}) };
    if (req.method === "POST" && req.url.startsWith("/identities?")) {
      res.writeHead(201, { ...headers, "content-length": Buffer.byteLength(CREATED) }).end(CREATED);
    } else if (req.method === "POST" && req.url.includes("/:issueAccessToken")) {
      res.writeHead(200, { ...headers, "content-length": Buffer.byteLength(ISSUED) }).end(ISSUED);
    } else {
      res.writeHead(204).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on("end", () => server.close(() => process.exit(0)));
process.stdin.resume();
