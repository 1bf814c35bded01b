//! The code's shape, read from the source: every route is a thin handler in a routes file, and
//! every route on one object authorizes through an extractor of the scoping layer (`src/access`).
//! `cargo test layout -- --nocapture` prints the table of routes and their guards.

use std::path::{Path, PathBuf};

const MAX_HANDLER_LINES: usize = 30;
/// What only the domain does: a routes file that names one of these runs a query itself.
const QUERY_TOKENS: [&str; 7] = [
    "sea_orm",
    "Entity::",
    "begin_write",
    ".one(&",
    ".all(&",
    ".exec(&",
    "txn.",
];
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

struct Handler {
    file: String,
    method: String,
    path: String,
    name: String,
    params: String,
    lines: usize,
}

pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).expect("source is UTF-8"))
        })
        .collect()
}

fn is_routes_file(file: &str) -> bool {
    file.ends_with("/routes.rs") || file.contains("/routes/") || file == "src/ops.rs"
}

/// `#[post("/orders/{id}/claim")]` → ("post", "/orders/{id}/claim").
fn route_attribute(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    METHODS.iter().find_map(|m| {
        let rest = line.strip_prefix(&format!("#[{m}(\""))?;
        let end = rest.find('"')?;
        Some((m.to_uppercase(), rest[..end].to_owned()))
    })
}

fn handlers() -> Vec<Handler> {
    let mut out = Vec::new();
    for (file, text) in src_files() {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((method, path)) = route_attribute(line) else {
                continue;
            };
            let start = (i + 1..lines.len())
                .find(|&j| lines[j].trim_start().starts_with("pub async fn "))
                .expect("a route attribute precedes a handler");
            let mut depth = 0i32;
            let mut opened = false;
            let mut end = start;
            let mut signature = String::new();
            for (j, l) in lines.iter().enumerate().skip(start) {
                if !opened {
                    signature.push_str(l);
                    signature.push(' ');
                }
                for c in l.chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                if opened && depth == 0 {
                    end = j;
                    break;
                }
            }
            let name = signature["pub async fn ".len() + signature.find("pub async fn ").unwrap()..]
                .split('(')
                .next()
                .unwrap()
                .to_owned();
            let params = signature
                .split_once('(')
                .map(|(_, rest)| rest.rsplit_once(") ->").map_or(rest, |(p, _)| p))
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            out.push(Handler {
                file: file.clone(),
                method,
                path,
                name,
                params,
                lines: end - start + 1,
            });
        }
    }
    out
}

/// The extractor types the scoping layer exports (`pub struct` in `src/access`).
fn access_guards() -> Vec<String> {
    src_files()
        .into_iter()
        .filter(|(f, _)| f.starts_with("src/access/"))
        .flat_map(|(_, text)| {
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("pub struct "))
                .map(|rest| {
                    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The guard a handler declares: the scoping extractor it takes, `Principal` (a login, no
/// object), or `public`.
fn guard_of(h: &Handler, guards: &[String]) -> String {
    let types: Vec<&str> = h
        .params
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|t| !t.is_empty())
        .collect();
    let found: Vec<&str> = guards
        .iter()
        .map(String::as_str)
        .filter(|g| types.contains(g))
        .collect();
    if !found.is_empty() {
        found.join("+")
    } else if h.params.contains("Option<Principal>") {
        "public, login optional".into()
    } else if types.contains(&"Principal") {
        "Principal".into()
    } else {
        "public".into()
    }
}

#[test]
fn every_route_is_found_in_the_source() {
    let found = handlers().len();
    let doc = linli::openapi::document();
    let operations: usize = doc
        .paths
        .paths
        .values()
        .map(|item| {
            [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .iter()
                .filter(|op| op.is_some())
                .count()
        })
        .sum();
    assert_eq!(
        found, operations,
        "every operation of the spec has one handler found in src/"
    );
}

#[test]
fn handlers_are_thin_and_live_in_routes_files() {
    let mut wrong = Vec::new();
    for h in handlers() {
        if !is_routes_file(&h.file) {
            wrong.push(format!("{}::{} is not in a routes file", h.file, h.name));
        }
        if h.lines > MAX_HANDLER_LINES {
            wrong.push(format!(
                "{}::{} has {} lines (at most {MAX_HANDLER_LINES})",
                h.file, h.name, h.lines
            ));
        }
    }
    for (file, text) in src_files().iter().filter(|(f, _)| is_routes_file(f)) {
        for token in QUERY_TOKENS {
            if text.contains(token) {
                wrong.push(format!("{file} names `{token}`: queries belong to the domain"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn single_object_routes_authorize_through_the_scoping_layer() {
    let guards = access_guards();
    assert!(
        guards.iter().any(|g| g == "RegionAccess"),
        "src/access exports its extractors"
    );
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    for h in handlers() {
        let guard = guard_of(&h, &guards);
        table.push(format!("{:<7}{:<42}{:<36}{}", h.method, h.path, guard, h.name));
        let one_object = h.path.contains('{');
        if one_object && guard == "Principal" {
            wrong.push(format!(
                "{} {} ({}::{}) acts on one object with a bare Principal: take an extractor from src/access",
                h.method, h.path, h.file, h.name
            ));
        }
    }
    println!("{}", table.join("\n"));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn only_routes_the_spec_calls_public_take_no_login() {
    let guards = access_guards();
    let doc = linli::openapi::document();
    let secured = |method: &str, path: &str| {
        let full =
            if path.starts_with("/healthz") || path.starts_with("/readyz") || path.starts_with("/metrics") {
                path.to_owned()
            } else {
                format!("/api/v1{path}")
            };
        let item = doc
            .paths
            .paths
            .get(&full)
            .unwrap_or_else(|| panic!("{full} is in the spec"));
        let op = match method {
            "GET" => &item.get,
            "POST" => &item.post,
            "PUT" => &item.put,
            "PATCH" => &item.patch,
            _ => &item.delete,
        };
        let op = op
            .as_ref()
            .unwrap_or_else(|| panic!("{method} {full} is in the spec"));
        // `[{}, {"bearer": []}]` states a login is optional.
        op.security
            .as_ref()
            .is_some_and(|s| !s.is_empty() && !s.iter().any(|r| r == &Default::default()))
    };
    let mut wrong = Vec::new();
    for h in handlers() {
        let public = guard_of(&h, &guards).starts_with("public");
        if public == secured(&h.method, &h.path) {
            wrong.push(format!(
                "{} {} ({}): the handler is {} but the spec says {}",
                h.method,
                h.path,
                h.name,
                if public { "public" } else { "guarded" },
                if public {
                    "it needs a bearer token"
                } else {
                    "it is public"
                }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
