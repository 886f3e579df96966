//! CSV records with the lines they span, read so that an unclosed quote
//! cannot silently swallow the rest of the file. The csv crate ends a
//! quoted value only at a quote, or at the end of the file: an unclosed
//! quote in the last column keeps the field count right and turns every
//! later line into that one value. [`CsvRecords`] keeps the raw text of the
//! record it reads, checks the quotes of records that span lines (and of
//! the last one), and after an unclosed quote reads the file again from the
//! line after the quote, as if the quote were text.

use std::io::Read;

use ::csv::{ByteRecord, Reader, ReaderBuilder};

/// The raw text kept before the record being read is dropped once it is
/// this long, so the window stays small and dropping it stays cheap.
const WINDOW_KEPT: usize = 64 * 1024;

/// A record's lines and what its quotes say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLines {
    /// The 1-based line the record starts on (after blank lines).
    pub line: u64,
    /// The line it ends on: later than `line` when a quoted value holds line ends.
    pub last_line: u64,
    pub quote: Option<QuoteTrouble>,
}

/// A quoted value that most likely lacks its closing quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteTrouble {
    /// The value opened on line `opened` is still open at the end of the
    /// file. The record is left out and the lines after `opened` are read
    /// again as records.
    Unclosed { field: usize, opened: u64 },
    /// The value opened on line `opened` spans lines and is closed on line
    /// `closed` by a quote with text right after it: in a well-formed file
    /// that quote would open a value, so the one on line `opened` was most
    /// likely never closed. The record is left out and the lines after
    /// `opened` are read again as records.
    ClosedInText { field: usize, opened: u64, closed: u64 },
    /// The value's lines `from` to `to` each read as a record of the
    /// header's field count: most likely an unclosed quote whose value ends
    /// at a stray quote. Only a guess, so the record is kept as read.
    HoldsRecords { field: usize, from: u64, to: u64 },
}

impl QuoteTrouble {
    /// Whether the record is left out (and the lines after the quote read again).
    pub fn skips(&self) -> bool {
        !matches!(self, QuoteTrouble::HoldsRecords { .. })
    }
}

/// Reads the records of a CSV source with their lines (see the module
/// documentation). Records of any length are read; checking them against
/// the header is the caller's work.
pub struct CsvRecords<R: Read> {
    /// Always there; an option only so that a restart can take it apart.
    reader: Option<Reader<Tap<R>>>,
    /// The file's line before the current stream's first line: a stream
    /// read again after an unclosed quote starts later in the file.
    line_offset: u64,
    /// The header's field count once known; 0 leaves out the
    /// [`QuoteTrouble::HoldsRecords`] check.
    header_fields: usize,
}

impl<R: Read> CsvRecords<R> {
    pub fn new(source: R) -> CsvRecords<R> {
        CsvRecords { reader: Some(csv_reader(Tap::new(Vec::new(), source))), line_offset: 0, header_fields: 0 }
    }

    /// Sets the header's field count, which the guess at records swallowed
    /// by a quoted value needs.
    pub fn set_header_fields(&mut self, count: usize) {
        self.header_fields = count;
    }

