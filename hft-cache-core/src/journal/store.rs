//! [`OrderJournal`]: a bounded ring of entries, totals, and an optional append-only file.

use std::collections::VecDeque;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, LineWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;

use super::entry::{JournalEntry, OrderMode, OrderOutcome};
use crate::clock::{SharedClock, SystemClock, Timestamp};

/// How many entries a journal keeps in memory unless told otherwise.
const DEFAULT_CAPACITY: usize = 10_000;

/// The record of every order request a [`SignedClient`](crate::exchange::SignedClient) sent,
/// simulated or refused: the last `capacity` in memory, every one in the optional JSON-lines
/// file. See [the module](crate::journal).
///
/// Cheap to clone: clones are the same journal.
#[derive(Clone)]
pub struct OrderJournal {
    inner: Arc<Inner>,
}

struct Inner {
    capacity: usize,
    clock: SharedClock,
    path: Option<PathBuf>,
    state: Mutex<State>,
}

struct State {
    entries: VecDeque<JournalEntry>,
    totals: JournalTotals,
    file: Option<LineWriter<File>>,
}

/// Counts over every entry the journal recorded, including those no longer in memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JournalTotals {
    /// Order requests recorded.
    pub recorded: u64,
    /// Sent to the exchange and accepted.
    pub accepted: u64,
    /// Sent and rejected by the exchange.
    pub rejected: u64,
    /// Sent without an answer: their fate is unknown until assessed.
    pub unknown: u64,
    /// Refused before sending (trading halted, paper-phase fault).
    pub refused: u64,
    /// Answered by the paper phase's simulation.
    pub paper: u64,
    /// Entries dropped from memory to stay within the capacity (still in the file, if any).
    pub evicted: u64,
    /// Entries that could not be written to the file.
    pub file_errors: u64,
}

/// Why an [`OrderJournal`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalBuildError {
    /// The capacity is zero: the journal could keep nothing for the assessment.
    #[error("an order journal's capacity must be above zero")]
    ZeroCapacity,
    /// The JSON-lines file could not be opened for appending.
    #[error("cannot open the order journal file `{}` for appending", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// Configures an [`OrderJournal`].
#[must_use]
#[derive(Debug, Default)]
pub struct OrderJournalBuilder {
    capacity: Option<usize>,
    path: Option<PathBuf>,
    clock: Option<SharedClock>,
}

impl OrderJournalBuilder {
    /// How many entries to keep in memory (default 10 000); older ones are dropped from memory
    /// (and counted in [`JournalTotals::evicted`]). Size it to hold the orders of the longest
    /// suspect window the kill switch may look back over.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = Some(capacity);
        self
    }

    /// Also appends every entry, as one line of JSON, to this file (created if missing; never
    /// truncated).
    pub fn file(mut self, path: impl AsRef<Path>) -> Self {
        self.path = Some(path.as_ref().to_owned());
        self
    }

    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    /// The clock entries are stamped with (default: the system clock). Give it the kill
    /// switch's clock, so that the switch finds the orders of its suspect window.
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the journal, opening the file if one was given.
    ///
    /// # Errors
    ///
    /// [`JournalBuildError`] for a zero capacity or a file that cannot be opened.
    pub fn build(self) -> Result<OrderJournal, JournalBuildError> {
        let capacity = self.capacity.unwrap_or(DEFAULT_CAPACITY);
        if capacity == 0 {
            return Err(JournalBuildError::ZeroCapacity);
        }
        let file = match &self.path {
            None => None,
            Some(path) => Some(LineWriter::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| JournalBuildError::File {
                        path: path.clone(),
                        source,
                    })?,
            )),
        };
        Ok(OrderJournal::with(
            capacity,
            self.clock.unwrap_or_else(SystemClock::shared),
            self.path.zip(file),
        ))
    }
}

impl OrderJournal {
    /// Configures a journal.
    pub fn builder() -> OrderJournalBuilder {
        OrderJournalBuilder::default()
    }

    /// A journal of the last 10 000 entries, in memory only, on the system clock.
    pub fn new() -> Self {
        OrderJournal::with(DEFAULT_CAPACITY, SystemClock::shared(), None)
    }

    fn with(
        capacity: usize,
        clock: SharedClock,
        file: Option<(PathBuf, LineWriter<File>)>,
    ) -> Self {
        let (path, file) = file.unzip();
        OrderJournal {
            inner: Arc::new(Inner {
                capacity,
                clock,
                path,
                state: Mutex::new(State {
                    entries: VecDeque::new(),
                    totals: JournalTotals::default(),
                    file,
                }),
            }),
        }
    }

