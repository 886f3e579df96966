//! `dynamic` columns: a value tree per row, optionally dictionary-encoded.

use std::sync::Arc;

use crate::engine::value::Dyn;

/// A `dynamic` column: a value tree per row, optionally dictionary-encoded
/// like [`Strings`] (rows with the same JSON text share one tree).
#[derive(Debug, Clone, Default)]
pub struct Dyns {
    codes: Option<Arc<Vec<u32>>>,
    values: Arc<Vec<Dyn>>,
}

/// Equal when the rows are equal, however they are encoded.
impl PartialEq for Dyns {
    fn eq(&self, other: &Dyns) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Dyns {
    pub fn new(values: Vec<Dyn>) -> Dyns {
        Dyns { codes: None, values: Arc::new(values) }
    }

    /// Rows `codes` of `dictionary`, kept encoded.
    pub fn from_dictionary(codes: Arc<Vec<u32>>, dictionary: &Dyns) -> Dyns {
        match &dictionary.codes {
            Some(inner) => {
                let codes = codes.iter().map(|&code| inner[code as usize]).collect();
                Dyns { codes: Some(Arc::new(codes)), values: dictionary.values.clone() }
            }
            None => Dyns { codes: Some(codes), values: dictionary.values.clone() },
        }
    }

    pub fn len(&self) -> usize {
        match &self.codes {
            Some(codes) => codes.len(),
            None => self.values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, row: usize) -> &Dyn {
        match &self.codes {
            Some(codes) => &self.values[codes[row] as usize],
            None => &self.values[row],
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Dyn> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// With dictionary encoding: the code of each row and the distinct values.
    pub fn dictionary(&self) -> Option<(&Arc<Vec<u32>>, Dyns)> {
        let codes = self.codes.as_ref()?;
        Some((codes, Dyns { codes: None, values: self.values.clone() }))
    }

    /// Distinct values held by the dictionary (`None` when not encoded).
    pub fn dictionary_len(&self) -> Option<usize> {
        self.codes.as_ref().map(|_| self.values.len())
    }

    /// Approximate bytes held by the row handles and codes (not the trees).
    pub fn byte_len(&self) -> usize {
        self.values.len() * std::mem::size_of::<Dyn>() + self.codes.as_ref().map_or(0, |codes| codes.len() * 4)
    }

    pub fn take(&self, indexes: &[usize]) -> Dyns {
        match &self.codes {
            Some(codes) => {
                Dyns { codes: Some(Arc::new(indexes.iter().map(|&i| codes[i]).collect())), values: self.values.clone() }
            }
            None => Dyns::new(indexes.iter().map(|&i| self.values[i].clone()).collect()),
        }
    }

    pub fn filter(&self, mask: &[bool]) -> Dyns {
        match &self.codes {
            Some(codes) => Dyns {
                codes: Some(Arc::new(
                    codes.iter().zip(mask).filter(|(_, keep)| **keep).map(|(code, _)| *code).collect(),
                )),
                values: self.values.clone(),
            },
            None => Dyns::new(
                self.values.iter().zip(mask).filter(|(_, keep)| **keep).map(|(value, _)| value.clone()).collect(),
            ),
        }
    }
}

impl std::ops::Index<usize> for Dyns {
    type Output = Dyn;
    fn index(&self, row: usize) -> &Dyn {
        self.get(row)
    }
}

impl From<Vec<Dyn>> for Dyns {
    fn from(values: Vec<Dyn>) -> Dyns {
        Dyns::new(values)
    }
}

impl FromIterator<Dyn> for Dyns {
    fn from_iter<I: IntoIterator<Item = Dyn>>(iter: I) -> Dyns {
        Dyns::new(iter.into_iter().collect())
    }
}
