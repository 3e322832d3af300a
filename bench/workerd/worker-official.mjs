// The benchmark Worker with @azure/communication-identity (its fetch transport, as bundled for Workers).
import { CommunicationIdentityClient } from "@azure/communication-identity";
import { handler } from "./common.mjs";

export default handler((env) => new CommunicationIdentityClient(env.CS, { allowInsecureConnection: true }));
