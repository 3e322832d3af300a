// The Azure "user access tokens" quickstart, step for step, with acs-identity-edge:
// create an identity, issue it a `voip` token, revoke its tokens, delete it.
//
//   COMMUNICATION_SERVICES_CONNECTION_STRING="endpoint=https://...;accesskey=..." node examples/quickstart.mjs
//
// `npm start` runs this against the local emulator. A failed step ends the run with one line saying what
// failed, and exit code 1.
import { AcsError, CommunicationIdentityClient } from "acs-identity-edge";

const connectionString = process.env.COMMUNICATION_SERVICES_CONNECTION_STRING;
if (!connectionString) {
  console.error("Set COMMUNICATION_SERVICES_CONNECTION_STRING to your resource's connection string.");
  process.exit(2);
}

/** One line for a failure: the error's message, its code, and the underlying cause's code when there is one. */
function describe(error) {
  if (!(error instanceof Error)) return String(error);
  const codes = [];
  if (error instanceof AcsError) codes.push(error.code);
  if (error.statusCode) codes.push(`status ${error.statusCode}`);
  const cause = error.cause;
  if (cause && typeof cause === "object" && typeof cause.code === "string" && !codes.includes(cause.code)) codes.push(cause.code);
  const text = `${error.message}${codes.length ? ` (${codes.join(", ")})` : ""}`;
  return text.replace(/\s+/g, " ").trim();
}

let step = "create the identity client";
try {
  console.log("Azure Communication Services - Access Tokens Quickstart");

  // Instantiate the identity client
  const identityClient = new CommunicationIdentityClient(connectionString);

  // Create an identity
  step = "create an identity";
  const identityResponse = await identityClient.createUser();
  console.log(`\nCreated an identity with ID: ${identityResponse.communicationUserId}`);

  // Issue an access token with a validity of 24 hours and the "voip" scope for an identity
  step = "issue an access token";
  const { token, expiresOn } = await identityClient.getToken(identityResponse, ["voip"]);
  console.log(`\nIssued an access token with 'voip' scope that expires at ${expiresOn.toISOString()}:`);
  console.log(token);

  // Revoke the identity's access tokens
  step = "revoke the access tokens";
  await identityClient.revokeTokens(identityResponse);
  console.log(`\nSuccessfully revoked all access tokens for identity with ID: ${identityResponse.communicationUserId}`);

  // Delete the identity
  step = "delete the identity";
  await identityClient.deleteUser(identityResponse);
  console.log(`\nDeleted the identity with ID: ${identityResponse.communicationUserId}`);
} catch (error) {
  console.error(`\nQuickstart failed: could not ${step}: ${describe(error)}`);
  process.exitCode = 1;
}
