//! The secrets use cases of [`Service`], carried out by the secrets part.

use super::Service;
use crate::caller::Caller;
#[cfg(doc)]
use crate::error::CoreError;
use crate::error::Result;
use crate::runenv::RunEnv;
use crate::types::secrets::{
    CreateOutcome, CreateRequest, OpenedSecret, SecretInfo, SecretUpdate, SecretVersionInfo, WhichSecret,
};
use coffer_model::Storage;

impl Service {
    /// [`Service::load_env_secrets_in`] with the secrets visible in every project.
    ///
    /// # Errors
    /// As [`Service::load_env_secrets_in`].
    pub fn load_env_secrets(&self, vars: impl IntoIterator<Item = (String, String)>) -> Result<usize> {
        self.secrets().load_env_secrets_in(None, vars)
    }

    /// Kestra's environment secrets backend: every `SECRET_<NAME>` variable of `vars` (others
    /// are skipped) becomes the read-only secret `<NAME>` of storage `env`, replacing any
    /// loaded before. Returns how many were loaded.
    ///
    /// The value is base64 (standard alphabet, padding optional, whitespace such as the line
    /// breaks of `base64`'s output ignored) of UTF-8 text: each becomes a `generic` secret
    /// whose one sensitive field `value` is the decoded text (binary values are refused:
    /// generic values are text, injected as environment variables). `<NAME>` must pass the
    /// name rule `[A-Za-z0-9._-]{1,128}`, and two variables may not give one name (names
    /// compare case-insensitively).
    ///
    /// `projects`: the projects they are visible in (`COFFER_ENV_PROJECT`, by default the
    /// `default` project, so that the server's own environment is not offered to every
    /// project); `None`, every project (Kestra has no projects; `COFFER_ENV_PROJECT=*`).
    ///
    /// The values stay in this process's memory (zeroized when dropped): never stored,
    /// sealed, logged or audited as written. Opening them is a `use` like any other secret
    /// (role `use`, audited with `storage=env`). Their metadata: storage `env`, `persistent`
    /// false, version 1, created and updated by `env:SECRET_<NAME>` at load time.
    ///
    /// All variables are checked before any is loaded: on an error nothing changes.
    ///
    /// # Errors
    /// [`CoreError::Usage`] naming every bad variable (invalid base64, not UTF-8, a bad name, a
    /// name given twice) and never a value.
    pub fn load_env_secrets_in(
        &self,
        projects: Option<&[String]>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<usize> {
        self.secrets().load_env_secrets_in(projects, vars)
    }

    /// Creates (or replaces, or keeps) a secret.
    ///
    /// # Errors
    /// [`CoreError::Invalid`] for a bad definition (a `generic` secret whose name is a
    /// reserved variable, see [`coffer_model::reserved`], included), [`CoreError::AlreadyExists`],
    /// [`CoreError::ReadOnly`] for the `env` storage, store and crypto errors.
    pub fn create_secret(&self, caller: &Caller, project: &str, req: CreateRequest) -> Result<CreateOutcome> {
        self.secrets().create_secret(caller, project, req)
    }

    /// Drops a secret, as DuckDB's `DROP [TEMPORARY|PERSISTENT] SECRET [IF EXISTS] name`: a
    /// name in several storages needs `storage`. Returns the storage dropped from, `None` when
    /// nothing existed and `if_exists` was given.
    ///
    /// # Errors
    /// [`CoreError::NotFound`], [`CoreError::Ambiguous`], [`CoreError::ReadOnly`].
    pub fn drop_secret(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        if_exists: bool,
        storage: Option<Storage>,
    ) -> Result<Option<Storage>> {
        self.secrets().drop_secret(caller, project, name, if_exists, storage)
    }

    /// Every secret of `project` (temporary, persistent and env), ordered by name then storage.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_secrets(&self, caller: &Caller, project: &str) -> Result<Vec<SecretInfo>> {
        self.secrets().list_secrets(caller, project)
    }

