//! The Azure "user access tokens" quickstart, step by step, with the native client: create an identity,
//! issue it a `voip` token, revoke its tokens, delete it.
//!
//! ```sh
//! COMMUNICATION_SERVICES_CONNECTION_STRING="endpoint=https://...;accesskey=..." cargo run --example quickstart
//! ```
//!
//! Without a resource, start the local emulator first (`cargo run -p acs-emulator`) and use the connection
//! string it prints.

use acs_identity_edge::native::IdentityClient;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(connection_string) = std::env::var("COMMUNICATION_SERVICES_CONNECTION_STRING") else {
        eprintln!(
            "Set COMMUNICATION_SERVICES_CONNECTION_STRING to your resource's connection string.\n\
             No resource? Start the local emulator in another terminal with `cargo run -p acs-emulator`\n\
             (or `acs-emulator` once installed) and set the variable to the connection string it prints."
        );
        return ExitCode::from(2);
    };
    match quickstart(&connection_string).await {
        Ok(()) => ExitCode::SUCCESS,
        Err((step, e)) => {
            eprintln!(
                "\nThe quickstart failed while trying to {step}: {e} ({})",
                e.code()
            );
            ExitCode::FAILURE
        }
    }
}

async fn quickstart(
    connection_string: &str,
) -> Result<(), (&'static str, acs_identity_edge::Error)> {
    println!("Azure Communication Services - Access Tokens Quickstart");

    // Instantiate the identity client
    let client = IdentityClient::from_connection_string(connection_string, None)
        .map_err(|e| ("create the client", e))?;

    // Create an identity
    let identity = client
        .create_user(None)
        .await
        .map_err(|e| ("create an identity", e))?;
    println!("\nCreated an identity with ID: {}", identity.id);

    // Issue an access token with the "voip" scope for the identity
    let token = client
        .get_token(&identity.id, &["voip"], None)
        .await
        .map_err(|e| ("issue an access token", e))?;
    println!(
        "\nIssued an access token with 'voip' scope that expires at {}:",
        token.expires_on
    );
    println!("{}", token.token);

    // Revoke the identity's access tokens
    client
        .revoke_tokens(&identity.id, None)
        .await
        .map_err(|e| ("revoke the access tokens", e))?;
    println!(
        "\nSuccessfully revoked all access tokens for identity with ID: {}",
        identity.id
    );

    // Delete the identity
    client
        .delete_user(&identity.id, None)
        .await
        .map_err(|e| ("delete the identity", e))?;
    println!("\nDeleted the identity with ID: {}", identity.id);
    Ok(())
}
