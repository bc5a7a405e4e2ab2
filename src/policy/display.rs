//! Printing a policy back (to be written).

use std::fmt;

use super::Policy;

impl fmt::Display for Policy {
    fn fmt(&self, _f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}
