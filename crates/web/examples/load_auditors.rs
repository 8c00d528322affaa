//! The many-auditors load benchmark (scripts/bench-load): sets up five forces, twenty open
//! sessions and two hundred auditors in a database, then drives a running server as those
//! auditors at once, each signed in on its own and scoring its own session's calls, and at the end
//! reads the database to count that every answer the server acknowledged is there.
//!
//! Usage:
//!   load_auditors setup DATABASE_URL PLAN_FILE
//!   load_auditors run ADDR DATABASE_URL PLAN_FILE SECONDS THINK_MS

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use callaudit_domain::audit::{Role, SessionStatus};
use callaudit_domain::call::{CallRef, Channel, PoolCall};
use callaudit_domain::sampling::{self, DrawSpec};
use callaudit_domain::template::Template;
use callaudit_storage::Store;
use chrono::{TimeZone, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type Error = Box<dyn std::error::Error + Send + Sync>;

const FORCES: usize = 5;
const SESSIONS_PER_FORCE: usize = 4;
const PANEL: usize = 10;
const CALLS: u32 = 10;
const POOL: usize = 2_000;
const PASSWORD: &str = "load-test-password";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["setup", db, plan] => setup(db, plan).await,
        ["run", addr, db, plan, secs, think] => {
            run(addr, db, plan, secs.parse()?, think.parse()?).await
        }
        _ => Err("usage: load_auditors setup DB PLAN | run ADDR DB PLAN SECONDS THINK_MS".into()),
    }
}

/// One auditor of the plan: who they are and the session they score.
struct Seat {
    id: i64,
    email: String,
    session: i64,
}

fn read_plan(path: &str) -> Result<Vec<Seat>, Error> {
    std::fs::read_to_string(path)?
        .lines()
        .map(|l| {
            let mut f = l.split(' ');
            let (Some(id), Some(email), Some(session)) = (f.next(), f.next(), f.next()) else {
                return Err(format!("bad plan line {l:?}").into());
            };
            Ok(Seat {
                id: id.parse()?,
                email: email.into(),
                session: session.parse()?,
            })
        })
        .collect()
}

fn pool(force: usize) -> Vec<PoolCall> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    (0..POOL)
        .map(|i| PoolCall {
            handler: Some(format!("H{}", i % 40)),
            ..PoolCall::new(
                CallRef::parse(&format!("L{force}-{i:05}")).unwrap(),
                start + chrono::Duration::minutes(97 * i as i64),
                if i % 2 == 0 {
                    Channel::Emergency
                } else {
                    Channel::NonEmergency
                },
                ["Domestic", "ASB", "Theft", "Concern for safety"][i % 4].into(),
            )
        })
        .collect()
}

async fn setup(db: &str, plan: &str) -> Result<(), Error> {
    let store = Store::connect(db).await?;
    // One hash for everyone: hashing 200 passwords would only slow the set-up down.
    let hash = callaudit_web::auth::hash_password(PASSWORD)?;
    let mut lines = String::new();
    for f in 1..=FORCES {
        let calls = pool(f);
        let mut tx = store.begin("load set-up").await?;
        let force = tx
            .ensure_force(&format!("L{f}"), &format!("Load force {f}"))
            .await?;
        tx.join_chain(Some(force));
        let programme = tx.ensure_call_audit_programme(force).await?;
        tx.import_pool(force, "load-pool.csv", "generated", &calls)
            .await?;
        let facilitator = tx
            .add_person(
                Some(force),
                &format!("Facilitator {f}"),
                &format!("facilitator{f}@load.invalid"),
                Role::Facilitator,
            )
            .await?;
        for s in 0..SESSIONS_PER_FORCE {
            let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2 + s as u32).unwrap();
            let session = tx
                .create_session(programme, day, "", SessionStatus::Planned, "live")
                .await?;
            tx.set_facilitator(session, facilitator).await?;
            for k in 0..PANEL {
                let email = format!("a{f}-{s}-{k}@load.invalid");
                let id = tx
                    .add_person(
                        Some(force),
                        &format!("Auditor {f}-{s}-{k}"),
                        &email,
                        Role::Auditor,
                    )
                    .await?;
                tx.set_password_hash(id, &hash).await?;
                tx.add_panel_member(session, id).await?;
                lines.push_str(&format!("{id} {email} {session}\n"));
            }
            let mut spec = DrawSpec::new(CALLS);
            spec.quotas = BTreeMap::from([(Channel::Emergency, 5), (Channel::NonEmergency, 5)]);
            let spec = spec
                .validate(CALLS)
                .map_err(|e| sampling::problems_text(&e, "; "))?;
            tx.commit_pool(session, &sampling::commit(&calls, &spec))
                .await?;
            let record = sampling::draw(&calls, &spec, &format!("load {f} {s}"));
            tx.record_draw(session, force, &record, &calls).await?;
            tx.set_session_status(session, SessionStatus::Open).await?;
        }
        tx.commit().await?;
    }
    std::fs::write(plan, lines)?;
    store.close().await;
    Ok(())
}

