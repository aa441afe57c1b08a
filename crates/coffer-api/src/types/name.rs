//! [`Name`]: the schema of the names in the API's paths.

/// A name of a project, secret, identity or token: 1 to 128 letters, digits, `.`, `_`, `-`.
/// Every `{project}`, `{name}`, `{identity}` and `{token}` in a path is one.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Za-z0-9._-]{1,128}$", example = "default"))]
pub struct Name(pub String);
