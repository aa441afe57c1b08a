//! The OpenAPI document describes what the server does: the patterns it checks, the path
//! parameters it reads as names, the statuses the flight routes answer.

use serde_json::Value;

fn doc() -> Value {
    serde_json::to_value(coffer_server::openapi()).expect("the document serializes")
}

/// The documented patterns are what the server accepts: schemathesis generates requests
/// from them (scripts/schemathesis.sh).
#[test]
fn patterns_match_the_model() {
    let doc = doc();
    let types = format!("^({})$", coffer_model::types::type_names().join("|"));
    assert_eq!(
        doc["components"]["schemas"]["CreateSecretBody"]["properties"]["type"]["pattern"],
        Value::String(types.clone())
    );
    let which = doc["paths"]["/v1/projects/{project}/which"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let ty = which.iter().find(|p| p["name"] == "type").expect("type");
    assert_eq!(ty["schema"]["pattern"], Value::String(types));
    let roles = format!(
        "^({})$",
        coffer_core::Role::ALL
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join("|")
    );
    assert_eq!(
        doc["components"]["schemas"]["GrantBody"]["properties"]["role"]["pattern"],
        Value::String(roles)
    );
    let name = doc["components"]["schemas"]["Name"]["pattern"].as_str().expect("Name");
    assert_eq!(name, "^[A-Za-z0-9._-]{1,128}$");
    for ok in ["default", "a", &"x".repeat(128)] {
        coffer_model::names::validate_name(ok).expect("a valid name");
    }
    for bad in ["", "a b", "a/b", &"x".repeat(129)] {
        assert!(coffer_model::names::validate_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn every_path_parameter_is_a_name() {
    let doc = doc();
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" && (p["name"] == "run" || p["name"] == "version") {
                    assert_eq!(p["schema"]["type"], "integer", "{method} {path}");
                    assert_eq!(p["schema"]["minimum"], 1, "{method} {path}");
                } else if p["in"] == "path" {
                    seen += 1;
                    assert_eq!(
                        p["schema"]["$ref"], "#/components/schemas/Name",
                        "{method} {path} {}",
                        p["name"]
                    );
                }
            }
        }
    }
    assert!(seen > 10, "{seen}");
}

/// Every status a flight route answers is documented (schemathesis checks conformance).
#[test]
fn flight_routes_are_documented() {
    let doc = doc();
    let base = "/v1/projects/{project}/flights";
    let expect = [
        (base.to_string(), "get", "200"),
        (base.to_string(), "post", "201"),
        (format!("{base}/{{flight}}"), "get", "200"),
        (format!("{base}/{{flight}}"), "patch", "200"),
        (format!("{base}/{{flight}}"), "delete", "204"),
        (format!("{base}/{{flight}}/runs"), "get", "200"),
        (format!("{base}/{{flight}}/runs"), "post", "201"),
        (format!("{base}/{{flight}}/runs"), "post", "503"),
        (format!("{base}/{{flight}}/runs/{{run}}"), "get", "200"),
        (format!("{base}/{{flight}}/versions"), "get", "200"),
        (format!("{base}/{{flight}}/versions/{{version}}"), "get", "200"),
        (format!("{base}/{{flight}}/runs/{{run}}/logs"), "get", "200"),
        (format!("{base}/{{flight}}/runs/{{run}}/cancel"), "post", "200"),
    ];
    for (path, method, status) in expect {
        let op = &doc["paths"][&path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(op["responses"][status].is_object(), "{method} {path}: no {status}");
        assert!(op["responses"]["4XX"].is_object(), "{method} {path}: no 4XX");
    }
    let run = &doc["paths"][format!("{base}/{{flight}}/runs")]["post"]["requestBody"];
    assert_ne!(run["required"], true, "the run body is optional: {run}");
    for schema in [
        "FlightInfo",
        "RunInfo",
        "FlightVersionInfo",
        "FlightSavedResponse",
        "LogResponse",
        "LogChunkBody",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

/// Every status a data source route answers is documented, with its schemas.
#[test]
fn source_routes_are_documented() {
    let doc = doc();
    let base = "/v1/projects/{project}/sources";
    let expect = [
        (base.to_string(), "get", "200"),
        (base.to_string(), "post", "201"),
        (base.to_string(), "post", "200"),
        (format!("{base}/{{name}}"), "get", "200"),
        (format!("{base}/{{name}}"), "delete", "200"),
    ];
    for (path, method, status) in expect {
        let op = &doc["paths"][&path][method];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(op["responses"][status].is_object(), "{method} {path}: no {status}");
        assert!(op["responses"]["4XX"].is_object(), "{method} {path}: no 4XX");
        assert_eq!(op["tags"][0], "sources", "{method} {path}");
    }
    let drop = doc["paths"][format!("{base}/{{name}}")]["delete"]["parameters"]
        .as_array()
        .expect("parameters");
    assert!(drop.iter().any(|p| p["name"] == "if_exists" && p["in"] == "query"));
    for schema in [
        "CreateSourceBody",
        "CreateSourceResponse",
        "DropSourceResponse",
        "SourceInfo",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    let body = &doc["components"]["schemas"]["CreateSourceBody"];
    assert_eq!(body["required"], serde_json::json!(["name", "type"]), "{body}");
    assert_eq!(body["properties"]["name"]["pattern"], "^[A-Za-z_][A-Za-z0-9_]{0,62}$");
}
