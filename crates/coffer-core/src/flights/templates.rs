//! `{{ secret(NAME[, KEY]) }}` templates in a flight's commands, scripts, properties and
//! config values: found and checked at definition, resolved at launch (a shell line gets a
//! reference to a variable instead of the value).

use crate::types::flights::LaunchStep;
use crate::types::secrets::OpenedSecret;
use coffer_crypto::SecretString;
use coffer_model::flight::{FlightKind, FlightSpec, Step};
use coffer_store::FlightRecord;
use indexmap::IndexMap;

/// A flight's texts with their templates resolved.
pub(super) struct Resolved {
    pub steps: Vec<LaunchStep>,
    pub config: Vec<(String, SecretString)>,
    pub values: Vec<SecretString>,
}

/// The steps a flight runs: its flow's, or itself as one step named after it.
pub(super) fn flight_steps(f: &FlightRecord) -> Vec<Step> {
    if f.spec.kind == FlightKind::Flow {
        f.spec.steps.clone()
    } else {
        vec![Step {
            id: f.name.clone(),
            kind: f.spec.kind,
            command: f.spec.command.clone(),
            script: f.spec.script.clone(),
            env: IndexMap::new(),
        }]
    }
}

/// Where a text of a step sits, for messages.
fn place(flow: bool, step: &Step, what: String) -> String {
    if flow {
        format!("step '{}' {what}", step.id)
    } else {
        what
    }
}

/// Why a template may not stand in a command's argument: the value would be on argv.
fn argv_template_error(what: &str, r: &coffer_model::template::SecretRef) -> String {
    format!(
        "{{{{ secret('{}') }}}} in {what} at {}: a secret value may not be put in a command's arguments, where /proc/PID/cmdline shows it to every local user; read it from a variable instead: put the template in a config value (--config TOKEN=\"{{{{ secret('{}') }}}}\") and use \"$TOKEN\" in a shell line (sh -c '... \"$TOKEN\"')",
        r.name, r.pos, r.name
    )
}

/// Every `{{ secret(...) }}` of a flight's commands, scripts, properties and config values,
/// with where it stands; a template in an exec argument (not a shell line) is refused.
pub(super) struct TemplateRefs {
    pub refs: Vec<(String, coffer_model::template::SecretRef)>,
}

impl TemplateRefs {
    pub(super) fn collect(f: &FlightRecord, config: &IndexMap<String, String>) -> std::result::Result<Self, String> {
        Self::collect_spec(&f.name, &f.spec, config)
    }

    pub(super) fn collect_spec(
        name: &str,
        spec: &FlightSpec,
        config: &IndexMap<String, String>,
    ) -> std::result::Result<Self, String> {
        use coffer_model::template;
        let flow = spec.kind == FlightKind::Flow;
        let single;
        let steps: &[Step] = if flow {
            &spec.steps
        } else {
            single = [Step {
                id: name.to_string(),
                kind: spec.kind,
                command: spec.command.clone(),
                script: spec.script.clone(),
                env: IndexMap::new(),
            }];
            &single
        };
        let mut refs = Vec::new();
        for step in steps {
            let shell_line = template::shell_line_index(&step.command);
            for (i, a) in step.command.iter().enumerate() {
                let what = place(flow, step, format!("command argument {}", i + 1));
                for r in template::refs(a, &what).map_err(|e| e.to_string())? {
                    if Some(i) != shell_line {
                        return Err(argv_template_error(&what, &r));
                    }
                    refs.push((what.clone(), r));
                }
            }
            if let Some(s) = &step.script {
                let what = place(flow, step, "script".into());
                for r in template::refs(s, &what).map_err(|e| e.to_string())? {
                    refs.push((what.clone(), r));
                }
            }
            for (k, v) in &step.env {
                let what = place(flow, step, format!("property '{k}'"));
                for r in template::refs(v, &what).map_err(|e| e.to_string())? {
                    refs.push((what.clone(), r));
                }
            }
        }
        for (k, v) in config {
            let what = format!("config value of '{k}'");
            for r in template::refs(v, &what).map_err(|e| e.to_string())? {
                refs.push((what.clone(), r));
            }
        }
        Ok(TemplateRefs { refs })
    }