    /// Reads the next record into `record`; `None` at the end of the file.
    /// A record whose [`QuoteTrouble::skips`] has its lines after the quote
    /// read again by the following calls.
    pub fn read(&mut self, record: &mut ByteRecord) -> Result<Option<RecordLines>, ::csv::Error> {
        let reader = self.reader.as_mut().expect("a reader is put back after every restart");
        let next = reader.position().byte();
        reader.get_mut().drop_before(next);
        if !reader.read_byte_record(record)? {
            return Ok(None);
        }
        let start = record.position().expect("the csv crate gives every record read its position").clone();
        let end = reader.position().clone();
        let tap = reader.get_ref();
        let raw = tap.slice(start.byte(), end.byte());
        // The csv crate places a record at the line end before it (the `\n`
        // of a CRLF file, and blank lines skipped), and drops a UTF-8 byte
        // order mark at the start.
        let bom = if start.byte() == 0 && raw.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let leading = bom + raw[bom..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        let leading_lines = memchr::memchr_iter(b'\n', &raw[..leading]).count() as u64;
        let line = self.line_offset + start.line() + leading_lines;
        let body = &raw[leading..];
        let ends_with_newline = body.last() == Some(&b'\n');
        let body = body.strip_suffix(b"\n").unwrap_or(body);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        // Line ends inside the record, from the csv crate's line count.
        let inner_lines =
            end.line().saturating_sub(start.line()).saturating_sub(leading_lines + u64::from(ends_with_newline));
        let at_end = tap.at_eof && end.byte() == tap.end();
        let mut lines = RecordLines { line, last_line: line + inner_lines, quote: None };
        if inner_lines == 0 && !at_end {
            return Ok(Some(lines));
        }
        let scan = scan_quotes(body);
        let line_at = |offset: usize| line + memchr::memchr_iter(b'\n', &body[..offset]).count() as u64;
        let restart_after = match scan.trouble {
            Some(Trouble::Unclosed { field, opened }) => {
                lines.quote = Some(QuoteTrouble::Unclosed { field, opened: line_at(opened) });
                Some(opened)
            }
            Some(Trouble::ClosedInText { field, opened, closed }) => {
                lines.quote =
                    Some(QuoteTrouble::ClosedInText { field, opened: line_at(opened), closed: line_at(closed) });
                Some(opened)
            }
            None => {
                lines.quote = holds_records(body, &scan.spanning, self.header_fields, &line_at);
                None
            }
        };
        // Read again from the line after the opening quote; a quote on the
        // last line has no lines after it, and the file is at its end.
        let restart = restart_after.and_then(|opened| {
            let newline = memchr::memchr(b'\n', &body[opened..])?;
            Some((start.byte() + (leading + opened + newline + 1) as u64, line_at(opened)))
        });
        if let Some((from, line_before)) = restart {
            self.restart(from, line_before);
        }
        Ok(Some(lines))
    }

    /// Goes on reading from byte `from` of the current stream, whose first
    /// line is file line `line_before + 1`.
    fn restart(&mut self, from: u64, line_before: u64) {
        let old = self.reader.take().expect("a reader is put back after every restart").into_inner();
        let mut prefix = old.slice(from, old.end()).to_vec();
        prefix.extend_from_slice(&old.prefix[old.prefix_at..]);
        self.reader = Some(csv_reader(Tap::new(prefix, old.inner)));
        self.line_offset = line_before;
    }
}

/// The first quoted value spanning lines whose every further line reads
/// as a record of the header's field count (at least two such lines):
/// a [`QuoteTrouble::HoldsRecords`] guess. A header of one field says nothing.
fn holds_records(
    body: &[u8],
    spanning: &[(usize, usize, usize)],
    header_fields: usize,
    line_at: &dyn Fn(usize) -> u64,
) -> Option<QuoteTrouble> {
    if header_fields < 2 {
        return None;
    }
    spanning.iter().find_map(|&(field, opened, closed)| {
        let first = opened + memchr::memchr(b'\n', &body[opened..])? + 1;
        let last = memchr::memchr(b'\n', &body[closed..]).map_or(body.len(), |at| closed + at);
        let mut count = 0;
        for text in body[first..last].split(|b| *b == b'\n') {
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if scan_quotes(text).fields != header_fields {
                return None;
            }
            count += 1;
        }
        (count >= 2).then(|| QuoteTrouble::HoldsRecords { field, from: line_at(first), to: line_at(last) })
    })
}

/// The csv crate's reader as the importers use it: no header (the caller
/// reads it as the first record), records of any length.
fn csv_reader<R: Read>(source: R) -> Reader<R> {
    ReaderBuilder::new().has_headers(false).flexible(true).from_reader(source)
}

/// A source that keeps the bytes the CSV reader took from it since the
/// record being read started, served after `prefix`: the text read again
/// after an unclosed quote.
struct Tap<R> {
    prefix: Vec<u8>,
    prefix_at: usize,
    inner: R,
    /// Bytes handed out, from stream offset `window_start` on.
    window: Vec<u8>,
    window_start: u64,
    /// Whether a read has returned nothing: the end of the stream.
    at_eof: bool,
}

impl<R> Tap<R> {
    fn new(prefix: Vec<u8>, inner: R) -> Tap<R> {
        Tap { prefix, prefix_at: 0, inner, window: Vec::new(), window_start: 0, at_eof: false }
    }

