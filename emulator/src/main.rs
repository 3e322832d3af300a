//! `acs-emulator`: a local Azure Communication Services Identity service for development and tests.
//! See `emulator/README.md` for the flags, the development key and the behaviour.

mod api;
mod app;
mod auth;
mod clock;
mod config;
mod cors;
mod emulator_api;
mod entra;
mod faults;
mod ids;
mod pipeline;
mod protocol;
mod rate_limit;
mod request_target;
mod server;
mod static_files;
mod store;
mod tls;
mod tokens;

use clap::Parser;
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let cli = config::Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let settings = match cli.into_settings() {
        Ok(s) => s,
        Err(message) => {
            eprintln!("acs-emulator: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("acs-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(start(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("acs-emulator: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn start(settings: config::Settings) -> Result<(), String> {
    if ids::random_bytes::<16>().is_err() {
        return Err("the operating system's random generator is unavailable".into());
    }
    let store = match &settings.data {
        Some(path) => store::Store::open(path, &settings.resource_id)?,
        None => store::Store::in_memory(),
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(settings.host, settings.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", settings.host, settings.port))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?
        .port();
    let tls = match &settings.tls {
        Some(cert_file) => Some(tls::acceptor(cert_file, settings.host)?),
        None => None,
    };
    let shown_host = match settings.host {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST).to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let endpoint = format!("{scheme}://{shown_host}:{port}");
    let entra = (settings.entra.as_ref())
        .map(|entra| entra::Authority::new(entra, &settings.access_key, &endpoint, settings.host));
    let app = Arc::new(app::App {
        endpoint,
        entra,
        store: Arc::new(store),
        faults: faults::FaultTracker::default(),
        limiter: settings.rate_limit.then(rate_limit::RateLimiter::default),
        started: clock::now(),
        settings,
    });

    // The one line on stdout that harnesses parse; everything else goes to stderr.
    let mut stdout = std::io::stdout().lock();
    // With Entra on, the line ends with the authority host and tenant to give a credential.
    let entra = match &app.entra {
        Some(authority) => format!(
            "; entra authority host: {}; tenant: {}",
            app.endpoint,
            authority.tenant_id()
        ),
        None => String::new(),
    };
    let _ = writeln!(
        stdout,
        "acs-emulator listening on {}; connection string: {}{entra}",
        app.endpoint,
        app.connection_string()
    );
    let _ = stdout.flush();
    drop(stdout);
    if let Some(path) = &app.settings.data {
        tracing::info!("identities are kept in {}", path.display());
    }
    if let Some(path) = &app.settings.tls {
        tracing::info!("TLS certificate written to {}", path.display());
    }
    if let Some(authority) = &app.entra {
        tracing::info!(
            "Microsoft Entra ID authority for tenant {} at {}/{}",
            authority.tenant_id(),
            app.endpoint,
            authority.tenant_id()
        );
    }
    if app.settings.disable_local_auth {
        tracing::info!("local authentication is disabled: HMAC-signed requests are refused");
    }
    match &app.settings.www {
        Some(dir) => tracing::info!("serving {} at {}/", dir.display(), app.endpoint),
        None => tracing::info!(
            "no demo page at {}/ (it is www/ of the repository: pass --www <DIR>)",
            app.endpoint
        ),
    }

    server::run(app.clone(), listener, tls, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
