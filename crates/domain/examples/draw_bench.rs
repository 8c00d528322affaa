//! Times the draw on its own: a pool of N calls (default 1,000,000) in memory, committed (eligible
//! set and digest) and drawn (keys, sort, walk). `scripts/bench-import` sets this beside the time
//! to read the same pool from its file.

use std::collections::BTreeMap;
use std::time::Instant;

use callaudit_domain::call::{CallRef, Channel, PoolCall};
use callaudit_domain::sampling::{DrawSpec, commit, draw};
use chrono::{DateTime, Duration, Utc};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let start: DateTime<Utc> = "2024-04-01T00:00:00Z".parse().expect("valid time");
    let kinds = ["HATE CRIME", "ASB", "BURGLARY", "ROBBERY", "PUBLIC ORDER"];
    let pool: Vec<PoolCall> = (0..n)
        .map(|i| PoolCall {
            call_ref: CallRef::parse(&format!("FC-{i:08}")).expect("valid reference"),
            started_at: start + Duration::seconds(i as i64 * 31),
            channel: if i % 9 < 4 {
                Channel::Emergency
            } else {
                Channel::NonEmergency
            },
            incident_type: kinds[i % kinds.len()].to_string(),
            handler: Some(format!("CH-{:03}", i % 199)),
            answer_s: None,
            duration_s: None,
            abandoned: None,
            grade: None,
            area: None,
            training: i % 100 == 0,
            recording: None,
            details: Default::default(),
        })
        .collect();
    let mut spec = DrawSpec::new(10);
    spec.quotas = BTreeMap::from([(Channel::Emergency, 5), (Channel::NonEmergency, 5)]);
    spec.max_per_handler = Some(1);
    let spec = spec.validate(50).expect("valid spec");
    let t = Instant::now();
    let c = commit(&pool, &spec);
    let committed = t.elapsed();
    let t = Instant::now();
    let r = draw(&pool, &spec, "benchmark");
    let drawn = t.elapsed();
    assert_eq!(r.pool_digest, c.pool_digest);
    println!(
        "{n} calls: commit (eligible + digest) {:.2} s, draw (eligible + digest + keys + sort + walk) {:.2} s, {} drawn",
        committed.as_secs_f64(),
        drawn.as_secs_f64(),
        r.calls.len()
    );
}
