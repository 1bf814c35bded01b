//! Every shape error of a JSON body at once: missing, unknown and wrongly typed fields.
//!
//! serde stops at the first error. To name them all, the body is parsed to a `Value` and
//! deserialised; at each failure the offending spot is recorded and patched (an unknown field
//! removed, a missing or mistyped one replaced by a stand-in that gets past it), and it is tried
//! again. A body with any error is refused: the patched value only serves to find the next
//! error, and to run the field rules over the fields that were sent right.

use crate::error::FieldError;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use serde_path_to_error::{Path, Segment};

const MAX_ERRORS: usize = 32;
const MAX_TRIES: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// What a body with shape errors still gives: the errors, and when every error could be patched
/// over, the patched value with the paths that were patched (their own errors are already known).
pub struct Misshapen<T> {
    pub errors: Vec<FieldError>,
    pub patched: Option<(T, Vec<String>)>,
}

enum Kind {
    Missing,
    Unknown,
    Wrong,
}

/// Deserialises `value`, or reports every shape error it can find.
pub fn deserialize_all<T: DeserializeOwned>(mut value: Value) -> Result<T, Misshapen<T>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut patched: Vec<Vec<Step>> = Vec::new();
    let mut tries = 0;
    loop {
        let failure = match attempt::<T>(&value) {
            Ok(t) if errors.is_empty() => return Ok(t),
            Ok(t) => {
                let patched = patched.iter().map(|p| display(p)).collect();
                return Err(Misshapen {
                    errors,
                    patched: Some((t, patched)),
                });
            }
            Err(f) => f,
        };
        let Some(Failure { target, kind, .. }) = failure else {
            break;
        };
        if !patched.iter().any(|p| target.starts_with(p)) {
            let message = match kind {
                Kind::Missing => "必填",
                Kind::Unknown => "不支持的字段",
                Kind::Wrong => "类型或取值不正确",
            };
            errors.push(FieldError {
                field: display(&target),
                message: message.into(),
            });
        }
        tries += 1;
        let fixed = match kind {
            Kind::Unknown => remove(&mut value, &target),
            Kind::Missing | Kind::Wrong => stand_in::<T>(&mut value, &target, &mut tries),
        };
        if !fixed || errors.len() >= MAX_ERRORS || tries >= MAX_TRIES {
            break;
        }
        if !matches!(kind, Kind::Unknown) {
            patched.push(target);
        }
    }
    if errors.is_empty() {
        // Nothing could be located (an error without a path): say so for the whole body.
        errors.push(FieldError {
            field: String::new(),
            message: "类型或取值不正确".into(),
        });
    }
    Err(Misshapen {
        errors,
        patched: None,
    })
}

/// Where a try failed, how, and serde's message.
struct Failure {
    target: Vec<Step>,
    kind: Kind,
    msg: String,
}

/// One try: the value, or where it fails (`None` when the spot cannot be located).
fn attempt<T: DeserializeOwned>(value: &Value) -> Result<T, Option<Failure>> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = steps(e.path())?;
        let msg = e.into_inner().to_string();
        let (target, kind) = locate(path, &msg);
        Some(Failure { target, kind, msg })
    })
}

/// Which field an error is about. A missing field is reported at its parent; an unknown one at
/// itself, or at its parent on the top level.
fn locate(mut path: Vec<Step>, msg: &str) -> (Vec<Step>, Kind) {
    let quoted = |prefix: &str| {
        msg.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(name) = quoted("missing field `") {
        path.push(Step::Key(name));
        (path, Kind::Missing)
    } else if let Some(name) = quoted("unknown field `") {
        if path.last() != Some(&Step::Key(name.clone())) {
            path.push(Step::Key(name));
        }
        (path, Kind::Unknown)
    } else {
        (path, Kind::Wrong)
    }
}

fn steps(path: &Path) -> Option<Vec<Step>> {
    path.iter()
        .map(|s| match s {
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Map { key } => Some(Step::Key(key.clone())),
            Segment::Enum { variant } => Some(Step::Key(variant.clone())),
            Segment::Unknown => None,
        })
        .collect()
}

/// `items[0].quantity`, the form validator's errors use too.
fn display(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn slot<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match (step, v) {
        (Step::Key(k), Value::Object(m)) => m.get_mut(k),
        (Step::Index(i), Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

fn remove(value: &mut Value, target: &[Step]) -> bool {
    let Some((Step::Key(name), parent)) = target.split_last() else {
        return false;
    };
    match slot(value, parent) {
        Some(Value::Object(m)) => m.remove(name).is_some(),
        _ => false,
    }
}

fn set(value: &mut Value, target: &[Step], new: Value) -> bool {
    let Some((last, parent)) = target.split_last() else {
        *value = new;
        return true;
    };
    match (last, slot(value, parent)) {
        (Step::Key(k), Some(Value::Object(m))) => {
            m.insert(k.clone(), new);
            true
        }
        (Step::Index(i), Some(Value::Array(a))) if *i < a.len() => {
            a[*i] = new;
            true
        }
        _ => false,
    }
}

/// Puts at `target` the first stand-in that deserialisation gets past. An enum names its
/// variants when refusing a value: the first of them is tried next.
fn stand_in<T: DeserializeOwned>(value: &mut Value, target: &[Step], tries: &mut usize) -> bool {
    let mut candidates: Vec<Value> = vec![
        Value::Null,
        json!(0),
        json!(""),
        json!(false),
        json!([]),
        Value::Object(Map::new()),
        json!("1"),
        json!("2000-01-01T00:00:00Z"),
        json!("2000-01-01"),
    ];
    candidates.reverse();
    while let Some(candidate) = candidates.pop() {
        *tries += 1;
        if *tries >= MAX_TRIES || !set(value, target, candidate) {
            return false;
        }
        match attempt::<T>(value) {
            Ok(_) => return true,
            Err(Some(f)) if f.target == target => {
                let tried = slot(value, target).cloned();
                if let Some(variant) = first_variant(&f.msg).map(Value::String)
                    && tried.as_ref() != Some(&variant)
                {
                    candidates.push(variant);
                }
            }
            Err(Some(_)) => return true,
            Err(None) => return false,
        }
    }
    false
}

/// `unknown variant `x`, expected one of `a`, `b`` → `a`.
fn first_variant(msg: &str) -> Option<String> {
    let (_, rest) = msg
        .split_once("expected one of `")
        .or_else(|| msg.split_once("expected `"))?;
    rest.split('`').next().map(str::to_owned)
}
