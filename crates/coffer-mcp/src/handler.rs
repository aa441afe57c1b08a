//! [`CofferMcp`]: the MCP handler. Lists the tools of its mode, and runs a call on tokio's
//! blocking pool (the API is synchronous: store I/O, runs, DuckDB) as the request's caller,
//! its answer passed through the project's masker.

use crate::backend::Backend;
use crate::call::Call;
use crate::catalog;
use crate::reply::Reply;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only the tools that change nothing are listed and callable, and `query` takes only
    /// statements that change nothing.
    pub read_only: bool,
    /// The project of calls that do not name one.
    pub project: String,
}

/// coffer's MCP server: one per session (HTTP) or per process (stdio).
#[derive(Clone)]
pub struct CofferMcp {
    backend: Arc<dyn Backend>,
    options: Options,
}

impl CofferMcp {
    /// A server reaching coffer through `backend`.
    pub fn new(backend: Arc<dyn Backend>, options: Options) -> Self {
        CofferMcp { backend, options }
    }
}

/// `arguments` as the tool's parameters; a JSON-RPC "invalid params" error naming the field
/// when they do not fit, without the value given (as the HTTP API words its 400s): the error
/// is also logged.
pub(crate) fn args<T: DeserializeOwned>(
    tool: &str,
    arguments: Option<rmcp::model::JsonObject>,
) -> Result<T, ErrorData> {
    let value = serde_json::Value::Object(arguments.unwrap_or_default());
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = coffer_api::redact_serde(&e.into_inner().to_string());
        let field = if path.is_empty() || path == "." || path.contains('?') {
            String::new()
        } else {
            format!("{path}: ")
        };
        ErrorData::invalid_params(format!("{tool}: {field}{message}"), None)
    })
}

/// The project named in `arguments`, for masking (the default when absent or not a string).
fn project_of(arguments: Option<&rmcp::model::JsonObject>, default: &str) -> String {
    arguments
        .and_then(|a| a.get("project"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or(default)
        .to_string()
}

impl ServerHandler for CofferMcp {
    fn get_info(&self) -> ServerConfig {
        let mode = if self.options.read_only {
            " This server is read-only: only tools that change nothing are offered."
        } else {
            ""
        };
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("coffer", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!(
                "coffer: secrets for DuckDB pipelines and flights (jobs) that use them. Secret values never pass through these tools: create secrets with the coffer CLI, the HTTP API or the web page, then attach them to flights by name. Call get_flight_guide before writing a flight.{mode}"
            ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(catalog::list(self.options.read_only)))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        catalog::find(name, self.options.read_only).map(|t| t.tool(self.options.read_only))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let Some(spec) = catalog::find(&name, self.options.read_only) else {
            let why = if catalog::find(&name, false).is_some() {
                format!("tool '{name}' changes coffer and this server is read-only")
            } else {
                format!("no tool '{name}'; tools/list names them")
            };
            return Err(ErrorData::invalid_params(why, None));
        };
        let head = context.extensions.get::<http::request::Parts>();
        let api = match self.backend.api(head) {
            Ok(api) => api,
            Err(e) => return Ok(finish(Reply::from(e), None).into()),
        };
        let call = Call {
            api,
            read_only: self.options.read_only,
            default_project: self.options.project.clone(),
        };
        let project = project_of(request.arguments.as_ref(), &self.options.project);
        let backend = Arc::clone(&self.backend);
        let arguments = request.arguments;
        let tool = spec.name;
        let answer = tokio::task::spawn_blocking(move || {
            let reply = dispatch(tool, &call, arguments)?;
            let masker = backend.masker(&project);
            Ok::<_, ErrorData>((reply, masker))
        })
        .await
        .map_err(|e| ErrorData::internal_error(format!("tool '{name}' failed: {e}"), None))??;
        Ok(match answer {
            (reply, Ok(masker)) => finish(reply, masker.as_deref()),
            // The answer cannot be checked for values: it is not sent.
            (Reply::Err(text), Err(_)) => finish(Reply::Err(text), None),
            (Reply::Ok(_), Err(e)) => finish(
                Reply::Err(format!(
                    "cannot check the answer for secret values, so it is not sent: {}",
                    crate::reply::error_text(&e)
                )),
                None,
            ),
        }
        .into())
    }
}

/// The call's answer, masked.
fn finish(reply: Reply, masker: Option<&coffer_model::mask::Masker>) -> CallToolResult {
    let mask = |s: String| match masker {
        Some(m) => m.mask_str(&s),
        None => s,
    };
    match reply {
        Reply::Ok(text) => CallToolResult::success(vec![ContentBlock::text(mask(text))]),
        Reply::Err(text) => CallToolResult::error(vec![ContentBlock::text(mask(text))]),
    }
}

/// Runs tool `tool` (one of the catalog's).
fn dispatch(tool: &str, call: &Call, arguments: Option<rmcp::model::JsonObject>) -> Result<Reply, ErrorData> {
    use crate::{flights, params as p, query, secrets};
    Ok(match tool {
        "get_flight_guide" => {
            args::<p::ProjectOnly>(tool, arguments)?;
            Reply::Ok(flights::GUIDE.to_string())
        }
        "create_flight" => flights::create(call, args(tool, arguments)?),
        "update_flight" => flights::update(call, args(tool, arguments)?),
        "edit_flight_source" => flights::edit_source(call, args(tool, arguments)?),
        "get_flight" => flights::get(call, args(tool, arguments)?),
        "list_flights" => flights::list(call, args(tool, arguments)?),
        "list_flight_versions" => flights::versions(call, args(tool, arguments)?),
        "run_flight" => flights::run(call, args(tool, arguments)?),
        "list_flight_runs" => flights::runs(call, args(tool, arguments)?),
        "get_flight_logs" => flights::logs(call, args(tool, arguments)?)?,
        "cancel_flight_run" => flights::cancel(call, args(tool, arguments)?),
        "delete_flight" => flights::delete(call, args(tool, arguments)?),
        "list_secrets" => secrets::list(call, args(tool, arguments)?),
        "which_secret" => secrets::which(call, args(tool, arguments)?),
        "list_secret_types" => {
            args::<p::ProjectOnly>(tool, arguments)?;
            secrets::types()
        }
        "query" => query::run(call, args(tool, arguments)?),
        other => return Err(ErrorData::invalid_params(format!("no tool '{other}'"), None)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params as p;

    fn object(v: serde_json::Value) -> Option<rmcp::model::JsonObject> {
        v.as_object().cloned()
    }

    #[test]
    fn argument_errors_name_the_field_and_not_the_value() {
        let e = args::<p::ListFlights>("list_flights", object(serde_json::json!({"limit": "hunter2"})))
            .expect_err("a string is no number");
        assert!(
            e.message.starts_with("list_flights: limit: invalid type: string"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        let e = args::<p::CreateFlight>(
            "create_flight",
            object(serde_json::json!({"name": "f", "source_code": "x", "md_secret_names": "hunter2"})),
        )
        .expect_err("a string is no list");
        assert!(
            e.message.starts_with("create_flight: md_secret_names: "),
            "{}",
            e.message
        );
        assert!(!e.message.contains("hunter2"), "{}", e.message);
        let e = args::<p::ProjectOnly>("list_secrets", object(serde_json::json!({"bogus": 1})))
            .expect_err("unknown argument");
        assert!(e.message.contains("unknown field `bogus`"), "{}", e.message);
        let e = args::<p::FlightRef>("get_flight", object(serde_json::json!({}))).expect_err("no id");
        assert!(e.message.contains("missing field `id`"), "{}", e.message);
    }
}
