//! The CLI's wording of a [`Hint`]: what to do, in this command line's flags and commands.

use coffer_core::Hint;

/// What the user can do about `err`, in the CLI's terms, when the error says.
pub fn of(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        let hint = if let Some(e) = cause.downcast_ref::<coffer_api::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<coffer_core::CoreError>() {
            e.hint()
        } else {
            cause.downcast_ref::<coffer_model::ModelError>()?.hint()
        };
        hint.map(|h| words(&h))
    })
}

/// `hint` in the CLI's terms.
pub fn words(hint: &Hint) -> String {
    match hint {
        Hint::ReplaceOrKeep => {
            "use OR REPLACE (--or-replace) to replace it or IF NOT EXISTS (--if-not-exists) to keep it".into()
        }
        Hint::NameStorage => {
            "say which with --temporary or --persistent (DROP TEMPORARY|PERSISTENT SECRET in SQL)".into()
        }
        Hint::GrantRole {
            role,
            identity,
            project,
        } => {
            format!("a project admin can grant it with `coffer grant {role} {identity} --project {project}`")
        }
        Hint::CreateProject { project } => format!("create it with `coffer project create {project}`"),
        Hint::NameProject => "say which project with --project".into(),
        Hint::NameTokenOwner => "say whose token this is with --for IDENTITY".into(),
        Hint::ForceDelete => "drop them first or delete with --force".into(),
        Hint::CreateSecret { name } => format!("create it first (coffer secret create {name} --type flights ...)"),
        Hint::NameAChange => "give at least one of --config, --secret, --file, --token, --schedule, ...".into(),
        Hint::CancelOrRaiseConcurrency { flight } => {
            format!("wait, cancel one (coffer flight cancel {flight} RUN) or raise --concurrency")
        }
        Hint::SetAParam => "set at least one param, e.g. --set API_KEY=-".into(),
        Hint::GiveAScript => "give it with --file".into(),
        // A hint this build does not know (from a newer server): its neutral wording.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_core::{CoreError, Role};
    use coffer_model::Storage;

    /// The CLI's whole line for an error: the service's message, then the CLI's hint.
    fn line(e: CoreError) -> String {
        let err = anyhow::Error::new(e);
        match of(&err) {
            Some(hint) => format!("{err:#}; {hint}"),
            None => format!("{err:#}"),
        }
    }

    #[test]
    fn the_cli_words_the_service_hints_with_its_flags_and_commands() {
        assert_eq!(
            line(CoreError::AlreadyExists {
                name: "a".into(),
                storage: Storage::Coffer,
            }),
            "Persistent secret with name 'a' already exists in secret storage 'coffer'; use OR REPLACE (--or-replace) to replace it or IF NOT EXISTS (--if-not-exists) to keep it"
        );
        assert_eq!(
            line(CoreError::Ambiguous {
                name: "same".into(),
                storages: vec![Storage::Memory, Storage::Coffer],
            }),
            "secret 'same' exists in several storages (memory, coffer); say which with --temporary or --persistent (DROP TEMPORARY|PERSISTENT SECRET in SQL)"
        );
        assert_eq!(
            line(CoreError::Forbidden {
                caller: "bob".into(),
                project: "p".into(),
                need: Role::Use,
            }),
            "permission denied: 'bob' needs the role 'use' in project 'p'; a project admin can grant it with `coffer grant use bob --project p`"
        );
        assert_eq!(
            line(CoreError::ProjectNotFound("other".into())),
            "project 'other' does not exist; create it with `coffer project create other`"
        );
        // A hint added to any error, through the API's error as in remote mode.
        let e = coffer_api::Error::Core(CoreError::Usage("nothing to update".into()).with_hint(Hint::NameAChange));
        let message = e.to_string();
        assert_eq!(
            format!("{message}; {}", of(&anyhow::Error::new(e)).expect("hint")),
            "nothing to update; give at least one of --config, --secret, --file, --token, --schedule, ..."
        );
    }
}