    /// The stream offset after the last byte handed out.
    fn end(&self) -> u64 {
        self.window_start + self.window.len() as u64
    }

    /// The bytes handed out from stream offset `from` to `to`.
    fn slice(&self, from: u64, to: u64) -> &[u8] {
        let at = |offset: u64| (offset.saturating_sub(self.window_start) as usize).min(self.window.len());
        &self.window[at(from)..at(to).max(at(from))]
    }

    /// Forgets the bytes before stream offset `offset` once there are enough
    /// of them to be worth moving the rest.
    fn drop_before(&mut self, offset: u64) {
        let dead = (offset.saturating_sub(self.window_start) as usize).min(self.window.len());
        if dead >= WINDOW_KEPT {
            self.window.drain(..dead);
            self.window_start += dead as u64;
        }
    }
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = if self.prefix_at < self.prefix.len() {
            let n = (self.prefix.len() - self.prefix_at).min(buffer.len());
            buffer[..n].copy_from_slice(&self.prefix[self.prefix_at..self.prefix_at + n]);
            self.prefix_at += n;
            n
        } else {
            self.inner.read(buffer)?
        };
        if n == 0 && !buffer.is_empty() {
            self.at_eof = true;
        }
        self.window.extend_from_slice(&buffer[..n]);
        Ok(n)
    }
}

