import os
from azure.communication.administration import CommunicationIdentityClient

try:
   print('Azure Communication Services - Access Tokens Quickstart')
   # Quickstart code goes here
   # This code demonstrates how to fetch your connection string
   # from an environment variable.
   connection_string = os.environ['COMMUNICATION_SERVICES_CONNECTION_STRING']

   # Instantiate the identity client
   client = CommunicationIdentityClient.from_connection_string(connection_string)

   identity = client.create_user()
   print("\nCreated an identity with ID: " + identity.identifier + ":")

   # Issue an access token with the "voip" scope for an identity
   token_result = client.issue_token(identity, ["voip"])
   expires_on = token_result.expires_on.strftime('%d/%m/%y %I:%M %S %p')
   print("\nIssued an access token with 'voip' scope that expires at " + expires_on + ":")
   print(token_result.token)

   client.revoke_tokens(identity)
   print("\nSuccessfully revoked all access tokens for identity with ID: " + identity.identifier)

   client.delete_user(identity)
   print("\nDeleted the identity with ID: " + identity.identifier)
except Exception as ex:
   print('Exception:')
   print(ex)
