//! A union-find whose root is always the lowest row of its set (the row a cluster keeps).

/// Disjoint sets of rows `0..n`, each named by its lowest row.
#[derive(Clone, Debug)]
pub struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    /// `n` rows, each in a set of its own.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }

    /// The lowest row of `row`'s set (paths are halved on the way).
    pub fn find(&mut self, mut row: usize) -> usize {
        while self.parent[row] != row {
            let grandparent = self.parent[self.parent[row]];
            self.parent[row] = grandparent;
            row = grandparent;
        }
        row
    }

    /// Joins the sets of `a` and `b`; the lower root becomes the root.
    pub fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[high] = low;
        }
    }
}
