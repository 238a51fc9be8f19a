//! `clicktrail jobs`, `clicktrail retry` and `clicktrail status`: the queue, from the same
//! database and configuration as `serve`.

use std::process::ExitCode;

use clicktrail_forwarder::store::{JobState, Store};

use super::{ConfigArg, Runtime};

/// Arguments of `clicktrail jobs`.
#[derive(Debug, clap::Args)]
pub(crate) struct JobsArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Only jobs in this state.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(JobState::ALL.map(JobState::as_str)))]
    state: Option<String>,
    /// At most this many jobs, newest first.
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

/// Arguments of `clicktrail retry`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["job", "dead"])))]
pub(crate) struct RetryArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The dead or retrying job to run again now.
    job: Option<i64>,
    /// Every dead letter.
    #[arg(long)]
    dead: bool,
}

/// Arguments of `clicktrail status`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    #[command(flatten)]
    config: ConfigArg,
}

/// The shared preamble, then `f` with the store open; the store is closed after it.
fn with_store<F>(command: &str, config: &ConfigArg, f: F) -> ExitCode
where
    F: AsyncFnOnce(Store) -> Result<ExitCode, clicktrail_forwarder::Error>,
{
    super::run(
        command,
        config,
        Runtime::CurrentThread,
        async move |config| {
            let store = Store::connect(&config.database_url, config.sqlite_synchronous).await?;
            let result = f(store.clone()).await;
            store.close().await;
            Ok(result?)
        },
    )
}

fn when(ms: i64) -> String {
    clicktrail_impact::format_event_date(ms / 1000).unwrap_or_else(|_| ms.to_string())
}

fn clip(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    match one_line.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

pub(crate) fn jobs(args: JobsArgs) -> ExitCode {
    let state = args.state.as_deref().and_then(JobState::parse);
    with_store("jobs", &args.config, async move |store| {
        let rows = store.jobs(state, i64::from(args.limit)).await?;
        println!(
            "{:>6}  {:<8}  {:<30}  {:<24}  {:<12}  {:<28}  {:>3}  {:<20}  OUTCOME",
            "ID", "STATE", "EVENT", "TYPE", "KIND", "ORDER", "TRY", "RUN AT"
        );
        for r in rows {
            let mut outcome = match (&r.outcome, &r.answer) {
                (Some(o), Some(a)) => format!("{o} | answer: {a}"),
                (Some(o), None) => o.clone(),
                (None, _) => String::new(),
            };
            if let Some(note) = &r.note {
                outcome = format!("{outcome} | note: {note}");
            }
            println!(
                "{:>6}  {:<8}  {:<30}  {:<24}  {:<12}  {:<28}  {:>3}  {:<20}  {}",
                r.id,
                r.state,
                r.event_id,
                r.event_type,
                r.kind.unwrap_or_default(),
                r.order_id.unwrap_or_default(),
                r.attempts,
                when(r.run_at),
                clip(&outcome, 160)
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub(crate) fn retry(args: RetryArgs) -> ExitCode {
    with_store("retry", &args.config, async move |store| {
        if args.dead {
            let n = store.retry_dead().await?;
            println!("{n} dead letter(s) queued again");
            return Ok(ExitCode::SUCCESS);
        }
        let Some(job) = args.job else {
            return Ok(ExitCode::from(2));
        };
        if store.retry_job(job).await? {
            println!("job {job} queued again");
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!("clicktrail retry: no dead or retrying job {job}");
            Ok(ExitCode::FAILURE)
        }
    })
}

pub(crate) fn status(args: StatusArgs) -> ExitCode {
    with_store("status", &args.config, async move |store| {
        let s = store.status().await?;
        println!("jobs by state:");
        for c in &s.by_state {
            println!("  {:<9} {}", c.state, c.count);
        }
        match s.oldest_due_age_secs {
            Some(age) => println!("oldest due job waiting: {age:.1} s"),
            None => println!("oldest due job waiting: none"),
        }
        match s.last_success {
            Some(at) => println!("last success: {}", when(at)),
            None => println!("last success: never"),
        }
        match &s.last_failure {
            Some((at, excerpt)) => println!("last failure: {} {}", when(*at), clip(excerpt, 160)),
            None => println!("last failure: never"),
        }
        println!("dead letters: {}", s.dead);
        Ok(ExitCode::SUCCESS)
    })
}
