// Cold start, this package: import, construct a client, sign one request.
import { CommunicationIdentityClient, signRequest } from "acs-identity-edge";

const cs = `endpoint=https://bench-resource.communication.azure.com/;accesskey=${Buffer.alloc(64, 3).toString("base64")}`;
new CommunicationIdentityClient(cs);
const signed = signRequest(cs, { method: "POST", url: "https://bench-resource.communication.azure.com/identities?api-version=2023-10-01", body: "{}" });
if (!signed.authorization.startsWith("HMAC-SHA256 ")) process.exit(1);
