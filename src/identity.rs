//! Who a process is, in one vocabulary:
//!
//! - [`Ids`]: a user id, a group id and supplementary groups, by number
//!   (the caller of `execward-helper`, or a child given ids directly);
//! - [`UserGroup`]: a user and optionally a group, by name (a policy's
//!   `run-as USER[:GROUP]`);
//! - [`RunAs`]: whom a command asks its child to run as, by name or by
//!   number;
//! - [`Identity`]: a [`RunAs`] resolved when the plan is built: names and
//!   numbers.
//!
//! Plain data and the name lookups that resolve it; nothing here creates
//! a process.

use std::ffi::CString;
use std::fmt;

/// A user id, a group id and the supplementary groups, by number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Ids {
    /// The user id.
    pub uid: u32,
    /// The group id.
    pub gid: u32,
    /// The supplementary groups, exactly these (may be empty).
    pub groups: Vec<u32>,
}

impl Ids {
    /// These ids and supplementary groups.
    pub fn new(uid: u32, gid: u32, groups: Vec<u32>) -> Ids {
        Ids { uid, gid, groups }
    }

    /// The **real** uid, the real gid and the supplementary groups
    /// (`getgroups`) of this process: what the kernel says about whoever
    /// started it.
    ///
    /// # Errors
    /// `getgroups` failed.
    pub fn real() -> Result<Ids, nix::Error> {
        let groups = nix::unistd::getgroups()?
            .into_iter()
            .map(|g| g.as_raw())
            .collect();
        Ok(Ids {
            uid: nix::unistd::getuid().as_raw(),
            gid: nix::unistd::getgid().as_raw(),
            groups,
        })
    }

    /// True if `gid` is the group id or one of the supplementary groups.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }
}

/// A user and optionally a group, by name (`run-as USER[:GROUP]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct UserGroup {
    /// The user name.
    pub user: String,
    /// The group name; `None`: the user's primary group.
    pub group: Option<String>,
}

impl UserGroup {
    /// `user`, and `group` (`None`: the user's primary group).
    pub fn new(user: impl Into<String>, group: Option<String>) -> UserGroup {
        UserGroup {
            user: user.into(),
            group,
        }
    }
}

impl fmt::Display for UserGroup {
    /// `USER` or `USER:GROUP`, as a policy writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.group {
            Some(g) => write!(f, "{}:{g}", self.user),
            None => f.write_str(&self.user),
        }
    }
}

/// Whom a child runs as, when not as this process's own user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunAs {
    /// A user (and group) by name, with the user's supplementary groups.
    User(UserGroup),
    /// Exactly these ids and groups (no name lookup).
    Ids(Ids),
}

/// A [`RunAs`] resolved: the names (for `explain`) and the numbers the
/// child switches to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identity {
    /// The user name (the number, for ids without a name).
    pub user: String,
    /// The group name (the number, for ids without a name).
    pub group: String,
    /// The ids and supplementary groups.
    pub ids: Ids,
}

/// The most supplementary groups Linux accepts (`NGROUPS_MAX`).
const MAX_GROUPS: usize = 65_536;

impl RunAs {
    /// Looks the names up (or, for [`RunAs::Ids`], checks the numbers and
    /// looks up names only to show them).
    ///
    /// # Errors
    /// Why the identity cannot be used, as one line: an unknown user or
    /// group, a failed lookup, `(uid_t)-1`, too many groups.
    pub(crate) fn resolve(&self) -> Result<Identity, String> {
        match self {
            RunAs::User(ug) => resolve_names(&ug.user, ug.group.as_deref()),
            RunAs::Ids(ids) => resolve_ids(ids),
        }
    }
}

fn resolve_names(user: &str, group: Option<&str>) -> Result<Identity, String> {
    use nix::unistd::{Group, User};
    let u = User::from_name(user)
        .map_err(|e| format!("cannot look up user {user:?}: {e}"))?
        .ok_or_else(|| format!("user {user:?} does not exist"))?;
    let (gname, gid) = match group {
        Some(g) => {
            let gr = Group::from_name(g)
                .map_err(|e| format!("cannot look up group {g:?}: {e}"))?
                .ok_or_else(|| format!("group {g:?} does not exist"))?;
            (gr.name, gr.gid)
        }
        None => {
            let name = Group::from_gid(u.gid)
                .ok()
                .flatten()
                .map(|g| g.name)
                .unwrap_or_else(|| u.gid.to_string());
            (name, u.gid)
        }
    };
    let cname = CString::new(user).map_err(|_| "user name holds NUL".to_string())?;
    let groups = nix::unistd::getgrouplist(&cname, gid)
        .map_err(|e| format!("cannot list the groups of {user:?}: {e}"))?
        .into_iter()
        .map(|g| g.as_raw())
        .collect();
    Ok(Identity {
        user: u.name,
        group: gname,
        ids: Ids {
            uid: u.uid.as_raw(),
            gid: gid.as_raw(),
            groups,
        },
    })
}

/// An [`Identity`] from numbers; names are looked up only to show them
/// (`explain`), and a missing name shows the number.
fn resolve_ids(ids: &Ids) -> Result<Identity, String> {
    use nix::unistd::{Gid, Group, Uid, User};
    // (uid_t)-1 tells setresuid/setresgid "leave unchanged": the child
    // would keep root (CVE-2019-14287).
    if ids.uid == u32::MAX || ids.gid == u32::MAX || ids.groups.contains(&u32::MAX) {
        return Err("id 4294967295 ((uid_t)-1) cannot be used: it means \"unchanged\"".into());
    }
    if ids.groups.len() > MAX_GROUPS {
        return Err(format!(
            "{} supplementary groups; at most {MAX_GROUPS}",
            ids.groups.len()
        ));
    }
    let user = User::from_uid(Uid::from_raw(ids.uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| ids.uid.to_string());
    let group = Group::from_gid(Gid::from_raw(ids.gid))
        .ok()
        .flatten()
        .map(|g| g.name)
        .unwrap_or_else(|| ids.gid.to_string());
    Ok(Identity {
        user,
        group,
        ids: ids.clone(),
    })
}
