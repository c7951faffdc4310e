//! Fleet control on NATS JetStream (feature `fleet`): one halt for every process, leases that
//! fail closed, a durable audit trail, and every process's compliance in one view.
//!
//! Each process keeps its own caches and its own [`KillSwitch`](crate::kill_switch::KillSwitch);
//! the fleet shares control only, through a NATS server (2.11 or newer, JetStream enabled) and the
//! `async-nats` client. The server is the engine: nothing here is consensus of its own.
//!
//! - **Halts** ([`FleetClient::halt`]): a key-value bucket holds the halts in force, one key per
//!   scope (`all`, `venue.<v>`, `symbol.<s>`, `strategy.<prefix>`) with a [`FleetHalt`]. Every
//!   [`FleetMember`] watches it (the keys in force before [`join`](FleetMemberBuilder::join)
//!   returns, then every change) and trips its own switch with that scope: the sweep, the
//!   assessment and the report run as for any trip. A deleted key resumes nothing.
//! - **Resumes** ([`FleetClient::resume`]): the key is deleted and every member is asked to
//!   resume; each runs its own validated [`resume_with`](crate::kill_switch::KillSwitch::resume_with)
//!   (paper phase included) once the fleet holds no halt of that scope.
//! - **Leases**: each member renews a key in a bucket whose max age is the lease, every quarter
//!   lease, each write bounded by the renewal timeout. With no acknowledged renewal for a whole
//!   lease, measured on the switch's own clock, it trips itself
//!   ([`TripReason::ControlPlaneLost`](crate::kill_switch::TripReason::ControlPlaneLost)) and stays
//!   halted when the link returns, until a validated resume. A lapsed lease leaves an expiry
//!   marker that everyone sees ([`LeaseState::Expired`]).
//! - **Audit** ([`FleetClient::audit`]): every fleet halt, resume request, and each member's
//!   trips, resumes, acknowledgments, refusals and obedience go, with a message id (the server
//!   drops a repeat), to a stream that denies delete and purge.
//! - **Compliance** ([`FleetClient::status`]): each member publishes its compliance report on
//!   every change of its gate and periodically, to its own subject, of which the server keeps the
//!   last N.
//!
//! The bound: every live member is halted within halt time + lease + one renewal timeout,
//! whether it heard the halt or not.
//!
//! ```no_run
//! use std::time::Duration;
//! use hft_cache::fleet::{FleetClient, FleetMember};
//! use hft_cache::kill_switch::{HaltScope, KillSwitch};
//! use hft_cache::monitor::Registry;
//!
//! # async fn run() -> Result<(), hft_cache::fleet::FleetError> {
//! // In each trading process:
//! let kill = KillSwitch::builder().registry(&Registry::new()).build();
//! let _member = FleetMember::builder("nats://127.0.0.1:4222", "mm-eu-1")
//!     .lease(Duration::from_secs(3))
//!     .join(&kill)
//!     .await?;
//!
//! // At the risk desk (or `hft-fleet halt --symbol BTCUSDT ...`):
//! let fleet = FleetClient::connect("nats://127.0.0.1:4222").await?;
//! fleet.halt(&HaltScope::symbol("BTCUSDT"), "alice", "bad prints").await?;
//! for member in fleet.status().await?.members {
//!     println!("{} {:?} {:?}", member.name, member.lease, member.mode);
//! }
//! # Ok(()) }
//! ```

mod audit;
mod client;
mod current;
mod error;
mod member;
mod operator;
mod records;
mod scope_key;

pub use audit::{parse_since, AuditEntry, MAX_AUDIT_READ};
pub use client::{FleetClient, FleetClientBuilder};
pub use error::FleetError;
pub use member::{FleetMember, FleetMemberBuilder, FleetMemberHandle};
pub use operator::{FleetStatus, HaltInForce, LeaseState, MemberStatus, ResumeRequest};
pub use records::{AuditEvent, FleetHalt, LeaseRecord};
