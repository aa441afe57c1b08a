//! Environment variables no secret and no config key may set: those that steer a dynamic
//! loader, a shell or an interpreter, or name a program other programs start. A `generic`
//! secret, a flight's config key, a flow step's property or an attached secret's
//! `SECRETNAME_KEY` would otherwise let a project writer run their code in every member's runs
//! (`LD_PRELOAD=/tmp/x.so`, `BASH_ENV=...`, `PYTHONWARNINGS` + `BROWSER`, `NODE_OPTIONS=--require`).
//!
//! [`RESERVED_VARS`] is the table, [`reserved_var`] looks a name up in it and
//! [`check_not_reserved`] turns a hit into a [`ModelError::ReservedVar`].
//!
//! The table starts from sudo's default `env_delete` list (`initial_badenv_table` in
//! `plugins/sudoers/env.c`) and glibc's `UNSECURE_ENVVARS` (what `ld.so` strips for setuid
//! programs, `sysdeps/generic/unsecvars.h`), and adds the startup variables the interpreters
//! document (perlrun, python(1), ruby(1), node(1), the JDK launcher, lua(1), R's `?Startup`),
//! git's command hooks and coffer's own `COFFER_*`.
//!
//! Matching is exact-case, as Linux variable names are case-sensitive (`PATHWAY` and `path`
//! are fine, `PATH` is not). A pattern ending in `*` matches every name with that prefix; the
//! pattern `*%%*` matches names that contain `%%` (bash's encoding of exported functions,
//! `BASH_FUNC_name%%`).
//!
//! Left out on purpose:
//! - `SSL_CERT_FILE`, `SSL_CERT_DIR`, `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`,
//!   `NODE_EXTRA_CA_CERTS`: a job talking to a service behind a private CA legitimately needs
//!   them; they change whom TLS trusts but load no code.
//! - `MALLOC_*` (`MALLOC_ARENA_MAX` is a common memory tuning knob) except `MALLOC_TRACE`,
//!   which writes a trace to a file it names; `GLIBC_TUNABLES` is reserved (CVE-2023-4911).
//! - `JAVA_OPTS` and other launcher-script conventions: the JVM itself does not read them.
//! - `GIT_*` as a whole: `GIT_AUTHOR_NAME`, `GIT_TERMINAL_PROMPT` and the like are ordinary
//!   job settings; only the variables that name a program, a hook directory or config are
//!   reserved.

use crate::error::{ModelError, Result};

/// One rule of [`RESERVED_VARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedRule {
    /// The name (`PATH`), a prefix ending in `*` (`LD_*`), or `*%%*` (names containing `%%`).
    pub pattern: &'static str,
    /// What the variable steers, in a few words ("dynamic loader").
    pub why: &'static str,
}

impl ReservedRule {
    /// Whether `name` falls under this rule (exact case).
    pub fn matches(&self, name: &str) -> bool {
        let p = self.pattern;
        if let Some(inner) = p.strip_prefix('*').and_then(|p| p.strip_suffix('*')) {
            name.contains(inner)
        } else if let Some(prefix) = p.strip_suffix('*') {
            name.starts_with(prefix)
        } else {
            name == p
        }
    }
}

const fn rule(pattern: &'static str, why: &'static str) -> ReservedRule {
    ReservedRule { pattern, why }
}

