//! A real dispatch export, imported as published through the example profile.

use std::path::Path;

use callaudit_domain::call::Channel;
use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::{FileError, Profile, ReadFailure};

fn seattle() -> Profile {
    Profile::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/seattle-cad.toml"))
        .unwrap()
}

fn export() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seattle-cad-2018-2023.csv")
}

#[test]
fn the_seattle_export_imports_as_it_is_through_its_profile() {
    let calls = read_pool_vec(Input::Path(&export()), &seattle()).unwrap();
    assert_eq!(calls.len(), 222);
    let first = &calls[0];
    assert_eq!(first.call_ref.as_str(), "2023000319821");
    // 11/04/2023 6:08:26 PM Pacific (PDT ended 5 November) is 01:08:26 UTC the next day.
    assert_eq!(first.started_at.to_rfc3339(), "2023-11-05T01:08:26+00:00");
    assert_eq!(first.channel, Channel::Emergency);
    assert_eq!(first.incident_type, "BURN - RECKLESS BURNING");
    assert_eq!(first.grade.as_deref(), Some("PRIORITY"));
    let count = |c: Channel| calls.iter().filter(|x| x.channel == c).count();
    assert_eq!(
        [
            count(Channel::Emergency),
            count(Channel::NonEmergency),
            count(Channel::Alarm),
            count(Channel::Officer)
        ],
        [107, 66, 36, 13]
    );
}

#[test]
fn without_the_profile_the_export_is_refused_with_what_to_do() {
    let Err(ReadFailure::File(FileError::MissingColumns { missing, found })) =
        read_pool_vec(Input::Path(&export()), &Profile::default())
    else {
        panic!("expected missing columns")
    };
    assert_eq!(missing, "call_id, started_at, channel, incident_type");
    assert!(found.starts_with("\"CAD Event Number\", \"Event Clearance Description\""));
}

#[test]
fn an_unmapped_channel_is_named_on_its_line() {
    let text = std::fs::read_to_string(export()).unwrap();
    let profile = Profile::parse(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/seattle-cad.toml"),
        )
        .unwrap()
        .replace("\"ONVIEW\" = \"officer\"\n", ""),
    )
    .unwrap();
    let Err(ReadFailure::Rows(errors)) = read_pool_vec(Input::CsvBytes(text.as_bytes()), &profile)
    else {
        panic!("expected row errors")
    };
    assert_eq!(errors.total, 13);
    let first = errors.errors[0].to_string();
    assert!(
        first.starts_with("line 3, column channel: \"ONVIEW\" is not a known channel"),
        "{first}"
    );
}
