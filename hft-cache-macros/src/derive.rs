//! [`Derive`]: which of the crate's derives is running.
//!
//! On its own so that the fuzz target of the derives (`fuzz/fuzz_targets/derive_input.rs`) can
//! build the internals (this, `attr`, `check`, `expand`, `generics`, `serde_attrs`) as plain
//! modules: a proc-macro crate exports nothing but its macros.

/// The derives this crate provides; each is one class of the policy.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Derive {
    Static,
    Streamed,
    Live,
    NoLiveState,
}

impl Derive {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Derive::Static => "Static",
            Derive::Streamed => "Streamed",
            Derive::Live => "Live",
            Derive::NoLiveState => "NoLiveState",
        }
    }
}
