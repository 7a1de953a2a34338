//! `cargo run -p coffer-sandbox -- --provider sparebank1|finsify|fibank --port 0` prints the base URL and serves
//! until interrupted.

use clap::{Parser, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProviderArg {
    Sparebank1,
    Finsify,
    Finqware,
    Fibank,
}

#[derive(Debug, Parser)]
#[command(
    name = "coffer-sandbox",
    about = "A local, faithful emulation of a provider API"
)]
struct Args {
    #[arg(long, value_enum)]
    provider: ProviderArg,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let started = match args.provider {
        ProviderArg::Sparebank1 => coffer_sandbox::sparebank1::Sparebank1Sandbox::start(
            coffer_sandbox::sparebank1::Sparebank1Config::default(),
            args.port,
        )
        .await
        .map(|s| (s.base_url(), s.describe())),
        ProviderArg::Finsify => coffer_sandbox::finsify::FinsifySandbox::start(
            coffer_sandbox::finsify::FinsifyConfig::default(),
            args.port,
        )
        .await
        .map(|s| (s.base_url(), s.describe())),
        ProviderArg::Finqware => coffer_sandbox::finqware::FinqwareSandbox::start(
            coffer_sandbox::finqware::FinqwareConfig::default(),
            args.port,
        )
        .await
        .map(|s| (s.base_url(), s.describe())),
        ProviderArg::Fibank => coffer_sandbox::fibank::FibankSandbox::start(
            coffer_sandbox::fibank::FibankConfig::default(),
            args.port,
        )
        .await
        .map(|s| (s.base_url(), s.describe())),
    };
    match started {
        Ok((url, description)) => {
            println!("{url}");
            eprintln!("{description}");
            // The server runs on its own task; keep the process alive until Ctrl-C.
            let _ = tokio::signal::ctrl_c().await;
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("coffer-sandbox: cannot start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
