//! What every page shows around its content: who is signed in, the projects, the role in the
//! page's project, the CSRF token of the forms, the one-time message.

use coffer_core::ProjectInfo;

/// A role, as the page compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    None,
    Read,
    Use,
    Write,
    Admin,
}

impl Level {
    pub(crate) fn of(role: &str) -> Level {
        match role {
            "read" => Level::Read,
            "use" => Level::Use,
            "write" => Level::Write,
            "admin" => Level::Admin,
            _ => Level::None,
        }
    }
}

/// What every page shows around its content.
pub(crate) struct Chrome {
    pub identity: String,
    pub superuser: bool,
    pub csrf: String,
    pub projects: Vec<ProjectInfo>,
    /// The project of the page, if it is about one.
    pub project: Option<String>,
    /// The caller's role in it.
    pub level: Level,
    pub flash: Option<crate::session::Flash>,
}

impl Chrome {
    /// Whether the caller holds `level` (or more) in the page's project.
    pub fn can(&self, level: Level) -> bool {
        self.level >= level
    }
}
