//! The secret tools: metadata only. No tool takes or returns a secret value.

use crate::call::Call;
use crate::params as p;
use crate::reply::Reply;
use serde_json::{json, Value};

/// `list_secrets`: each secret's metadata (the names of its sensitive fields, not their
/// values).
pub(crate) fn list(call: &Call, a: p::ProjectOnly) -> Reply {
    let project = call.project(a.project.as_ref());
    match call.api.list_secrets(&project) {
        Ok(secrets) => Reply::json(&secrets),
        Err(e) => e.into(),
    }
}

/// `which_secret`.
pub(crate) fn which(call: &Call, a: p::WhichSecret) -> Reply {
    let project = call.project(a.project.as_ref());
    match call.api.which_secret(&project, &a.path, &a.secret_type) {
        Ok(w) => Reply::json(&w),
        Err(e) => e.into(),
    }
}

/// `list_secret_types`: coffer's type table.
pub(crate) fn types() -> Reply {
    let types: Vec<Value> = coffer_model::types::type_names()
        .into_iter()
        .filter_map(coffer_model::types::lookup)
        .map(|t| {
            json!({
                "type": t.name,
                "description": t.description,
                "default_scopes": t.default_scopes,
                "providers": t.providers.iter().map(|pr| json!({
                    "name": pr.name,
                    "required": pr.required,
                    "fields": pr.fields.iter().map(|f| json!({
                        "name": f.name,
                        "kind": f.kind.name(),
                        "rule": f.kind.rule(),
                        "sensitive": f.sensitive,
                        "default": f.default,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Reply::json(&types)
}
