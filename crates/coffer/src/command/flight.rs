//! `coffer flight ...`: jobs with a config map, attached secrets and a token (seed 003),
//! locally on the embedded store or through a server.

use super::ctx::Ctx;
use crate::error::{ExitWith, UsageError};
use crate::output::{self, Format, FormatArgs};
use anyhow::{Context, Result};
use coffer_api::types::{FlightCreateBody, FlightSavedResponse, FlightUpdateBody, RunBody};
use coffer_api::CofferApi;
use coffer_core::{FlightInfo, RunInfo};
use coffer_model::flight::{FlightKind, FlightSpec, RunStatus};
use std::io::Write;
use std::time::Duration;

/// `coffer flight ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Define a flight: coffer flight create NAME --kind python --file job.py --config
    /// REGION=us-east-1 --secret my_api_secret [--token NAME] [--schedule "0 * * * *"];
    /// a command flight takes its argv after `--`.
    Create(CreateArgs),
    /// Change a flight: the options given replace what the flight had (--config and
    /// --secret replace the whole map and list, not merged); its version goes up.
    Update(UpdateArgs),
    /// Show one flight's definition (--version N: as it was at that version).
    Show(ShowArgs),
    /// A flight's versions, newest first: version, when, by whom, the fields it changed.
    Versions(NameArgs),
    /// List the project's flights.
    List(FormatArgs),
    /// Delete a flight with its versions, runs and logs.
    Delete(NameArgs),
    /// Run a flight now. Locally the run executes in this process; with a server it runs
    /// there (--wait streams its log and exits with its exit code).
    Run(RunArgs),
    /// A flight's runs, newest first: number, status, version, effective config, exit code,
    /// start, duration.
    Runs(RunsArgs),
    /// A run's log, masked (--follow streams it until the run ends).
    Logs(LogsArgs),
    /// Stop a running run (it ends `cancelled`).
    Cancel(CancelArgs),
}

#[derive(Debug, clap::Args)]
pub struct Definition {
    /// What the flight runs: command (the argv after `--`), python (--file, run by
    /// python3) or sql (--file, run on coffer's embedded DuckDB).
    #[arg(long, value_name = "KIND")]
    kind: Option<String>,
    /// The script of a python or sql flight (`-` reads stdin).
    #[arg(long, short = 'f', value_name = "FILE")]
    file: Option<String>,
    /// A plain variable: KEY=VALUE (not secret: anyone who can read the flight sees it).
    /// Repeat for several.
    #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
    config: Vec<String>,
    /// A secret whose fields become variables (my_api_secret + API_KEY →
    /// MY_API_SECRET_API_KEY). Repeat for several.
    #[arg(long = "secret", short = 's', value_name = "NAME")]
    secrets: Vec<String>,
    /// The named token whose identity runs act as (the creator's by default).
    #[arg(long, value_name = "TOKEN_NAME")]
    token: Option<String>,
    /// A cron schedule: "0 * * * *" (5 fields; 6 with seconds first). Needs `coffer serve`.
    #[arg(long, value_name = "CRON")]
    schedule: Option<String>,
    /// The schedule's time zone, an IANA name (default UTC).
    #[arg(long, value_name = "ZONE")]
    timezone: Option<String>,
    /// Kill a run still going after this long ("90s", "15m", "2h") and mark it timed_out.
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
    /// How many runs may run at once (default 1).
    #[arg(long, value_name = "N")]
    concurrency: Option<u32>,
    /// For a python flight: a requirements.txt (`-` reads stdin), installed into a virtual
    /// environment its runs share (built by the first run; wheels only unless
    /// --source-builds). Requirement lines only: no pip options or local paths. An empty
    /// file removes the requirements.
    #[arg(long, value_name = "FILE")]
    requirements: Option<String>,
    /// Let installing the requirements build packages from source (runs their build code in
    /// the run's sandbox); wheels only by default.
    #[arg(long)]
    source_builds: bool,
    /// For a command flight: the program and its arguments.
    #[arg(last = true, value_name = "ARGV")]
    command: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The flight's name (with --from: the flow's id unless given).
    #[arg(required_unless_present = "from")]
    name: Option<String>,
    /// A Kestra-style flow file (YAML): id, namespace (the project), tasks run in order as
    /// steps; see the README.
    #[arg(long, value_name = "FLOW.yaml", conflicts_with_all = ["kind", "file", "command"])]
    from: Option<String>,
    #[command(flatten)]
    def: Definition,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// The flight (name or id).
    name: String,
    /// Redeploy from a flow file: its whole definition (steps, config, secrets, token,
    /// schedule, timeout) replaces the flight's.
    #[arg(
        long,
        value_name = "FLOW.yaml",
        conflicts_with_all = ["kind", "file", "command", "config", "secrets", "token", "schedule", "timezone", "timeout", "concurrency"]
    )]
    from: Option<String>,
    #[command(flatten)]
    def: Definition,
    /// Remove every config key.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Detach every secret.
    #[arg(long, conflicts_with = "secrets")]
    no_secrets: bool,
    /// Run as the flight's owner again.
    #[arg(long, conflicts_with = "token")]
    no_token: bool,
    /// Remove the schedule.
    #[arg(long, conflicts_with = "schedule")]
    no_schedule: bool,
    /// Remove the timeout.
    #[arg(long, conflicts_with = "timeout")]
    no_timeout: bool,
    /// Remove the requirements (the runs use the plain interpreter again).
    #[arg(long, conflicts_with = "requirements")]
    no_requirements: bool,
    /// Wheels only again when installing the requirements.
    #[arg(long, conflicts_with = "source_builds")]
    no_source_builds: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct NameArgs {
    /// The flight (name or id).
    name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The flight (name or id).
    name: String,
    /// Show the flight as it was at this version (see `coffer flight versions`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    version: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The flight (name or id).
    name: String,
    /// Override a config key the flight has, for this run only: KEY=VALUE.
    #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
    config: Vec<String>,
    /// Stream the run's log and exit with its exit code (124 when it timed out, 130 when
    /// cancelled, 1 when it failed before starting).
    #[arg(long)]
    wait: bool,
    /// Output format of the run record printed at the end.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    /// The flight (name or id).
    name: String,
    /// At most this many runs.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// The flight (name or id).
    name: String,
    /// The run number.
    run: i64,
    /// Keep printing until the run ends.
    #[arg(long)]
    follow: bool,
}

