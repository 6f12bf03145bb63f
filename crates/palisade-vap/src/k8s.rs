//! The Kubernetes CEL library, as the API server gives it to
//! ValidatingAdmissionPolicies: quantities, regular-expression `find`,
//! IP addresses and CIDRs, URLs, and `sum`, `min`, `max`, `isSorted`,
//! `indexOf` and `lastIndexOf` on lists (`k8s.io/apiserver/pkg/cel/library`).
//! Their semantics follow the API server's: a quantity as
//! `resource.Quantity` parses and compares it (exact, `1000m == 1`), IPs
//! as `netip` parses them (no zones, no IPv4-mapped IPv6, no leading
//! zeros), URLs as `url.ParseRequestURI` accepts them (an absolute URI or
//! an absolute path). `authorizer` is not here: offline there is no
//! requesting user to authorize.

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelString, DYN_TYPE, LIST_TYPE, Type,
};
use cel::common::value::{CowVal, StaticVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use std::any::Any;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Registers the library on `env`.
pub fn library(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_type(QUANTITY.to_owned())?;
    env.add_type(IP.to_owned())?;
    env.add_type(CIDR.to_owned())?;
    env.add_type(URL.to_owned())?;
    // quantities
    cel::add_overload!(env, fn quantity: (CelString) -> Result<Quantity>)?;
    cel::add_overload!(env, fn is_quantity: (CelString) -> CelBool)?;
    cel::add_member_overload!(env, fn is_integer: (Quantity) -> CelBool)?;
    cel::add_member_overload!(env, fn as_integer: (Quantity) -> Result<CelInt>)?;
    cel::add_member_overload!(env, fn as_approximate_float: (Quantity) -> CelDouble)?;
    cel::add_member_overload!(env, fn is_greater_than: (Quantity, Quantity) -> CelBool)?;
    cel::add_member_overload!(env, fn is_less_than: (Quantity, Quantity) -> CelBool)?;
    cel::add_member_overload!(env, fn compare_to: (Quantity, Quantity) -> CelInt)?;
    cel::add_member_overload!(env, fn add: (Quantity, Quantity) -> Result<Quantity>)?;
    cel::add_member_overload!(env, fn add_int: (Quantity, CelInt) -> Result<Quantity>, name = "add")?;
    cel::add_member_overload!(env, fn sub: (Quantity, Quantity) -> Result<Quantity>)?;
    cel::add_member_overload!(env, fn sub_int: (Quantity, CelInt) -> Result<Quantity>, name = "sub")?;
    // lists
    for (name, op) in [
        ("sum", sum as cel::common::functions::Function),
        ("min", min),
        ("max", max),
        ("isSorted", is_sorted),
    ] {
        env.add_member_overload(name, &format!("list.{name}()"), LIST_TYPE, vec![], op)?;
    }
    for (name, op) in [
        ("indexOf", index_of as cel::common::functions::Function),
        ("lastIndexOf", last_index_of),
    ] {
        env.add_member_overload(
            name,
            &format!("list.{name}(dyn)"),
            LIST_TYPE,
            vec![DYN_TYPE],
            op,
        )?;
    }
    // regular expressions
    cel::add_member_overload!(env, fn find: (CelString, CelString) -> Result<CelString>)?;
    cel::add_member_overload!(env, fn find_all: (CelString, CelString) -> Result<CelList>)?;
    cel::add_member_overload!(env, fn find_all_n: (CelString, CelString, CelInt) -> Result<CelList>, name = "findAll")?;
    // IP addresses and CIDRs
    cel::add_overload!(env, fn ip: (CelString) -> Result<Ip>)?;
    cel::add_overload!(env, fn is_ip: (CelString) -> CelBool, name = "isIP")?;
    cel::add_overload!(env, fn is_canonical: (CelString) -> Result<CelBool>, name = "ip.isCanonical")?;
    cel::add_member_overload!(env, fn family: (Ip) -> CelInt)?;
    cel::add_member_overload!(env, fn is_unspecified: (Ip) -> CelBool)?;
    cel::add_member_overload!(env, fn is_loopback: (Ip) -> CelBool)?;
    cel::add_member_overload!(env, fn is_link_local_multicast: (Ip) -> CelBool)?;
    cel::add_member_overload!(env, fn is_link_local_unicast: (Ip) -> CelBool)?;
    cel::add_member_overload!(env, fn is_global_unicast: (Ip) -> CelBool)?;
    cel::add_overload!(env, fn ip_string: (Ip) -> CelString, name = "string")?;
    cel::add_overload!(env, fn cidr: (CelString) -> Result<Cidr>)?;
    cel::add_overload!(env, fn is_cidr: (CelString) -> CelBool, name = "isCIDR")?;
    cel::add_member_overload!(env, fn contains_ip: (Cidr, Ip) -> CelBool, name = "containsIP")?;
    cel::add_member_overload!(env, fn contains_ip_string: (Cidr, CelString) -> Result<CelBool>, name = "containsIP")?;
    cel::add_member_overload!(env, fn contains_cidr: (Cidr, Cidr) -> CelBool, name = "containsCIDR")?;
    cel::add_member_overload!(env, fn contains_cidr_string: (Cidr, CelString) -> Result<CelBool>, name = "containsCIDR")?;
    cel::add_member_overload!(env, fn cidr_ip: (Cidr) -> Ip, name = "ip")?;
    cel::add_member_overload!(env, fn masked: (Cidr) -> Cidr)?;
    cel::add_member_overload!(env, fn prefix_length: (Cidr) -> CelInt)?;
    cel::add_overload!(env, fn cidr_string: (Cidr) -> CelString, name = "string")?;
    // URLs
    cel::add_overload!(env, fn url: (CelString) -> Result<Url>)?;
    cel::add_overload!(env, fn is_url: (CelString) -> CelBool, name = "isURL")?;
    cel::add_member_overload!(env, fn get_scheme: (Url) -> CelString)?;
    cel::add_member_overload!(env, fn get_host: (Url) -> CelString)?;
    cel::add_member_overload!(env, fn get_hostname: (Url) -> CelString)?;
    cel::add_member_overload!(env, fn get_port: (Url) -> CelString)?;
    cel::add_member_overload!(env, fn get_escaped_path: (Url) -> CelString)?;
    cel::add_member_overload!(env, fn get_query: (Url) -> CelMap)?;
    Ok(())
}

macro_rules! opaque {
    ($ty:ident, $static:ident, $name:literal) => {
        static $static: Type = Type::new_unspecified_type($name);
        impl Val for $ty {
            fn get_type(&self) -> &Type {
                &$static
            }
            fn cel_type() -> &'static Type {
                &$static
            }
            fn equals(&self, other: &dyn Val) -> bool {
                other
                    .as_any()
                    .and_then(|o| o.downcast_ref::<$ty>())
                    .is_some_and(|o| o == self)
            }
            fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v> {
                Box::new(self.clone())
            }
            fn as_any(&self) -> Option<&dyn Any> {
                Some(self)
            }
        }
        impl StaticVal for $ty {}
    };
}

