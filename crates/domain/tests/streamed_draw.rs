//! The draw made in passes that keep only a few calls per quota gives exactly the draw of the
//! whole pool held at once, including when a pass runs short and is made again.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use callaudit_domain::call::{CallRef, Channel, PoolCall, Satisfaction};
use callaudit_domain::sampling::{
    DrawRecord, DrawSpec, Drawer, Keep, PoolDigest, RepeatCallers, Stratum, StratumBy, commit, draw,
};
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

const GRADES: [&str; 3] = ["IMMEDIATE", "PRIORITY", "SCHEDULED"];

fn call(i: usize, channel: Channel, handler: usize, grade: usize, caller: usize) -> PoolCall {
    let start: DateTime<Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
    PoolCall {
        call_ref: CallRef::parse(&format!("R{i:06}")).unwrap(),
        started_at: start + Duration::hours(i as i64 % 900),
        channel,
        incident_type: ["ASB", "BURGLARY"][i % 2].into(),
        handler: Some(format!("H{handler}")),
        answer_s: None,
        duration_s: None,
        abandoned: None,
        grade: Some(GRADES[grade].into()),
        area: None,
        training: false,
        recording: None,
        details: callaudit_domain::call::CallDetails {
            caller: Some(format!("K{caller}")),
            satisfaction: Some(Satisfaction::Satisfied),
            ..Default::default()
        },
    }
}

/// The repeat callers among a pool's eligible calls, given caller by caller as a store reads them.
fn repeat_of(pool: &[PoolCall], spec: &DrawSpec) -> Arc<HashSet<String>> {
    let mut repeat = RepeatCallers::default();
    let mut by_caller: Vec<(&str, DateTime<Utc>)> = spec
        .eligible(pool)
        .iter()
        .filter_map(|c| Some((c.details.caller.as_deref()?, c.started_at)))
        .collect();
    by_caller.sort();
    for (k, at) in by_caller {
        repeat.add(k, at);
    }
    Arc::new(repeat.finish())
}

/// The draw with every eligible call kept: the pool held at once, never cut.
fn whole(pool: &[PoolCall], spec: &DrawSpec, seed: &str) -> DrawRecord {
    let eligible = spec.eligible(pool);
    let c = commit(pool, spec);
    let repeat = repeat_of(pool, spec);
    let mut pass = Drawer::new(
        Arc::new(spec.clone()),
        &c.pool_digest,
        seed,
        repeat,
        Keep::ALL,
    );
    for e in &eligible {
        pass.add(e);
    }
    pass.finish()
        .expect("a pass that keeps every call settles the draw")
        .record
}

fn arb_case() -> impl Strategy<Value = (Vec<PoolCall>, DrawSpec)> {
    (
        prop::collection::vec((0..3usize, 0..4usize, 0..3usize, 0..400usize), 100..1500),
        1..40u32,
        prop::option::of(0..8u32),
        prop::option::of(1..3u32),
        prop::option::of((0..3usize, 1..6u32)),
        prop::option::of(1..6u32),
    )
        .prop_map(|(rows, size, quota, cap, grade, repeat)| {
            let pool = rows
                .into_iter()
                .enumerate()
                .map(|(i, (ch, h, g, k))| {
                    let channel = [Channel::Emergency, Channel::NonEmergency, Channel::Online][ch];
                    call(i, channel, h, g, k)
                })
                .collect();
            let mut spec = DrawSpec::new(size);
            if let Some(q) = quota {
                spec.quotas = BTreeMap::from([(Channel::Emergency, q.min(size))]);
            }
            spec.max_per_handler = cap;
            let left = size - spec.quotas.values().sum::<u32>();
            if let Some((g, n)) = grade {
                spec.strata.push(Stratum {
                    by: StratumBy::Grade,
                    value: Some(GRADES[g].into()),
                    calls: n.min(left),
                });
            }
            let left = left - spec.strata.iter().map(|s| s.calls).sum::<u32>();
            if let Some(n) = repeat {
                spec.strata.push(Stratum {
                    by: StratumBy::RepeatCallers,
                    value: None,
                    calls: n.min(left),
                });
            }
            spec.strata.retain(|s| s.calls > 0);
            (pool, spec.validate(50).expect("generated specs are valid"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn passes_that_keep_a_few_calls_draw_what_the_whole_pool_draws(
        (pool, spec) in arb_case(), seed in "[a-z0-9]{1,10}"
    ) {
        let whole = whole(&pool, &spec, &seed);
        prop_assert_eq!(&draw(&pool, &spec, &seed), &whole);
        // Keeping as few as the room allows, most passes are cut short, and the check that a
        // cut pass is made again is what keeps the draw the same.
        let c = commit(&pool, &spec);
        let repeat = repeat_of(&pool, &spec);
        let mut keep = Keep::times(1);
        let drawn = loop {
            let mut pass = Drawer::new(Arc::new(spec.clone()), &c.pool_digest, &seed, repeat.clone(), keep);
            for e in spec.eligible(&pool) {
                pass.add(e);
            }
            match pass.finish() {
                Some(d) => break d,
                None => keep = keep.more(),
            }
        };
        prop_assert_eq!(&drawn.record, &whole);
        let refs: Vec<&CallRef> = drawn.calls.iter().map(|c| &c.call_ref).collect();
        prop_assert_eq!(refs, whole.calls.iter().collect::<Vec<_>>());
    }

    #[test]
    fn the_digest_built_call_by_call_is_the_commitments((pool, spec) in arb_case()) {
        let mut d = PoolDigest::new(&spec);
        for c in spec.eligible(&pool) {
            d.add(c).unwrap();
        }
        let c = commit(&pool, &spec);
        prop_assert_eq!(d.finish(), (c.pool_digest, c.eligible_calls));
    }
}

#[test]
fn a_pass_cut_short_by_the_handler_cap_is_made_again() {
    // Two handlers, one call each: after two calls every other is skipped, so the first pass's
    // kept calls run out with places left.
    let pool: Vec<PoolCall> = (0..2000)
        .map(|i| call(i, Channel::Emergency, i % 2, 0, i))
        .collect();
    let mut spec = DrawSpec::new(10);
    spec.max_per_handler = Some(1);
    let spec = spec.validate(50).unwrap();
    let c = commit(&pool, &spec);
    let none = Arc::new(HashSet::new());
    let mut first = Drawer::new(
        Arc::new(spec.clone()),
        &c.pool_digest,
        "s",
        none,
        Keep::FIRST,
    );
    for e in spec.eligible(&pool) {
        first.add(e);
    }
    assert!(
        first.finish().is_none(),
        "the first pass must ask for another"
    );
    let r = draw(&pool, &spec, "s");
    assert_eq!(r, whole(&pool, &spec, "s"));
    assert_eq!(r.calls.len(), 2);
    assert!(
        r.shortfalls[0].contains("10 places were open but only 2"),
        "{:?}",
        r.shortfalls
    );
}

#[test]
fn a_pool_read_out_of_order_is_refused() {
    let spec = DrawSpec::new(5).validate(50).unwrap();
    let mut d = PoolDigest::new(&spec);
    d.add(&call(2, Channel::Emergency, 0, 0, 0)).unwrap();
    let e = d.add(&call(1, Channel::Emergency, 0, 0, 0)).unwrap_err();
    assert_eq!(
        (e.before.as_str(), e.after.as_str()),
        ("R000002", "R000001")
    );
}
