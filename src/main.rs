use clap::{Parser, Subcommand};
use linli::config::{AppEnv, Config};
use linli::startup::Application;
use std::process::ExitCode;
use std::time::Instant;

/// 邻里 linli: community service orders, time bank and love supermarket.
#[derive(Parser)]
#[command(name = "linli", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Load the demo county (safe to run again).
    SeedDemo,
    /// Points bank maintenance.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Check the ledger's invariants; exits 1 and lists every violation when one fails.
    Check,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", linli::openapi::to_json());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    linli::telemetry::init(config.log_format);
    if config.jwt_secret_generated {
        tracing::warn!(
            "JWT_SECRET is not set: using a random secret, so tokens die with this process (dev only)"
        );
    }
    if config.pii_key_is_dev {
        tracing::warn!("PII_KEY is not set: phones are encrypted with the fixed development key (dev only)");
    }
    match run(command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "linli stopped with an error");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Openapi => unreachable!("handled before configuration"),
        Command::Migrate => {
            let db = linli::db::connect(&config).await?;
            linli::db::migrate(&db).await?;
            println!("migrations applied");
        }
        Command::SeedDemo => {
            // The demo county comes with a known staff password.
            if config.app_env == AppEnv::Production {
                anyhow::bail!(
                    "seed-demo refuses to run with APP_ENV=production: the demo data has a published password"
                );
            }
            let db = linli::db::connect(&config).await?;
            linli::db::migrate(&db).await?;
            let report = linli::seed::seed_demo(&db, &config).await?;
            println!("示范数据 demo data ({} new rows):", report.created);
            for line in report.lines {
                println!("{line}");
            }
        }
        Command::Ledger {
            command: LedgerCommand::Check,
        } => {
            let db = linli::db::connect(&config).await?;
            linli::db::migrate(&db).await?;
            let report = linli::ledger::reconcile::check(&db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for s in &report.assets {
                println!("{:?} sum {}", s.asset, s.sum);
            }
            for v in &report.violations {
                println!(
                    "VIOLATION {} account={:?} {}",
                    v.kind,
                    v.account_id.map(|i| i.0),
                    v.detail
                );
            }
            if !report.ok {
                anyhow::bail!(
                    "the ledger is inconsistent ({} violation(s))",
                    report.violations.len()
                );
            }
            println!("ledger ok");
        }
        Command::Serve => {
            let started = Instant::now();
            let app = Application::build(config).await?;
            let state = app.state();
            tracing::info!(
                port = app.port(),
                database = linli::db::backend_name(&state.db),
                kv = state.kv.backend(),
                startup_ms = started.elapsed().as_millis() as u64,
                "linli is listening; API docs at /docs"
            );
            app.run_until_stopped().await?;
            tracing::info!("linli stopped");
        }
    }
    Ok(())
}
