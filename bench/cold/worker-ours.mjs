// Worker start, this package: the module instantiated at import; construct a client, sign one request.
import { CommunicationIdentityClient, signRequest } from "acs-identity-edge";

const cs = "endpoint=https://bench-resource.communication.azure.com/;accesskey=AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw==";

export default {
  fetch() {
    new CommunicationIdentityClient(cs);
    const signed = signRequest(cs, { method: "POST", url: "https://bench-resource.communication.azure.com/identities?api-version=2023-10-01", body: "{}" });
    return new Response(signed.authorization);
  },
};
