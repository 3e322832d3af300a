// Type-level tests of the public API: `tsc --noEmit` must accept the good uses and reject the bad ones
// (each `@ts-expect-error` fails the check if the line below it compiles).
import {
  AcsError,
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
} from "acs-identity-edge";

declare const cs: string;

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
const traced = createSignedFetch(cs, { onRequest: (trace) => void trace.request.stringToSign.length, traceSecrets: false });
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

void [quickstart, errors, auth, date, response, traced, endpoint, scopes, raw, expires];
