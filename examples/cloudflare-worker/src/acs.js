// The ACS Identity client of the token service, and how its failures are described to callers.
import { AcsError, CommunicationIdentityClient } from "acs-identity-edge";

let cached = null;

/** One client per isolate (rebuilt if the secret changes). Throws AcsError for a malformed secret. */
export function acsClient(env) {
  const connectionString = env.ACS_CONNECTION_STRING;
  if (!cached || cached.connectionString !== connectionString) {
    const client = new CommunicationIdentityClient(connectionString, {
      // A caller is waiting: a few quick retries, and a bound on the whole call.
      retry: { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 2_000 },
      timeoutMs: 10_000,
      userAgentPrefix: "acs-token-service",
    });
    cached = { connectionString, client };
  }
  return cached.client;
}

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
  return failure.code === "acs_error" || failure.code === "acs_unreachable" ? 502 : 500;
}
