//! The policy's `allow` rules, held against the caller.
//!
//! The caller ([`Ids::real`]) is the **real** uid, the real gid and the supplementary
//! groups (`getgroups`) of the helper process: what the kernel says about
//! whoever exec'd it. Nothing the caller says about itself counts (`USER`,
//! `LOGNAME`, `SUDO_USER` are gone with the environment anyway), and no
//! path is ever built from a name.
//!
//! `allow` matching (SPEC "Action options"):
//!
//! | rule | the caller matches when |
//! | --- | --- |
//! | `allow uid=N` | its real uid is N |
//! | `allow gid=N` | its real gid or one of its supplementary groups is N |
//! | `allow user=U` | its real uid is the uid NSS gives for user U |
//! | `allow group=G` | its real gid or a supplementary group is the gid NSS gives for group G |
//!
//! Names are resolved when a request is decided, with the environment
//! cleared; a name that does not resolve (or a lookup that fails) matches
//! nobody. An action without any `allow` line cannot be run through the
//! helper by anyone, root included.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::identity::Ids;
use crate::policy::{Action, Allow};

/// Decides whether a caller may run an action, caching name lookups (a
/// `--list` over many actions asks for the same names again and again).
#[derive(Debug)]
pub struct AllowCheck<'a> {
    caller: &'a Ids,
    users: RefCell<HashMap<String, Option<u32>>>,
    groups: RefCell<HashMap<String, Option<u32>>>,
}

impl<'a> AllowCheck<'a> {
    /// A check for `caller`.
    pub fn new(caller: &'a Ids) -> AllowCheck<'a> {
        AllowCheck {
            caller,
            users: RefCell::new(HashMap::new()),
            groups: RefCell::new(HashMap::new()),
        }
    }

    /// `Ok` if some `allow` line of `action` matches the caller; otherwise
    /// the reason, for the audit record.
    ///
    /// # Errors
    /// The denial reason.
    pub fn check(&self, action: &Action) -> Result<(), String> {
        if action.allow.is_empty() {
            return Err(format!(
                "action {:?} has no allow line: nobody may run it through execward-helper",
                action.name
            ));
        }
        if action.allow.iter().any(|a| self.matches(a)) {
            return Ok(());
        }
        let c = self.caller;
        Err(format!(
            "no allow line of action {:?} matches uid {}, gid {} or the {} supplementary group{}",
            action.name,
            c.uid,
            c.gid,
            c.groups.len(),
            if c.groups.len() == 1 { "" } else { "s" }
        ))
    }

    /// True if `rule` matches the caller.
    pub fn matches(&self, rule: &Allow) -> bool {
        match rule {
            Allow::Uid(uid) => self.caller.uid == *uid,
            Allow::Gid(gid) => self.caller.in_group(*gid),
            Allow::User(name) => self.user_uid(name) == Some(self.caller.uid),
            Allow::Group(name) => self
                .group_gid(name)
                .is_some_and(|gid| self.caller.in_group(gid)),
        }
    }

    fn user_uid(&self, name: &str) -> Option<u32> {
        *self
            .users
            .borrow_mut()
            .entry(name.to_string())
            .or_insert_with(|| {
                nix::unistd::User::from_name(name)
                    .ok()
                    .flatten()
                    .map(|u| u.uid.as_raw())
            })
    }

    fn group_gid(&self, name: &str) -> Option<u32> {
        *self
            .groups
            .borrow_mut()
            .entry(name.to_string())
            .or_insert_with(|| {
                nix::unistd::Group::from_name(name)
                    .ok()
                    .flatten()
                    .map(|g| g.gid.as_raw())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn action(allow: &str) -> Action {
        let src = format!("action a = /bin/true\n    {allow}\n");
        let p = Policy::parse(&src).unwrap_or_else(|d| panic!("{d:?}"));
        p.actions[0].clone()
    }

    #[test]
    fn allow_rules() {
        let c = Ids::new(65534, 65534, vec![4, 27]);
        let check = AllowCheck::new(&c);
        assert!(check.check(&action("allow uid=65534")).is_ok());
        assert!(check.check(&action("allow gid=65534")).is_ok());
        assert!(check.check(&action("allow gid=27")).is_ok());
        assert!(check.check(&action("allow uid=0 gid=4")).is_ok());
        assert!(check.check(&action("allow uid=33")).is_err());
        assert!(check.check(&action("allow gid=33")).is_err());
        // root resolves everywhere; the caller is not root
        assert!(check.check(&action("allow user=root")).is_err());
        assert!(check.check(&action("allow group=root")).is_err());
        // a name that does not exist matches nobody
        assert!(check
            .check(&action(
                "allow user=no-such-user-xyz group=no-such-group-xyz"
            ))
            .is_err());
        let root = Ids::new(0, 0, vec![]);
        let check = AllowCheck::new(&root);
        assert!(check.check(&action("allow user=root")).is_ok());
        assert!(check.check(&action("allow group=root")).is_ok());
    }

    #[test]
    fn no_allow_line_means_nobody_not_even_root() {
        let root = Ids::new(0, 0, vec![0]);
        let a = action("timeout 5s");
        let why = AllowCheck::new(&root).check(&a).unwrap_err();
        assert!(why.contains("no allow line"), "{why}");
    }
}
