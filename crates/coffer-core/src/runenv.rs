//! The one builder of a run's environment.
//!
//! Every process coffer starts with secrets (a flight's run of any kind, `coffer run`, and the
//! variables the server's `/env` hands out) gets its variables from a [`RunEnv`]: config
//! values, secret fields, generic secrets, template values, the DuckDB statements and the
//! runner's own variables all go through it, in that order of precedence of nothing — two
//! sources of one variable are an error naming both, never an overwrite. Variables that steer
//! a loader, shell or interpreter ([`coffer_model::env::reserved_var`]) are left out when they
//! come from a member (a config key, a secret); coffer refuses to store such names, so these
//! are ones stored before that rule, and each one left out is a warning for the run's log.

use coffer_crypto::SecretString;
use coffer_model::env::EnvVar;

/// Who set a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A member: a config key, a secret, a template, a flow property. Reserved names are
    /// left out.
    Member,
    /// coffer itself (`COFFER_TOKEN`, `PATH`, `PYTHONPATH`, the DuckDB statements).
    Runner,
}

struct Entry {
    name: String,
    value: SecretString,
    source: String,
    sensitive: bool,
}

/// A run's environment under construction, then complete.
#[derive(Default)]
pub struct RunEnv {
    entries: Vec<Entry>,
    warnings: Vec<String>,
    /// Values to mask that are not variables (a script's resolved template values).
    extra_mask: Vec<SecretString>,
}

impl std::fmt::Debug for RunEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunEnv")
            .field("vars", &self.names().collect::<Vec<_>>())
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl RunEnv {
    /// An empty environment.
    pub fn new() -> Self {
        RunEnv::default()
    }

    /// Adds `name` from `source` (`config key 'X'`, `secret 'a' key 'K'`).
    ///
    /// # Errors
    /// The variable is already set, by another source: the message names both.
    pub fn add(
        &mut self,
        origin: Origin,
        name: &str,
        value: SecretString,
        source: &str,
        sensitive: bool,
    ) -> Result<(), String> {
        if origin == Origin::Member {
            if let Some(rule) = coffer_model::env::reserved_var(name) {
                self.warnings.push(format!(
                    "{source} would set {name} ({}, rule {}), which coffer refuses: it is left out of the environment; rename or drop it",
                    rule.why, rule.pattern
                ));
                return Ok(());
            }
        }
        if let Some(first) = self.entries.iter().find(|e| e.name == name) {
            return Err(coffer_model::ModelError::EnvCollision {
                var: name.to_string(),
                first: first.source.clone(),
                second: source.to_string(),
            }
            .to_string());
        }
        self.entries.push(Entry {
            name: name.to_string(),
            value,
            source: source.to_string(),
            sensitive,
        });
        Ok(())
    }

    /// Adds a secret's variable (member-set).
    ///
    /// # Errors
    /// As [`RunEnv::add`].
    pub fn add_secret_var(&mut self, v: EnvVar) -> Result<(), String> {
        self.add(Origin::Member, &v.name, v.value, &v.source, v.sensitive)
    }

    /// Adds one of coffer's own variables.
    ///
    /// # Errors
    /// As [`RunEnv::add`].
    pub fn add_runner(&mut self, name: &str, value: impl Into<SecretString>, sensitive: bool) -> Result<(), String> {
        self.add(Origin::Runner, name, value.into(), "coffer", sensitive)
    }

    /// Masks `value` in the output although it is no variable (a resolved template in a script).
    pub fn mask_value(&mut self, value: SecretString) {
        self.extra_mask.push(value);
    }

    /// Whether `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }

    /// The variables' names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// Name, value, source and sensitivity of each variable, in the order added.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &SecretString, &str, bool)> {
        self.entries
            .iter()
            .map(|e| (e.name.as_str(), &e.value, e.source.as_str(), e.sensitive))
    }

    /// The values to mask in what the process prints.
    pub fn mask(&self) -> Vec<&SecretString> {
        self.entries
            .iter()
            .filter(|e| e.sensitive)
            .map(|e| &e.value)
            .chain(self.extra_mask.iter())
            .collect()
    }

    /// What was left out, and why.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Sets every variable on `cmd` (which the caller cleared or not).
    pub fn apply(&self, cmd: &mut std::process::Command) {
        for e in &self.entries {
            // Leaves the process: the child's environment (`cmd` holds a copy until dropped).
            cmd.env(&e.name, e.value.expose_secret());
        }
    }

    /// Moves every variable of `other` (built for one step) after this one's, with the same
    /// checks.
    ///
    /// # Errors
    /// As [`RunEnv::add`].
    pub fn extend(&mut self, origin: Origin, other: Vec<(String, SecretString, String, bool)>) -> Result<(), String> {
        for (name, value, source, sensitive) in other {
            self.add(origin, &name, value, &source, sensitive)?;
        }
        Ok(())
    }

    /// A copy (the values duplicated), for a step that adds its own variables.
    pub fn duplicate(&self) -> RunEnv {
        RunEnv {
            entries: self
                .entries
                .iter()
                .map(|e| Entry {
                    name: e.name.clone(),
                    value: e.value.duplicate(),
                    source: e.source.clone(),
                    sensitive: e.sensitive,
                })
                .collect(),
            warnings: self.warnings.clone(),
            extra_mask: self.extra_mask.iter().map(SecretString::duplicate).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions_name_both_sources_and_reserved_names_are_left_out() {
        let mut env = RunEnv::new();
        env.add(Origin::Member, "A", "1".into(), "config key 'A'", false)
            .expect("first");
        let e = env
            .add(Origin::Member, "A", "2".into(), "secret 'x' key 'A'", true)
            .expect_err("twice");
        assert!(e.contains("config key 'A'") && e.contains("secret 'x' key 'A'"), "{e}");
        env.add(
            Origin::Member,
            "LD_PRELOAD",
            "/tmp/x.so".into(),
            "secret 'LD_PRELOAD'",
            true,
        )
        .expect("left out, not an error");
        assert!(!env.contains("LD_PRELOAD"));
        assert_eq!(env.warnings().len(), 1);
        assert!(env.warnings()[0].contains("LD_PRELOAD"), "{:?}", env.warnings());
        env.add_runner("PATH", "/usr/bin", false).expect("coffer's own");
        assert!(env.contains("PATH"));
        assert!(!format!("{env:?}").contains("/tmp/x.so"));
    }
}