// ---------------------------------------------------------------- quantities

/// A `resource.Quantity`: `mantissa × 10^exponent`, exactly. Equality is
/// by value (`quantity('1') == quantity('1000m')`).
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    mantissa: i128,
    exponent: i32,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }
}

opaque!(Quantity, QUANTITY, "kubernetes.Quantity");

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Quantity {
    /// Parses as `resource.ParseQuantity`: a signed decimal number, then a
    /// binary suffix (`Ki`…`Ei`), a decimal one (`n`, `u`, `m`, none, `k`,
    /// `M`…`E`) or an exponent (`e3`, `E-2`). Below a nano it rounds up.
    pub fn parse(s: &str) -> Result<Quantity, String> {
        let bad = || {
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'".to_string()
        };
        if s.is_empty() {
            return Err(bad());
        }
        let (negative, rest) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_end);
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if (int_part.is_empty() && frac_part.is_empty())
            || frac_part.contains('.')
            || number.matches('.').count() > 1
        {
            return Err(bad());
        }
        let mut mantissa: i128 = 0;
        let mut exponent: i32 = 0;
        // digits beyond what i128 holds cannot change the value a quantity
        // keeps here; refuse them rather than round
        for c in int_part.chars().chain(frac_part.chars()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(c as u8 - b'0')))
                .ok_or_else(|| "quantity is too large".to_string())?;
        }
        exponent -= frac_part.len() as i32;
        let mut binary: u32 = 0;
        match suffix {
            "" => {}
            "n" => exponent -= 9,
            "u" => exponent -= 6,
            "m" => exponent -= 3,
            "k" => exponent += 3,
            "M" => exponent += 6,
            "G" => exponent += 9,
            "T" => exponent += 12,
            "P" => exponent += 15,
            "E" => exponent += 18,
            "Ki" => binary = 10,
            "Mi" => binary = 20,
            "Gi" => binary = 30,
            "Ti" => binary = 40,
            "Pi" => binary = 50,
            "Ei" => binary = 60,
            _ => {
                let exp = suffix
                    .strip_prefix('e')
                    .or_else(|| suffix.strip_prefix('E'))
                    .ok_or_else(bad)?;
                let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let e: i32 = exp.parse().map_err(|_| bad())?;
                exponent = exponent
                    .checked_add(e)
                    .ok_or_else(|| "quantity is too large".to_string())?;
            }
        }
        if binary > 0 {
            mantissa = mantissa
                .checked_mul(1i128 << binary)
                .ok_or_else(|| "quantity is too large".to_string())?;
        }
        if negative {
            mantissa = -mantissa;
        }
        let mut q = Quantity { mantissa, exponent };
        // Quantity keeps nothing below a nano: it rounds up (towards +∞)
        if q.exponent < -9 {
            let shift = (-9i64 - i64::from(q.exponent)) as u32;
            let d = pow10(shift).unwrap_or(i128::MAX);
            let (div, rem) = (q.mantissa / d, q.mantissa % d);
            q = Quantity {
                mantissa: if rem > 0 { div + 1 } else { div },
                exponent: -9,
            };
        }
        Ok(q)
    }

    /// Both as mantissas at one exponent, when they fit.
    fn aligned(&self, other: &Quantity) -> Option<(i128, i128, i32)> {
        let e = self.exponent.min(other.exponent);
        let shift = |x: i32| {
            u32::try_from(i64::from(x) - i64::from(e))
                .ok()
                .and_then(pow10)
        };
        let a = self.mantissa.checked_mul(shift(self.exponent)?)?;
        let b = other.mantissa.checked_mul(shift(other.exponent)?)?;
        Some((a, b, e))
    }

    fn as_f64(&self) -> f64 {
        self.mantissa as f64 * 10f64.powi(self.exponent)
    }

    fn cmp_value(&self, other: &Quantity) -> Ordering {
        match self.aligned(other) {
            Some((a, b, _)) => a.cmp(&b),
            None => self
                .as_f64()
                .partial_cmp(&other.as_f64())
                .unwrap_or(Ordering::Equal),
        }
    }

    fn as_i64(&self) -> Option<i64> {
        if self.exponent >= 0 {
            let v = self
                .mantissa
                .checked_mul(pow10(self.exponent.unsigned_abs())?)?;
            i64::try_from(v).ok()
        } else {
            let d = pow10(self.exponent.unsigned_abs())?;
            (self.mantissa % d == 0)
                .then(|| i64::try_from(self.mantissa / d).ok())
                .flatten()
        }
    }

    fn plus(&self, other: &Quantity, function: &str) -> Result<Quantity, ExecutionError> {
        let (a, b, e) = self
            .aligned(other)
            .ok_or_else(|| ExecutionError::function_error(function, "quantity overflow"))?;
        let m = a
            .checked_add(b)
            .ok_or_else(|| ExecutionError::function_error(function, "quantity overflow"))?;
        Ok(Quantity {
            mantissa: m,
            exponent: e,
        })
    }
}