/// A kept-alive HTTP/1.1 connection that sends one request at a time.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn cookie(&self, name: &str) -> Option<String> {
        self.head
            .lines()
            .filter_map(|l| l.strip_prefix("set-cookie: "))
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Conn {
    async fn open(addr: &str) -> Result<Conn, Error> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    async fn send(&mut self, request: String) -> Result<Reply, Error> {
        self.stream.write_all(request.as_bytes()).await?;
        let end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).to_lowercase();
        self.buf.drain(..end);
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("no status line")?;
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .map(|v| v.trim().parse::<usize>())
            .transpose()?;
        let body = match length {
            Some(n) => {
                while self.buf.len() < n {
                    self.fill().await?;
                }
                self.buf.drain(..n).collect()
            }
            None if head.contains("transfer-encoding: chunked") => self.chunked().await?,
            None => Vec::new(),
        };
        Ok(Reply { status, head, body })
    }

    async fn chunked(&mut self) -> Result<Vec<u8>, Error> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    break at;
                }
                self.fill().await?;
            };
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&self.buf[..line_end])
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim(),
                16,
            )?;
            self.buf.drain(..line_end + 2);
            while self.buf.len() < size + 2 {
                self.fill().await?;
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
            if size == 0 {
                return Ok(body);
            }
        }
    }

    async fn fill(&mut self) -> Result<(), Error> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn get(&mut self, path: &str, cookie: &str) -> Result<Reply, Error> {
        self.send(format!(
            "GET {path} HTTP/1.1\r\nHost: load\r\nCookie: {cookie}\r\n\r\n"
        ))
        .await
    }

    async fn post(
        &mut self,
        path: &str,
        cookie: &str,
        body: &str,
        accept: &str,
    ) -> Result<Reply, Error> {
        self.send(format!(
            "POST {path} HTTP/1.1\r\nHost: load\r\nCookie: {cookie}\r\nAccept: {accept}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ))
        .await
    }
}

/// What one auditor did and saw.
#[derive(Default)]
struct Tally {
    sign_in: Vec<u32>,
    page: Vec<u32>,
    answer: Vec<u32>,
    errors: Vec<String>,
    /// (call number, question) → the number of the last answer the server acknowledged.
    acknowledged: HashMap<(i64, String), u64>,
    acknowledged_count: u64,
}

fn micros(since: Instant) -> u32 {
    u32::try_from(since.elapsed().as_micros()).unwrap_or(u32::MAX)
}

fn csrf(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf\" value=\"")? + 19;
    let rest = &page[at..];
    Some(rest[..rest.find('"')?].to_string())
}

async fn auditor(
    addr: String,
    tag: u64,
    seat: Seat,
    questions: Vec<String>,
    deadline: Instant,
    think: Duration,
) -> Tally {
    let mut t = Tally::default();
    if let Err(e) = score(&addr, tag, &seat, &questions, deadline, think, &mut t).await {
        t.errors.push(format!("{}: {e}", seat.email));
    }
    t
}

async fn score(
    addr: &str,
    tag: u64,
    seat: &Seat,
    questions: &[String],
    deadline: Instant,
    think: Duration,
    t: &mut Tally,
) -> Result<(), Error> {
    let mut c = Conn::open(addr).await?;
    let started = Instant::now();
    let form = c.get("/login", "").await?;
    let login = form.cookie("callaudit_login").ok_or("no sign-in cookie")?;
    let signed = c
        .post(
            "/login",
            &format!("callaudit_login={login}"),
            &format!(
                "csrf={login}&email={}&password={PASSWORD}",
                seat.email.replace('@', "%40")
            ),
            "text/html",
        )
        .await?;
    t.sign_in.push(micros(started));
    let session = signed
        .cookie("callaudit_session")
        .ok_or_else(|| format!("sign-in answered {}", signed.status))?;
    let cookie = format!("callaudit_session={session}");
    let mut token = None;
    let mut n: u64 = 0;
    while Instant::now() < deadline {
        let call = (n % u64::from(CALLS)) as i64 + 1;
        let path = format!("/sessions/{}/calls/{call}", seat.session);
        let started = Instant::now();
        let page = c.get(&path, &cookie).await?;
        t.page.push(micros(started));
        if page.status != 200 {
            t.errors.push(format!("GET {path}: {}", page.status));
            continue;
        }
        if token.is_none() {
            token = Some(csrf(&page.text()).ok_or("no form token on the scoring page")?);
        }
        // Each answer differs from the one before (its note carries the request's number), so
        // every submission writes.
        let question = &questions[(n as usize / CALLS as usize) % questions.len()];
        let answer = ["yes", "partly", "no"][n as usize % 3];
        n += 1;
        let body = format!(
            "csrf={}&q_{question}={answer}&n_{question}=load+{tag}+{n}",
            token.as_deref().unwrap_or("")
        );
        let started = Instant::now();
        let saved = c.post(&path, &cookie, &body, "application/json").await?;
        t.answer.push(micros(started));
        if saved.status == 200 && saved.text().contains("\"saved\":1") {
            t.acknowledged.insert((call, question.clone()), n);
            t.acknowledged_count += 1;
        } else {
            t.errors
                .push(format!("POST {path}: {} {}", saved.status, saved.text()));
        }
        if !think.is_zero() {
            tokio::time::sleep(think).await;
        }
    }
    Ok(())
}

