//! First fit and next fit in feed order: axolotl's `pack_group` and `allocate_sequentially`.
//!
//! Axolotl's `pack_group` scans its bins left to right for each sample (`O(n * bins)`). A
//! [`FitTree`] finds the same bin, the leftmost open one with room and fewer than the per-bin
//! limit of samples, in `O(log bins)`: a segment tree of the bins' remaining capacities.
//! [`grouped`] runs it over independent groups, as `pack_parallel` does.

/// A value below every length: the capacity of a bin that takes nothing more.
const CLOSED: i64 = -1;

/// Open bins in opening order, searched for the leftmost one with room.
#[derive(Debug)]
pub struct FitTree {
    /// Leaves `leaves..2 * leaves` hold each bin's remaining capacity ([`CLOSED`] when full
    /// or not yet opened); node `i` holds the maximum of nodes `2i` and `2i + 1`.
    tree: Vec<i64>,
    leaves: usize,
    /// Entries per opened bin.
    counts: Vec<usize>,
    max_length: i64,
    limit: usize,
}

impl FitTree {
    /// No bins yet; bins hold `max_length` tokens and `limit` entries.
    pub fn new(max_length: u64, limit: usize) -> Self {
        let leaves = 64;
        FitTree {
            tree: vec![CLOSED; 2 * leaves],
            leaves,
            counts: Vec::new(),
            max_length: i64::try_from(max_length).unwrap_or(i64::MAX),
            limit,
        }
    }

    /// Bins opened so far.
    pub fn num_bins(&self) -> usize {
        self.counts.len()
    }

    /// Puts a piece of `len` tokens (at most `max_length`) in the leftmost bin with room,
    /// opening one if none has, and returns that bin.
    pub fn place(&mut self, len: u64) -> usize {
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        let (bin, capacity) = if self.tree[1] >= len {
            let mut node = 1;
            while node < self.leaves {
                node = if self.tree[2 * node] >= len {
                    2 * node
                } else {
                    2 * node + 1
                };
            }
            (node - self.leaves, self.tree[node])
        } else {
            self.open()
        };
        self.counts[bin] += 1;
        let left = if self.counts[bin] >= self.limit {
            CLOSED
        } else {
            capacity - len
        };
        self.set(bin, left);
        bin
    }

    fn open(&mut self) -> (usize, i64) {
        let bin = self.counts.len();
        if bin == self.leaves {
            self.grow();
        }
        self.counts.push(0);
        (bin, self.max_length)
    }

    fn set(&mut self, bin: usize, value: i64) {
        let mut node = bin + self.leaves;
        self.tree[node] = value;
        while node > 1 {
            node /= 2;
            let max = self.tree[2 * node].max(self.tree[2 * node + 1]);
            if self.tree[node] == max {
                break;
            }
            self.tree[node] = max;
        }
    }

    fn grow(&mut self) {
        let leaves = self.leaves * 2;
        let mut tree = vec![CLOSED; 2 * leaves];
        tree[leaves..leaves + self.leaves].copy_from_slice(&self.tree[self.leaves..]);
        for node in (1..leaves).rev() {
            tree[node] = tree[2 * node].max(tree[2 * node + 1]);
        }
        self.tree = tree;
        self.leaves = leaves;
    }
}

/// Axolotl's `pack_parallel`: first fit over consecutive groups of `group_size` pieces, each
/// group into its own bins, numbered group after group. Returns the bin of every piece and the
/// number of bins.
pub fn grouped(
    lens: &[u64],
    max_length: u64,
    limit: usize,
    group_size: usize,
) -> (Vec<u32>, usize) {
    let mut assignment = Vec::with_capacity(lens.len());
    let mut bins = 0;
    for group in lens.chunks(group_size.max(1)) {
        let mut tree = FitTree::new(max_length, limit);
        assignment.extend(group.iter().map(|&len| bin_id(bins + tree.place(len))));
        bins += tree.num_bins();
    }
    (assignment, bins)
}

/// Next fit: each piece goes in the last bin if it has room and fewer than `limit` entries,
/// else in a new bin. Returns the bin of every piece and the number of bins.
pub fn next_fit(lens: &[u64], max_length: u64, limit: usize) -> (Vec<u32>, usize) {
    let mut assignment = Vec::with_capacity(lens.len());
    let mut bins = 0;
    let (mut room, mut count) = (0u64, 0usize);
    for &len in lens {
        if bins == 0 || len > room || count >= limit {
            bins += 1;
            room = max_length;
            count = 0;
        }
        room -= len;
        count += 1;
        assignment.push(bin_id(bins - 1));
    }
    (assignment, bins)
}

/// Bins never outnumber pieces, which [`super::items::MAX_PIECES`] keeps within `u32`.
pub(crate) fn bin_id(bin: usize) -> u32 {
    u32::try_from(bin).unwrap_or(u32::MAX)
}
