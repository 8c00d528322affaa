//! A backup restores into a database that opens and whose history verifies: on SQLite through
//! `VACUUM INTO` while the store is in use, on PostgreSQL through `pg_dump` and `pg_restore` (what
//! `callaudit backup` tells a PostgreSQL deployment to run).

use std::process::Command;

use callaudit_storage::Store;

async fn write_some(store: &Store) {
    let mut tx = store.begin("test").await.unwrap();
    let f = tx.ensure_force("bk", "Backupshire Police").await.unwrap();
    tx.join_chain(Some(f));
    for n in 0..5 {
        tx.record("note", Some(n), "create", serde_json::json!({ "n": n }))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_sqlite_backup_taken_while_in_use_reopens_with_its_history_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("live.sqlite").display()
    ))
    .await
    .unwrap();
    write_some(&store).await;
    let copy = dir.path().join("copy.sqlite");
    store.backup_to(copy.to_str().unwrap()).await.unwrap();
    // The original goes on being written; the copy is the moment it was taken.
    write_some(&store).await;
    let restored = Store::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let v = restored.verify_history().await.unwrap();
    assert_eq!(v.broken, None);
    assert_eq!(v.entries, 6);
    assert_eq!(store.verify_history().await.unwrap().entries, 11);
}

#[tokio::test]
async fn a_postgresql_backup_with_pg_dump_restores_with_its_history_whole() {
    let Ok(url) = std::env::var("CALLAUDIT_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok() {
            panic!("CI must set CALLAUDIT_TEST_POSTGRES_URL so that PostgreSQL is tested too");
        }
        eprintln!("SKIPPED: no CALLAUDIT_TEST_POSTGRES_URL");
        return;
    };
    if Command::new("pg_dump").arg("--version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "CI must have pg_dump");
        eprintln!("SKIPPED: pg_dump is not installed");
        return;
    }
    // Two fresh databases on the test server: the live one and the restored copy.
    let stamp = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros()
    );
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    let (live, restored) = (format!("ca_live_{stamp}"), format!("ca_restored_{stamp}"));
    for db in [&live, &restored] {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&admin)
            .await
            .unwrap();
    }
    let at = |db: &str| {
        let base = url.rsplit_once('/').unwrap().0;
        format!("{base}/{db}")
    };
    let store = Store::connect(&at(&live)).await.unwrap();
    write_some(&store).await;
    let dump = tempfile::tempdir().unwrap();
    let file = dump.path().join("callaudit.dump");
    let out = Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&file)
        .arg(at(&live))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--dbname"])
        .arg(at(&restored))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    store.close().await;
    let copy = Store::connect(&at(&restored)).await.unwrap();
    let v = copy.verify_history().await.unwrap();
    assert_eq!(v.broken, None);
    assert_eq!(v.entries, 6);
    copy.close().await;
    for db in [&live, &restored] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {db} WITH (FORCE)"
        )))
        .execute(&admin)
        .await
        .unwrap();
    }
}
