//! Searching and splitting `str`s at an ASCII byte: what `str::find`, `rfind`, `split_once` and `split`
//! do with a `char` pattern, as plain byte loops, which compile to a fraction of the WebAssembly code of
//! the standard library's searchers. An ASCII byte of UTF-8 text is always a whole character, so the
//! results are the same. And writing a number in decimal without `core::fmt`.

/// The index of the first `byte` in `s`.
pub(crate) fn find(s: &str, byte: u8) -> Option<usize> {
    s.bytes().position(|b| b == byte)
}

/// The index of the first occurrence of `needle` (which starts with an ASCII byte, so the index is a
/// character boundary) in `s`: `str::find` with a `&str` pattern, without the standard library's
/// two-way searcher.
pub(crate) fn find_str(s: &str, needle: &str) -> Option<usize> {
    s.as_bytes()
        .windows(needle.len().max(1))
        .position(|w| w == needle.as_bytes())
}

/// The index of the last `byte` in `s`.
pub(crate) fn rfind(s: &str, byte: u8) -> Option<usize> {
    s.bytes().rposition(|b| b == byte)
}

/// `s` before and after its first `byte`.
pub(crate) fn split_once(s: &str, byte: u8) -> Option<(&str, &str)> {
    let i = find(s, byte)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The pieces of `s` between occurrences of `byte`, as `str::split` gives them.
pub(crate) fn split(s: &str, byte: u8) -> Split<'_> {
    Split {
        rest: Some(s),
        byte,
    }
}

/// See [`split`].
pub(crate) struct Split<'a> {
    rest: Option<&'a str>,
    byte: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match split_once(rest, self.byte) {
            Some((piece, after)) => {
                self.rest = Some(after);
                Some(piece)
            }
            None => self.rest.take(),
        }
    }
}

/// Appends `n` in decimal (ASCII digits, no sign, no separators).
pub(crate) fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut rest = n;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(char::from(*d));
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn same_as_the_char_pattern_methods(s in "[a.;_é😀]{0,12}", byte in proptest::sample::select(vec![b'.', b';', b'_', b'a'])) {
            let c = char::from(byte);
            proptest::prop_assert_eq!(super::find(&s, byte), s.find(c));
            proptest::prop_assert_eq!(super::rfind(&s, byte), s.rfind(c));
            proptest::prop_assert_eq!(super::split_once(&s, byte), s.split_once(c));
            proptest::prop_assert_eq!(super::split(&s, byte).collect::<Vec<_>>(), s.split(c).collect::<Vec<_>>());
        }

        #[test]
        fn find_str_is_str_find(s in "[AS1é ]{0,16}", needle in proptest::sample::select(vec!["AADSTS", "A", "S1", " Trace", "AS é"])) {
            proptest::prop_assert_eq!(super::find_str(&s, needle), s.find(needle));
        }
    }
}
