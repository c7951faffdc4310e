//! What the audit reports: rules, findings, allowed findings and skipped code.

use serde::Serialize;

/// One rule of the audit, with its code (`HFT001`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Rule {
    /// HFT001: a live type (derives `Live`, or has a hand-written `Classified` impl of class Live).
    LiveType,
    /// HFT002: a global (`static`, `thread_local!`, `lazy_static!`, `Lazy`, `OnceLock`...) holding live data.
    LiveGlobal,
    /// HFT003: a third-party cache or a map whose values are live data.
    LiveCache,
    /// HFT004: a memoised function (`#[cached]`, `#[once]`...) that returns live data.
    Memoised,
    /// HFT005: a struct or enum holding live data that derives neither `NoLiveState` nor `Live`.
    LongLived,
    /// HFT006: an escape for review: `#[hft(opaque)]`, a hand-written impl of a policy trait, the
    /// custom-transport stream writer.
    Escape,
    /// HFT007: test-only time in production code: hft-cache's `test-util` feature in
    /// `[dependencies]`, `ManualClock`, a `.clock(..)` setter.
    TestTime,
    /// HFT008: live data captured by a closure kept in long-lived state or moved into a spawned
    /// task or thread.
    Captured,
}

/// How a finding is shown; `--deny` turns every warning into a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Listed for the reviewer; never fails the run.
    Note,
    /// A policy violation the compiler cannot see; fails the run under `--deny`.
    Warning,
}

impl Rule {
    /// Every rule, in code order.
    pub const ALL: [Rule; 8] = [
        Rule::LiveType,
        Rule::LiveGlobal,
        Rule::LiveCache,
        Rule::Memoised,
        Rule::LongLived,
        Rule::Escape,
        Rule::TestTime,
        Rule::Captured,
    ];

    /// The rule's code, `HFT001`...`HFT008`.
    pub fn code(self) -> &'static str {
        match self {
            Rule::LiveType => "HFT001",
            Rule::LiveGlobal => "HFT002",
            Rule::LiveCache => "HFT003",
            Rule::Memoised => "HFT004",
            Rule::LongLived => "HFT005",
            Rule::Escape => "HFT006",
            Rule::TestTime => "HFT007",
            Rule::Captured => "HFT008",
        }
    }

    /// The rule named by `code`, if any (case-insensitive).
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(code.trim()))
    }

    /// A short kebab-case name, used as the SARIF rule name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::LiveType => "live-type",
            Rule::LiveGlobal => "live-data-in-global",
            Rule::LiveCache => "live-data-in-cache",
            Rule::Memoised => "memoised-live-data",
            Rule::LongLived => "long-lived-live-data",
            Rule::Escape => "policy-escape",
            Rule::TestTime => "test-time-in-production",
            Rule::Captured => "live-data-captured",
        }
    }

    /// One line saying what the rule finds.
    pub fn summary(self) -> &'static str {
        match self {
            Rule::LiveType => "A live type: it derives `Live` or implements `Classified` by hand.",
            Rule::LiveGlobal => "A global (`static`, `thread_local!`, `lazy_static!`, `Lazy`, `OnceLock`, ...) holds live data.",
            Rule::LiveCache => "A third-party cache or a map holds live data as its values.",
            Rule::Memoised => "A memoised function returns live data.",
            Rule::LongLived => "A type holds live data and derives neither `NoLiveState` nor `Live`.",
            Rule::Escape => "An escape from the policy's checks, listed for review.",
            Rule::TestTime => "Test-only time (`test-util`, `ManualClock`, `.clock(..)`) in production code.",
            Rule::Captured => "Live data captured by a long-lived closure, task or thread.",
        }
    }

    /// What to do about a finding of this rule.
    pub fn help(self) -> &'static str {
        match self {
            Rule::LiveType => "live data is read through `Fresh<T>`, fetched for the decision that uses it, and never kept",
            Rule::LiveGlobal => "a global outlives every decision: fetch the live value as `Fresh<T>` where it is used",
            Rule::LiveCache => "no cache may hold live trading data, not even with a 1 s TTL: fetch it as `Fresh<T>` per decision",
            Rule::Memoised => "a memoised result is a cache: remove the memoisation and fetch the live value per call",
            Rule::LongLived => "a long-lived type must derive `NoLiveState` (the compiler then refuses live fields); a transient bundle of live data derives `Live`",
            Rule::Escape => "check that the escape holds no live data and is justified",
            Rule::TestTime => "production code runs on the system clock: keep `ManualClock`, `.clock(..)` and the `test-util` feature to tests and `[dev-dependencies]`",
            Rule::Captured => "a long-lived closure or task outlives the decision: capture the client, and fetch the live value as `Fresh<T>` inside it, per decision",
        }
    }

    /// The default severity.
    pub fn severity(self) -> Severity {
        match self {
            Rule::LiveType | Rule::Escape => Severity::Note,
            _ => Severity::Warning,
        }
    }

    /// Whether `--deny` fails on a finding of this rule (HFT002-HFT005 and HFT007-HFT008).
    pub fn denies(self) -> bool {
        self.severity() == Severity::Warning
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Finding", 10)?;
        st.serialize_field("code", self.rule.code())?;
        st.serialize_field("rule", self.rule.name())?;
        st.serialize_field("severity", &self.rule.severity())?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("file", &self.file)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("column", &self.column)?;
        st.serialize_field("end_line", &self.end_line)?;
        st.serialize_field("end_column", &self.end_column)?;
        st.serialize_field("note", &self.note)?;
        st.end()
    }
}

/// One finding: a rule, a place, a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it.
    pub rule: Rule,
    /// The file, relative to the workspace root, with `/` separators.
    pub file: String,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column (in characters) of the start.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column (in characters) just past the end.
    pub end_column: usize,
    /// What was found.
    pub message: String,
    /// An extra remark about this finding (e.g. an allow comment without a reason).
    pub note: Option<String>,
    /// The first line of the whole item (its attributes included): allow comments are looked
    /// for between the line above it and the finding's line.
    pub anchor_line: usize,
    /// The text of the finding's first line, for rustc-style output.
    pub snippet: String,
}

/// A finding silenced by an allow comment.
#[derive(Clone, Debug, Serialize)]
pub struct Allowed {
    /// The silenced finding.
    pub finding: Finding,
    /// The line of the allow comment.
    pub allow_line: usize,
    /// The reason the comment gives.
    pub reason: String,
}

/// An allow comment that silenced nothing.
#[derive(Clone, Debug, Serialize)]
pub struct UnusedAllow {
    /// The file, relative to the workspace root.
    pub file: String,
    /// The line of the comment.
    pub line: usize,
    /// The codes it names.
    pub codes: Vec<String>,
}

/// Code the audit did not look inside, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skipped {
    /// The file, relative to the workspace root.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What was skipped and why.
    pub what: String,
}
