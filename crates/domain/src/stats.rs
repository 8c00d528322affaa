//! Statistics a scrutiny board can trust: proportions with Wilson intervals, Fisher's exact test
//! for "does this call type draw more criticism than the rest", Krippendorff's alpha for how far
//! auditors agreed before the panel did, and the rounding rule of published reports. Each is
//! checked against worked examples from the literature in the tests below.

use std::collections::HashMap;
use std::hash::Hash;

/// The 97.5th percentile of the standard normal distribution: 95% two-sided intervals.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Percent of a total, to the nearest whole percent with halves rounded up (0 of 0 is 0%).
pub fn percent(part: u64, total: u64) -> u64 {
    if total == 0 {
        0
    } else {
        (200 * part + total) / (2 * total)
    }
}

/// The Wilson score interval for `x` successes in `n` trials (Wilson 1927), which stays inside
/// [0, 1] and behaves well for the small counts a panel's year produces. `None` when `n` is 0.
pub fn wilson(x: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 || x > n {
        return None;
    }
    let (x, n) = (x as f64, n as f64);
    let p = x / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// ln(k!) for k = 0..=n.
fn ln_factorials(n: u64) -> Vec<f64> {
    let mut v = Vec::with_capacity(n as usize + 1);
    let mut acc = 0.0;
    v.push(0.0);
    for k in 1..=n {
        acc += (k as f64).ln();
        v.push(acc);
    }
    v
}

/// Two-sided Fisher exact test of the 2×2 table `[[a, b], [c, d]]`: the probability, with the
/// margins fixed, of a table at most as likely as the one observed (the usual definition, as in R's
/// `fisher.test`). Here rows are "this incident type" / "all other calls" and columns are "raised an
/// issue" / "did not".
pub fn fisher_exact_two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (r1, c1, n) = (a + b, a + c, a + b + c + d);
    let lf = ln_factorials(n);
    let ln_p = |x: u64| -> f64 {
        // Hypergeometric probability of x in the top-left cell.
        lf[r1 as usize] + lf[(n - r1) as usize] + lf[c1 as usize] + lf[(n - c1) as usize]
            - lf[n as usize]
            - lf[x as usize]
            - lf[(r1 - x) as usize]
            - lf[(c1 - x) as usize]
            - lf[(n + x - r1 - c1) as usize]
    };
    let lo = (r1 + c1).saturating_sub(n);
    let hi = r1.min(c1);
    let observed = ln_p(a);
    // Tables whose probability equals the observed one up to rounding count as "as extreme".
    let tolerance = 1e-7;
    let total: f64 = (lo..=hi)
        .map(ln_p)
        .filter(|lp| *lp <= observed + tolerance)
        .map(f64::exp)
        .sum();
    total.min(1.0)
}

/// Krippendorff's alpha for nominal data, with how much it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agreement {
    /// 1 is perfect agreement, 0 what chance alone would give; below 0, systematic disagreement.
    pub alpha: f64,
    /// Units (calls) with at least two values, the only ones that count.
    pub units: usize,
    /// Values in those units.
    pub values: usize,
}

/// The sums Krippendorff's alpha is made of, for values numbered `0..k`. They add up unit by
/// unit, so the tally of any set of units (a bootstrap draw, a quarter) is the sum of its units'
/// tallies, and alpha follows from the sum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// How many pairable values each value number has.
    counts: Vec<f64>,
    /// The off-diagonal coincidences: every ordered pair of differing values within a unit,
    /// weighted 1/(m − 1).
    off: f64,
    /// Pairable units.
    units: usize,
}

impl Tally {
    /// One unit's tally (empty when it has fewer than two values, which cannot be paired).
    pub fn unit(values: &[usize]) -> Tally {
        Tally::with_coders(values).0
    }

    /// One unit's tally and each coder's share of it, in the unit's order, from one pass over
    /// its pairs (both empty when the unit cannot be paired).
    pub fn with_coders(values: &[usize]) -> (Tally, Vec<CoderTally>) {
        if values.len() < 2 {
            return (Tally::default(), Vec::new());
        }
        let w = 1.0 / (values.len() as f64 - 1.0);
        let shares: Vec<CoderTally> = values
            .iter()
            .enumerate()
            .map(|(i, a)| CoderTally {
                off: values
                    .iter()
                    .enumerate()
                    .filter(|(j, b)| *j != i && *b != a)
                    .count() as f64
                    * w,
                values: 1,
            })
            .collect();
        let mut counts = vec![0.0; values.iter().max().map_or(0, |m| m + 1)];
        for a in values {
            counts[*a] += 1.0;
        }
        let tally = Tally {
            counts,
            off: shares.iter().map(|s| s.off).sum(),
            units: 1,
        };
        (tally, shares)
    }

