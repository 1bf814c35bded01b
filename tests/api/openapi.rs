//! The committed contract never drifts from the code.

use crate::helpers::spawn_app;

const REGENERATE: &str = "openapi/openapi.json is out of date: regenerate it with\n\n    cargo run -q -- openapi > openapi/openapi.json\n\nand commit the result";

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}\n{REGENERATE}"))
}

#[test]
fn committed_spec_matches_the_code() {
    let generated = linli::openapi::to_json();
    if generated != committed() {
        panic!("{REGENERATE}");
    }
}

#[tokio::test]
async fn served_spec_is_the_committed_one() {
    let app = spawn_app().await;
    let res = app.get("/api-docs/openapi.json").await;
    assert_eq!(res.status(), 200);
    let served: serde_json::Value = res.json().await.unwrap();
    let committed: serde_json::Value = serde_json::from_str(&committed()).unwrap();
    assert!(served == committed, "{REGENERATE}");
}

#[test]
fn every_operation_documents_its_errors() {
    let doc: serde_json::Value = serde_json::from_str(&linli::openapi::to_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(
        paths.contains_key("/healthz") && paths.contains_key("/readyz") && paths.contains_key("/metrics")
    );
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"]["default"].is_object(),
                "{method} {path} lacks the problem response"
            );
        }
    }
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes defined");
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            for req in op["security"].as_array().into_iter().flatten() {
                for name in req.as_object().unwrap().keys() {
                    assert!(
                        schemes.contains_key(name),
                        "{method} {path} uses undefined scheme {name}"
                    );
                }
            }
            for tag in op["tags"].as_array().into_iter().flatten() {
                assert!(
                    tags.contains(&tag.as_str().unwrap()),
                    "{method} {path}: tag {tag} has no description"
                );
            }
        }
    }
    let mut ids = std::collections::HashSet::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(
                ids.insert(id.to_owned()),
                "{method} {path}: operationId {id} is not unique"
            );
        }
    }
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap();
    assert!(codes.iter().any(|c| c == "VALIDATION_FAILED"));
    assert_eq!(codes.len(), linli::error::ErrorCode::ALL.len());
}

#[test]
fn every_operation_summary_is_chinese() {
    let doc: serde_json::Value = serde_json::from_str(&linli::openapi::to_json()).unwrap();
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let summary = op["summary"].as_str().unwrap_or_default();
            assert!(
                cjk(summary),
                "{method} {path}: summary {summary:?} is not Chinese"
            );
            // A summary is a title: one short line (the rest goes to the description).
            assert!(
                !summary.contains('\n') && summary.chars().count() <= 20,
                "{method} {path}: {summary:?}"
            );
        }
    }
}

/// The rules every request meets at the edge are in the spec, so a client (or a contract fuzzer)
/// that follows the spec is never refused with 400 for them.
#[test]
fn the_spec_states_the_edge_rules() {
    let doc: serde_json::Value = serde_json::from_str(&linli::openapi::to_json()).unwrap();
    let mut limits = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for param in op["parameters"].as_array().into_iter().flatten() {
                let (name, schema) = (param["name"].as_str().unwrap(), &param["schema"]);
                let at = format!("{method} {path} {name}");
                match (param["in"].as_str().unwrap(), name) {
                    ("path", "number") => {
                        assert_eq!(schema["pattern"], linli::certificates::number::PATTERN, "{at}")
                    }
                    ("path", _) => assert_eq!(schema["pattern"], linli::api::ID_PATTERN, "{at}"),
                    ("query", "limit") => {
                        limits += 1;
                        assert_eq!(
                            (&schema["minimum"], &schema["maximum"]),
                            (&1.into(), &100.into()),
                            "{at}"
                        );
                    }
                    ("query", "cursor") => assert_eq!(schema["pattern"], "^[0-9]{0,18}$", "{at}"),
                    _ => {}
                }
                if schema_is_plain_string(schema) {
                    panic!("{at}: a free string must state the no-NUL pattern");
                }
            }
        }
    }
    assert!(limits >= 8, "every paged list states its limit ({limits})");
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            assert!(
                !schema_is_plain_string(prop),
                "{name}.{field}: a free string must state the no-NUL pattern"
            );
        }
    }
}

/// A string schema that allows NUL: no pattern, format or enum.
fn schema_is_plain_string(schema: &serde_json::Value) -> bool {
    let is_string = match &schema["type"] {
        serde_json::Value::String(t) => t == "string",
        serde_json::Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    };
    is_string && schema["pattern"].is_null() && schema["format"].is_null() && schema["enum"].is_null()
}

/// utoipa names a schema after its Rust type, so two types of one name (in different modules)
/// would silently share one schema in the spec, and one operation would describe the other's
/// body. Every type that derives `ToSchema` has a name of its own (or an `as = …` alias).
#[test]
fn every_schema_type_has_a_name_of_its_own() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "entity/src"] {
        crate::layout::rust_files(&root.join(dir), &mut files);
    }
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut clashes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !(line.contains("derive(") && line.contains("ToSchema")) && line.trim() != "utoipa::ToSchema,"
            {
                continue;
            }
            // The item the derive belongs to, and whether it is renamed for the spec.
            let rest = &lines[i..lines.len().min(i + 30)];
            if rest
                .iter()
                .take_while(|l| !l.contains("pub struct") && !l.contains("pub enum"))
                .any(|l| l.contains("as ="))
            {
                continue;
            }
            let Some(item) = rest
                .iter()
                .find(|l| l.contains("pub struct ") || l.contains("pub enum "))
            else {
                continue;
            };
            let name: String = item
                .split_whitespace()
                .skip_while(|w| *w != "struct" && *w != "enum")
                .nth(1)
                .unwrap_or_default()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let here = file.strip_prefix(root).unwrap().display().to_string();
            if let Some(first) = seen.insert(name.clone(), here.clone())
                && first != here
            {
                clashes.push(format!("{name}: {first} and {here}"));
            }
        }
    }
    assert!(
        clashes.is_empty(),
        "schema names used twice:\n{}",
        clashes.join("\n")
    );
}

/// Every `$ref` names a schema the document declares: generated clients (clients/typescript)
/// refuse a spec with a dangling reference.
#[test]
fn every_schema_reference_resolves() {
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|x| refs(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let doc: serde_json::Value = serde_json::from_str(&linli::openapi::to_json()).unwrap();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    let mut dangling: Vec<&str> = all
        .into_iter()
        .filter(|r| {
            let pointer = r.strip_prefix('#').unwrap_or(r);
            doc.pointer(pointer).is_none()
        })
        .collect();
    dangling.sort_unstable();
    dangling.dedup();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}