/// The history's entries of answers saved by the load's auditors (one per answer written).
async fn answer_entries(store: &Store) -> Result<usize, Error> {
    Ok(store
        .history(i64::MAX)
        .await?
        .into_iter()
        .filter(|h| h.entity == "answer" && h.actor.ends_with("@load.invalid"))
        .count())
}

fn summary(label: &str, v: &mut [u32]) {
    v.sort_unstable();
    let at = |q: f64| {
        v.get(((v.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |us| f64::from(*us) / 1000.0)
    };
    println!(
        "{label:<22} {:>8} requests   p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
        v.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

async fn run(addr: &str, db: &str, plan: &str, secs: u64, think_ms: u64) -> Result<(), Error> {
    let seats = read_plan(plan)?;
    let questions: Vec<String> = Template::reference()
        .questions
        .into_iter()
        .map(|q| q.code)
        .collect();
    let auditors = seats.len();
    let sessions: std::collections::BTreeSet<i64> = seats.iter().map(|s| s.session).collect();
    let store = Store::connect(db).await?;
    let before = answer_entries(&store).await?;
    let deadline = Instant::now() + Duration::from_secs(secs);
    // A mark of this run in every note it writes, so that answers an earlier run left in the
    // same database are never taken for this run's.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let tag = format!("load {run} ");
    let began = Instant::now();
    let mut tasks = Vec::new();
    let mut who = Vec::new();
    for seat in seats {
        who.push((seat.id, seat.session));
        tasks.push(tokio::spawn(auditor(
            addr.to_string(),
            run,
            seat,
            questions.clone(),
            deadline,
            Duration::from_millis(think_ms),
        )));
    }
    let mut all = Tally::default();
    let mut acknowledged = HashMap::new();
    for ((id, session), task) in who.into_iter().zip(tasks) {
        let t = task.await?;
        all.sign_in.extend(t.sign_in);
        all.page.extend(t.page);
        all.answer.extend(t.answer);
        all.errors.extend(t.errors);
        all.acknowledged_count += t.acknowledged_count;
        for ((call, q), n) in t.acknowledged {
            acknowledged.insert((id, session, call, q), n);
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    println!(
        "{auditors} auditors in {} sessions, {secs} s, think {think_ms} ms; {:.0} answers/s",
        sessions.len(),
        all.acknowledged_count as f64 / elapsed
    );
    summary("sign-in", &mut all.sign_in);
    summary("scoring page (GET)", &mut all.page);
    summary("answer (POST)", &mut all.answer);
    println!("errors: {}", all.errors.len());
    for e in all.errors.iter().take(5) {
        println!("  {e}");
    }

    // Every acknowledged answer must be in the database: the last one acknowledged for each
    // auditor, call and question is the one stored (or a later one whose reply was lost).
    let mut stored: HashMap<(i64, i64, i64, String), u64> = HashMap::new();
    for session in &sessions {
        for call in store.session_calls(*session).await? {
            for a in store.call_answers(call.id).await? {
                let n = a
                    .note
                    .strip_prefix(tag.as_str())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                stored.insert((a.auditor_id, *session, call.position, a.question_code), n);
            }
        }
    }
    let missing = acknowledged
        .iter()
        .filter(|(k, n)| stored.get(*k).is_none_or(|s| s < n))
        .count();
    let history = answer_entries(&store).await? - before;
    println!(
        "acknowledged answers: {}; history entries of answers: {history}; answers (auditor, call, question) checked: {}, missing or older in the database: {missing}",
        all.acknowledged_count,
        acknowledged.len()
    );
    store.close().await;
    if missing > 0 || !all.errors.is_empty() || (history as u64) < all.acknowledged_count {
        return Err("some acknowledged answers are not in the database, or requests failed".into());
    }
    Ok(())
}
