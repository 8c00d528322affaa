//! Who may do what with an audit session: one pure function of the person and the session, so the
//! need-to-know rules live in one place and are tested as a table, and the check every session
//! route makes with it.

use std::sync::Arc;

use callaudit_domain::audit::{Role, SessionStatus};
use callaudit_domain::template::ProgrammeKind;
use callaudit_storage::sessions::SessionAccess;

use crate::AppState;
use crate::auth::User;
use crate::error::{AppError, Result};

/// The session and what this user may do with it. A session of another force is "not found",
/// so that its existence is not disclosed either.
pub async fn access(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<(Arc<SessionAccess>, Rights)> {
    let a = state.session_access(id).await?;
    if user.person.force_id.is_some_and(|f| f != a.force_id) {
        // The same answer, word for word, as for a session that does not exist.
        return Err(AppError::NotFound(format!("there is no session {id}")));
    }
    let r = rights(user.role, user.person.id, user.person.force_id, &a);
    Ok((a, r))
}

/// Refuses with a message unless `allowed`.
pub fn allow(allowed: bool, what: &str) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "You do not have access to {what}. Auditors can see a session only while it is open and only if they sit on its panel."
        )))
    }
}

/// What one person may do with one session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rights {
    /// See the session page: its calls (metadata only), outcomes, findings.
    pub view: bool,
    /// Plan, commit, draw, open and close (the coordinator).
    pub manage: bool,
    /// Answer the question set for the calls (an auditor on the panel, while open).
    pub score: bool,
    /// See every auditor's answers side by side.
    pub panel_view: bool,
    /// Record the panel's outcome and answer the issues raised (the session's facilitator).
    pub facilitate: bool,
    /// Hear the recordings.
    pub play: bool,
    /// Download the session report and the draw record.
    pub report: bool,
    /// Confirm another registrar's results on a Crime Data Integrity dip sample.
    pub validate: bool,
}

pub fn rights(role: Role, person_id: i64, force: Option<i64>, s: &SessionAccess) -> Rights {
    // Office staff with no force serve every force; everyone else sees only their own.
    let same_force = force.is_none_or(|f| f == s.force_id);
    if !same_force {
        return Rights::default();
    }
    if s.calibration {
        return calibration_rights(role, person_id, s);
    }
    match role {
        Role::Coordinator => Rights {
            view: true,
            manage: true,
            panel_view: true,
            report: true,
            ..Rights::default()
        },
        Role::Facilitator if s.facilitator_id == Some(person_id) => Rights {
            view: true,
            panel_view: true,
            facilitate: true,
            play: true,
            report: true,
            ..Rights::default()
        },
        // A volunteer scores and hears a session only while it is open, and only if they sit on
        // its panel; once it closes they read what came of it (the agreed outcomes, the issues
        // and the force's responses, in the session report), never the recordings again.
        Role::Auditor if s.status == SessionStatus::Open && s.panel.contains(&person_id) => {
            Rights {
                view: true,
                score: true,
                play: true,
                ..Rights::default()
            }
        }
        Role::Auditor if s.status == SessionStatus::Closed && s.panel.contains(&person_id) => {
            Rights {
                view: true,
                report: true,
                ..Rights::default()
            }
        }
        // The Crime Registrar team checks the dip samples it sits on and validates the others'
        // results; call audits, and what volunteers hear, are not theirs.
        Role::Registrar if s.kind == ProgrammeKind::CrimeDataIntegrity => {
            let drawn = s.status != SessionStatus::Planned;
            let checking = s.status == SessionStatus::Open && s.panel.contains(&person_id);
            Rights {
                view: true,
                score: checking,
                play: checking,
                validate: drawn,
                report: drawn,
                ..Rights::default()
            }
        }
        Role::ForceLead | Role::Viewer => Rights {
            view: true,
            report: true,
            ..Rights::default()
        },
        _ => Rights::default(),
    }
}