fn quantity(s: &CelString<'_>) -> Result<Quantity, ExecutionError> {
    Quantity::parse(s.inner()).map_err(|e| ExecutionError::function_error("quantity", e))
}

fn is_quantity(s: &CelString<'_>) -> CelBool {
    Quantity::parse(s.inner()).is_ok().into()
}

fn is_integer(q: &Quantity) -> CelBool {
    q.as_i64().is_some().into()
}

fn as_integer(q: &Quantity) -> Result<CelInt, ExecutionError> {
    q.as_i64().map(CelInt::from).ok_or_else(|| {
        ExecutionError::function_error("asInteger", "cannot convert value to integer")
    })
}

fn as_approximate_float(q: &Quantity) -> CelDouble {
    q.as_f64().into()
}

fn is_greater_than(a: &Quantity, b: &Quantity) -> CelBool {
    (a.cmp_value(b) == Ordering::Greater).into()
}

fn is_less_than(a: &Quantity, b: &Quantity) -> CelBool {
    (a.cmp_value(b) == Ordering::Less).into()
}

fn compare_to(a: &Quantity, b: &Quantity) -> CelInt {
    (a.cmp_value(b) as i64).into()
}

fn add(a: &Quantity, b: &Quantity) -> Result<Quantity, ExecutionError> {
    a.plus(b, "add")
}

