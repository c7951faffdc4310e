//! `hft-fleet`: the operator's command for fleet control on NATS JetStream (feature `fleet`).
//!
//! ```text
//! hft-fleet halt   --nats URL (--all | --venue V | --symbol S | --strategy ID) --by WHO --why TEXT
//! hft-fleet resume --nats URL (--all | --venue V | --symbol S | --strategy ID) --by WHO
//! hft-fleet status --nats URL [--json]
//! hft-fleet audit  --nats URL [--since T] [--json]
//! ```
//!
//! Exit codes: 0 done; 1 failed; 2 usage; 3 server unreachable; 4 JetStream disabled; 5 server
//! too old; 6 a JetStream request failed. Everything it does is a library call in
//! `hft_cache::fleet`.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use hft_cache::fleet::{self, FleetClient, FleetError};
use hft_cache::kill_switch::HaltScope;

#[derive(Parser)]
#[command(
    name = "hft-fleet",
    version,
    about = "Halt, resume and watch a fleet of hft-cache processes over NATS JetStream"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Puts a halt in force on every process: all, or one venue, symbol or strategy.
    Halt {
        #[command(flatten)]
        server: Server,
        #[command(flatten)]
        scope: Scope,
        /// Who asks (recorded in the audit trail).
        #[arg(long)]
        by: String,
        /// Why (recorded in the audit trail).
        #[arg(long)]
        why: String,
    },
    /// Lifts a fleet halt and asks every process to resume (each validates first).
    Resume {
        #[command(flatten)]
        server: Server,
        #[command(flatten)]
        scope: Scope,
        /// Who asks (recorded in the audit trail).
        #[arg(long)]
        by: String,
    },
    /// Every process: name, host, lease, gate mode, scopes halted, last report; the halts in force.
    Status {
        #[command(flatten)]
        server: Server,
        /// Prints JSON.
        #[arg(long)]
        json: bool,
    },
    /// The audit trail, oldest first.
    Audit {
        #[command(flatten)]
        server: Server,
        /// Only records since then: a duration back (`15m`, `2h`) or an RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// Prints JSON, one record per line.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct Server {
    /// The NATS server, e.g. nats://127.0.0.1:4222.
    #[arg(long, value_name = "URL")]
    nats: String,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct Scope {
    /// Everything.
    #[arg(long)]
    all: bool,
    /// One venue (e.g. binance).
    #[arg(long, value_name = "V")]
    venue: Option<String>,
    /// One symbol on every venue (e.g. BTCUSDT).
    #[arg(long, value_name = "S")]
    symbol: Option<String>,
    /// One strategy: the client order id prefix.
    #[arg(long, value_name = "ID")]
    strategy: Option<String>,
}

impl Scope {
    fn scope(self) -> HaltScope {
        match (self.venue, self.symbol, self.strategy) {
            (Some(v), _, _) => HaltScope::venue(v),
            (_, Some(s), _) => HaltScope::symbol(s),
            (_, _, Some(p)) => HaltScope::strategy(p),
            _ => HaltScope::All,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("hft-fleet: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hft-fleet: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(command: Command) -> Result<(), FleetError> {
    match command {
        Command::Halt {
            server,
            scope,
            by,
            why,
        } => {
            let scope = scope.scope();
            let fleet = FleetClient::connect(server.nats).await?;
            let halt = fleet.halt(&scope, &by, &why).await?;
            println!("halt {} of {scope} in force (by {by})", halt.halt_id);
        }
        Command::Resume { server, scope, by } => {
            let scope = scope.scope();
            let fleet = FleetClient::connect(server.nats).await?;
            let request = fleet.resume(&scope, &by).await?;
            match &request.lifted {
                Some(halt) => println!(
                    "halt {} of {scope} lifted; resume requested ({}): each process resumes after its own validation",
                    halt.halt_id, request.request_id
                ),
                None => println!(
                    "no fleet halt of {scope} was in force; resume requested ({}) of processes halted in it",
                    request.request_id
                ),
            }
        }
        Command::Status { server, json } => {
            let fleet = FleetClient::connect(server.nats).await?;
            let status = fleet.status().await?;
            if json {
                println!("{}", status.to_json());
            } else {
                print!("{status}");
            }
        }
        Command::Audit {
            server,
            since,
            json,
        } => {
            let since = since.as_deref().map(fleet::parse_since).transpose()?;
            let fleet = FleetClient::connect(server.nats).await?;
            for entry in fleet.audit(since).await? {
                if json {
                    println!("{}", entry.to_json());
                } else {
                    println!("{entry}");
                }
            }
        }
    }
    Ok(())
}