/// A calibration session is the panel's training, not an audit: the coordinator runs it and
/// sees each volunteer's comparison; a volunteer on it scores and hears its calls while it is
/// open and reads their own comparison after. Nobody of the force sees it: it holds no finding.
fn calibration_rights(role: Role, person_id: i64, s: &SessionAccess) -> Rights {
    match role {
        Role::Coordinator => Rights {
            view: true,
            manage: true,
            ..Rights::default()
        },
        Role::Auditor if s.panel.contains(&person_id) => Rights {
            view: true,
            score: s.status == SessionStatus::Open,
            play: s.status == SessionStatus::Open,
            ..Rights::default()
        },
        _ => Rights::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(status: &str) -> SessionAccess {
        SessionAccess {
            session_id: 1,
            programme_id: 1,
            kind: ProgrammeKind::CallAudit,
            force_id: 10,
            status: SessionStatus::parse(status).unwrap(),
            facilitator_id: Some(5),
            panel: vec![7, 8],
            calibration: false,
        }
    }

    #[test]
    fn auditors_see_only_open_sessions_they_sit_on() {
        assert!(rights(Role::Auditor, 7, Some(10), &session("open")).score);
        assert!(rights(Role::Auditor, 7, Some(10), &session("open")).play);
        assert_eq!(
            rights(Role::Auditor, 9, Some(10), &session("open")),
            Rights::default()
        );
        assert_eq!(
            rights(Role::Auditor, 7, Some(10), &session("planned")),
            Rights::default()
        );
        // After the session: what came of it, never the recordings or the scoring.
        let after = rights(Role::Auditor, 7, Some(10), &session("closed"));
        assert!(after.view && after.report && !after.play && !after.score && !after.panel_view);
        assert_eq!(
            rights(Role::Auditor, 9, Some(10), &session("closed")),
            Rights::default(),
            "only those who sat on it"
        );
    }

    #[test]
    fn registrars_check_and_validate_dip_samples_and_nothing_else() {
        let cdi = |status: &str| SessionAccess {
            kind: ProgrammeKind::CrimeDataIntegrity,
            ..session(status)
        };
        let checking = rights(Role::Registrar, 7, Some(10), &cdi("open"));
        assert!(checking.score && checking.play && checking.validate && !checking.manage);
        let other = rights(Role::Registrar, 9, Some(10), &cdi("open"));
        assert!(other.view && other.validate && !other.score && !other.play);
        let planned = rights(Role::Registrar, 7, Some(10), &cdi("planned"));
        assert!(planned.view && !planned.score && !planned.validate);
        let closed = rights(Role::Registrar, 7, Some(10), &cdi("closed"));
        assert!(closed.validate && closed.report && !closed.score);
        for status in ["planned", "open", "closed"] {
            assert_eq!(
                rights(Role::Registrar, 7, Some(10), &session(status)),
                Rights::default(),
                "a call audit is the volunteers'"
            );
        }
    }

    #[test]
    fn only_the_sessions_facilitator_plays_and_answers() {
        let f = rights(Role::Facilitator, 5, Some(10), &session("closed"));
        assert!(f.facilitate && f.play && f.panel_view);
        assert_eq!(
            rights(Role::Facilitator, 6, Some(10), &session("open")),
            Rights::default()
        );
    }

    #[test]
    fn no_one_sees_another_forces_sessions_and_admins_see_none() {
        for role in Role::ALL {
            assert_eq!(
                rights(role, 5, Some(11), &session("open")),
                Rights::default()
            );
        }
        assert_eq!(
            rights(Role::Admin, 1, None, &session("open")),
            Rights::default()
        );
        let c = rights(Role::Coordinator, 1, None, &session("open"));
        assert!(c.manage && !c.play && !c.score);
        let v = rights(Role::Viewer, 1, Some(10), &session("open"));
        assert!(v.view && v.report && !v.play && !v.panel_view);
    }

    #[test]
    fn a_calibration_session_is_the_coordinators_and_its_volunteers_alone() {
        let cal = |status: &str| SessionAccess {
            calibration: true,
            ..session(status)
        };
        let on = rights(Role::Auditor, 7, Some(10), &cal("open"));
        assert!(on.view && on.score && on.play && !on.panel_view && !on.report);
        let after = rights(Role::Auditor, 7, Some(10), &cal("closed"));
        assert!(after.view && !after.score && !after.play && !after.report);
        assert_eq!(
            rights(Role::Auditor, 9, Some(10), &cal("open")),
            Rights::default(),
            "another volunteer's calibration is not theirs to see"
        );
        let c = rights(Role::Coordinator, 1, Some(10), &cal("open"));
        assert!(c.view && c.manage && !c.panel_view && !c.play && !c.report);
        for role in [
            Role::Facilitator,
            Role::ForceLead,
            Role::Viewer,
            Role::Registrar,
            Role::Admin,
        ] {
            assert_eq!(
                rights(role, 5, Some(10), &cal("closed")),
                Rights::default(),
                "{role:?} sees no calibration session"
            );
        }
    }
}
