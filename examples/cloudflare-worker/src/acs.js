// The ACS Identity client of the token service, and how its failures are described to callers.
import { AcsError, ClientSecretCredential, CommunicationIdentityClient } from "acs-identity-edge";

let cached = null;

/** The Entra ID settings, when AZURE_CLIENT_SECRET is set; otherwise the connection string. */
function authSettings(env) {
  if (env.AZURE_CLIENT_SECRET === undefined) return [env.ACS_CONNECTION_STRING];
  return [env.ACS_ENDPOINT, env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET, env.AZURE_AUTHORITY_HOST || undefined];
}

/**
 * One client per isolate (rebuilt if a secret changes): with Microsoft Entra ID (ACS_ENDPOINT and the
 * application's AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET; AZURE_AUTHORITY_HOST for another
 * cloud) when AZURE_CLIENT_SECRET is set, otherwise with ACS_CONNECTION_STRING. Throws AcsError for a
 * malformed setting.
 */
export function acsClient(env) {
  const settings = authSettings(env);
  if (!cached || cached.settings.length !== settings.length || cached.settings.some((v, i) => v !== settings[i])) {
    const options = {
      // A caller is waiting: a few quick retries, and a bound on the whole call.
      retry: { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 2_000 },
      timeoutMs: 10_000,
      userAgentPrefix: "acs-token-service",
    };
    let client;
    if (settings.length === 1) {
      client = new CommunicationIdentityClient(settings[0], options);
    } else {
      const [endpoint, tenantId, clientId, clientSecret, authorityHost] = settings;
      // The credential caches its Entra token for the isolate: one token request per hour, not per call.
      const credential = new ClientSecretCredential(tenantId, clientId, clientSecret, { authorityHost });
      client = new CommunicationIdentityClient(endpoint, credential, options);
    }
    cached = { settings, client };
  }
  return cached.client;
}

/** The settings an invalid-argument error of `acsClient` points at. */
const SETTING_OF_TARGET = {
  endpoint: "ACS_ENDPOINT",
  tenantId: "AZURE_TENANT_ID",
  clientId: "AZURE_CLIENT_ID",
  clientSecret: "AZURE_CLIENT_SECRET",
  authorityHost: "AZURE_AUTHORITY_HOST",
};

/**
 * What a failed ACS call tells the caller: a plain object (it crosses the Durable Object boundary),
 * with the service's status, code and request id for support. Never the connection string or key:
 * AcsError messages never hold them, and only these fields are copied.
 */
export function describeAcsFailure(error) {
  if (!(error instanceof AcsError)) {
    return { code: "internal", message: "the token service failed" };
  }
  if (error.code === "ERR_INVALID_CONNECTION_STRING") {
    return { code: "misconfigured", message: "ACS_CONNECTION_STRING is not a valid connection string" };
  }
  if (error.code === "ERR_INVALID_ARGUMENT" && SETTING_OF_TARGET[error.target]) {
    return { code: "misconfigured", message: `${SETTING_OF_TARGET[error.target]} is not valid` };
  }
  if (error.code === "ERR_AUTHENTICATION") {
    // Entra ID refused the application (wrong secret, unknown app or tenant): its AADSTS code and
    // correlation id say why, for whoever runs the service. Never the secret.
    const failure = { code: "entra_refused", message: "Microsoft Entra ID refused the token service's credential" };
    if (error.statusCode !== undefined) failure.entraStatus = error.statusCode;
    if (error.serviceCode !== undefined) failure.entraCode = error.serviceCode;
    if (error.correlationId !== undefined) failure.entraCorrelationId = error.correlationId;
    return failure;
  }
  const unreachable = error.code === "ERR_NETWORK" || error.code === "ERR_TIMEOUT";
  const refused = error.code === "ERR_SERVICE" || error.code === "ERR_INVALID_RESPONSE";
  if (!unreachable && !refused) {
    console.error("ACS call failed", error.code);
    return { code: "internal", message: "the token service failed" };
  }
  const failure = {
    code: unreachable ? "acs_unreachable" : "acs_error",
    message: unreachable ? "Azure Communication Services could not be reached" : "Azure Communication Services refused the request",
  };
  if (error.statusCode !== undefined) failure.acsStatus = error.statusCode;
  if (error.serviceCode !== undefined) failure.acsCode = error.serviceCode;
  if (error.requestId !== undefined) failure.acsRequestId = error.requestId;
  if (error.msCv !== undefined) failure.acsCorrelationVector = error.msCv;
  return failure;
}

/** The HTTP status for a described failure. */
export function failureStatus(failure) {
  return failure.code === "acs_error" || failure.code === "acs_unreachable" || failure.code === "entra_refused" ? 502 : 500;
}