    pub fn add(&mut self, other: &Tally) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0.0);
        }
        for (c, o) in self.counts.iter_mut().zip(&other.counts) {
            *c += o;
        }
        self.off += other.off;
        self.units += other.units;
    }

    fn values(&self) -> f64 {
        self.counts.iter().sum()
    }

    /// The pairable units tallied.
    pub fn units(&self) -> usize {
        self.units
    }

    /// The disagreement chance would give: how often two of the pairable values, drawn without
    /// replacement, differ. `None` when it is nil (fewer than two values, or all alike).
    fn expected(&self) -> Option<f64> {
        let n = self.values();
        let same: f64 = self.counts.iter().map(|c| c * c).sum();
        let e = (n * n - same) / (n * (n - 1.0));
        (n >= 2.0 && e > 0.0).then_some(e)
    }

    /// Krippendorff's alpha of the tallied units.
    pub fn alpha(&self) -> Option<Agreement> {
        let e = self.expected()?;
        let n = self.values();
        Some(Agreement {
            alpha: 1.0 - (self.off / n) / e,
            units: self.units,
            values: n as usize,
        })
    }

    /// A coder's alpha against the rest within these units, from their own share of the
    /// disagreements (see [`krippendorff_by_coder`]).
    pub fn coder_alpha(&self, coder: &CoderTally) -> Option<f64> {
        let e = self.expected()?;
        (coder.values > 0).then(|| 1.0 - (coder.off / coder.values as f64) / e)
    }
}

/// One coder's share of a [`Tally`]: the weighted disagreements between their values and the
/// others' in the same units, and how many of their values were pairable.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CoderTally {
    pub off: f64,
    pub values: usize,
}

impl CoderTally {
    pub fn add(&mut self, other: &CoderTally) {
        self.off += other.off;
        self.values += other.values;
    }
}

/// Numbers the values of `units` in order of first appearance.
fn numbered<'a, T: Eq + Hash>(units: impl Iterator<Item = &'a T>) -> HashMap<&'a T, usize> {
    let mut index = HashMap::new();
    for v in units {
        let next = index.len();
        index.entry(v).or_insert(next);
    }
    index
}

/// Krippendorff's alpha, nominal metric (Krippendorff 2011, "Computing Krippendorff's
/// Alpha-Reliability"). Each unit lists the values its coders gave (missing ones left out); units
/// with fewer than two values are not pairable and are ignored. `None` when fewer than two
/// values are pairable or every value is the same (agreement by chance cannot be told apart).
pub fn krippendorff_nominal<T: Eq + Hash + Clone>(units: &[Vec<T>]) -> Option<Agreement> {
    let index = numbered(units.iter().flatten());
    let mut total = Tally::default();
    for u in units {
        let values: Vec<usize> = u.iter().map(|v| index[v]).collect();
        total.add(&Tally::unit(&values));
    }
    total.alpha()
}

/// 95% percentile bootstrap intervals for statistics of units (calls), one per key (each
/// auditor's alpha, say), so that each draw is computed once for all of them: the units are
/// drawn with replacement `rounds` times, the statistics computed on each draw, and the 2.5th and
/// 97.5th percentiles of each one's results kept. The draws come from a fixed seed, so the same
/// data always give the same intervals. A key is left out when there are fewer than two units, or
/// when its statistic is undefined on more than half the draws (too little variation to say
/// anything).
pub fn bootstrap95_each<U, K: Ord, I: IntoIterator<Item = (K, f64)>>(
    units: &[U],
    rounds: usize,
    stat: impl Fn(&[&U]) -> I,
) -> std::collections::BTreeMap<K, (f64, f64)> {
    use rand::{RngExt, SeedableRng};
    let mut results: std::collections::BTreeMap<K, Vec<f64>> = Default::default();
    if units.len() < 2 || rounds == 0 {
        return Default::default();
    }
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x00ca_11ad);
    let mut draw: Vec<&U> = Vec::with_capacity(units.len());
    for _ in 0..rounds {
        draw.clear();
        draw.extend((0..units.len()).map(|_| &units[rng.random_range(0..units.len())]));
        for (k, v) in stat(&draw) {
            results.entry(k).or_default().push(v);
        }
    }
    results
        .into_iter()
        .filter(|(_, v)| v.len() * 2 >= rounds)
        .map(|(k, mut v)| {
            v.sort_by(f64::total_cmp);
            let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
            (k, (at(0.025), at(0.975)))
        })
        .collect()
}