#[derive(Debug, clap::Args)]
pub struct CancelArgs {
    /// The flight (name or id).
    name: String,
    /// The run number.
    run: i64,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

fn read_script(path: &str) -> Result<String> {
    let bytes = if path == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("cannot read the script from stdin")?;
        b
    } else {
        std::fs::read(path).with_context(|| format!("cannot read the script '{path}'"))?
    };
    String::from_utf8(bytes).map_err(|_| usage(format!("the script '{path}' is not UTF-8 text")))
}

/// The requirements in file `path` (`-`: stdin); an empty (or blank) file means none.
fn read_requirements(path: &str) -> Result<Option<String>> {
    let text = read_script(path).map_err(|e| usage(format!("--requirements: {e:#}")))?;
    Ok(Some(text).filter(|t| !t.trim().is_empty()))
}

fn parse_timeout(t: &str) -> Result<u64> {
    let d = humantime::parse_duration(t)
        .map_err(|e| usage(format!("invalid --timeout '{t}': {e}; use e.g. 90s, 15m or 2h")))?;
    Ok(d.as_secs().max(u64::from(d.subsec_nanos() > 0)))
}

fn config_map(items: &[String]) -> Result<indexmap::IndexMap<String, String>> {
    Ok(coffer_model::flight::parse_config(items)?)
}

impl UpdateArgs {
    /// The change of requirements and source builds (absent: unchanged).
    fn requirements(&self) -> Result<(Option<Option<String>>, Option<bool>)> {
        let text = if self.no_requirements {
            Some(None)
        } else {
            self.def.requirements.as_deref().map(read_requirements).transpose()?
        };
        let builds = if self.no_source_builds {
            Some(false)
        } else {
            self.def.source_builds.then_some(true)
        };
        Ok((text, builds))
    }
}

impl Definition {
    fn kind(&self) -> Result<Option<FlightKind>> {
        Ok(self.kind.as_deref().map(FlightKind::parse).transpose()?)
    }

    fn spec(&self) -> Result<FlightSpec> {
        let kind = match self.kind()? {
            Some(k) => k,
            None if !self.command.is_empty() => FlightKind::Command,
            None => {
                return Err(usage(
                    "say what the flight runs: --kind python --file job.py, --kind sql --file job.sql, or --kind command -- PROGRAM ARGS",
                ))
            }
        };
        Ok(FlightSpec {
            kind,
            command: self.command.clone(),
            script: self.file.as_deref().map(read_script).transpose()?,
            config: config_map(&self.config)?,
            secrets: self.secrets.clone(),
            token_name: self.token.clone(),
            schedule: self.schedule.clone(),
            timezone: self.timezone.clone(),
            timeout_secs: self.timeout.as_deref().map(parse_timeout).transpose()?,
            concurrency: self.concurrency.unwrap_or(1),
            steps: vec![],
            runs_as_since: None,
            requirements: self
                .requirements
                .as_deref()
                .map(read_requirements)
                .transpose()?
                .flatten(),
            source_builds: self.source_builds,
        })
    }
}

