// Cold start, the official SDK: import, construct a client, sign one request (its HMAC policy run on a
// pipeline request, with a send step that answers without a network).
import { CommunicationIdentityClient } from "@azure/communication-identity";
import { createCommunicationAuthPolicy } from "@azure/communication-common";
import { AzureKeyCredential } from "@azure/core-auth";
import { createPipelineRequest, createHttpHeaders } from "@azure/core-rest-pipeline";

const key = Buffer.alloc(64, 3).toString("base64");
new CommunicationIdentityClient(`endpoint=https://bench-resource.communication.azure.com/;accesskey=${key}`);
const policy = createCommunicationAuthPolicy(new AzureKeyCredential(key));
const request = createPipelineRequest({ url: "https://bench-resource.communication.azure.com/identities?api-version=2023-10-01", method: "POST", body: "{}" });
await policy.sendRequest(request, async (req) => ({ request: req, status: 200, headers: createHttpHeaders() }));
if (!String(request.headers.get("authorization")).startsWith("HMAC-SHA256 ")) process.exit(1);