fn add_int(a: &Quantity, b: &CelInt) -> Result<Quantity, ExecutionError> {
    a.plus(
        &Quantity {
            mantissa: i128::from(*b.inner()),
            exponent: 0,
        },
        "add",
    )
}

fn sub(a: &Quantity, b: &Quantity) -> Result<Quantity, ExecutionError> {
    a.plus(
        &Quantity {
            mantissa: -b.mantissa,
            exponent: b.exponent,
        },
        "sub",
    )
}

fn sub_int(a: &Quantity, b: &CelInt) -> Result<Quantity, ExecutionError> {
    a.plus(
        &Quantity {
            mantissa: -i128::from(*b.inner()),
            exponent: 0,
        },
        "sub",
    )
}

// --------------------------------------------------------------------- lists

/// The elements of a list, each cloned (they are scalars here).
fn elements<'v>(
    args: &[CowVal<'_, 'v>],
    function: &str,
) -> Result<Vec<Box<dyn Val + 'v>>, ExecutionError> {
    let list = args
        .first()
        .and_then(|l| l.as_iterable())
        .ok_or_else(|| ExecutionError::function_error(function, "not a list"))?;
    let mut out = Vec::new();
    let mut it = list.iter();
    while let Some(v) = it.next() {
        out.push(v.clone_as_boxed());
    }
    Ok(out)
}

fn order(a: &dyn Val, b: &dyn Val, function: &str) -> Result<Ordering, ExecutionError> {
    a.as_comparer()
        .ok_or_else(|| ExecutionError::function_error(function, "elements are not comparable"))?
        .compare(b)
}

fn extreme<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    function: &str,
    keep: Ordering,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let items = elements(&args, function)?;
    let mut best: Option<Box<dyn Val + 'v>> = None;
    for v in items {
        best = match best {
            Some(b) if order(v.as_ref(), b.as_ref(), function)? != keep => Some(b),
            _ => Some(v),
        };
    }
    best.map(CowVal::Owned).ok_or_else(|| {
        ExecutionError::function_error(function, format!("{function} called on empty list"))
    })
}

/// `list.min()`: the least element; an error on an empty list.
fn min<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    extreme(args, "min", Ordering::Less)
}

/// `list.max()`: the greatest element; an error on an empty list.
fn max<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    extreme(args, "max", Ordering::Greater)
}

