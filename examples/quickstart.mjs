// The Azure "user access tokens" quickstart, step for step, with acs-identity-edge:
// create an identity, issue it a `voip` token, revoke its tokens, delete it.
//
//   COMMUNICATION_SERVICES_CONNECTION_STRING="endpoint=https://...;accesskey=..." node examples/quickstart.mjs
//
// `npm start` runs this against the local emulator.
import { CommunicationIdentityClient } from "acs-identity-edge";

const connectionString = process.env.COMMUNICATION_SERVICES_CONNECTION_STRING;
if (!connectionString) {
  console.error("Set COMMUNICATION_SERVICES_CONNECTION_STRING to your resource's connection string.");
  process.exit(2);
}

console.log("Azure Communication Services - Access Tokens Quickstart");

// Instantiate the identity client
const identityClient = new CommunicationIdentityClient(connectionString);

// Create an identity
const identityResponse = await identityClient.createUser();
console.log(`\nCreated an identity with ID: ${identityResponse.communicationUserId}`);

// Issue an access token with a validity of 24 hours and the "voip" scope for an identity
const { token, expiresOn } = await identityClient.getToken(identityResponse, ["voip"]);
console.log(`\nIssued an access token with 'voip' scope that expires at ${expiresOn.toISOString()}:`);
console.log(token);

// Revoke the identity's access tokens
await identityClient.revokeTokens(identityResponse);
console.log(`\nSuccessfully revoked all access tokens for identity with ID: ${identityResponse.communicationUserId}`);

// Delete the identity
await identityClient.deleteUser(identityResponse);
console.log(`\nDeleted the identity with ID: ${identityResponse.communicationUserId}`);