    /// The steps and config with every template resolved from `opened` (the run's one batch):
    /// scripts, properties and config values hold the values; a shell line holds a reference
    /// to a variable of its step instead.
    pub(super) fn render(
        &self,
        f: &FlightRecord,
        config: &IndexMap<String, String>,
        a: &[OpenedSecret],
        b: &[OpenedSecret],
    ) -> std::result::Result<Resolved, String> {
        use coffer_model::template;
        let flow = f.spec.kind == FlightKind::Flow;
        let mut values: Vec<SecretString> = Vec::new();
        let mut value_of = |what: &str, r: &template::SecretRef| -> std::result::Result<SecretString, String> {
            let o = a
                .iter()
                .chain(b.iter())
                .find(|o| o.info.name.eq_ignore_ascii_case(&r.name))
                .ok_or_else(|| format!("secret '{}' does not exist", r.name))?;
            let v = template_value(o, r.key.as_deref())
                .map_err(|why| format!("{{{{ secret('{}') }}}} in {what} at {}: {why}", r.name, r.pos))?;
            values.push(v.duplicate());
            Ok(v)
        };
        type ValueOf<'v> = dyn FnMut(&str, &template::SecretRef) -> std::result::Result<SecretString, String> + 'v;
        let render =
            |what: &str, text: &str, value_of: &mut ValueOf<'_>| -> std::result::Result<SecretString, String> {
                template::render(text, what, |r| value_of(what, r).map_err(TemplateError::Message))
                    .map_err(|e| e.to_string())
            };
        let mut out_steps = Vec::new();
        for step in flight_steps(f) {
            let shell_line = template::shell_line_index(&step.command);
            let mut env: Vec<(String, SecretString, String, bool)> = Vec::new();
            let mut command = Vec::with_capacity(step.command.len());
            for (i, arg) in step.command.iter().enumerate() {
                let what = place(flow, &step, format!("command argument {}", i + 1));
                if Some(i) != shell_line {
                    if let Some(r) = template::refs(arg, &what).map_err(|e| e.to_string())?.first() {
                        return Err(argv_template_error(&what, r));
                    }
                    command.push(arg.clone());
                    continue;
                }
                let line = template::shell_substitute(arg, &what, |r| {
                    let value = value_of(&what, r).map_err(TemplateError::Message)?;
                    let name = format!("COFFER_TEMPLATE_{}", env.len() + 1);
                    env.push((
                        name.clone(),
                        value,
                        format!("{{{{ secret('{}') }}}} in {what}", r.name),
                        true,
                    ));
                    Ok::<_, TemplateError>(name)
                })
                .map_err(|e| e.to_string())?;
                command.push(line);
            }
            let script_place = place(flow, &step, "script".into());
            let script = match &step.script {
                Some(s) => Some(render(&script_place, s, &mut value_of)?),
                None => None,
            };
            let mut props = Vec::with_capacity(step.env.len());
            for (k, v) in &step.env {
                let what = place(flow, &step, format!("property '{k}'"));
                props.push((k.clone(), render(&what, v, &mut value_of)?, what, false));
            }
            out_steps.push(LaunchStep {
                id: step.id.clone(),
                kind: step.kind,
                command,
                script,
                script_has_secrets: self.refs.iter().any(|(w, _)| *w == script_place),
                env: props,
                template_env: env,
            });
        }
        let mut out_config = Vec::with_capacity(config.len());
        for (k, v) in config {
            out_config.push((k.clone(), render(&format!("config value of '{k}'"), v, &mut value_of)?));
        }

        Ok(Resolved {
            steps: out_steps,
            config: out_config,
            values,
        })
    }
}

/// Why a template could not be rendered.
#[derive(Debug)]
enum TemplateError {
    Model(coffer_model::ModelError),
    Message(String),
}

impl From<coffer_model::ModelError> for TemplateError {
    fn from(e: coffer_model::ModelError) -> Self {
        TemplateError::Model(e)
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateError::Model(e) => e.fmt(f),
            TemplateError::Message(m) => f.write_str(m),
        }
    }
}

/// The value `{{ secret(NAME[, KEY]) }}` stands for: a `generic` secret's value; a `flights`
/// secret's only param (or param KEY); a typed secret's field KEY. A copy, zeroized on drop.
fn template_value(o: &OpenedSecret, key: Option<&str>) -> std::result::Result<SecretString, String> {
    use coffer_model::{FieldValue, SensitiveValue};
    let fields = &o.fields;
    let params = || -> Vec<(&String, &SecretString)> {
        match fields.sensitive.get("params") {
            Some(SensitiveValue::Map(m)) => m.iter().collect(),
            _ => Vec::new(),
        }
    };
    match key {
        None => {
            if let Some(SensitiveValue::Text(v)) = fields.sensitive.get("value") {
                return Ok(v.duplicate());
            }
            let p = params();
            if p.len() == 1 {
                return Ok(p[0].1.duplicate());
            }
            let keys: Vec<String> = if o.info.secret_type == "flights" {
                p.iter().map(|(k, _)| (*k).clone()).collect()
            } else {
                fields
                    .public
                    .keys()
                    .cloned()
                    .chain(fields.sensitive.keys().cloned())
                    .collect()
            };
            Err(format!(
                "secret '{}' has several values ({}); name one: {{{{ secret('{}', 'KEY') }}}}",
                o.info.name,
                keys.join(", "),
                o.info.name
            ))
        }
        Some(k) => {
            if let Some((_, v)) = params().into_iter().find(|(pk, _)| pk.as_str() == k) {
                return Ok(v.duplicate());
            }
            let lower = k.to_ascii_lowercase();
            match fields.sensitive.get(&lower) {
                Some(SensitiveValue::Text(v)) => return Ok(v.duplicate()),
                Some(SensitiveValue::Map(_)) => {
                    return Err(format!("field '{k}' of secret '{}' is a map, not a value", o.info.name))
                }
                None => {}
            }
            match fields.public.get(&lower) {
                Some(FieldValue::Text(t)) => Ok(t.as_str().into()),
                Some(other) => Ok(other.to_display().into()),
                None => {
                    let mut keys: Vec<String> = params().iter().map(|(k, _)| (*k).clone()).collect();
                    keys.extend(fields.public.keys().cloned());
                    keys.extend(fields.sensitive.keys().filter(|k| *k != "params").cloned());
                    Err(format!(
                        "secret '{}' has no key '{k}'; its keys: {}",
                        o.info.name,
                        keys.join(", ")
                    ))
                }
            }
        }
    }
}