/// `list.sum()`: the elements added up, `0` for an empty list.
fn sum<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let mut total: Box<dyn Val + 'v> = Box::new(CelInt::from(0));
    for (i, v) in elements(&args, "sum")?.into_iter().enumerate() {
        total = if i == 0 {
            v
        } else {
            total
                .as_adder()
                .ok_or_else(|| ExecutionError::function_error("sum", "elements cannot be added"))?
                .add(v.as_ref())?
                .into_owned()
        };
    }
    Ok(CowVal::Owned(total))
}

/// `list.isSorted()`: each element no greater than the next.
fn is_sorted<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let items = elements(&args, "isSorted")?;
    for w in items.windows(2) {
        if order(w[0].as_ref(), w[1].as_ref(), "isSorted")? == Ordering::Greater {
            return Ok(CowVal::owned(CelBool::from(false)));
        }
    }
    Ok(CowVal::owned(CelBool::from(true)))
}

fn position<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    function: &str,
    last: bool,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let items = elements(&args, function)?;
    let needle = args
        .get(1)
        .ok_or_else(|| ExecutionError::invalid_argument_count(2, args.len()))?;
    let found = items.iter().map(|v| v.equals(needle.as_ref()));
    let index = if last {
        found.collect::<Vec<_>>().iter().rposition(|&b| b)
    } else {
        found.collect::<Vec<_>>().iter().position(|&b| b)
    };
    Ok(CowVal::owned(CelInt::from(index.map_or(-1, |i| i as i64))))
}

/// `list.indexOf(x)`: the first index of `x`, or -1.
fn index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    position(args, "indexOf", false)
}

/// `list.lastIndexOf(x)`: the last index of `x`, or -1.
fn last_index_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    position(args, "lastIndexOf", true)
}

// ------------------------------------------------------- regular expressions

fn regex(function: &str, re: &str) -> Result<regex::Regex, ExecutionError> {
    regex::Regex::new(re).map_err(|e| ExecutionError::function_error(function, e))
}

fn find(s: &CelString<'_>, re: &CelString<'_>) -> Result<CelString<'static>, ExecutionError> {
    let re = regex("find", re.inner())?;
    Ok(re
        .find(s.inner())
        .map(|m| m.as_str().to_string())
        .unwrap_or_default()
        .into())
}

fn find_all_limited(
    s: &str,
    re: &str,
    limit: Option<usize>,
) -> Result<CelList<'static>, ExecutionError> {
    let re = regex("findAll", re)?;
    let found: Vec<Box<dyn Val>> = re
        .find_iter(s)
        .take(limit.unwrap_or(usize::MAX))
        .map(|m| Box::new(CelString::from(m.as_str().to_string())) as Box<dyn Val>)
        .collect();
    Ok(found.into())
}

fn find_all(s: &CelString<'_>, re: &CelString<'_>) -> Result<CelList<'static>, ExecutionError> {
    find_all_limited(s.inner(), re.inner(), None)
}

fn find_all_n(
    s: &CelString<'_>,
    re: &CelString<'_>,
    n: &CelInt,
) -> Result<CelList<'static>, ExecutionError> {
    // a negative limit means no limit, as in Go
    let limit = usize::try_from(*n.inner()).ok();
    find_all_limited(s.inner(), re.inner(), limit)
}

// ------------------------------------------------------ IP addresses, CIDRs

/// An IP address (`net.netip.Addr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip(IpAddr);

opaque!(Ip, IP, "net.IP");

/// A CIDR: an address and a prefix length (`netip.Prefix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    bits: u8,
}

opaque!(Cidr, CIDR, "net.CIDR");

fn parse_ip(s: &str) -> Result<IpAddr, String> {
    if s.contains('%') {
        return Err(format!("IP address with zone value is not allowed: {s}"));
    }
    let addr: IpAddr = s
        .parse()
        .map_err(|_| format!("IP Address {s:?} parse error during conversion from string"))?;
    if let IpAddr::V6(v6) = addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("IPv4-mapped IPv6 address {s:?} is not allowed"));
    }
    Ok(addr)
}

