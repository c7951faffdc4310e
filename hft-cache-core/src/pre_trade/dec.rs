//! The pre-trade check's decimal arithmetic: `Decimal`'s own results, computed on machine
//! integers when the operands are small enough for that to be exact, by `rust_decimal`
//! otherwise.
//!
//! The check runs in the send path, right after the network code has pushed it out of the
//! caches, so its cost there is mostly the code it has to fetch again. `rust_decimal`'s general
//! operations are large (a comparison of two scales rescales through a loop; an addition
//! inlines hundreds of instructions), and prices, quantities and limits are small: a mantissa
//! of a few dozen bits, scales at most a few digits apart. Each operation here is one small
//! out-of-line function, shared by every place the check uses it.
//!
//! Exact by construction: the integer path (`i64` mantissas at one scale, `i128` for groups) is
//! taken only where no step overflows, and its result is then exactly `rust_decimal`'s (which
//! is exact whenever the result fits); everything else is handed to `rust_decimal`. The
//! property tests below compare the two on random values of every scale and size.

use std::cmp::Ordering;

use rust_decimal::Decimal;

/// 10⁰ to 10¹⁸: every power of ten an `i64` holds.
const POW10: [i64; 19] = {
    let mut pow = [1i64; 19];
    let mut i = 1;
    while i < pow.len() {
        pow[i] = pow[i - 1] * 10;
        i += 1;
    }
    pow
};

/// `d`'s mantissa and scale, if the mantissa fits in an `i64`.
#[inline(always)]
fn parts(d: Decimal) -> Option<(i64, u32)> {
    Some((i64::try_from(d.mantissa()).ok()?, d.scale()))
}

/// `m × 10^by`, if it fits in an `i64`.
#[inline(always)]
fn scaled(m: i64, by: u32) -> Option<i64> {
    m.checked_mul(*POW10.get(by as usize)?)
}

/// The mantissas of `a` and `b` at the larger of their scales, and that scale, if they fit in
/// an `i64` there.
#[inline(always)]
fn aligned(a: Decimal, b: Decimal) -> Option<(i64, i64, u32)> {
    let ((ma, sa), (mb, sb)) = (parts(a)?, parts(b)?);
    match sa.cmp(&sb) {
        Ordering::Equal => Some((ma, mb, sa)),
        Ordering::Less => Some((scaled(ma, sb - sa)?, mb, sb)),
        Ordering::Greater => Some((ma, scaled(mb, sa - sb)?, sa)),
    }
}

/// `m × 10⁻ˢ`, if a `Decimal` holds it exactly.
#[inline(always)]
fn exact(m: i64, s: u32) -> Option<Decimal> {
    Decimal::try_new(m, s).ok()
}

/// `a.cmp(&b)`.
#[inline(never)]
pub(super) fn cmp(a: Decimal, b: Decimal) -> Ordering {
    match aligned(a, b) {
        Some((a, b, _)) => a.cmp(&b),
        None => a.cmp(&b),
    }
}

/// `a < b`.
#[inline]
pub(super) fn lt(a: Decimal, b: Decimal) -> bool {
    cmp(a, b) == Ordering::Less
}

/// `a > b`.
#[inline]
pub(super) fn gt(a: Decimal, b: Decimal) -> bool {
    cmp(a, b) == Ordering::Greater
}

/// Whether `d > 0`, without a call.
#[inline]
pub(super) fn positive(d: Decimal) -> bool {
    !d.is_zero() && d.is_sign_positive()
}

/// `a.checked_add(b)`.
#[inline(never)]
pub(super) fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    aligned(a, b)
        .and_then(|(a, b, s)| exact(a.checked_add(b)?, s))
        .or_else(|| a.checked_add(b))
}

/// `a.checked_sub(b)`.
#[inline(never)]
pub(super) fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    aligned(a, b)
        .and_then(|(a, b, s)| exact(a.checked_sub(b)?, s))
        .or_else(|| a.checked_sub(b))
}

/// `a.checked_mul(b)`.
#[inline(never)]
pub(super) fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    parts(a)
        .zip(parts(b))
        .and_then(|((ma, sa), (mb, sb))| exact(ma.checked_mul(mb)?, sa + sb))
        .or_else(|| a.checked_mul(b))
}

