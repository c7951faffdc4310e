//! Ratios that survive a noisy machine: two measurements alternated round by round, compared by
//! their medians. Criterion's rows are measured seconds apart, so on a shared machine their
//! ratio moves with whatever else runs; alternating lets both sides see the same machine.
//!
//! The order within a round flips every round (a b, b a, a b, ...): whichever runs first after
//! the other finds the caches, the branch predictors and the peer's state as the other left
//! them, and a fixed order would charge that to one side every time.
//!
//! [`print_times`] prints two figures: the ratio of the two medians, and the median of the
//! rounds' own ratios. The second compares each `a` with the `b` measured beside it, so a drift
//! of the machine between rounds cancels out of it; where the two disagree, the machine moved.
//! [`print_sessions`] does the same for rounds spread over sessions.

#![allow(dead_code)] // each bench uses its own part

use std::time::Duration;

/// Alternates `a` and `b` for `rounds` rounds and prints the medians and `a / b`.
pub fn print_ratio(
    name: &str,
    rounds: usize,
    a: impl FnMut() -> Duration,
    b: impl FnMut() -> Duration,
) {
    let (times_a, times_b) = alternate(rounds, a, b);
    print_times(name, &times_a, &times_b);
}

/// Alternates `a` and `b` for `rounds` rounds; each one's times, in round order.
pub fn alternate(
    rounds: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut times_a, mut times_b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds {
        if round % 2 == 0 {
            times_a.push(a());
            times_b.push(b());
        } else {
            times_b.push(b());
            times_a.push(a());
        }
    }
    (times_a, times_b)
}

/// Prints the medians of `a` and `b` (round by round, as [`alternate`] gives them), their
/// ratio, and the median of the rounds' ratios.
pub fn print_times(name: &str, a: &[Duration], b: &[Duration]) {
    let rounds = sorted_ratios(a.iter().zip(b));
    let (ma, mb) = (median(a), median(b));
    println!(
        "{name}: medians {ma:?} vs {mb:?} over {} alternating rounds, ratio {:.3} \
         (median of the rounds' ratios {:.3})",
        a.len(),
        ma.as_secs_f64() / mb.as_secs_f64(),
        rounds[rounds.len() / 2]
    );
}

/// Prints, for rounds alternated in sessions (each its own pair of clients, say), the median of
/// all the rounds' ratios, and the median of the sessions' ratios of medians with their range.
/// The medians of all rounds pooled are not compared: where sessions differ in speed, a pooled
/// median falls between their modes and jumps with a small shift of either side.
pub fn print_sessions(name: &str, sessions: &[(Vec<Duration>, Vec<Duration>)]) {
    let mut ratios: Vec<f64> = sessions
        .iter()
        .map(|(a, b)| median(a).as_secs_f64() / median(b).as_secs_f64())
        .collect();
    ratios.sort_unstable_by(f64::total_cmp);
    let rounds = sorted_ratios(sessions.iter().flat_map(|(a, b)| a.iter().zip(b)));
    let (a, b): (Vec<Duration>, Vec<Duration>) = sessions
        .iter()
        .flat_map(|(a, b)| a.iter().copied().zip(b.iter().copied()))
        .unzip();
    println!(
        "{name}: ratio {:.3}, the median of the {} rounds' ratios; the median of {} sessions' \
         ratios of medians {:.3} ({:.3} to {:.3}); medians {:?} vs {:?}",
        rounds[rounds.len() / 2],
        rounds.len(),
        ratios.len(),
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
        median(&a),
        median(&b),
    );
}

/// Each round's `a / b`, in ascending order.
fn sorted_ratios<'t>(rounds: impl Iterator<Item = (&'t Duration, &'t Duration)>) -> Vec<f64> {
    let mut ratios: Vec<f64> = rounds
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_unstable_by(f64::total_cmp);
    ratios
}

fn median(times: &[Duration]) -> Duration {
    let mut times = times.to_vec();
    times.sort_unstable();
    times[times.len() / 2]
}
