//! `lachan user create`: console accounts made on the command line — administrators, guardians
//! of a household, and the hotline's operators and supervisors. The password is read from
//! standard input, never from the command line.

use std::io::{BufRead, Read};

use anyhow::{Context, Result, bail};
use lachan_store::{Role, Store};

use crate::config::check_hotline_name;

/// Longest username, in characters (as the console allows).
const MAX_USERNAME_CHARS: usize = 64;
/// Longest password, in characters (as the console allows).
const MAX_PASSWORD_CHARS: usize = 256;

/// An account to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The sign-in name.
    pub username: String,
    /// admin, guardian, operator or supervisor.
    pub role: Role,
    /// The household or class of a guardian.
    pub household: Option<String>,
    /// The hotline of an operator or supervisor, or the one an administrator also supervises.
    pub hotline: Option<String>,
}

impl NewUser {
    /// Checks the name and that household and hotline fit the role: operators and supervisors
    /// need a hotline, administrators may have one (they then also supervise it), guardians
    /// need a household and have no hotline; only guardians have a household.
    pub fn check(&self) -> Result<()> {
        let name = self.username.trim();
        if name.is_empty() || name.chars().count() > MAX_USERNAME_CHARS {
            bail!("the username must have 1 to {MAX_USERNAME_CHARS} characters");
        }
        if name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        {
            bail!(
                "the username '{}' contains a slash or a control character",
                name.escape_debug()
            );
        }
        match self.role {
            Role::Platform => bail!(
                "the platform role is for API tokens of software, not for people: use \
                 `lachan token create --role platform`"
            ),
            Role::Guardian if self.household.is_none() => {
                bail!("a guardian manages one household or class: add --household NAME")
            }
            Role::Guardian if self.hotline.is_some() => bail!(
                "a guardian does not work for the hotline: remove --hotline (hotline staff have \
                 the operator or supervisor role)"
            ),
            Role::Operator | Role::Supervisor if self.hotline.is_none() => bail!(
                "{}s work for one hotline: add --hotline NAME (e.g. --hotline 111, the \
                 [hotline] name of the configuration)",
                self.role
            ),
            Role::Admin | Role::Operator | Role::Supervisor if self.household.is_some() => {
                bail!("only guardians have a household: remove --household")
            }
            _ => {}
        }
        if let Some(hotline) = &self.hotline {
            check_hotline_name(hotline).map_err(|e| anyhow::anyhow!("--hotline {e}"))?;
        }
        Ok(())
    }
}

/// Makes the account with `password` (written to the audit log as made on the command line);
/// says so, and warns when its hotline is not `configured` (the `[hotline] name` this server
/// serves). Returns the user's id.
pub async fn create(
    store: &Store,
    user: &NewUser,
    password: &str,
    configured: &str,
) -> Result<i64> {
    user.check()?;
    let count = password.chars().count();
    if !(lachan_server::MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&count) {
        bail!(
            "the password must have {} to {MAX_PASSWORD_CHARS} characters",
            lachan_server::MIN_PASSWORD_CHARS
        );
    }
    let username = user.username.trim();
    let hash = lachan_server::hash_password(password)?;
    let id = store
        .create_user(
            username,
            &hash,
            user.role,
            user.household.as_deref(),
            user.hotline.as_deref(),
        )
        .await?
        .with_context(|| format!("the username '{username}' is taken; choose another"))?;
    let mut detail = format!("id {id}, role {}", user.role);
    if let Some(household) = &user.household {
        detail.push_str(&format!(", household {household}"));
    }
    if let Some(hotline) = &user.hotline {
        detail.push_str(&format!(", hotline {hotline}"));
    }
    store
        .append_audit("command line", "user created", username, &detail)
        .await?;
    println!("User '{username}' created ({detail}).");
    if let Some(hotline) = user.hotline.as_deref().filter(|h| *h != configured) {
        eprintln!(
            "Note: this configuration's hotline is '{configured}' ([hotline] name); '{username}' \
             belongs to hotline '{hotline}' and sees only the reports and cases of that one."
        );
    }
    Ok(id)
}

/// Reads the password: the first line of standard input (prompted for on a terminal).
pub fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    if std::io::IsTerminal::is_terminal(&stdin) {
        eprint!(
            "Password ({} to {MAX_PASSWORD_CHARS} characters; it is shown as typed, or pipe it \
             in): ",
            lachan_server::MIN_PASSWORD_CHARS
        );
    }
    let mut line = String::new();
    stdin
        .lock()
        .take(4 * MAX_PASSWORD_CHARS as u64 + 2)
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, household: Option<&str>, hotline: Option<&str>) -> NewUser {
        NewUser {
            username: "lan".into(),
            role,
            household: household.map(str::to_string),
            hotline: hotline.map(str::to_string),
        }
    }

    fn refusal(user: &NewUser) -> String {
        format!("{:#}", user.check().unwrap_err())
    }

    #[test]
    fn roles_take_the_hotline_and_household_they_need() {
        for ok in [
            user(Role::Operator, None, Some("111")),
            user(Role::Supervisor, None, Some("111")),
            user(Role::Admin, None, None),
            user(Role::Admin, None, Some("111")),
            user(Role::Guardian, Some("nha-an"), None),
        ] {
            ok.check().unwrap();
        }
        for (bad, says) in [
            (
                user(Role::Operator, None, None),
                "operators work for one hotline",
            ),
            (
                user(Role::Supervisor, None, None),
                "supervisors work for one hotline",
            ),
            (
                user(Role::Guardian, Some("nha-an"), Some("111")),
                "a guardian does not work for the hotline",
            ),
            (user(Role::Guardian, None, None), "add --household NAME"),
            (
                user(Role::Operator, Some("nha-an"), Some("111")),
                "only guardians have a household",
            ),
            (
                user(Role::Platform, None, None),
                "lachan token create --role platform",
            ),
            (
                user(Role::Operator, None, Some(" 111")),
                "--hotline ' 111' must be 1 to 64 characters",
            ),
        ] {
            let said = refusal(&bad);
            assert!(said.contains(says), "{bad:?}: {said}");
        }
        let mut nameless = user(Role::Admin, None, None);
        nameless.username = "a/b".into();
        assert!(refusal(&nameless).contains("slash"));
    }
}
