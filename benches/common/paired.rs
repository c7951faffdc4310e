//! Ratios that survive a noisy machine: two measurements alternated round by round, compared by
//! their medians. Criterion's rows are measured seconds apart, so on a shared machine their
//! ratio moves with whatever else runs; alternating lets both sides see the same machine.
//!
//! The order within a round flips every round (a b, b a, a b, ...): whichever runs first after
//! the other finds the caches, the branch predictors and the peer's state as the other left
//! them, and a fixed order would charge that to one side every time.

use std::time::Duration;

/// Alternates `a` and `b` for `rounds` rounds and prints the medians and `a / b`.
pub fn print_ratio(
    name: &str,
    rounds: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) {
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
    let (a, b) = (median(&mut times_a), median(&mut times_b));
    println!(
        "{name}: medians {a:?} vs {b:?} over {rounds} alternating rounds, ratio {:.3}",
        a.as_secs_f64() / b.as_secs_f64()
    );
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}
