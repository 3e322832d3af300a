// Types of acs-identity-edge: the same names and shapes as @azure/communication-identity and
// @azure/communication-common, so switching is a change of import.

/** Token scopes the service knows; other strings are accepted too (the set is extensible). */
export type TokenScope = "chat" | "voip" | "chat.join" | "chat.join.limited" | "voip.join" | (string & {});

/** Stable error codes of {@link AcsError}. */
export type AcsErrorCode =
  | "ERR_INVALID_CONNECTION_STRING"
  | "ERR_INVALID_ARGUMENT"
  | "ERR_SERVICE"
  | "ERR_NETWORK"
  | "ERR_TIMEOUT"
  | "ERR_ABORTED"
  | "ERR_INVALID_RESPONSE"
  | "ERR_INVALID_TOKEN"
  | "ERR_AUTHENTICATION"
  | "ERR_INTERNAL";

/** Every error this package throws. The message never contains an access key. */
export declare class AcsError extends Error {
  readonly name: "AcsError";
  /** Stable code. */
  readonly code: AcsErrorCode;
  /** The argument, connection-string part or field that was wrong. */
  readonly target?: string;
  /** HTTP status, when the service answered. */
  readonly statusCode?: number;
  /** The service's error code (`ValidationError`, `Denied`, ...). */
  readonly serviceCode?: string;
  /** The service's error message. */
  readonly serviceMessage?: string;
  /** `x-ms-client-request-id` of the failed request, for support. */
  readonly requestId?: string;
  /** `MS-CV` correlation vector of the response, for support (for an Entra authority's refusal: its `trace_id`). */
  readonly msCv?: string;
  /**
   * `ERR_AUTHENTICATION` from a Microsoft Entra ID authority: its `correlation_id` (also in `requestId`).
   * Its AADSTS code (`AADSTS7000215`) is `serviceCode`, its HTTP status `statusCode`.
   */
  readonly correlationId?: string;
  /**
   * For `ERR_NETWORK`: what `fetch` rejected with (in Node its own `cause` has the system error's `code`,
   * such as `ECONNREFUSED` or `ENOTFOUND`, which the message also ends with). For `ERR_AUTHENTICATION`:
   * what a token credential (or `getAssertion`) threw.
   */
  readonly cause?: unknown;
}

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /** First backoff before jitter, in ms (default 800). */
  baseDelayMs?: number;
  /** Longest wait between attempts, in ms (default 60000). */
  maxDelayMs?: number;
}

/**
 * What `onRequest` sees after each attempt. Unless `traceSecrets: true`, nothing in it can be replayed: the
 * `authorization` header is `HMAC-SHA256 SignedHeaders=...&Signature=<redacted>` (or `Bearer <redacted>`),
 * and in the bodies the value of every member or form field named like a secret (`token`,
 * `client_secret`, ...) and anything JWT-shaped is `<redacted>`.
 */
export interface RequestTrace {
  request: {
    method: string;
    url: string;
    headers: [string, string][];
    body?: Uint8Array;
    /** The exact string that was HMAC'd (not a secret: the signature is; absent for a request authorized with a bearer token). */
    stringToSign?: string;
  };
  /** `body` is the parsed JSON (a string when it is not JSON; `null` for a signed fetch, whose caller reads it). */
  response: { status: number; statusText: string; headers: [string, string][]; body: unknown };
  durationMs: number;
}

export interface CommunicationIdentityClientOptions {
  /** Default `2023-10-01`; `2025-03-02-preview` enables `customId` and `getUser`. */
  apiVersion?: string;
  retry?: RetryOptions;
  /** Bound on a whole call, retries and waits included (default: none). */
  timeoutMs?: number;
  /** The fetch to use (default: the global `fetch`; without one, a CommunicationIdentityClient in Node, not Bun, sends with `node:http`). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Prepended to the User-Agent. */
  userAgentPrefix?: string;
  /** Allow plain http to an endpoint that is not loopback (the key would sign requests on the open network). */
  allowInsecureConnection?: boolean;
  /** Called after each attempt with the signed request and the response (for logging and demos), redacted. */
  onRequest?: (trace: RequestTrace) => void;
  /**
   * `true` hands `onRequest` the request and response as they are: the signature (valid for 15 minutes),
   * bearer tokens, the Teams user's token and the issued tokens. Only for a trace that stays on this
   * machine, as a demo's; never for logs.
   */
  traceSecrets?: boolean;
}

export interface OperationOptions {
  abortSignal?: AbortSignal;
  /** Bound on this call, overriding the client's `timeoutMs`. */
  timeoutMs?: number;
}

export interface CreateUserOptions extends OperationOptions {
  /** Preview api-version only: the same customId always yields the same user. */
  customId?: string;
}