/// `d` as a mantissa without trailing zeros and its scale: the same pair for equal values
/// (`1.0` and `1.00`), as `Decimal`'s own hash has, without its general normalization.
#[inline(never)]
pub(super) fn canonical(d: Decimal) -> (i128, u32) {
    match parts(d) {
        Some((mut m, mut s)) => {
            while s > 0 && m % 10 == 0 {
                m /= 10;
                s -= 1;
            }
            (i128::from(m), s)
        }
        None => {
            let d = d.normalize();
            (d.mantissa(), d.scale())
        }
    }
}

/// `values` as integers at the largest of their scales, if each fits in an `i64` there. One
/// conversion for a group of values compared with each other, where each comparison of two
/// `Decimal`s converts both again.
#[inline(never)]
pub(super) fn align(values: [Decimal; 4]) -> Option<[i64; 4]> {
    let [a, b, c, d] = values;
    let parts = [parts(a)?, parts(b)?, parts(c)?, parts(d)?];
    let scale = parts[0].1.max(parts[1].1).max(parts[2].1).max(parts[3].1);
    let up = |(m, s): (i64, u32)| scaled(m, scale - s);
    Some([up(parts[0])?, up(parts[1])?, up(parts[2])?, up(parts[3])?])
}

/// A number the bounds checks run on: a `Decimal`, or a group of them aligned to one scale.
pub(super) trait Exact: Copy + PartialOrd {
    /// Whether it is above zero.
    fn positive(self) -> bool;
    /// Whether it is `origin` plus a whole number of `step`s.
    fn on_grid(self, origin: Self, step: Self) -> bool;
}

impl Exact for i64 {
    fn positive(self) -> bool {
        self > 0
    }
    fn on_grid(self, origin: Self, step: Self) -> bool {
        self.checked_sub(origin)
            .and_then(|above| above.checked_rem(step))
            == Some(0)
    }
}

/// The path for values `align` cannot hold: `rust_decimal`'s own operations (`false` for a
/// zero step, as `checked_rem` gives none).
impl Exact for Decimal {
    fn positive(self) -> bool {
        positive(self)
    }
    fn on_grid(self, origin: Self, step: Self) -> bool {
        self.checked_sub(origin)
            .and_then(|above| above.checked_rem(step))
            .is_some_and(|r| r.is_zero())
    }
}

/// Which bound a value breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Broken {
    /// Below the minimum.
    Min,
    /// Above the maximum.
    Max,
    /// Off the grid of steps from the minimum.
    Step,
}

/// Which of its bounds `value` breaks: at least `min`, at most `max`, `min` plus a whole number
/// of `step`s (a bound that is not above zero is none), in that order.
#[inline(never)]
pub(super) fn bounds(value: Decimal, min: Decimal, max: Decimal, step: Decimal) -> Option<Broken> {
    fn broken<N: Exact>(value: N, min: N, max: N, step: N) -> Option<Broken> {
        if min.positive() && value < min {
            Some(Broken::Min)
        } else if max.positive() && value > max {
            Some(Broken::Max)
        } else if step.positive() && !value.on_grid(min, step) {
            Some(Broken::Step)
        } else {
            None
        }
    }
    match align([value, min, max, step]) {
        Some([value, min, max, step]) => broken(value, min, max, step),
        None => broken(value, min, max, step),
    }
}

/// Whether `price` is more than `limit_bps` basis points from the mid of `bid` and `ask`:
/// |2·price − (bid + ask)| × 10 000 > `limit_bps` × (bid + ask), the same ratio as
/// |price − mid| / mid without a division. An overflow counts as past.
#[inline(never)]
pub(super) fn past_mid(price: Decimal, bid: Decimal, ask: Decimal, limit_bps: Decimal) -> bool {
    if let (Some([price, bid, ask, _]), Some((bps, bps_scale))) =
        (align([price, bid, ask, Decimal::ZERO]), parts(limit_bps))
    {
        // In `i128`, from `i64`s: the sum and the offset cannot overflow, the products are
        // checked. Both sides are scaled by 10^(scale + bps_scale): the comparison is the same.
        let sum = i128::from(bid) + i128::from(ask);
        let off = (2 * i128::from(price) - sum).abs();
        let lhs = POW10
            .get(bps_scale as usize)
            .and_then(|&pow| off.checked_mul(10_000 * i128::from(pow)));
        if let (Some(lhs), Some(rhs)) = (lhs, sum.checked_mul(i128::from(bps))) {
            return lhs > rhs;
        }
    }
    let Some(sum) = add(bid, ask) else {
        return true;
    };
    let off = add(price, price)
        .and_then(|twice| sub(twice, sum))
        .map_or(Decimal::MAX, |d| d.abs());
    past(off, sum, limit_bps)
}

