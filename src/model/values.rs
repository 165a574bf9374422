//! Value syntax nginx checks at startup: sizes, offsets, times, numbers,
//! following ngx_parse_size, ngx_parse_offset, ngx_parse_time and ngx_atoi.

/// `ngx_parse_size`: digits with an optional `k`/`K` or `m`/`M` suffix.
pub fn parse_size(s: &str) -> Option<u64> {
    parse_scaled(s, &[('k', 1 << 10), ('K', 1 << 10), ('m', 1 << 20), ('M', 1 << 20)])
}

/// A size the way one writes it in nginx.conf (`16k`, `1m`, `1000`).
pub fn format_size(bytes: u64) -> String {
    if bytes % (1 << 20) == 0 && bytes > 0 {
        format!("{}m", bytes >> 20)
    } else if bytes % 1024 == 0 && bytes > 0 {
        format!("{}k", bytes >> 10)
    } else {
        bytes.to_string()
    }
}

/// `ngx_parse_offset`: like a size, also with `g`/`G`.
pub fn parse_offset(s: &str) -> Option<u64> {
    parse_scaled(s, &[('k', 1 << 10), ('K', 1 << 10), ('m', 1 << 20), ('M', 1 << 20), ('g', 1 << 30), ('G', 1 << 30)])
}

fn parse_scaled(s: &str, units: &[(char, u64)]) -> Option<u64> {
    let (digits, scale) = match s.chars().last() {
        Some(c) => match units.iter().find(|(u, _)| *u == c) {
            Some((_, scale)) => (&s[..s.len() - 1], *scale),
            None => (s, 1),
        },
        None => return None,
    };
    parse_number(digits)?.checked_mul(scale)
}

/// `ngx_atoi`: one or more decimal digits.
pub fn parse_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `ngx_parse_time`: a sequence of number+unit pairs with units in
/// decreasing order (`1h30m`), the last unit optional (seconds). Units:
/// `y M w d h m s ms` (`ms` only where milliseconds are allowed). Returns
/// milliseconds.
pub fn parse_time(s: &str, allow_ms: bool) -> Option<u64> {
    const UNITS: [(&str, u64); 8] = [
        ("y", 365 * 86_400_000),
        ("M", 30 * 86_400_000),
        ("w", 7 * 86_400_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("ms", 1),
        ("m", 60_000),
        ("s", 1000),
    ];
    // Order of magnitude for the "decreasing units" check.
    let rank = |u: &str| ["y", "M", "w", "d", "h", "m", "s", "ms"].iter().position(|x| *x == u).unwrap_or(9);
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut last_rank = None;
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let value: u64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let unit = UNITS.iter().find(|(u, _)| rest.starts_with(u));
        let (unit, scale) = match unit {
            Some((u, scale)) => (*u, *scale),
            None if rest.is_empty() => ("s", 1000),
            None => return None,
        };
        if unit == "ms" && !allow_ms {
            return None;
        }
        let r = rank(unit);
        if last_rank.is_some_and(|l| r <= l) {
            return None;
        }
        last_rank = Some(r);
        rest = &rest[unit.len().min(rest.len())..];
        total = total.checked_add(value.checked_mul(scale)?)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4k"), Some(4096));
        assert_eq!(parse_size("1M"), Some(1 << 20));
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("10x"), None);
        assert_eq!(parse_size("1g"), None);
        assert_eq!(parse_offset("1g"), Some(1 << 30));
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("k"), None);
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("60s", true), Some(60_000));
        assert_eq!(parse_time("60", true), Some(60_000));
        assert_eq!(parse_time("1h30m", true), Some(5_400_000));
        assert_eq!(parse_time("500ms", true), Some(500));
        assert_eq!(parse_time("500ms", false), None);
        assert_eq!(parse_time("10q", true), None);
        assert_eq!(parse_time("30m1h", true), None);
        assert_eq!(parse_time("", true), None);
    }
}