export interface CreateUserAndTokenOptions extends OperationOptions {
  /** Token lifetime, an integer from 60 to 1440 (default 1440). */
  tokenExpiresInMinutes?: number;
  /** Preview api-version only. */
  customId?: string;
}

export interface GetTokenOptions extends OperationOptions {
  /** Token lifetime, an integer from 60 to 1440 (default 1440). */
  tokenExpiresInMinutes?: number;
}

export interface CommunicationUserIdentifier {
  communicationUserId: string;
}

export interface CommunicationAccessToken {
  token: string;
  expiresOn: Date;
}

export interface CommunicationUserToken extends CommunicationAccessToken {
  user: CommunicationUserIdentifier;
}

export interface CommunicationUserDetail extends CommunicationUserIdentifier {
  customId?: string;
  lastTokenIssuedAt?: Date;
}

export interface GetTokenForTeamsUserOptions {
  /** The Teams user's Entra ID access token. */
  teamsUserAadToken: string;
  /** Entra application (client) id, a GUID. */
  clientId: string;
  /** Entra object id of the user, a GUID. */
  userObjectId: string;
}

/** Options of a token credential's `getToken` (`@azure/core-auth`'s `GetTokenOptions`, the part read here). */
export interface GetTokenOptions {
  abortSignal?: AbortSignal;
}

/**
 * A Microsoft Entra ID token credential, `@azure/core-auth`'s `TokenCredential`: `@azure/identity`'s
 * credentials, this package's `ClientSecretCredential` and `ClientAssertionCredential`, or your own. The
 * clients ask it for `https://communication.azure.com//.default` and send `Authorization: Bearer <token>`.
 */
export interface TokenCredential {
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null>;
}

/** A key credential, `@azure/core-auth`'s `KeyCredential`: the resource's access key, read on every request. */
export interface KeyCredential {
  readonly key: string;
}

/** The resource's access key, rotatable with `update()` (as `@azure/core-auth`'s `AzureKeyCredential`). */
export declare class AzureKeyCredential implements KeyCredential {
  /** `ERR_INVALID_ARGUMENT` (target `key`) unless a non-empty string. */
  constructor(key: string);
  readonly key: string;
  /** Replaces the key; every client holding this credential uses the new key from its next request. */
  update(newKey: string): void;
}

