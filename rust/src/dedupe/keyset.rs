//! A compact set of 128-bit row keys.
//!
//! Keys are hash outputs, so they are already uniformly distributed: the set is one flat
//! open-addressing table of `u128` slots with linear probing, indexed by the key's low 64 bits
//! (no second hash). It grows by half when it is 80 % full, so it holds between 20 and 30
//! bytes per key (a `std::collections::HashSet<u128>` doubles, and so peaks near 39 bytes per key).
//! Slot value 0 means empty; the key 0 itself is kept in a flag.

const MAX_LOAD_PERCENT: usize = 80;
const MIN_SLOTS: usize = 16;

/// A set of 16-byte keys.
#[derive(Clone, Default)]
pub struct KeySet {
    slots: Vec<u128>,
    len: usize,
    has_zero: bool,
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for `keys` keys before it grows.
    pub fn with_capacity(keys: usize) -> Self {
        let mut set = Self::new();
        set.reserve(keys);
        set
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The memory the set holds, in bytes.
    pub fn nbytes(&self) -> usize {
        self.slots.capacity() * size_of::<u128>()
    }

    /// Whether `key` is in the set.
    pub fn contains(&self, key: u128) -> bool {
        if key == 0 {
            return self.has_zero;
        }
        if self.slots.is_empty() {
            return false;
        }
        let mut slot = self.home(key);
        loop {
            match self.slots[slot] {
                0 => return false,
                found if found == key => return true,
                _ => slot = self.next(slot),
            }
        }
    }

    /// Adds `key`; returns true if it was not there before.
    pub fn insert(&mut self, key: u128) -> bool {
        if key == 0 {
            let added = !self.has_zero;
            self.has_zero = true;
            self.len += usize::from(added);
            return added;
        }
        if (self.len + 1) * 100 > self.slots.len() * MAX_LOAD_PERCENT {
            self.grow(self.slots.len() / 2);
        }
        let mut slot = self.home(key);
        loop {
            match self.slots[slot] {
                0 => {
                    self.slots[slot] = key;
                    self.len += 1;
                    return true;
                }
                found if found == key => return false,
                _ => slot = self.next(slot),
            }
        }
    }

    /// Makes room for `additional` more keys without growing.
    pub fn reserve(&mut self, additional: usize) {
        let needed = (self.len + additional).saturating_mul(100) / MAX_LOAD_PERCENT + 1;
        if needed > self.slots.len() {
            self.grow(needed - self.slots.len());
        }
    }

    /// Every key, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = u128> + '_ {
        let zero = self.has_zero.then_some(0);
        zero.into_iter()
            .chain(self.slots.iter().copied().filter(|&k| k != 0))
    }

    fn grow(&mut self, extra: usize) {
        let size = (self.slots.len() + extra).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for key in old.into_iter().filter(|&k| k != 0) {
            let mut slot = self.home(key);
            while self.slots[slot] != 0 {
                slot = self.next(slot);
            }
            self.slots[slot] = key;
        }
    }

    /// The first slot to probe: the key's low 64 bits scaled onto the table (Lemire's
    /// multiply-shift, so any table size works).
    fn home(&self, key: u128) -> usize {
        let low = key & u128::from(u64::MAX);
        let slots = self.slots.len() as u128;
        usize::try_from((low * slots) >> 64).unwrap_or(0)
    }

    fn next(&self, slot: usize) -> usize {
        if slot + 1 == self.slots.len() {
            0
        } else {
            slot + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_report_new_keys_and_zero_is_a_key() {
        let mut set = KeySet::new();
        assert!(set.insert(0));
        assert!(!set.insert(0));
        for key in 1..1000u128 {
            assert!(set.insert(key * 0x9e37_79b9_7f4a_7c15));
        }
        assert_eq!(set.len(), 1000);
        assert!(!set.insert(5 * 0x9e37_79b9_7f4a_7c15));
        assert!(set.contains(0) && set.contains(999 * 0x9e37_79b9_7f4a_7c15));
        assert!(!set.contains(7));
        let mut keys: Vec<u128> = set.iter().collect();
        keys.sort_unstable();
        assert_eq!(keys.len(), 1000);
        assert_eq!(keys[0], 0);
    }

    #[test]
    fn memory_stays_within_32_bytes_per_key() {
        let mut set = KeySet::new();
        let mut state = 1u128;
        for n in 1..=200_000usize {
            state = state.wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645) + 1;
            set.insert(state);
            if n >= 1000 {
                assert!(set.nbytes() <= 32 * n, "{} bytes for {n}", set.nbytes());
            }
        }
    }
}