fn kv(config: &indexmap::IndexMap<String, String>) -> String {
    config
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_flight(f: &FlightInfo) {
    println!("flight      {}", f.name);
    println!("id          {}", f.flight_id);
    println!("project     {}", f.project);
    println!("kind        {}", f.kind);
    if !f.command.is_empty() {
        println!("command     {}", f.command.join(" "));
    }
    println!("version     {}", f.version);
    println!(
        "config      {}",
        if f.config.is_empty() { "-".into() } else { kv(&f.config) }
    );
    println!(
        "secrets     {}",
        if f.secrets.is_empty() {
            "-".into()
        } else {
            f.secrets.join(", ")
        }
    );
    println!(
        "token       {}",
        f.token_name.as_deref().unwrap_or("- (runs as the owner)")
    );
    println!("owner       {}", f.owner);
    println!("runs as     {} (since version {})", f.runs_as, f.runs_as_since);
    match &f.schedule {
        Some(s) => println!(
            "schedule    {s} ({}){}",
            f.timezone.as_deref().unwrap_or("UTC"),
            f.next_run_at
                .map(|n| format!(", next run {}", output::time(n)))
                .unwrap_or_default()
        ),
        None => println!("schedule    -"),
    }
    println!(
        "timeout     {}",
        f.timeout_secs.map(|t| format!("{t}s")).unwrap_or_else(|| "-".into())
    );
    println!("concurrency {}", f.concurrency);
    println!("created     {}", output::time(f.created_at));
    println!("updated     {}", output::time(f.updated_at));
    if let Some(req) = &f.requirements {
        println!(
            "requirements ({}):",
            if f.source_builds {
                "source builds allowed"
            } else {
                "wheels only"
            }
        );
        for line in req.lines() {
            println!("  {line}");
        }
    }
    if let Some(script) = &f.script {
        println!("script:");
        for line in script.lines() {
            println!("  {line}");
        }
    }
    for (i, s) in f.steps.iter().enumerate() {
        println!("step {}      {} ({})", i + 1, s.id, s.kind.name());
        if !s.command.is_empty() {
            println!("  command   {}", s.command.join(" "));
        }
        if let Some(script) = &s.script {
            for line in script.lines() {
                println!("  | {line}");
            }
        }
        for (k, v) in &s.env {
            println!("  {k}={v}");
        }
    }
}

fn print_saved(saved: &FlightSavedResponse, verb: &str, format: Format) -> Result<()> {
    for w in &saved.warnings {
        eprintln!("warning: {w}");
    }
    if format == Format::Json {
        return output::json(&saved.flight);
    }
    if saved.unchanged {
        println!(
            "flight '{}' unchanged: the update changes nothing, so it stays at version {}",
            saved.flight.name, saved.flight.version
        );
        return Ok(());
    }
    println!(
        "{verb} flight '{}' (version {}, id {})",
        saved.flight.name, saved.flight.version, saved.flight.flight_id
    );
    Ok(())
}

fn duration(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// The exit code for a finished run: its own, 124 timed out, 130 cancelled, 1 failed before
/// it started.
fn run_exit(run: &RunInfo) -> u8 {
    match run.run_status() {
        Some(RunStatus::Succeeded) => 0,
        Some(RunStatus::TimedOut) => 124,
        Some(RunStatus::Cancelled) => 130,
        _ => run
            .exit_code
            .and_then(|c| u8::try_from(c).ok())
            .filter(|c| *c != 0)
            .unwrap_or(1),
    }
}

fn summary(run: &RunInfo) -> String {
    format!(
        "run {} of flight '{}' {}{}{}",
        run.run_number,
        run.flight,
        run.status,
        run.exit_code.map(|c| format!(" (exit code {c})")).unwrap_or_default(),
        run.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
    )
}

fn write_piece(stream: &str, data: &[u8]) {
    // A closed stdout (`| head`) is the reader's choice, not a failure of the run.
    let _ = match stream {
        "stdout" => {
            let mut o = std::io::stdout().lock();
            o.write_all(data).and_then(|()| o.flush())
        }
        _ => {
            let mut e = std::io::stderr().lock();
            e.write_all(data).and_then(|()| e.flush())
        }
    };
}

/// Prints a run's log from chunk `after` on; with `follow`, until the run ends. Returns the
/// run as last seen.
fn follow(api: &dyn CofferApi, project: &str, name: &str, run: i64, follow: bool) -> Result<RunInfo> {
    const LIMIT: usize = 1000;
    let mut after = 0;
    loop {
        let log = api.run_log(project, name, run, after, LIMIT)?;
        let (info, pieces) = (log.run, log.chunks);
        let got = pieces.len();
        for p in pieces {
            write_piece(&p.stream, &p.data);
            after = p.seq;
        }
        let done = info.run_status().is_some_and(RunStatus::is_final);
        if !follow || (done && got == 0) {
            return Ok(info);
        }
        if got == 0 {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Command {
    pub fn run(self, ctx: &Ctx) -> Result<()> {
        let project = ctx.project.as_str();
        match self {
            Command::Create(a) => {
                let api = ctx.api()?;
                let (name, project, spec) = match &a.from {
                    Some(path) => {
                        let flow = coffer_model::flow::parse(&read_script(path)?)?;
                        let mut spec = flow.spec;
                        // Options given beside --from add to the file's definition.
                        spec.config.extend(config_map(&a.def.config)?);
                        spec.secrets.extend(a.def.secrets.iter().cloned());
                        if let Some(t) = &a.def.token {
                            spec.token_name = Some(t.clone());
                        }
                        if let Some(s) = &a.def.schedule {
                            spec.schedule = Some(s.clone());
                        }
                        if let Some(t) = &a.def.timeout {
                            spec.timeout_secs = Some(parse_timeout(t)?);
                        }
                        if let Some(r) = &a.def.requirements {
                            spec.requirements = read_requirements(r)?;
                        }
                        spec.source_builds |= a.def.source_builds;
                        (
                            a.name.clone().unwrap_or(flow.name),
                            flow.project.unwrap_or_else(|| project.to_string()),
                            spec,
                        )
                    }
                    None => (a.name.clone().unwrap_or_default(), project.to_string(), a.def.spec()?),
                };
                let saved = api.create_flight(&project, FlightCreateBody::of(name, spec))?;
                print_saved(&saved, "created", a.format)
            }
            Command::Update(a) => {
                let api = ctx.api()?;
                if let Some(path) = &a.from {
                    let flow = coffer_model::flow::parse(&read_script(path)?)?;
                    if let Some(ns) = flow.project.as_deref().filter(|ns| !ns.eq_ignore_ascii_case(project)) {
                        return Err(usage(format!(
                            "the flow's namespace is '{ns}' but the flight is updated in project '{project}'; pass --project {ns}"
                        )));
                    }
                    let spec = flow.spec;
                    // A flow file has no requirements: only the options say.
                    let (requirements, source_builds) = a.requirements()?;
                    let update = FlightUpdateBody {
                        kind: Some(spec.kind.name().into()),
                        command: Some(spec.command),
                        script: spec.script,
                        config: Some(spec.config),
                        secrets: Some(spec.secrets),
                        token_name: Some(spec.token_name),
                        schedule: Some(spec.schedule),
                        timezone: Some(spec.timezone),
                        timeout_secs: Some(spec.timeout_secs),
                        concurrency: Some(spec.concurrency),
                        steps: Some(spec.steps),
                        requirements,
                        source_builds,
                        if_version: None,
                    };
                    let saved = api.update_flight(project, &a.name, update)?;
                    return print_saved(&saved, "updated", a.format);
                }
                let d = &a.def;
                let kind = d.kind()?;
                let (requirements, source_builds) = a.requirements()?;
                let update = FlightUpdateBody {
                    kind: kind.map(|k| k.name().into()),
                    command: (!d.command.is_empty()).then(|| d.command.clone()),
                    script: d.file.as_deref().map(read_script).transpose()?,
                    config: if a.no_config {
                        Some(Default::default())
                    } else if d.config.is_empty() {
                        None
                    } else {
                        Some(config_map(&d.config)?)
                    },
                    secrets: if a.no_secrets {
                        Some(Vec::new())
                    } else if d.secrets.is_empty() {
                        None
                    } else {
                        Some(d.secrets.clone())
                    },
                    token_name: if a.no_token {
                        Some(None)
                    } else {
                        d.token.clone().map(Some)
                    },
                    schedule: if a.no_schedule {
                        Some(None)
                    } else {
                        d.schedule.clone().map(Some)
                    },
                    timezone: d.timezone.clone().map(Some),
                    timeout_secs: if a.no_timeout {
                        Some(None)
                    } else {
                        d.timeout.as_deref().map(parse_timeout).transpose()?.map(Some)
                    },
                    concurrency: d.concurrency,
                    steps: None,
                    requirements,
                    source_builds,
                    if_version: None,
                };
                let saved = api.update_flight(project, &a.name, update)?;
                print_saved(&saved, "updated", a.format)
            }
            Command::Show(a) => {
                let api = ctx.api()?;
                let f = match a.version {
                    Some(v) => api.get_flight_version(project, &a.name, v)?,
                    None => api.get_flight(project, &a.name)?,
                };
                if a.format == Format::Json {
                    return output::json(&f);
                }
                print_flight(&f);
                Ok(())
            }
            Command::Versions(a) => {
                let versions = ctx.api()?.list_flight_versions(project, &a.name)?;
                output::list(a.format, &versions, &["version", "created at", "by", "changes"], |v| {
                    vec![
                        v.version.to_string(),
                        output::time(v.created_at),
                        v.created_by.clone(),
                        v.changes.join(", "),
                    ]
                })
            }
            Command::List(a) => {
                let list = ctx.api()?.list_flights(project)?;
                if a.format == Format::Json {
                    return output::json(&list);
                }
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|f| {
                        vec![
                            f.name.clone(),
                            f.kind.clone(),
                            f.version.to_string(),
                            f.secrets.join(","),
                            f.token_name.clone().unwrap_or_else(|| "-".into()),
                            f.schedule.clone().unwrap_or_else(|| "-".into()),
                            f.next_run_at.map(output::time).unwrap_or_else(|| "-".into()),
                        ]
                    })
                    .collect();
                output::table(
                    &["name", "kind", "version", "secrets", "token", "schedule", "next run"],
                    &rows,
                );
                Ok(())
            }
            Command::Delete(a) => {
                ctx.api()?.delete_flight(project, &a.name)?;
                if a.format == Format::Json {
                    return output::json(&serde_json::json!({ "deleted": a.name }));
                }
                println!("deleted flight '{}' with its runs", a.name);
                Ok(())
            }
            Command::Run(a) => {
                let overrides = config_map(&a.config)?;
                // Locally the run executes here, its output streamed to the sink; through a
                // server it starts there, and --wait follows its log.
                let api = ctx.api_running_flights(ctx.local_runner()?)?;
                let stream = a.wait;
                let mut sink = |s: &str, d: &[u8]| {
                    if stream {
                        write_piece(s, d);
                    }
                };
                let body = RunBody { config: overrides };
                let mut run = api.run_flight(project, &a.name, body, &mut sink)?;
                if ctx.is_remote() && a.wait {
                    run = follow(api.as_ref(), project, &a.name, run.run_number, true)?;
                }
                let finished = run.run_status().is_some_and(RunStatus::is_final);
                if a.format == Format::Json {
                    output::json(&run)?;
                } else if finished {
                    eprintln!("{}", summary(&run));
                } else {
                    println!(
                        "started run {} of flight '{}'; follow it with: coffer flight logs {} {} --follow",
                        run.run_number, run.flight, run.flight, run.run_number
                    );
                }
                if finished {
                    let code = run_exit(&run);
                    if code != 0 {
                        return Err(ExitWith(code).into());
                    }
                }
                Ok(())
            }
            Command::Runs(a) => {
                let runs = ctx.api()?.list_runs(project, &a.name, a.limit)?;
                if a.format == Format::Json {
                    return output::json(&runs);
                }
                let rows: Vec<Vec<String>> = runs
                    .iter()
                    .map(|r| {
                        vec![
                            r.run_number.to_string(),
                            r.status.clone(),
                            r.flight_version.to_string(),
                            kv(&r.config),
                            r.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
                            output::time(r.started_at),
                            duration(r.duration_ms),
                            r.trigger.clone(),
                        ]
                    })
                    .collect();
                output::table(
                    &[
                        "run", "status", "version", "config", "exit", "started", "duration", "trigger",
                    ],
                    &rows,
                );
                Ok(())
            }
            Command::Logs(a) => {
                let run = follow(ctx.api()?.as_ref(), project, &a.name, a.run, a.follow)?;
                if a.follow {
                    let code = run_exit(&run);
                    if code != 0 {
                        return Err(ExitWith(code).into());
                    }
                }
                Ok(())
            }
            Command::Cancel(a) => {
                let run = ctx.api()?.cancel_run(project, &a.name, a.run)?;
                println!(
                    "asked run {} of flight '{}' to stop (it is {})",
                    run.run_number, run.flight, run.status
                );
                Ok(())
            }
        }
    }
}
