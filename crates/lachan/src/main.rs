//! `lachan`: online child protection for Vietnam. One binary runs the filtering DNS gateway
//! and its console, and offers the commands to inspect them.

use lachan::{app, audit, check, image, photo, querylog, serve, text, user};

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Lachan (lá chắn): protects children online — filtering DNS for homes, schools and ISPs.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// The configuration file (TOML); without it the built-in defaults are used.
    #[arg(long, global = true, env = "LACHAN_CONFIG")]
    config: Option<PathBuf>,
    /// The data directory (database, downloaded lists).
    #[arg(
        long,
        global = true,
        env = "LACHAN_DATA_DIR",
        default_value = "lachan-data"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the DNS gateway until Ctrl-C.
    Serve,
    /// Explain what Lachan decides.
    Check {
        #[command(subcommand)]
        what: CheckWhat,
    },
    /// Score the text-safety engine on labelled files (the format of the development set).
    Eval {
        #[command(subcommand)]
        what: EvalWhat,
    },
    /// Image safety: PDQ hashes of files, hash banks of known abuse imagery, matching.
    Image {
        #[command(subcommand)]
        what: ImageWhat,
    },
    /// Photo privacy: what a photo's metadata reveals (GPS position, time, camera, names) and
    /// a copy without it.
    Photo {
        #[command(subcommand)]
        what: PhotoWhat,
    },
    /// The audit log of changes and reads: check its hash chain, list entries.
    Audit {
        #[command(subcommand)]
        what: AuditWhat,
    },
    /// Manage console accounts (administrators, guardians, hotline operators and supervisors).
    User {
        #[command(subcommand)]
        what: UserWhat,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        what: TokenWhat,
    },
    /// List the blocked-services catalogue (ids for `blocked_services`).
    Services {
        /// Only this group: games, social, video, chat, shopping or dating.
        #[arg(long)]
        group: Option<lachan_policy::ServiceGroup>,
        /// Print JSON (the same objects as GET /api/v1/services).
        #[arg(long)]
        json: bool,
    },
    /// Show recent queries, newest first.
    Querylog {
        /// Only this client (its IP address or configured name).
        #[arg(long)]
        client: Option<String>,
        /// Only blocked queries.
        #[arg(long)]
        blocked: bool,
        /// Only since then: 15m, 2h, 1d, or a time like 2026-11-27T10:00:00Z.
        #[arg(long)]
        since: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ImageWhat {
    /// The PDQ hash, quality (below 50: not matchable) and the hashes of the eight rotations
    /// and flips of each image file.
    Hash {
        /// JPEG, PNG, WebP, GIF or BMP files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per file per line: path, pdq, quality, matchable, transforms (or
        /// path and error).
        #[arg(long)]
        json: bool,
    },
    /// Match image files against the hash banks: the matches (bank, category, distance,
    /// transform, label) and the action, as POST /api/v1/images/check decides them.
    Match {
        /// JPEG, PNG, WebP, GIF or BMP files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only this bank (repeatable); every bank when absent.
        #[arg(long = "bank")]
        banks: Vec<String>,
        /// One JSON object per file per line (or path and error).
        #[arg(long)]
        json: bool,
    },
    /// Manage the hash banks.
    Bank {
        #[command(subcommand)]
        what: BankWhat,
    },
}

#[derive(Subcommand)]
enum PhotoWhat {
    /// What each photo reveals: GPS position (with its precision), capture time, camera and
    /// serial numbers, names, places, embedded thumbnail, metadata blocks.
    Check {
        /// JPEG, PNG, WebP or HEIC files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per file per line (the report's fields and path, or path and error).
        #[arg(long)]
        json: bool,
        /// The language of the plain output.
        #[arg(long, value_enum, default_value = "vi")]
        lang: photo::Lang,
    },
    /// Write a copy of a photo without its metadata (JPEG, PNG, WebP): the picture data is
    /// copied unchanged; only the orientation and the colour profile are kept.
    Strip {
        /// The photo.
        file: PathBuf,
        /// Where to write the cleaned copy.
        #[arg(short, long)]
        output: PathBuf,
        /// Allow the output to be the input file itself (the original is replaced).
        #[arg(long)]
        force: bool,
        /// The language of the summary.
        #[arg(long, value_enum, default_value = "vi")]
        lang: photo::Lang,
    },
}

#[derive(Subcommand)]
enum BankWhat {
    /// Add the hashes of a file to a bank (made if needed). Hashes already in the bank are
    /// skipped; bad lines are named and skipped; a running server uses the bank from its next
    /// image check.
    Import {
        /// The bank's name (letters, digits, '.', '_', '-'), e.g. ncmec-2026-11.
        name: String,
        /// What the bank lists: sexual_minors (blocked and reported to the hotline), ncii or
        /// terror (blocked), custom (sent for review).
        #[arg(long)]
        category: lachan_store::BankCategory,
        /// The file: one hex PDQ hash per line, or CSV (hash, then label columns).
        file: PathBuf,
        /// The file's layout.
        #[arg(long, value_enum, default_value = "hex")]
        format: image::BankFormat,
        /// Where the hashes came from (default: the file's path).
        #[arg(long)]
        source: Option<String>,
    },
    /// List the banks with their category and number of hashes.
    List {
        /// One JSON object per bank per line.
        #[arg(long)]
        json: bool,
    },
    /// Remove a bank and its hashes.
    Remove {
        /// The bank's name.
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditWhat {
    /// Check every entry against the hash chain: exits 1 and names the first entry that was
    /// edited, removed or added outside Lachan.
    Verify {
        /// Print one JSON object: intact, entries, last_hash, problem ({id, kind, message}).
        #[arg(long)]
        json: bool,
    },
    /// Show the most recent entries, newest first.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UserWhat {
    /// Create a console account; its password is read from standard input (one line, 10 to
    /// 256 characters), e.g. `printf '%s\n' "$PASSWORD" | lachan user create lan --role
    /// operator --hotline 111`.
    Create {
        /// The sign-in name.
        username: String,
        /// admin (configuration of everything), guardian (one household's profiles and
        /// devices), operator (the hotline's queue and their own cases) or supervisor (every
        /// case of their hotline).
        #[arg(long)]
        role: lachan_store::Role,
        /// The hotline an operator or supervisor works for (required for them), or that an
        /// administrator also supervises (optional; refused for guardians), e.g. 111.
        #[arg(long)]
        hotline: Option<String>,
        /// The household or class a guardian manages (guardians only).
        #[arg(long)]
        household: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenWhat {
    /// Create a token for the JSON API (`Authorization: Bearer TOKEN`); it is shown once.
    Create {
        /// admin (everything), guardian (one household's profiles and devices) or platform
        /// (software of a game, chat or school app: the text- and image-safety API, and filing
        /// hotline reports).
        #[arg(long)]
        role: lachan_store::Role,
        /// What the token is for, e.g. "school-app".
        #[arg(long, default_value = "cli")]
        name: String,
        /// The household or class a guardian token may manage (none for admin and platform).
        #[arg(long)]
        household: Option<String>,
    },
}

#[derive(Subcommand)]
enum EvalWhat {
    /// Labelled messages, one JSON object per line: {"lang", "style", "labels": [...], "text"}.
    Messages {
        /// The JSON Lines file.
        file: PathBuf,
        /// Print one JSON object with the scores.
        #[arg(long)]
        json: bool,
    },
    /// Labelled conversations, one JSON object per line (speaker B is the child).
    Conversations {
        /// The JSON Lines file.
        file: PathBuf,
        /// Print one JSON object with the scores.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CheckWhat {
    /// What a message shows: categories with scores, severity, evidence, and the action.
    Text {
        /// The message; read from standard input when absent.
        text: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stages and alerts of a conversation: one JSON message per line
    /// ({"from": "A", "text": "...", "role": "child"|"adult", "age": 12}).
    Conversation {
        /// The JSON Lines file.
        file: PathBuf,
        /// Print one JSON report per message.
        #[arg(long)]
        json: bool,
    },
    /// The decision for a domain name and the rule, list, profile and category behind it.
    Domain {
        /// The name to check, e.g. casino.example.
        name: String,
        /// As asked by this client address.
        #[arg(long, default_value = "127.0.0.1")]
        client: IpAddr,
        /// Query type: A, AAAA, CNAME or HTTPS.
        #[arg(long = "type", default_value = "A")]
        qtype: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LACHAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Check {
            what: CheckWhat::Text { text, json },
        } => return text::check_text(text, json),
        Command::Check {
            what: CheckWhat::Conversation { file, json },
        } => return text::check_conversation(&file, json),
        Command::Eval {
            what: EvalWhat::Messages { file, json },
        } => return text::eval_messages(&file, json),
        Command::Eval {
            what: EvalWhat::Conversations { file, json },
        } => return text::eval_conversations(&file, json),
        Command::Image {
            what: ImageWhat::Hash { files, json },
        } => return image::hash(&files, json),
        Command::Photo {
            what: PhotoWhat::Check { files, json, lang },
        } => return photo::check(&files, json, lang),
        Command::Photo {
            what:
                PhotoWhat::Strip {
                    file,
                    output,
                    force,
                    lang,
                },
        } => return photo::strip(&file, &output, force, lang),
        _ => {}
    }
    let setup = app::Setup::load(cli.config, cli.data_dir)?;
    match cli.command {
        Command::Serve => serve::run(setup).await,
        Command::Check {
            what:
                CheckWhat::Domain {
                    name,
                    client,
                    qtype,
                    json,
                },
        } => check::domain(setup, &name, client, &qtype, json).await,
        // The text commands, image hashing and the photo commands were answered above: they
        // need no configuration or data.
        Command::Check { .. }
        | Command::Eval { .. }
        | Command::Photo { .. }
        | Command::Image {
            what: ImageWhat::Hash { .. },
        } => Ok(()),
        Command::Image {
            what: ImageWhat::Match { files, banks, json },
        } => {
            let store = setup.open_store().await?;
            image::match_files(&store, &files, &banks, json).await
        }
        Command::Image {
            what: ImageWhat::Bank { what },
        } => {
            let store = setup.open_store().await?;
            match what {
                BankWhat::Import {
                    name,
                    category,
                    file,
                    format,
                    source,
                } => image::bank_import(&store, &name, category, &file, format, source).await,
                BankWhat::List { json } => image::bank_list(&store, json).await,
                BankWhat::Remove { name } => image::bank_remove(&store, &name).await,
            }
        }
        Command::Services { group, json } => services(group, json),
        Command::Audit { what } => {
            let store = setup.open_store().await?;
            match what {
                AuditWhat::Verify { json } => {
                    if !audit::verify(&store, json).await? {
                        // The result is printed; a broken log is the command's failure.
                        std::process::exit(1);
                    }
                    Ok(())
                }
                AuditWhat::List { limit, json } => audit::list(&store, limit, json).await,
            }
        }
        Command::User {
            what:
                UserWhat::Create {
                    username,
                    role,
                    hotline,
                    household,
                },
        } => {
            let new = user::NewUser {
                username,
                role,
                household,
                hotline,
            };
            new.check()?;
            let password = user::read_password()?;
            let store = setup.open_store().await?;
            user::create(&store, &new, &password, &setup.config.hotline.name).await?;
            Ok(())
        }
        Command::Token {
            what:
                TokenWhat::Create {
                    role,
                    name,
                    household,
                },
        } => {
            let store = setup.open_store().await?;
            let token =
                lachan_server::create_token(&store, &name, role, household.as_deref()).await?;
            println!("{token}");
            eprintln!("Keep this token secret: it is shown once and only its hash is stored.");
            Ok(())
        }
        Command::Querylog {
            client,
            blocked,
            since,
            limit,
            json,
        } => {
            let store = setup.open_store().await?;
            querylog::show(&store, client, blocked, since, limit, json).await
        }
    }
}

/// Prints the catalogue, one service per line (or as JSON).
fn services(group: Option<lachan_policy::ServiceGroup>, json: bool) -> Result<()> {
    let catalog = lachan_policy::ServiceCatalog::builtin();
    let chosen: Vec<_> = catalog
        .all()
        .iter()
        .filter(|s| group.is_none_or(|g| s.group == g))
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&chosen)?);
        return Ok(());
    }
    println!("{:<20}  {:<9}  {:<28}  DOMAINS", "ID", "GROUP", "NAME");
    for s in chosen {
        println!(
            "{:<20}  {:<9}  {:<28}  {}",
            s.id,
            s.group,
            s.name,
            s.domains.join(" ")
        );
    }
    println!("\nUse in a profile: blocked_services = [\"service:ID\", \"group:GROUP\"]");
    Ok(())
}