/** Options of this package's Microsoft Entra ID credentials (the names of `@azure/identity` where they apply). */
export interface EntraCredentialOptions {
  /** Default `https://login.microsoftonline.com`. Plain http is refused unless the host is loopback. */
  authorityHost?: string;
  /** Accepted for `@azure/identity` compatibility: these credentials never call instance discovery. */
  disableInstanceDiscovery?: boolean;
  /** The fetch to send token requests with (default: the global `fetch`). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** What this package's Entra credentials resolve with. */
export interface EntraAccessToken extends AccessToken {
  /** When the credential will ask for a new token: 5 minutes before `expiresOnTimestamp`. */
  refreshAfterTimestamp: number;
  tokenType: "Bearer";
}

/**
 * A Microsoft Entra ID application with a client secret (client-credentials grant, as `@azure/identity`'s):
 * tokens cached and refreshed 5 minutes before they expire; concurrent callers share one token request. A
 * refusal is `ERR_AUTHENTICATION` with the AADSTS code (`serviceCode`) and correlation id, never the secret.
 */
export declare class ClientSecretCredential implements TokenCredential {
  constructor(tenantId: string, clientId: string, clientSecret: string, options?: EntraCredentialOptions);
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<EntraAccessToken>;
}

/**
 * A Microsoft Entra ID application proving itself with a client assertion (a signed JWT, from
 * `getAssertion` for each token request), as `@azure/identity`'s `ClientAssertionCredential`.
 */
export declare class ClientAssertionCredential implements TokenCredential {
  constructor(tenantId: string, clientId: string, getAssertion: () => string | Promise<string>, options?: EntraCredentialOptions);
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<EntraAccessToken>;
}

/** The ACS Identity client, with the methods of `@azure/communication-identity`. */
export declare class CommunicationIdentityClient {
  constructor(connectionString: string, options?: CommunicationIdentityClientOptions);
  /** `endpoint` is `https://host[:port]`; a key credential signs with HMAC, a token credential sends bearer tokens. */
  constructor(endpoint: string, credential: KeyCredential | TokenCredential, options?: CommunicationIdentityClientOptions);
  /** `https://host[:port]` of the resource. */
  readonly endpoint: string;
  createUser(options?: CreateUserOptions): Promise<CommunicationUserIdentifier>;
  createUserAndToken(scopes: TokenScope[], options?: CreateUserAndTokenOptions): Promise<CommunicationUserToken>;
  getToken(user: CommunicationUserIdentifier, scopes: TokenScope[], options?: GetTokenOptions): Promise<CommunicationAccessToken>;
  revokeTokens(user: CommunicationUserIdentifier, options?: OperationOptions): Promise<void>;
  deleteUser(user: CommunicationUserIdentifier, options?: OperationOptions): Promise<void>;
  getUser(user: CommunicationUserIdentifier, options?: OperationOptions): Promise<CommunicationUserDetail>;
  getTokenForTeamsUser(params: GetTokenForTeamsUserOptions, options?: OperationOptions): Promise<CommunicationAccessToken>;
}

export interface SignRequestInput {
  method: string;
  /** Absolute URL; its path and query are signed exactly as given. */
  url: string | URL;
  body?: string | Uint8Array | ArrayBuffer;
  /** Default: now. */
  date?: Date;
}

/** The headers that sign a request. */
export interface SignedHeaders {
  "x-ms-date": string;
  "x-ms-content-sha256": string;
  authorization: string;
}

/** Signs one ACS REST request with HMAC-SHA256. */
export declare function signRequest(connectionString: string, request: SignRequestInput): SignedHeaders;

export interface SignedFetchInit extends Omit<RequestInit, "body"> {
  body?: string | Uint8Array | ArrayBuffer | null;
  abortSignal?: AbortSignal;
}

/**
 * A fetch that authorizes (HMAC or bearer token) and retries every ACS REST call to the resource; relative URLs resolve against the
 * endpoint, and a URL on another origin is refused (`ERR_INVALID_ARGUMENT`, target `url`).
 */
export declare function createSignedFetch(
  connectionString: string,
  options?: Omit<CommunicationIdentityClientOptions, "apiVersion">,
): (input: string | URL | Request, init?: SignedFetchInit) => Promise<Response>;
export declare function createSignedFetch(
  endpoint: string,
  credential: KeyCredential | TokenCredential,
  options?: Omit<CommunicationIdentityClientOptions, "apiVersion">,
): (input: string | URL | Request, init?: SignedFetchInit) => Promise<Response>;

/** The endpoint of a connection string; never the key. */
export declare function parseConnectionString(connectionString: string): { endpoint: string; host: string };

export interface AccessTokenClaims {
  communicationUserId?: string;
  scopes: string[];
  expiresOn: Date;
  issuedAt?: Date;
  resourceId?: string;
}

/** Reads an access token's claims without verifying it. */
export declare function decodeAccessToken(token: string): AccessTokenClaims;

export type CommunicationCloudEnvironment = "public" | "dod" | "gcch";

export type CommunicationIdentifierKind =
  | { kind: "communicationUser"; communicationUserId: string }
  | { kind: "phoneNumber"; phoneNumber: string; rawId: string; isAnonymous: boolean; assertedId?: string }
  /** `cloud` is absent for a Teams visitor (`isAnonymous: true`), whose raw id names no cloud. */
  | { kind: "microsoftTeamsUser"; microsoftTeamsUserId: string; isAnonymous: boolean; cloud?: CommunicationCloudEnvironment; rawId: string }
  | { kind: "microsoftTeamsApp"; teamsAppId: string; cloud: CommunicationCloudEnvironment; rawId: string }
  | { kind: "teamsExtensionUser"; userId: string; tenantId: string; resourceId: string; cloud: CommunicationCloudEnvironment; rawId: string }
  | { kind: "unknown"; id: string };

export type CommunicationIdentifier =
  | CommunicationUserIdentifier
  | { phoneNumber: string; rawId?: string; isAnonymous?: boolean }
  | { microsoftTeamsUserId: string; isAnonymous?: boolean; cloud?: CommunicationCloudEnvironment; rawId?: string }
  | { teamsAppId: string; cloud?: CommunicationCloudEnvironment; rawId?: string }
  | { userId: string; tenantId: string; resourceId: string; cloud?: CommunicationCloudEnvironment; rawId?: string }
  | { id: string };

export declare function createIdentifierFromRawId(rawId: string): CommunicationIdentifierKind;
export declare function getIdentifierRawId(identifier: CommunicationIdentifier): string;

export interface AccessToken {
  token: string;
  /** Unix milliseconds. */
  expiresOnTimestamp: number;
}

export interface CommunicationTokenRefreshOptions {
  /** Returns a fresh token (from your token service). */
  tokenRefresher: (abortSignal?: AbortSignal) => Promise<string>;
  /** A token to start with. */
  token?: string;
  /** Refresh ahead of expiry in the background. */
  refreshProactively?: boolean;
}

/** Client-side token cache for the calling and chat SDKs. */
export declare class CommunicationTokenCredential {
  constructor(tokenOrOptions: string | CommunicationTokenRefreshOptions);
  getToken(options?: { abortSignal?: AbortSignal }): Promise<AccessToken>;
  dispose(): void;
}