/// The variables no secret or config key may set, grouped by what they steer.
pub const RESERVED_VARS: &[ReservedRule] = &[
    // Dynamic loaders and the C library (sudo env_delete, glibc UNSECURE_ENVVARS).
    rule("LD_*", "dynamic loader"),
    rule("DYLD_*", "macOS dynamic loader"),
    rule("_RLD*", "IRIX/Tru64 dynamic loader"),
    rule("LDR_*", "AIX dynamic loader"),
    rule("LIBPATH", "AIX library search path"),
    rule("SHLIB_PATH", "HP-UX library search path"),
    rule("GLIBC_TUNABLES", "glibc tunables (CVE-2023-4911)"),
    rule("GCONV_PATH", "glibc iconv modules, loaded as shared objects"),
    rule("GETCONF_DIR", "glibc getconf helper programs"),
    rule("LOCPATH", "glibc locale files"),
    rule("NLSPATH", "message catalogs (format strings)"),
    rule("PATH_LOCALE", "BSD locale files"),
    rule("MALLOC_TRACE", "glibc malloc trace file"),
    rule("TZDIR", "glibc time zone files"),
    // The runner gives each run its own directory here; another would share temporary
    // files with whoever controls it (glibc UNSECURE_ENVVARS lists it too).
    rule("TMPDIR", "temporary directory, set by the runner"),
    // Name resolution.
    rule("LOCALDOMAIN", "DNS resolver search domains"),
    rule("RES_OPTIONS", "DNS resolver options"),
    rule("HOSTALIASES", "DNS resolver host aliases file"),
    rule("RESOLV_HOST_CONF", "resolver configuration file"),
    rule("NIS_PATH", "NIS+ lookup path"),
    // Shells.
    rule("PATH", "command search path"),
    rule("HOME", "home directory: startup and config files"),
    rule("SHELL", "shell that programs start"),
    rule("IFS", "shell word splitting"),
    rule("CDPATH", "shell cd search path"),
    rule("ENV", "sh/ksh startup file"),
    rule("BASH_ENV", "bash startup file"),
    rule("BASH_FUNC_*", "bash exported functions"),
    rule("__BASH_FUNC*", "bash exported functions (Apple)"),
    rule("*%%*", "bash exported functions (name%% encoding)"),
    rule("BASHOPTS", "bash options"),
    rule("SHELLOPTS", "bash options (xtrace, ...)"),
    rule("PS4", "bash xtrace prompt, expanded like a command"),
    rule("PROMPT_COMMAND", "bash command run before each prompt"),
    rule("GLOBIGNORE", "bash globbing"),
    rule("FPATH", "ksh/zsh function search path"),
    rule("NULLCMD", "zsh command for bare redirections"),
    rule("READNULLCMD", "zsh command for bare redirections"),
    rule("ZDOTDIR", "zsh startup files"),
    rule("TMPPREFIX", "zsh temporary files"),
    // Terminal databases (parsed by curses, historically exploitable).
    rule("TERMINFO", "terminal database"),
    rule("TERMINFO_DIRS", "terminal database"),
    rule("TERMPATH", "terminal database"),
    rule("TERMCAP", "terminal database"),
    // Programs that other programs start by name.
    rule("BROWSER", "browser that programs start (Python's webbrowser, xdg-open)"),
    rule("EDITOR", "editor that programs start"),
    rule("VISUAL", "editor that programs start"),
    rule("PAGER", "pager that programs start"),
    rule("SSH_ASKPASS", "ssh password prompt program"),
    // Interpreters' documented startup variables.
    rule("PYTHON*", "Python interpreter startup"),
    rule("PERL5*", "Perl interpreter startup (PERL5OPT, PERL5LIB, PERL5DB)"),
    rule("PERLLIB", "Perl module search path"),
    // perlrun documents the whole PERL_ family as the interpreter's (PERL_USE_UNSAFE_INC
    // puts '.' back on @INC); PERLIO_DEBUG writes to a file it names.
    rule("PERL_*", "Perl interpreter settings"),
    rule("PERLIO*", "Perl I/O layers and debug file"),
    rule("RUBYOPT", "Ruby interpreter options"),
    rule("RUBYLIB", "Ruby library search path"),
    rule("RUBYPATH", "Ruby script search path"),
    rule("RUBYSHELL", "Ruby shell"),
    rule("NODE_OPTIONS", "Node.js options (--require)"),
    rule("NODE_PATH", "Node.js module search path"),
    rule("NODE_REPL_EXTERNAL_MODULE", "Node.js module loaded at start"),
    rule("JAVA_TOOL_OPTIONS", "JVM options (-javaagent)"),
    rule("_JAVA_OPTIONS", "JVM options (-javaagent)"),
    rule("JDK_JAVA_OPTIONS", "java launcher options"),
    rule("CLASSPATH", "Java class search path"),
    rule("LUA_INIT*", "Lua startup code"),
    rule("LUA_PATH*", "Lua module search path"),
    rule("LUA_CPATH*", "Lua C module search path"),
    rule("R_PROFILE*", "R startup code"),
    rule("R_ENVIRON*", "R startup environment"),
    rule("PHPRC", "PHP configuration (extensions)"),
    rule("PHP_INI_SCAN_DIR", "PHP configuration (extensions)"),
    // Libraries that load modules named by their configuration.
    rule("OPENSSL_CONF", "OpenSSL configuration (loads engines and providers)"),
    rule("OPENSSL_ENGINES", "OpenSSL engine modules"),
    rule("OPENSSL_MODULES", "OpenSSL provider modules"),
    rule("KRB5_CONFIG*", "Kerberos configuration"),
    rule("KRB5_KTNAME", "Kerberos keytab"),
    rule("VAR_ACE", "RSA SecurID configuration"),
    rule("USR_ACE", "RSA SecurID configuration"),
    rule("DLC_ACE", "RSA SecurID configuration"),
    // git: variables that name a program to run, a hook template or config (GIT_CONFIG_COUNT
    // with GIT_CONFIG_KEY_0=core.sshCommand runs anything).
    rule("GIT_SSH", "git ssh program"),
    rule("GIT_SSH_COMMAND", "git ssh command"),
    rule("GIT_ASKPASS", "git password prompt program"),
    rule("GIT_PROXY_COMMAND", "git proxy command"),
    rule("GIT_EXEC_PATH", "git sub-command directory"),
    rule("GIT_EXTERNAL_DIFF", "git diff program"),
    rule("GIT_EDITOR", "git editor"),
    rule("GIT_SEQUENCE_EDITOR", "git rebase editor"),
    rule("GIT_PAGER", "git pager"),
    rule("GIT_TEMPLATE_DIR", "git hook templates"),
    rule("GIT_CONFIG*", "git configuration (core.sshCommand, hooks)"),
    // coffer's own: COFFER_TOKEN, COFFER_URL, COFFER_FLIGHT, ... of each run.
    rule("COFFER_*", "set by coffer itself"),
];

