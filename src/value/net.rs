//! Address types: `ip`, `ipv4`, `ipv6` and `cidr`.
//!
//! Each is parsed with `std::net` and must equal the canonical text form
//! that `std::net` prints back (lowercase hex, RFC 5952 shortening, no
//! leading zeros). So `127.1`, `0177.0.0.1`, `0x7f.0.0.1`, `::FFFF:1.2.3.4`
//! and `0:0::1` are refused, and the child reads the same address whatever
//! parser it uses (`inet_aton` accepts the short, octal and hex forms and
//! reads them differently from a strict parser). Zone ids (`fe80::1%eth0`)
//! are refused.
//!
//! Decisions where SPEC is silent:
//!
//! - `ip` accepts IPv4 and IPv6; an IPv4-mapped IPv6 address
//!   (`::ffff:1.2.3.4`) is accepted by `ip` and `ipv6` in that canonical
//!   form and is not turned into IPv4.
//! - `cidr` is `ADDR/PREFIX` for either family, with a canonical decimal
//!   prefix (`0`–`32` or `0`–`128`, no leading zeros), and the host bits
//!   must be zero: `10.0.0.1/8` is refused and the message names
//!   `10.0.0.0/8`, so a caller never grants more than it wrote by mistake.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::type_params::parse_u64;
use super::universal::reject;
use super::Rejection;

/// Longest `ip`/`ipv6` value looked at (`INET6_ADDRSTRLEN` - 1); the
/// canonical forms are shorter.
pub(super) const MAX_IP_LEN: usize = 45;
/// Longest `ipv4` value.
pub(super) const MAX_IPV4_LEN: usize = 15;
/// Longest `cidr` value.
pub(super) const MAX_CIDR_LEN: usize = MAX_IP_LEN + 4;

/// Which addresses an address type accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// `ip`: either.
    Any,
    /// `ipv4`.
    V4,
    /// `ipv6`.
    V6,
}

/// `ip`, `ipv4`, `ipv6`: a canonical address.
pub(super) fn validate_ip(text: &str, family: Family) -> Result<IpAddr, Rejection> {
    let parsed = match family {
        Family::Any => IpAddr::from_str(text).ok(),
        Family::V4 => Ipv4Addr::from_str(text).ok().map(IpAddr::V4),
        Family::V6 => Ipv6Addr::from_str(text).ok().map(IpAddr::V6),
    };
    let Some(addr) = parsed else {
        return Err(reject(match family {
            Family::Any => "is not an IP address",
            Family::V4 => {
                "is not an IPv4 address (four decimal numbers 0-255 without leading zeros)"
            }
            Family::V6 => "is not an IPv6 address",
        }));
    };
    let canonical = addr.to_string();
    if canonical != text {
        return Err(reject(format!(
            "is not in canonical form; write it as {canonical}"
        )));
    }
    Ok(addr)
}

/// `cidr`: `ADDR/PREFIX`, canonical, host bits zero.
pub(super) fn validate_cidr(text: &str) -> Result<(), Rejection> {
    let Some((addr, prefix)) = text.split_once('/') else {
        return Err(reject("is not a network in ADDRESS/PREFIX form"));
    };
    let addr = validate_ip(addr, Family::Any)
        .map_err(|r| reject(format!("has an address that {}", r.0)))?;
    let bits: u32 = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match parse_u64(prefix).and_then(|p| u32::try_from(p).ok()) {
        Some(p) if p <= bits => p,
        _ => {
            return Err(reject(format!(
                "has a prefix that is not a number from 0 to {bits} without leading zeros"
            )))
        }
    };
    let network = match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
        }
    };
    if network != addr {
        return Err(reject(format!(
            "has host bits set; the network is {network}/{prefix}"
        )));
    }
    Ok(())
}
