//! String columns: one byte buffer with row boundaries, optionally
//! dictionary-encoded.

use std::sync::Arc;

/// A string column: all bytes in one buffer, with row boundaries. A
/// column with few distinct values can be dictionary-encoded: `offsets` and
/// `bytes` then hold the distinct values and `codes` the value of each row,
/// so filters, grouping and functions of the column work per distinct value.
#[derive(Debug, Clone)]
pub struct Strings {
    codes: Option<Arc<Vec<u32>>>,
    offsets: Arc<Vec<usize>>,
    bytes: Arc<String>,
}

impl Default for Strings {
    fn default() -> Strings {
        Strings { codes: None, offsets: Arc::new(vec![0]), bytes: Arc::new(String::new()) }
    }
}

/// Equal when the rows are equal, however they are encoded.
impl PartialEq for Strings {
    fn eq(&self, other: &Strings) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Strings {
    pub fn with_capacity(rows: usize, bytes: usize) -> Strings {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Strings { codes: None, offsets: Arc::new(offsets), bytes: Arc::new(String::with_capacity(bytes)) }
    }

    /// `n` empty strings.
    pub fn empty(n: usize) -> Strings {
        Strings { codes: None, offsets: Arc::new(vec![0; n + 1]), bytes: Arc::new(String::new()) }
    }

    /// Rows `codes` of `dictionary` (each code an index into it), kept encoded.
    pub fn from_dictionary(codes: Arc<Vec<u32>>, dictionary: &Strings) -> Strings {
        match &dictionary.codes {
            // A dictionary that is itself encoded: compose the codes.
            Some(inner) => {
                let codes = codes.iter().map(|&code| inner[code as usize]).collect();
                Strings { codes: Some(Arc::new(codes)), ..dictionary.clone() }
            }
            None => Strings { codes: Some(codes), ..dictionary.clone() },
        }
    }

    pub fn len(&self) -> usize {
        match &self.codes {
            Some(codes) => codes.len(),
            None => self.offsets.len() - 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, row: usize) -> &str {
        match &self.codes {
            Some(codes) => self.entry(codes[row] as usize),
            None => self.entry(row),
        }
    }

    fn entry(&self, index: usize) -> &str {
        &self.bytes[self.offsets[index]..self.offsets[index + 1]]
    }

    /// With dictionary encoding: the code of each row and the distinct values.
    pub fn dictionary(&self) -> Option<(&Arc<Vec<u32>>, Strings)> {
        let codes = self.codes.as_ref()?;
        Some((codes, Strings { codes: None, offsets: self.offsets.clone(), bytes: self.bytes.clone() }))
    }

    /// Distinct values held by the dictionary (`None` when not encoded).
    pub fn dictionary_len(&self) -> Option<usize> {
        self.codes.as_ref().map(|_| self.offsets.len() - 1)
    }

    /// Each row's dictionary code (`None` when not encoded).
    pub fn codes(&self) -> Option<&Arc<Vec<u32>>> {
        self.codes.as_ref()
    }

    /// Dictionary entry `index` (with [`Strings::codes`]).
    pub fn dictionary_entry(&self, index: usize) -> &str {
        self.entry(index)
    }

    /// Appends a row (a dictionary-encoded column is decoded first).
    pub fn push(&mut self, text: &str) {
        if self.codes.is_some() {
            *self = self.iter().collect();
        }
        let bytes = Arc::make_mut(&mut self.bytes);
        bytes.push_str(text);
        let end = bytes.len();
        Arc::make_mut(&mut self.offsets).push(end);
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// Bytes held (for memory accounting).
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
            + self.offsets.len() * std::mem::size_of::<usize>()
            + self.codes.as_ref().map_or(0, |codes| codes.len() * 4)
    }

    pub fn take(&self, indexes: &[usize]) -> Strings {
        if let Some(codes) = &self.codes {
            let codes = indexes.iter().map(|&i| codes[i]).collect();
            return Strings { codes: Some(Arc::new(codes)), ..self.clone() };
        }
        let total: usize = indexes.iter().map(|&i| self.offsets[i + 1] - self.offsets[i]).sum();
        let mut out = StringsBuilder::with_capacity(indexes.len(), total);
        for &i in indexes {
            out.push(self.entry(i));
        }
        out.finish()
    }

    pub fn filter(&self, mask: &[bool]) -> Strings {
        if let Some(codes) = &self.codes {
            let codes = codes.iter().zip(mask).filter(|(_, keep)| **keep).map(|(code, _)| *code).collect();
            return Strings { codes: Some(Arc::new(codes)), ..self.clone() };
        }
        let (rows, total) = mask
            .iter()
            .enumerate()
            .filter(|(_, keep)| **keep)
            .fold((0, 0), |(rows, total), (row, _)| (rows + 1, total + self.offsets[row + 1] - self.offsets[row]));
        let mut out = StringsBuilder::with_capacity(rows, total);
        for (row, keep) in mask.iter().enumerate() {
            if *keep {
                out.push(self.entry(row));
            }
        }
        out.finish()
    }
}

impl<'a> FromIterator<&'a str> for Strings {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Strings {
        let iter = iter.into_iter();
        let mut out = StringsBuilder::with_capacity(iter.size_hint().0, 0);
        for text in iter {
            out.push(text);
        }
        out.finish()
    }
}

/// Builds a plain string column one row at a time.
#[derive(Debug)]
pub struct StringsBuilder {
    offsets: Vec<usize>,
    bytes: String,
}

impl Default for StringsBuilder {
    fn default() -> StringsBuilder {
        StringsBuilder::with_capacity(0, 0)
    }
}

impl StringsBuilder {
    pub fn with_capacity(rows: usize, bytes: usize) -> StringsBuilder {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        StringsBuilder { offsets, bytes: String::with_capacity(bytes) }
    }

    pub fn push(&mut self, text: &str) {
        self.bytes.push_str(text);
        self.offsets.push(self.bytes.len());
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn finish(self) -> Strings {
        Strings { codes: None, offsets: Arc::new(self.offsets), bytes: Arc::new(self.bytes) }
    }
}