/// Why `name` may not be set by a secret or a config key: the rule it falls under, or None.
pub fn reserved_var(name: &str) -> Option<ReservedRule> {
    RESERVED_VARS.iter().find(|r| r.matches(name)).copied()
}

/// Refuses `var` when [`reserved_var`] has a rule for it.
///
/// `origin` says what would set it (`generic secret name 'LD_PRELOAD'`, `config key 'X'`,
/// `secret 'ld' key 'PRELOAD'`); `fix` says what to do instead (`choose another name`).
///
/// # Errors
/// [`ModelError::ReservedVar`] naming the variable, the rule and the fix.
pub fn check_not_reserved(var: &str, origin: impl FnOnce() -> String, fix: &str) -> Result<()> {
    match reserved_var(var) {
        None => Ok(()),
        Some(rule) => Err(ModelError::ReservedVar {
            origin: origin(),
            var: var.to_string(),
            pattern: rule.pattern,
            why: rule.why,
            fix: fix.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_names_are_refused() {
        for name in [
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "LD_AUDIT",
            "DYLD_INSERT_LIBRARIES",
            "_RLD_ROOT",
            "PATH",
            "HOME",
            "SHELL",
            "IFS",
            "ENV",
            "BASH_ENV",
            "BASH_FUNC_x%%",
            "BASH_FUNC_ls",
            "__BASH_FUNC<ls>",
            "x%%",
            "CDPATH",
            "PS4",
            "GLOBIGNORE",
            "BASHOPTS",
            "SHELLOPTS",
            "FPATH",
            "NULLCMD",
            "READNULLCMD",
            "ZDOTDIR",
            "TMPPREFIX",
            "LOCALDOMAIN",
            "RES_OPTIONS",
            "HOSTALIASES",
            "NLSPATH",
            "PATH_LOCALE",
            "TERMINFO",
            "TERMINFO_DIRS",
            "TERMPATH",
            "TERMCAP",
            "PYTHONPATH",
            "PYTHONHOME",
            "PYTHONSTARTUP",
            "PYTHONINSPECT",
            "PYTHONUSERBASE",
            "PYTHONWARNINGS",
            "BROWSER",
            "PERL5OPT",
            "PERL5LIB",
            "PERL5DB",
            "PERLLIB",
            "PERLIO_DEBUG",
            "PERL_USE_UNSAFE_INC",
            "RUBYOPT",
            "RUBYLIB",
            "NODE_OPTIONS",
            "NODE_PATH",
            "JAVA_TOOL_OPTIONS",
            "_JAVA_OPTIONS",
            "JDK_JAVA_OPTIONS",
            "GCONV_PATH",
            "GLIBC_TUNABLES",
            "TMPDIR",
            "GIT_SSH_COMMAND",
            "GIT_EXEC_PATH",
            "GIT_CONFIG_COUNT",
            "GIT_CONFIG_KEY_0",
            "OPENSSL_CONF",
            "KRB5_CONFIG",
            "KRB5_KTNAME",
            "VAR_ACE",
            "USR_ACE",
            "DLC_ACE",
            "COFFER_TOKEN",
            "COFFER_URL",
        ] {
            assert!(reserved_var(name).is_some(), "{name} should be reserved");
        }
        // Every exact entry of the table refuses itself, every prefix its prefix.
        for r in RESERVED_VARS {
            let example = r.pattern.trim_start_matches('*').trim_end_matches('*');
            let example = if example == "%%" { "A%%" } else { example };
            assert!(reserved_var(example).is_some(), "{} ({example})", r.pattern);
        }
    }

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "AWS_REGION",
            "MY_API_SECRET_API_KEY",
            "DATABASE_URL",
            "PATHWAY",
            "HOMER",
            "LD",
            "path",
            "ld_preload",
            "api.key",
            "SSL_CERT_FILE",
            "MALLOC_ARENA_MAX",
            "GIT_AUTHOR_NAME",
            "JAVA_OPTS",
            "MY_PYTHON_VERSION",
            "SHELLY",
            "ENVIRONMENT",
            "X%",
        ] {
            assert_eq!(reserved_var(name), None, "{name} should be allowed");
        }
    }

    #[test]
    fn the_rule_is_named() {
        let r = reserved_var("LD_PRELOAD").expect("reserved");
        assert_eq!(r.pattern, "LD_*");
        assert_eq!(r.why, "dynamic loader");
        let err = check_not_reserved(
            "LD_PRELOAD",
            || "generic secret name 'LD_PRELOAD'".into(),
            "choose another name",
        )
        .expect_err("reserved")
        .to_string();
        assert_eq!(
            err,
            "generic secret name 'LD_PRELOAD' would set the environment variable LD_PRELOAD (dynamic loader, rule LD_*); coffer refuses variables that steer a loader, shell or interpreter: choose another name"
        );
        assert!(check_not_reserved("DATABASE_URL", || unreachable!(), "x").is_ok());
    }

    #[test]
    fn patterns_are_well_formed() {
        for r in RESERVED_VARS {
            let inner = r.pattern.trim_start_matches('*').trim_end_matches('*');
            assert!(!inner.is_empty() && !inner.contains('*'), "{}", r.pattern);
            assert!(!r.pattern.starts_with('*') || r.pattern.ends_with('*'), "{}", r.pattern);
            assert!(!r.why.is_empty() && r.why.len() <= 60, "{}", r.pattern);
        }
    }
}
