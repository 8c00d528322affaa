//! Rebuilds the crate when a migration is added or changed: the migrations are embedded at
//! compile time, and a new file would otherwise go unseen by an incremental build.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