/// What [`scan_quotes`] finds, by byte offsets into the scanned text.
#[derive(Debug, Default)]
struct Scan {
    /// How many fields the text holds (at least one).
    fields: usize,
    trouble: Option<Trouble>,
    /// Quoted values that hold a line end: (field, opening quote, closing quote).
    spanning: Vec<(usize, usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trouble {
    Unclosed { field: usize, opened: usize },
    ClosedInText { field: usize, opened: usize, closed: usize },
}

/// Reads the quotes of one record's text (its line end left off) as the
/// csv crate does (RFC 4180: a value that starts with `"` is quoted, `""`
/// in it is a quote, and a quote followed by other text ends the quoting
/// but not the value). Stops at the first quote that closes a value
/// spanning lines with text after it.
fn scan_quotes(text: &[u8]) -> Scan {
    #[derive(Clone, Copy)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        /// After a quote inside a quoted value: `""`, the end, or trouble.
        QuoteInQuoted,
    }
    let mut scan = Scan { fields: 1, ..Scan::default() };
    let mut state = State::FieldStart;
    let mut opened = 0;
    let mut spans_lines = false;
    for (offset, &byte) in text.iter().enumerate() {
        state = match (state, byte) {
            (State::FieldStart, b'"') => {
                opened = offset;
                spans_lines = false;
                State::Quoted
            }
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b',') => {
                if matches!(state, State::QuoteInQuoted) && spans_lines {
                    scan.spanning.push((scan.fields - 1, opened, offset - 1));
                }
                scan.fields += 1;
                State::FieldStart
            }
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, byte) => {
                spans_lines |= byte == b'\n';
                State::Quoted
            }
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::QuoteInQuoted, _) if spans_lines => {
                scan.trouble = Some(Trouble::ClosedInText { field: scan.fields - 1, opened, closed: offset - 1 });
                return scan;
            }
            (State::QuoteInQuoted, _) => State::Unquoted,
        };
    }
    match state {
        State::Quoted => scan.trouble = Some(Trouble::Unclosed { field: scan.fields - 1, opened }),
        State::QuoteInQuoted if spans_lines => scan.spanning.push((scan.fields - 1, opened, text.len() - 1)),
        _ => {}
    }
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record's lines, quote trouble and fields.
    fn read_all(text: &str) -> Vec<(RecordLines, Vec<String>)> {
        let mut records = CsvRecords::new(text.as_bytes());
        records.set_header_fields(2);
        let mut record = ByteRecord::new();
        let mut out = Vec::new();
        while let Some(lines) = records.read(&mut record).expect("reads") {
            out.push((lines, record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect()));
        }
        out
    }

    fn lines(line: u64, last_line: u64, quote: Option<QuoteTrouble>) -> RecordLines {
        RecordLines { line, last_line, quote }
    }

    #[test]
    fn records_know_their_lines_after_blank_lines_and_with_crlf() {
        let read = read_all("a,b\r\n1,x\r\n\r\n2,\"y\r\nz\"\r\n3,w");
        let found: Vec<RecordLines> = read.into_iter().map(|(lines, _)| lines).collect();
        assert_eq!(found, vec![lines(1, 1, None), lines(2, 2, None), lines(4, 5, None), lines(6, 6, None)]);
    }

    #[test]
    fn an_unclosed_quote_in_the_last_column_is_read_again_from_the_next_line() {
        let read = read_all("a,b\n1,\"x\n2,y\n3,z\n");
        assert_eq!(read[1].0, lines(2, 4, Some(QuoteTrouble::Unclosed { field: 1, opened: 2 })));
        assert_eq!(read[2], (lines(3, 3, None), vec!["2".to_string(), "y".to_string()]));
        assert_eq!(read[3], (lines(4, 4, None), vec!["3".to_string(), "z".to_string()]));
        assert_eq!(read.len(), 4);
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_a_quote() {
        let read = read_all("\u{feff}\"a,b\n1,2\n");
        assert_eq!(read[0].0, lines(1, 2, Some(QuoteTrouble::Unclosed { field: 0, opened: 1 })));
        assert_eq!(read[1], (lines(2, 2, None), vec!["1".to_string(), "2".to_string()]));
    }

    #[test]
    fn an_unclosed_quote_on_the_last_line_is_found() {
        let read = read_all("a,b\n1,x\n2,\"y");
        assert_eq!(read[2].0, lines(3, 3, Some(QuoteTrouble::Unclosed { field: 1, opened: 3 })));
        assert_eq!(read.len(), 3);
        // A closed quote at the end of the file is fine.
        assert_eq!(read_all("a,b\n2,\"y\"")[1].0, lines(2, 2, None));
    }

    #[test]
    fn a_quote_closing_a_value_with_text_after_it_is_trouble() {
        let read = read_all("a,b\n1,\"x\n2,y\n3,\"z\"\n4,w\n");
        assert_eq!(read[1].0, lines(2, 4, Some(QuoteTrouble::ClosedInText { field: 1, opened: 2, closed: 4 })));
        let rest: Vec<(u64, Vec<String>)> = read[2..].iter().map(|(l, f)| (l.line, f.clone())).collect();
        assert_eq!(
            rest,
            vec![
                (3, vec!["2".into(), "y".into()]),
                (4, vec!["3".into(), "z".into()]),
                (5, vec!["4".into(), "w".into()]),
            ]
        );
    }

    #[test]
    fn a_value_whose_lines_read_as_records_is_a_kept_guess() {
        let read = read_all("a,b\n1,\"x\n2,y\n3,z\"\n4,w\n");
        assert_eq!(read[1].0, lines(2, 4, Some(QuoteTrouble::HoldsRecords { field: 1, from: 3, to: 4 })));
        assert_eq!(read.len(), 3);
        // One such line is not enough, and prose is not records.
        assert_eq!(read_all("a,b\n1,\"x\n2,y\"\n")[1].0, lines(2, 3, None));
        assert_eq!(read_all("a,b\n1,\"one\ntwo\nthree\"\n")[1].0, lines(2, 4, None));
    }

    #[test]
    fn well_formed_values_spanning_lines_are_fine() {
        let read = read_all("a,b\n\"1\n1\",\"x \"\"y\"\"\nz\"\n2,w\n");
        assert_eq!(read[1], (lines(2, 4, None), vec!["1\n1".to_string(), "x \"y\"\nz".to_string()]));
        assert_eq!(read[2].0, lines(5, 5, None));
    }

    #[test]
    fn many_unclosed_quotes_each_read_again() {
        let text = format!("a,b\n{}", "1,\"x\n".repeat(1000));
        let read = read_all(&text);
        assert_eq!(read.len(), 1001);
        assert!(read[1..1000].iter().all(|(lines, _)| matches!(lines.quote, Some(QuoteTrouble::ClosedInText { .. }))));
        assert_eq!(read[1000].0, lines(1001, 1001, Some(QuoteTrouble::Unclosed { field: 1, opened: 1001 })));
    }
}