/// Each coder's agreement with the rest of the panel, chance-corrected as alpha is: the
/// disagreement between their value and the others' in each unit, over the disagreement chance
/// would give across all the values (the whole data's, as in [`krippendorff_nominal`]). Units
/// list (coder, value) pairs; units with fewer than two values are ignored. The panel's alpha is
/// the mean of its coders' alphas weighted by their values, so a coder far below it is the one
/// who reads the calls differently. `None` where the whole data's alpha is undefined.
pub fn krippendorff_by_coder<C: Ord + Clone, T: Eq + Hash + Clone>(
    units: &[Vec<(C, T)>],
) -> Option<std::collections::BTreeMap<C, Agreement>> {
    let index = numbered(units.iter().flatten().map(|(_, v)| v));
    let mut total = Tally::default();
    let mut by: std::collections::BTreeMap<C, CoderTally> = std::collections::BTreeMap::new();
    for u in units {
        let values: Vec<usize> = u.iter().map(|(_, v)| index[v]).collect();
        let (unit, shares) = Tally::with_coders(&values);
        total.add(&unit);
        for ((coder, _), share) in u.iter().zip(shares) {
            by.entry(coder.clone()).or_default().add(&share);
        }
    }
    total.alpha()?;
    Some(
        by.into_iter()
            .filter_map(|(coder, t)| {
                let alpha = total.coder_alpha(&t)?;
                Some((
                    coder,
                    Agreement {
                        alpha,
                        units: t.values,
                        values: t.values,
                    },
                ))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn percentages_follow_the_reporting_rule() {
        assert_eq!(percent(1, 8), 13); // 12.5 rounds up
        assert_eq!(percent(9, 152), 6); // seed report: 9 calls = 6%
        assert_eq!(percent(6, 152), 4);
        assert_eq!(percent(5, 152), 3);
        assert_eq!(percent(2, 152), 1);
        assert_eq!(percent(0, 0), 0);
    }

    #[test]
    fn wilson_matches_newcombes_worked_examples() {
        // Newcombe (1998), Statistics in Medicine 17:857–872, Table I, method 3 (score).
        for (x, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (l, h) = wilson(x, n, Z95).unwrap();
            assert!(
                close(l, lo, 0.00006) && close(h, hi, 0.00006),
                "{x}/{n}: ({l:.4}, {h:.4})"
            );
        }
        assert_eq!(wilson(0, 0, Z95), None);
    }

    #[test]
    fn fisher_matches_published_examples() {
        // Fisher's lady tasting tea: 3 of 4 cups right, two-sided p = 0.4857.
        assert!(close(fisher_exact_two_sided(3, 1, 1, 3), 0.485_714, 1e-6));
        // The dieting example on Wikipedia's "Fisher's exact test": p = 0.002759.
        assert!(close(fisher_exact_two_sided(1, 9, 11, 3), 0.002_759, 1e-6));
        assert!(close(fisher_exact_two_sided(0, 0, 0, 0), 1.0, 1e-12));
        // Symmetric in rows and columns.
        assert!(close(
            fisher_exact_two_sided(2, 7, 8, 2),
            fisher_exact_two_sided(8, 2, 2, 7),
            1e-12
        ));
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
    /// observers (rows), twelve units (columns), `None` where an observer gave no value.
    fn krippendorff_example() -> Vec<Vec<Option<u8>>> {
        [
            "1 2 3 3 2 1 4 1 2 . . .",
            "1 2 3 3 2 2 4 1 2 5 . 3",
            ". 3 3 3 2 3 4 2 2 5 1 .",
            "1 2 3 3 2 4 4 1 2 5 1 .",
        ]
        .iter()
        .map(|r| r.split(' ').map(|v| v.parse().ok()).collect())
        .collect()
    }

    #[test]
    fn krippendorff_matches_the_worked_examples() {
        // Section C: missing values; nominal alpha = 0.743.
        let rows = krippendorff_example();
        let units: Vec<Vec<u8>> = (0..12)
            .map(|u| rows.iter().filter_map(|row| row[u]).collect())
            .collect();
        let a = krippendorff_nominal(&units).unwrap();
        assert!(close(a.alpha, 0.743, 0.0005), "{}", a.alpha);
        assert_eq!(
            (a.units, a.values),
            (11, 40),
            "unit 12 has one value and does not count"
        );

        // Section A: binary data, two observers, no missing values: alpha = 0.095.
        let x = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
        let y = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
        let units: Vec<Vec<u8>> = x.iter().zip(y).map(|(a, b)| vec![*a, b]).collect();
        assert!(close(
            krippendorff_nominal(&units).unwrap().alpha,
            0.095,
            0.0005
        ));
    }

    #[test]
    fn krippendorff_is_undefined_without_variation_or_pairs() {
        assert_eq!(
            krippendorff_nominal(&[vec!["yes", "yes"], vec!["yes", "yes"]]),
            None
        );
        assert_eq!(krippendorff_nominal::<u8>(&[vec![1], vec![2]]), None);
        let perfect = krippendorff_nominal(&[vec!["yes", "yes"], vec!["no", "no"]]).unwrap();
        assert!(close(perfect.alpha, 1.0, 1e-12));
    }

    #[test]
    fn each_coders_agreement_matches_a_hand_computed_case_and_averages_to_the_panels() {
        // Three coders, three units. Values: yes ×5, no ×4 (n = 9), so D_e = 2·5·4 / (9·8).
        // A and B each disagree with C once in unit 1, weighted 1/2: D_o = 0.5 / 3, alpha 0.7.
        // C disagrees with both in unit 1: D_o = 1 / 3, alpha 0.4. The panel's alpha is 0.6.
        let units = vec![
            vec![('A', "yes"), ('B', "yes"), ('C', "no")],
            vec![('A', "no"), ('B', "no"), ('C', "no")],
            vec![('A', "yes"), ('B', "yes"), ('C', "yes")],
        ];
        let by = krippendorff_by_coder(&units).unwrap();
        assert!(close(by[&'A'].alpha, 0.7, 1e-12), "{:?}", by[&'A']);
        assert!(close(by[&'B'].alpha, 0.7, 1e-12));
        assert!(close(by[&'C'].alpha, 0.4, 1e-12));
        assert_eq!(by[&'C'].values, 3);
        let panel: Vec<Vec<&str>> = units
            .iter()
            .map(|u| u.iter().map(|(_, v)| *v).collect())
            .collect();
        assert!(close(
            krippendorff_nominal(&panel).unwrap().alpha,
            0.6,
            1e-12
        ));

        // Krippendorff's worked example (section C): the observers' alphas, weighted by their
        // values, give back the panel's 0.743.
        let rows = krippendorff_example();
        let units: Vec<Vec<(usize, u8)>> = (0..12)
            .map(|u| {
                rows.iter()
                    .enumerate()
                    .filter_map(|(coder, row)| row[u].map(|v| (coder, v)))
                    .collect()
            })
            .collect();
        let by = krippendorff_by_coder(&units).unwrap();
        let n: usize = by.values().map(|a| a.values).sum();
        let mean: f64 = by.values().map(|a| a.alpha * a.values as f64).sum::<f64>() / n as f64;
        assert_eq!(n, 40);
        assert!(close(mean, 0.743, 0.0005), "{mean}");
        // Observer C (third row) differs most often, and comes out lowest.
        let lowest = by
            .iter()
            .min_by(|a, b| a.1.alpha.total_cmp(&b.1.alpha))
            .unwrap()
            .0;
        assert_eq!(*lowest, 2);
        assert_eq!(krippendorff_by_coder(&[vec![(1, "yes"), (2, "yes")]]), None);
    }

    #[test]
    fn the_bootstrap_interval_is_repeatable_and_narrows_with_more_calls() {
        let alpha = |units: &[&Vec<&str>]| {
            let owned: Vec<Vec<&str>> = units.iter().map(|u| (*u).clone()).collect();
            krippendorff_nominal(&owned).map(|a| a.alpha)
        };
        // One statistic: its key is ().
        let interval = |units: &[Vec<&str>], rounds| {
            bootstrap95_each(units, rounds, |draw| alpha(draw).map(|a| ((), a))).remove(&())
        };
        let few: Vec<Vec<&str>> = [
            ["yes", "yes"],
            ["no", "no"],
            ["yes", "no"],
            ["yes", "yes"],
            ["no", "no"],
            ["no", "no"],
            ["yes", "yes"],
            ["no", "yes"],
        ]
        .iter()
        .map(|u| u.to_vec())
        .collect();
        let (lo, hi) = interval(&few, 1000).unwrap();
        assert_eq!(interval(&few, 1000), Some((lo, hi)), "repeatable");
        let point = krippendorff_nominal(&few).unwrap().alpha;
        assert!(lo < point && point < hi, "{lo} < {point} < {hi}");
        // The same pattern over eight times the calls: the same alpha, a narrower interval.
        let many: Vec<Vec<&str>> = few.iter().cycle().take(64).cloned().collect();
        let (lo8, hi8) = interval(&many, 1000).unwrap();
        assert!(
            hi8 - lo8 < (hi - lo) * 0.6,
            "{lo8}..{hi8} against {lo}..{hi}"
        );
        // Two calls on which everyone agreed: no variation in most draws, nothing to say.
        let flat: Vec<Vec<&str>> = vec![vec!["yes", "yes"], vec!["yes", "yes"]];
        assert_eq!(interval(&flat, 100), None);
        assert_eq!(interval(&few[..1], 100), None);
    }
}
