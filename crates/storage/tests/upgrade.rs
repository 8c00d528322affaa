//! A database made by the first release, with data in it, opened by this version: every migration
//! since runs on start and nothing is lost. On SQLite always, and on PostgreSQL when
//! `CALLAUDIT_TEST_POSTGRES_URL` names a server.

use callaudit_domain::sampling::DrawSpec;
use callaudit_storage::Store;

/// What the first release wrote: a force, a coordinator, one import of three calls (their
/// references out of order, one with capitals), and one history entry from before the chain.
const FIRST_RELEASE_DATA: [&str; 5] = [
    "INSERT INTO forces (code, name, created_at) VALUES ('old', 'Oldshire Police', '2025-01-01T09:00:00+00:00')",
    "INSERT INTO people (force_id, display_name, email, role, created_at) VALUES (1, 'Casey', 'casey@example.org', 'coordinator', '2025-01-01T09:00:00+00:00')",
    "INSERT INTO imports (force_id, kind, file_name, file_sha256, rows_read, rows_added, imported_by, imported_at) VALUES (1, 'calls', 'pool.csv', 'aa', 3, 3, 'cli:casey', '2025-01-01T09:00:00+00:00')",
    "INSERT INTO calls (force_id, call_ref, started_at, channel, incident_type, handler, import_id) VALUES
        (1, 'c-2', '2025-01-02T10:00:00+00:00', '999', 'ASB', 'H1', 1),
        (1, 'C-3', '2025-01-02T11:00:00+00:00', '101', 'BURGLARY', 'H2', 1),
        (1, 'c-1', '2025-01-02T09:00:00+00:00', '999', 'ASB', NULL, 1)",
    "INSERT INTO history (at, actor, entity, entity_id, action, detail) VALUES ('2025-01-01T09:00:00+00:00', 'cli:casey', 'import', 1, 'create', '{}')",
];

/// Opens the upgraded database and checks what the first release left is all there and works.
async fn check(store: &Store) {
    let pool = store.pool(1).await.unwrap();
    let mut refs: Vec<&str> = pool.iter().map(|c| c.call_ref.as_str()).collect();
    refs.sort();
    assert_eq!(refs, ["C-3", "c-1", "c-2"]);
    assert!(
        store
            .login_candidate("casey@example.org")
            .await
            .unwrap()
            .is_some()
    );
    // The entry from before the chain is sealed into it on opening.
    let v = store.verify_history().await.unwrap();
    assert_eq!(v.broken, None);
    assert_eq!(v.entries, 1);
    // The draw reads the old pool in byte order of reference (on PostgreSQL, migration 0015's).
    let spec = DrawSpec::new(2).validate(10).unwrap();
    let c = store.commit_stored(1, &spec).await.unwrap();
    assert_eq!(c.eligible_calls, 3);
    assert_eq!(
        c.pool_digest,
        callaudit_domain::sampling::commit(&pool, &spec).pool_digest
    );
}

#[tokio::test]
async fn a_first_release_sqlite_database_is_brought_up_to_date_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("first.sqlite");
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let old = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    sqlx::migrate!("./migrations/sqlite")
        .run_to(1, &old)
        .await
        .unwrap();
    for sql in FIRST_RELEASE_DATA {
        sqlx::query(sql).execute(&old).await.unwrap();
    }
    old.close().await;
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    check(&store).await;
}

#[tokio::test]
async fn a_first_release_postgresql_database_is_brought_up_to_date_with_its_data() {
    let Ok(url) = std::env::var("CALLAUDIT_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok() {
            panic!("CI must set CALLAUDIT_TEST_POSTGRES_URL so that PostgreSQL is tested too");
        }
        eprintln!("SKIPPED: no CALLAUDIT_TEST_POSTGRES_URL");
        return;
    };
    let schema = format!(
        "up_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let opts: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let old = sqlx::PgPool::connect_with(opts.options([("search_path", schema.as_str())]))
        .await
        .unwrap();
    sqlx::migrate!("./migrations/postgres")
        .run_to(1, &old)
        .await
        .unwrap();
    for sql in FIRST_RELEASE_DATA {
        sqlx::query(sql).execute(&old).await.unwrap();
    }
    old.close().await;
    let store = Store::connect_with_schema(&url, Some(&schema))
        .await
        .unwrap();
    check(&store).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
}
