//! Ratios that survive a noisy machine: two measurements alternated round by round, compared by
//! their medians. Criterion's rows are measured seconds apart, so on a shared machine their
//! ratio moves with whatever else runs; alternating lets both sides see the same machine.

use std::time::Duration;

/// Alternates `a` and `b` for `rounds` rounds and prints the medians and `a / b`.
pub fn print_ratio(
    name: &str,
    rounds: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) {
    let (mut times_a, mut times_b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        times_a.push(a());
        times_b.push(b());
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