fn ip(s: &CelString<'_>) -> Result<Ip, ExecutionError> {
    parse_ip(s.inner())
        .map(Ip)
        .map_err(|e| ExecutionError::function_error("ip", e))
}

fn is_ip(s: &CelString<'_>) -> CelBool {
    parse_ip(s.inner()).is_ok().into()
}

fn is_canonical(s: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    let addr =
        parse_ip(s.inner()).map_err(|e| ExecutionError::function_error("ip.isCanonical", e))?;
    Ok((addr.to_string() == s.inner()).into())
}

fn family(ip: &Ip) -> CelInt {
    match ip.0 {
        IpAddr::V4(_) => 4.into(),
        IpAddr::V6(_) => 6.into(),
    }
}

fn is_unspecified(ip: &Ip) -> CelBool {
    ip.0.is_unspecified().into()
}

fn is_loopback(ip: &Ip) -> CelBool {
    ip.0.is_loopback().into()
}

fn is_link_local_multicast(ip: &Ip) -> CelBool {
    match ip.0 {
        IpAddr::V4(a) => a.octets()[..3] == [224, 0, 0],
        IpAddr::V6(a) => a.segments()[0] & 0xff0f == 0xff02,
    }
    .into()
}

fn v4_link_local(a: Ipv4Addr) -> bool {
    a.octets()[..2] == [169, 254]
}

fn v6_link_local(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

fn is_link_local_unicast(ip: &Ip) -> CelBool {
    match ip.0 {
        IpAddr::V4(a) => v4_link_local(a),
        IpAddr::V6(a) => v6_link_local(a),
    }
    .into()
}

/// As Go's `IsGlobalUnicast`: not unspecified, loopback, multicast,
/// link-local or the IPv4 broadcast address.
fn is_global_unicast(ip: &Ip) -> CelBool {
    match ip.0 {
        IpAddr::V4(a) => {
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || v4_link_local(a)
                || a == Ipv4Addr::BROADCAST)
        }
        IpAddr::V6(a) => {
            !(a.is_unspecified() || a.is_loopback() || a.is_multicast() || v6_link_local(a))
        }
    }
    .into()
}

fn ip_string(ip: &Ip) -> CelString<'static> {
    ip.0.to_string().into()
}

fn parse_cidr(s: &str) -> Result<Cidr, String> {
    let (addr, bits) = s.split_once('/').ok_or_else(|| {
        format!("network address parse error during conversion from string: no '/' in {s:?}")
    })?;
    let addr = parse_ip(addr)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits: u8 = bits
        .parse()
        .ok()
        .filter(|b: &u8| {
            *b <= max && !bits.starts_with('+') && (bits == "0" || !bits.starts_with('0'))
        })
        .ok_or_else(|| {
            format!("network address parse error during conversion from string: bad bits in {s:?}")
        })?;
    Ok(Cidr { addr, bits })
}

fn mask(addr: IpAddr, bits: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let m = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

fn cidr(s: &CelString<'_>) -> Result<Cidr, ExecutionError> {
    parse_cidr(s.inner()).map_err(|e| ExecutionError::function_error("cidr", e))
}

fn is_cidr(s: &CelString<'_>) -> CelBool {
    parse_cidr(s.inner()).is_ok().into()
}

fn contains(c: &Cidr, addr: IpAddr) -> bool {
    addr.is_ipv4() == c.addr.is_ipv4() && mask(addr, c.bits) == mask(c.addr, c.bits)
}

fn contains_ip(c: &Cidr, ip: &Ip) -> CelBool {
    contains(c, ip.0).into()
}

fn contains_ip_string(c: &Cidr, s: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    let addr = parse_ip(s.inner()).map_err(|e| ExecutionError::function_error("containsIP", e))?;
    Ok(contains(c, addr).into())
}

fn contains_cidr(c: &Cidr, other: &Cidr) -> CelBool {
    (other.bits >= c.bits && contains(c, other.addr)).into()
}

fn contains_cidr_string(c: &Cidr, s: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    let other =
        parse_cidr(s.inner()).map_err(|e| ExecutionError::function_error("containsCIDR", e))?;
    Ok(contains_cidr(c, &other))
}

fn cidr_ip(c: &Cidr) -> Ip {
    Ip(c.addr)
}

fn masked(c: &Cidr) -> Cidr {
    Cidr {
        addr: mask(c.addr, c.bits),
        bits: c.bits,
    }
}

fn prefix_length(c: &Cidr) -> CelInt {
    i64::from(c.bits).into()
}

fn cidr_string(c: &Cidr) -> CelString<'static> {
    format!("{}/{}", c.addr, c.bits).into()
}

