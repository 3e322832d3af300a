// Type-level tests of the public API: `tsc --noEmit` must accept the good uses and reject the bad ones
// (each `@ts-expect-error` fails the check if the line below it compiles).
import {
  AcsError,
  AzureKeyCredential,
  ClientAssertionCredential,
  ClientSecretCredential,
  CommunicationIdentityClient,
  CommunicationTokenCredential,
  createIdentifierFromRawId,
  createSignedFetch,
  decodeAccessToken,
  getIdentifierRawId,
  parseConnectionString,
  signRequest,
  type AcsErrorCode,
  type CommunicationUserToken,
  type EntraAccessToken,
  type KeyCredential,
  type TokenCredential,
} from "acs-identity-edge";
import type { TokenCredential as CoreTokenCredential, KeyCredential as CoreKeyCredential } from "@azure/core-auth";

declare const cs: string;
declare const official: CoreTokenCredential;
declare const officialKey: CoreKeyCredential;

async function quickstart(): Promise<void> {
  const client = new CommunicationIdentityClient(cs, { retry: { maxRetries: 2 }, timeoutMs: 5000 });
  const user = await client.createUser();
  const id: string = user.communicationUserId;
  const { token, expiresOn } = await client.getToken(user, ["voip", "chat.join"], { tokenExpiresInMinutes: 60 });
  const when: Date = expiresOn;
  const t: string = token;
  const both: CommunicationUserToken = await client.createUserAndToken(["chat", "some-future-scope"]);
  const again: string = both.user.communicationUserId;
  await client.revokeTokens(user, { abortSignal: AbortSignal.timeout(1000) });
  const nothing: void = await client.deleteUser(user);
  const teams = await client.getTokenForTeamsUser({ teamsUserAadToken: t, clientId: id, userObjectId: id });
  const later: Date = teams.expiresOn;
  void [when, again, nothing, later];

  // @ts-expect-error scopes are strings
  await client.getToken(user, [1]);
  // @ts-expect-error the user is an identifier object
  await client.getToken(42, ["voip"]);
  // @ts-expect-error unknown option
  new CommunicationIdentityClient(cs, { retries: 3 });
}

function errors(e: unknown): AcsErrorCode | undefined {
  if (e instanceof AcsError) {
    const status: number | undefined = e.statusCode;
    void status;
    return e.code;
  }
  return undefined;
}

const headers = signRequest(cs, { method: "POST", url: "https://x.example/identities", body: new Uint8Array(2), date: new Date() });
const auth: string = headers.authorization;
const date: string = headers["x-ms-date"];
// @ts-expect-error the url is required
signRequest(cs, { method: "GET" });

const signedFetch = createSignedFetch(cs, { retry: { maxRetries: 1 } });
// createSignedFetch calls onRequest as the client does (redacted unless traceSecrets: true).
const traced = createSignedFetch(cs, { onRequest: (trace) => void trace.request.stringToSign?.length, traceSecrets: false });
// @ts-expect-error traceSecrets is a boolean
new CommunicationIdentityClient(cs, { onRequest: () => {}, traceSecrets: "yes" });
const response: Promise<Response> = signedFetch("/identities?api-version=2023-10-01", { method: "POST", body: "" });

const endpoint: string = parseConnectionString(cs).endpoint;
// @ts-expect-error the key is never returned
parseConnectionString(cs).accessKey;

const claims = decodeAccessToken("a.b.c");
const scopes: string[] = claims.scopes;
const kind = createIdentifierFromRawId("8:acs:x");
if (kind.kind === "communicationUser") {
  const raw: string = kind.communicationUserId;
  void raw;
}
const raw: string = getIdentifierRawId({ phoneNumber: "+14255550123" });

const credential = new CommunicationTokenCredential({ tokenRefresher: async () => "a.b.c", refreshProactively: true });
const expires: Promise<number> = credential.getToken().then((x) => x.expiresOnTimestamp);
credential.dispose();

async function credentials(): Promise<void> {
  const endpoint = "https://contoso.communication.azure.com";
  const key = new AzureKeyCredential("cHc=");
  key.update("bmV3");
  const current: string = key.key;
  const keyed = new CommunicationIdentityClient(endpoint, key, { retry: { maxRetries: 1 } });
  const plainKey = new CommunicationIdentityClient(endpoint, { key: current });

  const secret = new ClientSecretCredential("tenant", "client", "secret", { authorityHost: "https://login.microsoftonline.us" });
  const token: EntraAccessToken = await secret.getToken("https://communication.azure.com//.default");
  const at: number = token.expiresOnTimestamp;
  const assertion = new ClientAssertionCredential("tenant", "client", async () => "jwt", { disableInstanceDiscovery: true });
  await assertion.getToken(["https://communication.azure.com//.default"], { abortSignal: AbortSignal.timeout(1000) });
  const entra = new CommunicationIdentityClient(endpoint, secret, { timeoutMs: 5000 });
  const own: TokenCredential = { getToken: async () => null };
  const custom = new CommunicationIdentityClient(endpoint, own);
  const user = await entra.createUser();
  await custom.getTokenForTeamsUser({ teamsUserAadToken: "t", clientId: user.communicationUserId, userObjectId: "o" });
  const bearerFetch: Promise<Response> = createSignedFetch(endpoint, secret)("/identities?api-version=2023-10-01", { method: "POST", body: "" });

  // The package's credentials are @azure/core-auth credentials, and @azure/core-auth's fit the clients.
  const asCore: CoreTokenCredential = secret;
  const asCoreKey: CoreKeyCredential = key;
  new CommunicationIdentityClient(endpoint, official);
  createSignedFetch(endpoint, officialKey);
  const asKey: KeyCredential = officialKey;

  function failures(e: AcsError): string | undefined {
    if (e.code === "ERR_AUTHENTICATION") return e.correlationId ?? e.serviceCode;
    return undefined;
  }

  // @ts-expect-error a credential is an object, not the key itself
  new CommunicationIdentityClient(endpoint, "cHc=");
  // @ts-expect-error the key is a string
  new AzureKeyCredential(42);
  // @ts-expect-error getAssertion is a function
  new ClientAssertionCredential("tenant", "client", "jwt");
  // @ts-expect-error unknown credential option
  new ClientSecretCredential("tenant", "client", "secret", { authority: "https://x" });
  // @ts-expect-error a token credential's getToken resolves with { token, expiresOnTimestamp }
  new CommunicationIdentityClient(endpoint, { getToken: async () => "token" });
  void [keyed, plainKey, at, bearerFetch, asCore, asCoreKey, asKey, failures];
}

void [quickstart, credentials, errors, auth, date, response, traced, endpoint, scopes, raw, expires];
