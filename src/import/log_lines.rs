//! Text logs line by line: line numbers, line endings, and the lines that
//! cannot be text (invalid UTF-8, binary data, absurd lengths), which become
//! [`Problem`]s instead of stopping the import.

use crate::import::Problem;

/// The longest line a text log may have. Syslog relays cut messages far
/// shorter (rsyslog at 8 KiB by default, the Azure Monitor Agent at 64 KiB);
/// a longer "line" is almost surely a binary file or a missing line break.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The non-blank lines of `bytes` with their 1-based numbers, without line
/// endings or a leading byte order mark. Lines that are not text are left
/// out and reported in `problems`.
pub fn split_lines<'a>(bytes: &'a [u8], problems: &mut Vec<Problem>) -> Vec<(u64, &'a str)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines = Vec::new();
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let number = index as u64 + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE_BYTES {
            problems.push(Problem::skipped(
                number,
                format!("the line is {} bytes long, more than the {} a log line may have", line.len(), MAX_LINE_BYTES),
            ));
            continue;
        }
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(error) => {
                problems.push(Problem::skipped(
                    number,
                    format!("not UTF-8 text (invalid byte at column {})", error.valid_up_to() + 1),
                ));
                continue;
            }
        };
        if let Some(position) = text.find('\0') {
            problems.push(Problem::skipped(number, format!("binary data (a NUL byte at column {})", position + 1)));
            continue;
        }
        if !text.trim().is_empty() {
            lines.push((number, text));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_from_one_without_endings_or_blank_lines() {
        let mut problems = Vec::new();
        let lines = split_lines(b"\xEF\xBB\xBFfirst\r\n\n  \nfourth", &mut problems);
        assert_eq!(lines, vec![(1, "first"), (4, "fourth")]);
        assert!(problems.is_empty());
    }

    #[test]
    fn invalid_utf8_and_binary_lines_are_problems() {
        let mut problems = Vec::new();
        let lines = split_lines(b"good\nab\xFF\xFEcd\nx\0y\nalso good", &mut problems);
        assert_eq!(lines, vec![(1, "good"), (4, "also good")]);
        assert_eq!(
            problems,
            vec![
                Problem::skipped(2, "not UTF-8 text (invalid byte at column 3)"),
                Problem::skipped(3, "binary data (a NUL byte at column 2)"),
            ]
        );
    }

    #[test]
    fn an_overlong_line_is_a_problem() {
        let mut text = vec![b'a'; MAX_LINE_BYTES + 1];
        text.extend_from_slice(b"\nshort");
        let mut problems = Vec::new();
        let lines = split_lines(&text, &mut problems);
        assert_eq!(lines, vec![(2, "short")]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("more than the 1048576"), "{}", problems[0].message);
    }
}