// ---------------------------------------------------------------------- URLs

/// A URL as Go's `url.Parse` splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    scheme: String,
    host: String,
    path: String,
    query: String,
}

opaque!(Url, URL, "kubernetes.URL");

fn valid_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// `url.ParseRequestURI`, then `url.Parse` for the parts: a URI with a
/// scheme (lowercased; `scheme:rest` without a `/` is opaque) or an
/// absolute path; no control characters, valid `%` escapes, a numeric
/// port.
fn parse_url(s: &str) -> Result<Url, String> {
    let err = |why: &str| format!("URL parse error during conversion from string: {why}");
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(err("invalid control character in URL"));
    }
    // ParseRequestURI keeps a fragment in the path; Parse drops it
    let request = s;
    let s = s.split_once('#').map_or(s, |(a, _)| a);
    let (scheme, rest) = if request.starts_with('/') {
        ("", s)
    } else {
        let colon = request
            .find(':')
            .ok_or_else(|| err("invalid URI for request"))?;
        let scheme = &request[..colon];
        let ok = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !ok {
            return Err(err("missing protocol scheme"));
        }
        let rest = &s[colon + 1..];
        if !rest.starts_with('/') {
            // a rootless URI (`mailto:a@b`) is opaque: no host, no path
            let query = rest.split_once('?').map_or("", |(_, q)| q);
            return Ok(Url {
                scheme: scheme.to_ascii_lowercase(),
                host: String::new(),
                path: String::new(),
                query: query.to_string(),
            });
        }
        (scheme, rest)
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, q),
        None => (rest, ""),
    };
    let (host, path) = match rest.strip_prefix("//") {
        Some(authority_path) if !scheme.is_empty() || request.starts_with("//") => {
            let end = authority_path.find('/').unwrap_or(authority_path.len());
            let (authority, path) = authority_path.split_at(end);
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            // the port, if any, is digits
            let port = if let Some(v6) = host.strip_prefix('[') {
                let close = v6.find(']').ok_or_else(|| err("missing ']' in host"))?;
                &v6[close + 1..]
            } else {
                host.rfind(':').map_or("", |i| &host[i..])
            };
            if let Some(p) = port.strip_prefix(':') {
                if !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err(&format!("invalid port {port:?} after host")));
                }
            } else if !port.is_empty() {
                return Err(err("invalid host"));
            }
            if host.contains(' ') {
                return Err(err("invalid character \" \" in host name"));
            }
            (host.to_string(), path)
        }
        _ => (String::new(), rest),
    };
    if !valid_escapes(path) || !valid_escapes(&host) {
        return Err(err("invalid URL escape"));
    }
    Ok(Url {
        scheme: scheme.to_ascii_lowercase(),
        host,
        path: path.to_string(),
        query: query.to_string(),
    })
}

fn url(s: &CelString<'_>) -> Result<Url, ExecutionError> {
    parse_url(s.inner()).map_err(|e| ExecutionError::function_error("url", e))
}

fn is_url(s: &CelString<'_>) -> CelBool {
    parse_url(s.inner()).is_ok().into()
}

fn get_scheme(u: &Url) -> CelString<'static> {
    u.scheme.clone().into()
}

fn get_host(u: &Url) -> CelString<'static> {
    u.host.clone().into()
}