    /// How many entries it keeps in memory.
    pub fn capacity(&self) -> usize {
        self.inner.capacity
    }

    /// The JSON-lines file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Entries in memory now.
    pub fn len(&self) -> usize {
        self.state().entries.len()
    }

    /// Whether no entry is in memory.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Counts over every entry recorded.
    pub fn totals(&self) -> JournalTotals {
        self.state().totals
    }

    /// Writes the entries in memory, oldest first, one JSON object per line. Returns how many.
    ///
    /// # Errors
    ///
    /// Whatever `out` fails with.
    pub fn write_json_lines(&self, mut out: impl Write) -> io::Result<usize> {
        let entries: Vec<JournalEntry> = self.state().entries.iter().cloned().collect();
        for entry in &entries {
            out.write_all(to_line(entry).as_bytes())?;
        }
        Ok(entries.len())
    }

    /// The entries in memory as JSON lines.
    pub fn to_json_lines(&self) -> String {
        self.state().entries.iter().map(to_line).collect()
    }

    pub(crate) fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Records one entry, stamping it and numbering it.
    pub(crate) fn record(&self, mut entry: JournalEntry) -> JournalEntry {
        let mut state = self.state();
        let totals = &mut state.totals;
        totals.recorded += 1;
        entry.seq = totals.recorded;
        match (&entry.outcome, entry.mode) {
            (OrderOutcome::Refused { .. }, _) => totals.refused += 1,
            (_, OrderMode::Paper) => totals.paper += 1,
            (OrderOutcome::Accepted { .. }, OrderMode::Live) => totals.accepted += 1,
            (OrderOutcome::Rejected { .. }, OrderMode::Live) => totals.rejected += 1,
            (OrderOutcome::Unknown { .. }, OrderMode::Live) => totals.unknown += 1,
        }
        // Written under the lock, so the file's order is the journal's.
        if let Some(file) = &mut state.file {
            if let Err(error) = file.write_all(to_line(&entry).as_bytes()) {
                state.totals.file_errors += 1;
                tracing::error!(%error, seq = entry.seq, "order journal: entry not written to the file");
            }
        }
        if state.entries.len() == self.inner.capacity {
            state.entries.pop_front();
            state.totals.evicted += 1;
        }
        state.entries.push_back(entry.clone());
        entry
    }

    /// Appends one audit record of the kill switch to the file, as `{"audit":{..}}`, in the
    /// journal's order (nothing without a file).
    pub(crate) fn append_audit<T: Serialize>(&self, record: &T) {
        let mut state = self.state();
        let Some(file) = &mut state.file else {
            return;
        };
        let mut line = serde_json::json!({ "audit": record }).to_string();
        line.push('\n');
        if let Err(error) = file.write_all(line.as_bytes()) {
            state.totals.file_errors += 1;
            tracing::error!(%error, "order journal: audit record not written to the file");
        }
    }

    /// The entries in memory stamped at or after `since`, oldest first; and whether older
    /// entries that might have been in the window were already dropped.
    pub(crate) fn since(&self, since: Timestamp) -> (Vec<JournalEntry>, bool) {
        let state = self.state();
        let truncated =
            state.totals.evicted > 0 && state.entries.front().is_none_or(|e| e.at > since);
        let entries = state
            .entries
            .iter()
            .filter(|e| e.at >= since)
            .cloned()
            .collect();
        (entries, truncated)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Entries are pushed whole: a panic elsewhere cannot leave one half-written.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for OrderJournal {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for JournalTotals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} order request(s): {} accepted, {} rejected, {} unknown, {} refused, {} paper",
            self.recorded, self.accepted, self.rejected, self.unknown, self.refused, self.paper
        )?;
        if self.evicted > 0 {
            write!(f, " ({} no longer in memory)", self.evicted)?;
        }
        if self.file_errors > 0 {
            write!(f, " ({} NOT WRITTEN TO THE FILE)", self.file_errors)?;
        }
        Ok(())
    }
}

fn to_line(entry: &JournalEntry) -> String {
    // Every field serialises (no maps, no fallible impls).
    let mut line = serde_json::to_string(entry)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string());
    line.push('\n');
    line
}

impl fmt::Debug for OrderJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrderJournal")
            .field("capacity", &self.inner.capacity)
            .field("path", &self.inner.path)
            .field("totals", &self.totals())
            .finish()
    }
}

crate::class::declare_class!(Plain for OrderJournal);
crate::class::declare_class!(Plain for JournalTotals);
crate::class::declare_class!(Plain for OrderJournalBuilder);
crate::class::declare_class!(Plain for JournalBuildError);
