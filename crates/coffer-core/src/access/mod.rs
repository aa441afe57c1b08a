//! Who may do what: callers, roles, projects, identities, access tokens, grants and the audit
//! log.
//!
//! - A [`Caller`] is the identity behind a request (found from its token by
//!   [`Service::authenticate`](crate::Service::authenticate)), or the machine's owner in local mode
//!   ([`Caller::local`]).
//! - Roles per project form a ladder: `read` (names and metadata) < `use` (values injected into
//!   runs and the data plane, never shown) < `write` (create, replace, drop secrets) < `admin`
//!   (members, service accounts and their tokens, the project's audit log). A superuser (the
//!   first admin, and local mode) may do everything everywhere. A new service account has no
//!   role anywhere until granted one.
//! - Tokens look like `coffer_<public id>_<secret>`: the public id finds the row, and the
//!   SHA-256 of the whole token is compared in constant time with the stored hash. The token
//!   itself is never stored. Revocation and expiry are checked on every request.
//! - Tokens form a tree: a token created with a token records it as its parent. A token may
//!   only create tokens that expire no later than itself (a later or missing expiry is capped,
//!   and the response says so); a flight run's token (`run.<flight>.<n>`) creates none.
//!   Revoking a token revokes every token below it, in one transaction; a token whose parent
//!   (or any token above it) is revoked, expired or gone does not authenticate.
//! - Every write, every use of a value and every denied attempt writes an audit event in the
//!   same transaction as the change (or before the value is handed out): when the event cannot
//!   be written, the request fails.
//!
//! The part is `Access`, a view over the store and the read caches (`authz`, with the role
//! checks every other part makes), and one file per use case: `authn` (tokens to callers, the
//! bootstrap), `projects`, `identities`, `tokens`, `grants` (members) and `audit`.

mod audit;
mod authn;
mod authz;
mod grants;
mod identities;
mod projects;
mod tokens;

pub use crate::caller::{Caller, Role};
pub use crate::types::access::{AuditInfo, IdentityInfo, MemberInfo, NewToken, ProjectInfo, TokenInfo};
pub(crate) use authz::Access;
pub use authz::SERVER_PROJECT;
pub(crate) use tokens::{hash, random_hex};
pub use tokens::{is_run_token, RUN_TOKEN_PREFIX};