/// The host without its port and IPv6 brackets.
fn hostname(host: &str) -> &str {
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

fn get_hostname(u: &Url) -> CelString<'static> {
    hostname(&u.host).to_string().into()
}

fn get_port(u: &Url) -> CelString<'static> {
    let h = hostname(&u.host);
    let rest = u.host.strip_prefix('[').map_or(&u.host[h.len()..], |_| {
        u.host.split_once(']').map_or("", |(_, r)| r)
    });
    rest.strip_prefix(':').unwrap_or("").to_string().into()
}

fn get_escaped_path(u: &Url) -> CelString<'static> {
    u.path.clone().into()
}

fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `url.Values` of the query: pairs split on `&` (a pair with `;` or a bad
/// escape dropped, as Go drops it), keys and values unescaped.
fn get_query(u: &Url) -> CelMap<'static> {
    let mut values: HashMap<String, Vec<String>> = HashMap::new();
    for pair in u.query.split('&').filter(|p| !p.is_empty()) {
        if pair.contains(';') {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (unescape(k), unescape(v)) else {
            continue;
        };
        values.entry(k).or_default().push(v);
    }
    let map: HashMap<CelMapKey<'static>, Box<dyn Val>> = values
        .into_iter()
        .map(|(k, vs)| {
            let list: Vec<Box<dyn Val>> = vs
                .into_iter()
                .map(|v| Box::new(CelString::from(v)) as Box<dyn Val>)
                .collect();
            (
                CelMapKey::from(k),
                Box::new(CelList::from(list)) as Box<dyn Val>,
            )
        })
        .collect();
    CelMap::from(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_and_compare_by_value() {
        let q = |s: &str| Quantity::parse(s).unwrap();
        assert_eq!(q("1"), q("1000m"));
        assert_eq!(q("1Ki"), q("1024"));
        assert_eq!(q("1.5Gi"), q("1536Mi"));
        assert_eq!(q("2e3"), q("2k"));
        assert_eq!(q("0.1n"), q("1n"), "below a nano rounds up");
        assert_eq!(q("-0.1n"), q("0"), "towards +∞");
        assert_eq!(q("1").cmp_value(&q("999m")), Ordering::Greater);
        assert_eq!(q("1.5").as_i64(), None);
        assert_eq!(q("1E").as_i64(), Some(1_000_000_000_000_000_000));
        assert_eq!(q("10Ei").as_i64(), None, "over int64");
        // extreme exponents compare and convert without overflow
        let (huge, tiny) = (q("1e2147483000"), q("1e-2147483000"));
        assert_eq!(huge.cmp_value(&tiny), Ordering::Greater);
        assert_eq!(huge.as_i64(), None);
        assert_eq!(tiny, q("1n"));
        assert!(Quantity::parse("1e-2147483648").is_ok());
        for bad in [
            "",
            "1K",
            "1Mib",
            " 1",
            "1.2.3",
            "1e",
            "e3",
            "+",
            ".",
            "1e99999999999",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ips_cidrs_and_urls_as_the_api_server_reads_them() {
        assert!(parse_ip("10.0.0.1").is_ok());
        assert!(parse_ip("fe80::1%eth0").is_err());
        assert!(parse_ip("::ffff:1.2.3.4").is_err());
        assert!(parse_ip("01.2.3.4").is_err());
        let c = parse_cidr("10.1.2.3/8").unwrap();
        assert!(contains(&c, "10.200.0.1".parse().unwrap()));
        assert!(!contains(&c, "::1".parse().unwrap()));
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("10.0.0.0/08").is_err());
        let u = parse_url("HTTPS://user@[::1]:8443/a%20b?x=1&x=2#frag").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.path.as_str()),
            ("https", "[::1]:8443", "/a%20b")
        );
        assert_eq!(hostname(&u.host), "::1");
        assert!(parse_url("example.com").is_err());
        assert!(parse_url("https://example.com:port/").is_err());
        assert!(parse_url("https://example.com/%zz").is_err());
        assert!(parse_url("mailto:a@example.com").is_ok());
    }
}