/// Whether `diff / reference` is more than `limit_bps` basis points, without dividing (an
/// overflow counts as past).
#[inline]
pub(super) fn past(diff: Decimal, reference: Decimal, limit_bps: Decimal) -> bool {
    match (mul(diff, BPS), mul(limit_bps, reference)) {
        (Some(lhs), Some(rhs)) => gt(lhs, rhs),
        _ => true,
    }
}

/// Basis points in one.
pub(super) const BPS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Decimals of every size and scale, weighted to the small ones prices are made of.
    fn decimal() -> impl Strategy<Value = Decimal> {
        let mantissa = prop_oneof![
            3 => -1_000_000_000i128..1_000_000_000,
            2 => any::<i64>().prop_map(i128::from),
            1 => (-(1i128 << 96) + 1)..(1i128 << 96),
            1 => Just(0i128),
        ];
        (mantissa, 0u32..=28).prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s))
    }

    /// The same value (and, where `rust_decimal` gives one, the same result).
    fn same(ours: Option<Decimal>, theirs: Option<Decimal>) -> Result<(), TestCaseError> {
        prop_assert_eq!(ours, theirs);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn cmp_is_decimals(a in decimal(), b in decimal()) {
            prop_assert_eq!(cmp(a, b), a.cmp(&b));
            prop_assert_eq!(lt(a, b), a < b);
            prop_assert_eq!(gt(a, b), a > b);
            prop_assert_eq!(positive(a), a > Decimal::ZERO);
        }

        #[test]
        fn add_sub_mul_are_decimals(a in decimal(), b in decimal()) {
            same(add(a, b), a.checked_add(b))?;
            same(sub(a, b), a.checked_sub(b))?;
            same(mul(a, b), a.checked_mul(b))?;
        }

        #[test]
        fn canonical_is_one_pair_per_value(a in decimal(), zeros in 0u32..10) {
            let n = a.normalize();
            prop_assert_eq!(canonical(a), (n.mantissa(), n.scale()));
            // The same value with trailing zeros, where it fits.
            if let Some(padded) = a.mantissa().checked_mul(10i128.pow(zeros))
                .and_then(|m| Decimal::try_from_i128_with_scale(m, a.scale() + zeros).ok())
            {
                prop_assert_eq!(canonical(padded), canonical(a));
            }
        }

        #[test]
        fn on_grid_is_a_zero_remainder(value in decimal(), origin in decimal(), step in decimal()) {
            let theirs = Exact::on_grid(value, origin, step);
            if let Some([v, o, s, _]) = align([value, origin, step, Decimal::ZERO]) {
                prop_assert_eq!(Exact::on_grid(v, o, s), theirs);
            }
        }

        #[test]
        fn on_grid_finds_the_multiples(
            origin in 0i64..1_000_000,
            steps in 0i64..1_000_000,
            step in 1i64..10_000,
            off in 0i64..10_000,
            scale in 0u32..9,
            step_scale in 0u32..9,
        ) {
            // value = origin + steps × step (+ off / 10^scale+step_scale), at mixed scales.
            let step = Decimal::new(step, step_scale);
            let origin = Decimal::new(origin, scale);
            let value = origin + step * Decimal::from(steps);
            let nudged = value + Decimal::new(off, scale + step_scale + 1);
            let theirs = (nudged - origin).checked_rem(step).is_some_and(|r| r.is_zero());
            prop_assert!(Exact::on_grid(value, origin, step));
            prop_assert_eq!(Exact::on_grid(nudged, origin, step), theirs);
            // On the integer path too, where the values fit it.
            if let Some([v, o, s, n]) = align([value, origin, step, nudged]) {
                prop_assert!(Exact::on_grid(v, o, s));
                prop_assert_eq!(Exact::on_grid(n, o, s), theirs);
            }
        }
    }

    /// Values whose sums and differences `Decimal` holds exactly, as prices, quantities and
    /// limits are: there both paths are exact, and must agree.
    fn moderate() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            4 => (0i64..10_000_000_000, 0u32..=10).prop_map(|(m, s)| Decimal::new(m, s)),
            1 => (-1_000_000i64..1_000_000, 0u32..=18).prop_map(|(m, s)| Decimal::new(m, s)),
            1 => Just(Decimal::ZERO),
        ]
    }

    fn bounds_in_decimal(
        value: Decimal,
        min: Decimal,
        max: Decimal,
        step: Decimal,
    ) -> Option<Broken> {
        if min > Decimal::ZERO && value < min {
            Some(Broken::Min)
        } else if max > Decimal::ZERO && value > max {
            Some(Broken::Max)
        } else if step > Decimal::ZERO
            && !(value - min).checked_rem(step).is_some_and(|r| r.is_zero())
        {
            Some(Broken::Step)
        } else {
            None
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn align_keeps_order_and_differences(a in moderate(), b in moderate()) {
            if let Some([x, y, _, _]) = align([a, b, Decimal::ZERO, Decimal::ONE]) {
                prop_assert_eq!(Decimal::new(x - y, a.scale().max(b.scale())), a - b);
                prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            }
        }

        #[test]
        fn bounds_are_decimals(
            value in moderate(), min in moderate(), max in moderate(), step in moderate(),
        ) {
            let theirs = bounds_in_decimal(value, min, max, step);
            prop_assert_eq!(bounds(value, min, max, step), theirs);
        }

        #[test]
        fn bounds_on_the_grid(
            min in 0i64..1_000_000, steps in 0i64..1_000_000, step in 1i64..10_000,
            scale in 0u32..9, step_scale in 0u32..9, off in 1i64..10,
        ) {
            let (min, step) = (Decimal::new(min, scale), Decimal::new(step, step_scale));
            let value = min + step * Decimal::from(steps);
            prop_assert_eq!(bounds(value, min, Decimal::ZERO, step), None);
            let max = value - Decimal::new(off, scale + step_scale + 1);
            prop_assert_eq!(bounds(value, min, max, step), Some(Broken::Max));
            let nudged = value + Decimal::new(off, scale + step_scale + 1);
            prop_assert_eq!(bounds(nudged, min, Decimal::ZERO, step), Some(Broken::Step));
        }

        #[test]
        fn past_mid_is_decimals(
            price in moderate(), bid in moderate(), ask in moderate(), bps in moderate(),
        ) {
            let sum = bid + ask;
            let off = (price + price - sum).abs();
            prop_assert_eq!(past_mid(price, bid, ask, bps), off * BPS > bps * sum);
        }
    }

    #[test]
    fn the_boundaries_of_the_integer_path() {
        let max = Decimal::MAX;
        let min = Decimal::MIN;
        let tiny = Decimal::new(1, 28);
        for (a, b) in [(max, tiny), (min, tiny), (max, Decimal::ONE), (tiny, max)] {
            assert_eq!(cmp(a, b), a.cmp(&b));
            assert_eq!(add(a, b), a.checked_add(b));
            assert_eq!(sub(a, b), a.checked_sub(b));
            assert_eq!(mul(a, b), a.checked_mul(b));
        }
        assert_eq!(add(max, Decimal::ONE), None, "an overflow is no value");
        let cent = Decimal::new(1, 2);
        for (value, on) in [
            (Decimal::new(6_000_001, 2), true),
            (Decimal::new(600_000_015, 4), false),
        ] {
            assert_eq!(Exact::on_grid(value, cent, cent), on, "{value}");
            let [v, o, s, _] = align([value, cent, cent, Decimal::ZERO]).unwrap();
            assert_eq!(Exact::on_grid(v, o, s), on, "{value} on the integer path");
        }
        assert!(
            !Exact::on_grid(Decimal::ONE, Decimal::ZERO, Decimal::ZERO),
            "a zero step"
        );
        assert!(
            !Exact::on_grid(1i64, 0, 0),
            "a zero step on the integer path"
        );
    }
}
