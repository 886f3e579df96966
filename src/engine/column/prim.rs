//! Fixed-width values (numbers, times, guids, bools) with validity.

use std::sync::Arc;

/// Values of a fixed-width type and which of them are null. The buffers
/// are shared: cloning a column (e.g. to pass it to a function) is cheap.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prim<T> {
    pub values: Arc<Vec<T>>,
    /// `None` when no value is null; otherwise `valid[i]` is false for nulls.
    pub valid: Option<Arc<Vec<bool>>>,
}

impl<T: Copy + Default> Prim<T> {
    /// A column without nulls.
    pub fn new(values: Vec<T>) -> Prim<T> {
        Prim { values: Arc::new(values), valid: None }
    }

    /// Values with validity (`None`: no nulls).
    pub fn with_validity(values: Vec<T>, valid: Option<Vec<bool>>) -> Prim<T> {
        Prim { values: Arc::new(values), valid: valid.map(Arc::new) }
    }

    pub fn with_capacity(capacity: usize) -> Prim<T> {
        Prim::new(Vec::with_capacity(capacity))
    }

    /// `n` nulls.
    pub fn nulls(n: usize) -> Prim<T> {
        Prim::with_validity(vec![T::default(); n], Some(vec![false; n]))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn is_valid(&self, row: usize) -> bool {
        self.valid.as_ref().is_none_or(|valid| valid[row])
    }

    pub fn get(&self, row: usize) -> Option<T> {
        if self.is_valid(row) { Some(self.values[row]) } else { None }
    }

    pub fn push(&mut self, value: Option<T>) {
        match value {
            Some(value) => {
                Arc::make_mut(&mut self.values).push(value);
                if let Some(valid) = &mut self.valid {
                    Arc::make_mut(valid).push(true);
                }
            }
            None => {
                let len = self.values.len();
                Arc::make_mut(self.valid.get_or_insert_with(|| Arc::new(vec![true; len]))).push(false);
                Arc::make_mut(&mut self.values).push(T::default());
            }
        }
    }

    /// Rows at `indexes`, in that order.
    pub fn take(&self, indexes: &[usize]) -> Prim<T> {
        Prim::with_validity(
            indexes.iter().map(|&i| self.values[i]).collect(),
            self.valid.as_ref().map(|valid| indexes.iter().map(|&i| valid[i]).collect()),
        )
    }

    /// Rows at dictionary `codes`, in that order.
    pub fn take_codes(&self, codes: &[u32]) -> Prim<T> {
        Prim::with_validity(
            codes.iter().map(|&code| self.values[code as usize]).collect(),
            self.valid.as_ref().map(|valid| codes.iter().map(|&code| valid[code as usize]).collect()),
        )
    }

    /// Rows where `mask` is true.
    pub fn filter(&self, mask: &[bool]) -> Prim<T> {
        let values = self.values.iter().zip(mask).filter(|(_, keep)| **keep).map(|(v, _)| *v).collect();
        let valid = self
            .valid
            .as_ref()
            .map(|valid| valid.iter().zip(mask).filter(|(_, keep)| **keep).map(|(v, _)| *v).collect());
        Prim::with_validity(values, valid)
    }

    /// Iterates over the values (`None` for nulls).
    pub fn iter(&self) -> impl Iterator<Item = Option<T>> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }
}

impl<T: Copy + Default> FromIterator<Option<T>> for Prim<T> {
    fn from_iter<I: IntoIterator<Item = Option<T>>>(iter: I) -> Prim<T> {
        let iter = iter.into_iter();
        let mut prim = Prim::with_capacity(iter.size_hint().0);
        for value in iter {
            prim.push(value);
        }
        prim
    }
}
