//! The access use cases of [`Service`], carried out by the access part.

use super::Service;
use crate::caller::{Caller, Role};
use crate::error::{CoreError, Result};
use crate::types::access::{AuditInfo, IdentityInfo, MemberInfo, NewToken, ProjectInfo, TokenInfo};
use coffer_store::AuditFilter;

impl Service {
    /// Whether `caller` holds `role` (or a stronger one) in `project`. Nothing is audited.
    ///
    /// # Errors
    /// Store errors.
    pub fn has_role(&self, caller: &Caller, project: &str, role: Role) -> Result<bool> {
        self.access().has_role(caller, project, role)
    }

    /// Finds the caller behind `token`, coming from `client`.
    ///
    /// # Errors
    /// [`CoreError::Unauthenticated`] for a malformed, unknown, expired or revoked token.
    pub fn authenticate(&self, token: &str, client: &str) -> Result<Caller> {
        self.access().authenticate(token, client)
    }

    /// Records a sign-in through `via` (`web`: the web page; `pg`: the PostgreSQL endpoint) in
    /// the audit log, as the server's event (`session.signin` on `via`): `who` is the token's
    /// identity when the token was good, `result` is `ok` or `denied`, `detail` why it was
    /// refused (never the token).
    ///
    /// # Errors
    /// [`CoreError::Audit`] when the event cannot be written.
    pub fn audit_sign_in(
        &self,
        via: &str,
        who: Option<&Caller>,
        client: &str,
        result: &str,
        detail: Option<String>,
    ) -> Result<()> {
        let anonymous;
        let caller = match who {
            Some(c) => c,
            None => {
                anonymous = Caller {
                    identity_id: None,
                    name: "unknown".into(),
                    superuser: false,
                    token_name: None,
                    client: client.to_string(),
                };
                &anonymous
            }
        };
        let ev = caller.event(crate::access::SERVER_PROJECT, via, "session.signin", result, detail);
        self.store.append_audit(&[ev]).map_err(CoreError::Audit)
    }

    /// On a store with no identity yet: creates the superuser `admin` and its token
    /// `admin-bootstrap`, and returns the token (shown once, stored only as a hash).
    ///
    /// # Errors
    /// Store errors.
    pub fn bootstrap(&self) -> Result<Option<NewToken>> {
        self.access().bootstrap()
    }

    /// Creates a project (superusers only).
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`], a bad or taken name.
    pub fn create_project(&self, caller: &Caller, name: &str) -> Result<ProjectInfo> {
        self.access().create_project(caller, name)
    }

    /// The projects the caller has a role in (every project for a superuser).
    ///
    /// # Errors
    /// Store errors.
    pub fn list_projects(&self, caller: &Caller) -> Result<Vec<ProjectInfo>> {
        self.access().list_projects(caller)
    }

    /// Deletes a project with its secrets, grants and service accounts (superusers only). A
    /// project that still holds secrets needs `force`. Its audit events stay.
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`], [`CoreError::ProjectNotFound`], [`CoreError::Conflict`]
    /// when it holds secrets and `force` is not given.
    pub fn delete_project(&self, caller: &Caller, name: &str, force: bool) -> Result<()> {
        let deleted = self.access().delete_project(caller, name, force, |project| {
            Ok(self.secrets().list_secrets(caller, project)?.len())
        })?;
        self.secrets().forget_project(&deleted);
        Ok(())
    }

    /// Creates a user (superusers only).
    ///
    /// # Errors
    /// [`CoreError::NeedsSuperuser`], a bad or taken name.
    pub fn create_user(&self, caller: &Caller, name: &str, superuser: bool) -> Result<IdentityInfo> {
        self.access().create_user(caller, name, superuser)
    }

    /// Creates a service account managed by `project`'s admins. It has no role anywhere until
    /// granted one.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`] without `admin` in the project; a bad or taken name.
    pub fn create_service_account(&self, caller: &Caller, project: &str, name: &str) -> Result<IdentityInfo> {
        self.access().create_service_account(caller, project, name)
    }

    /// The identities the caller can see: all for a superuser; else itself and the service
    /// accounts of the projects it administers.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_identities(&self, caller: &Caller) -> Result<Vec<IdentityInfo>> {
        self.access().list_identities(caller)
    }

    /// Creates a named token for `owner` (the caller when `None`), valid for `expires_in_ms`
    /// (forever when `None`). The token is returned this once and stored only as a hash.
    ///
    /// A caller that authenticated with a token `T` creates a child of `T`: it expires no later
    /// than `T` and the tokens above it (a missing or later expiry is capped, and
    /// [`NewToken::notice`] says so), and revoking `T` revokes it. A flight run's token creates
    /// no token. Without a token (local mode) none of this applies.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`] when the caller may not manage the owner;
    /// [`CoreError::TokenRefused`] for a run's token; [`CoreError::Unauthenticated`] when the
    /// caller's token is gone; a bad, reserved or taken name.
    pub fn create_token(
        &self,
        caller: &Caller,
        owner: Option<&str>,
        name: &str,
        expires_in_ms: Option<i64>,
    ) -> Result<NewToken> {
        self.access().create_token(caller, owner, name, expires_in_ms)
    }

    /// The tokens the caller may see: its own, those of the service accounts of projects it
    /// administers, all for a superuser. Never the tokens themselves.
    ///
    /// # Errors
    /// Store errors.
    pub fn list_tokens(&self, caller: &Caller) -> Result<Vec<TokenInfo>> {
        self.access().list_tokens(caller)
    }

    /// Revokes a token and every token below it (created with it, transitively, whoever they
    /// belong to), in one transaction with one audit event per token: they stop working on the
    /// next request. [`TokenInfo::revoked_with`] names the tokens below it.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Missing`] when there is no such token, [`CoreError::Conflict`] when it is already revoked.
    pub fn revoke_token(&self, caller: &Caller, name: &str) -> Result<TokenInfo> {
        self.access().revoke_token(caller, name)
    }

    /// Gives `identity` the role `role` in `project`, replacing any role it had (admins).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; an unknown identity.
    pub fn grant(&self, caller: &Caller, project: &str, role: Role, identity: &str) -> Result<MemberInfo> {
        self.access().grant(caller, project, role, identity)
    }

    /// Takes `identity`'s role in `project` away (admins).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; an unknown identity or one without a role.
    pub fn revoke_grant(&self, caller: &Caller, project: &str, identity: &str) -> Result<()> {
        self.access().revoke_grant(caller, project, identity)
    }

    /// The members of `project` with their roles (admins).
    ///
    /// # Errors
    /// [`CoreError::Forbidden`].
    pub fn list_members(&self, caller: &Caller, project: &str) -> Result<Vec<MemberInfo>> {
        self.access().list_members(caller, project)
    }

    /// Audit events matching `filter`: a project's admins see its events; superusers see all.
    ///
    /// # Errors
    /// [`CoreError::Forbidden`]; [`CoreError::Usage`] when a non-superuser names no project.
    pub fn list_audit(&self, caller: &Caller, filter: &AuditFilter) -> Result<Vec<AuditInfo>> {
        self.access().list_audit(caller, filter)
    }
}