    /// A masker of the sensitive values of every secret in `project` (every storage), for a
    /// front end to scrub what it sends out (the MCP tools' answers). No caller check and no
    /// audit event: the values never leave this process.
    ///
    /// # Errors
    /// An unknown project, store and decryption errors.
    pub fn output_masker(&self, project: &str) -> Result<std::sync::Arc<coffer_model::mask::Masker>> {
        self.secrets().output_masker(&self.maskers, project)
    }

    /// One secret's metadata.
    ///
    /// # Errors
    /// [`CoreError::NotFound`], [`CoreError::Ambiguous`] when it is in several storages and
    /// `storage` is `None`.
    pub fn secret_info(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        storage: Option<Storage>,
    ) -> Result<SecretInfo> {
        self.secrets().secret_info(caller, project, name, storage)
    }

    /// Opens secrets' values for `caller`, who needs the `use` role: one `use` audit event per
    /// secret is written before any value is handed out, and if it cannot be written nothing
    /// is (fail closed). `purpose` says what for (`env`, `dataplane`). Callers are the run
    /// environment and the data plane; no API returns these values to a person.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`], [`CoreError::NotFound`], [`CoreError::Ambiguous`], a crypto
    /// integrity error when the stored ciphertext, wrapped key or clear metadata were changed
    /// or moved, and the audit log's error.
    pub fn use_secrets(
        &self,
        caller: &Caller,
        project: &str,
        items: &[(String, Option<Storage>)],
        purpose: &str,
    ) -> Result<Vec<OpenedSecret>> {
        self.secrets().use_secrets(caller, project, items, purpose)
    }

    /// The environment variables of `names` for a run (see [`coffer_model::env`]): the "use"
    /// of [`Service::use_secrets`] with purpose `env`, checked for two sources of one variable
    /// before anything is handed out, built by [`crate::runenv::RunEnv`] (a variable that
    /// steers a loader, shell or interpreter is left out, with a warning).
    ///
    /// # Errors
    /// As [`Service::use_secrets`]; [`CoreError::Invalid`] for a variable set twice.
    pub fn resolve_env(&self, caller: &Caller, project: &str, names: &[String]) -> Result<RunEnv> {
        self.secrets().resolve_env(caller, project, names)
    }

    /// The versions kept of a persistent secret, oldest first, the current one last: metadata
    /// only (role `read`).
    ///
    /// # Errors
    /// [`CoreError::NotFound`] when there is no persistent secret of that name.
    pub fn secret_history(&self, caller: &Caller, project: &str, name: &str) -> Result<Vec<SecretVersionInfo>> {
        self.secrets().secret_history(caller, project, name)
    }

    /// Makes a new version of a persistent secret equal to its kept version `version`
    /// (role `write`); runs and the data plane use it from then on.
    ///
    /// # Errors
    /// [`CoreError::NotFound`] for an unknown secret or a version no longer kept,
    /// [`CoreError::Conflict`] when `version` is the current one.
    pub fn rollback_secret(&self, caller: &Caller, project: &str, name: &str, version: i64) -> Result<SecretInfo> {
        self.secrets().rollback_secret(caller, project, name, version)
    }

    /// Changes some fields of an existing secret, keeping the others (sensitive ones too,
    /// without showing them): a new version, validated as a whole like a create.
    ///
    /// # Errors
    /// As [`Service::use_secrets`] and [`Service::create_secret`].
    pub fn update_secret(
        &self,
        caller: &Caller,
        project: &str,
        name: &str,
        storage: Option<Storage>,
        update: SecretUpdate,
    ) -> Result<SecretInfo> {
        self.secrets().update_secret(caller, project, name, storage, update)
    }

    /// The secret DuckDB would use for `path` and `secret_type` (its `which_secret`).
    ///
    /// # Errors
    /// [`CoreError::Invalid`] for an unknown type; store errors.
    pub fn which_secret(
        &self,
        caller: &Caller,
        project: &str,
        path: &str,
        secret_type: &str,
    ) -> Result<Option<WhichSecret>> {
        self.secrets().which_secret(caller, project, path, secret_type)
    }
}
