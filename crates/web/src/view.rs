//! What every page shares: the header's navigation for the signed-in role, and small formatting
//! helpers for templates.

use callaudit_domain::audit::Role;

pub struct Link {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The header of a signed-in page.
pub struct Nav {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
    pub links: Vec<Link>,
}

impl Nav {
    /// The header for `name` signed in as `role`, with `current` the page's section.
    pub fn new(name: &str, role: Role, csrf: &str, current: &str) -> Nav {
        let links: &[(&'static str, &'static str)] = match role {
            Role::Coordinator => &[
                ("/", "Home"),
                ("/pool", "Call pool"),
                ("/sessions", "Sessions"),
                ("/auditors", "Auditors"),
                ("/programmes", "Programmes"),
                ("/actions", "Action log"),
                ("/performance", "Performance"),
                ("/reports", "Reports"),
            ],
            Role::Auditor => &[
                ("/", "Home"),
                ("/sessions", "Your sessions"),
                ("/references", "Training library"),
            ],
            Role::Facilitator => &[
                ("/", "Home"),
                ("/sessions", "Your sessions"),
                ("/actions", "Action log"),
            ],
            Role::ForceLead => &[
                ("/", "Home"),
                ("/force", "Awaiting you"),
                ("/sessions", "Sessions"),
                ("/actions", "Action log"),
                ("/performance", "Performance"),
                ("/reports", "Reports"),
            ],
            Role::Viewer => &[
                ("/", "Home"),
                ("/sessions", "Sessions"),
                ("/actions", "Action log"),
                ("/performance", "Performance"),
                ("/reports", "Reports"),
            ],
            Role::Registrar => &[
                ("/", "Home"),
                ("/sessions", "Dip samples"),
                ("/reports/cdi", "Crime Data Integrity"),
            ],
            Role::Admin => &[
                ("/", "Home"),
                ("/admin/users", "Users"),
                ("/admin/mail", "Email"),
            ],
        };
        Nav {
            name: name.to_string(),
            role: role_label(role),
            csrf: csrf.to_string(),
            links: links
                .iter()
                .map(|(href, label)| Link {
                    href,
                    label,
                    current: *href == current,
                })
                .collect(),
        }
    }
}

/// A moment as the scheme's local time (UK), formatted; "" when unknown.
/// A digest as people read it out: groups of four characters ("75b3 7bff e39b …").
pub fn digest_groups(digest: &str) -> String {
    let chars: Vec<char> = digest.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The short form a panel reads aloud and writes down: the first eight characters, in two groups.
/// Anyone holding the whole digest can check it starts so; the whole digest is in the record.
pub fn digest_short(digest: &str) -> String {
    digest_groups(&digest.chars().take(8).collect::<String>())
}

pub fn local_time(t: Option<chrono::DateTime<chrono::Utc>>, format: &str) -> String {
    t.map(|t| {
        t.with_timezone(&callaudit_domain::time::DEFAULT_TZ)
            .format(format)
            .to_string()
    })
    .unwrap_or_default()
}

pub fn role_label(r: Role) -> &'static str {
    match r {
        Role::Coordinator => "Coordinator",
        Role::Auditor => "Auditor",
        Role::Facilitator => "Facilitator",
        Role::ForceLead => "Force lead",
        Role::Viewer => "Viewer",
        Role::Admin => "Administrator",
        Role::Registrar => "Crime registrar",
    }
}

pub fn category_label(c: &str) -> &'static str {
    callaudit_domain::template::Category::parse(c).map_or("Not agreed", |c| c.short())
}

pub fn answer_label(a: &str) -> &'static str {
    match a {
        "yes" => "Yes",
        "partly" => "Partly",
        "no" => "No",
        "na" => "N/A",
        _ => "–",
    }
}

pub fn channel_label(c: &str) -> String {
    match c {
        "999" => "999 (emergency)".into(),
        "101" => "101 (non-emergency)".into(),
        other => other.replace('-', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_reads_in_groups_of_four_and_shortens_to_the_first_two() {
        let d = "75b37bffe39b40b4d43c9ca048d6cefd73bde951da3097dab7f157593160e5d3";
        assert_eq!(
            digest_groups(d),
            "75b3 7bff e39b 40b4 d43c 9ca0 48d6 cefd 73bd e951 da30 97da b7f1 5759 3160 e5d3"
        );
        assert_eq!(digest_short(d), "75b3 7bff");
        assert_eq!(digest_groups(""), "");
    }
}
