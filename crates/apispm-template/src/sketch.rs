//! Small sketches whose state depends only on the multiset of inputs, never on their order, so
//! learners merge commutatively.

/// Seed-free 64-bit hash: the same bytes hash the same in every process and every learner,
/// which a sketch that is merged across workers needs (the map hasher is randomly seeded).
pub(crate) fn hash64(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ v).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = 0u64;
    for (i, &b) in chunks.remainder().iter().enumerate() {
        tail |= u64::from(b) << (8 * i);
    }
    h = (h ^ tail).wrapping_mul(K);
    // murmur3 finaliser: every input bit reaches every output bit
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

pub(crate) const CMS_WIDTH: usize = 256;
pub(crate) const CMS_DEPTH: usize = 3;

/// Count-min sketch of how often each child value was seen under one saturated node.
///
/// Linear (merging adds cells), so it is exactly commutative, unlike Misra-Gries or
/// Space-Saving whose summaries depend on arrival order. With 256 columns and 3 rows the
/// overestimate is below ~1% of the node's traffic with high probability, well under the
/// share at which a value is taken for a recurring constant.
#[derive(Clone)]
pub(crate) struct CountMin {
    cells: Box<[[u32; CMS_WIDTH]; CMS_DEPTH]>,
}

impl CountMin {
    pub(crate) fn new() -> CountMin {
        CountMin {
            cells: Box::new([[0; CMS_WIDTH]; CMS_DEPTH]),
        }
    }

    #[inline]
    fn slots(h: u64) -> [usize; CMS_DEPTH] {
        [
            (h & 0xFF) as usize,
            ((h >> 20) & 0xFF) as usize,
            ((h >> 40) & 0xFF) as usize,
        ]
    }

    #[inline]
    pub(crate) fn add(&mut self, key: &[u8], n: u64) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        for (row, s) in Self::slots(hash64(key)).into_iter().enumerate() {
            let c = &mut self.cells[row][s];
            *c = c.saturating_add(n);
        }
    }

    #[inline]
    pub(crate) fn estimate(&self, key: &[u8]) -> u64 {
        Self::slots(hash64(key))
            .into_iter()
            .enumerate()
            .map(|(row, s)| u64::from(self.cells[row][s]))
            .min()
            .unwrap_or(0)
    }

    pub(crate) fn cells(&self) -> &[[u32; CMS_WIDTH]; CMS_DEPTH] {
        &self.cells
    }

    pub(crate) fn from_cells(cells: [[u32; CMS_WIDTH]; CMS_DEPTH]) -> CountMin {
        CountMin {
            cells: Box::new(cells),
        }
    }

    pub(crate) fn merge(&mut self, other: &CountMin) {
        for (a, b) in self.cells.iter_mut().zip(other.cells.iter()) {
            for (x, y) in a.iter_mut().zip(b.iter()) {
                *x = x.saturating_add(*y);
            }
        }
    }

    pub(crate) const BYTES: usize = CMS_WIDTH * CMS_DEPTH * 4;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_and_spreads() {
        assert_eq!(hash64(b"users"), hash64(b"users"));
        assert_ne!(hash64(b"users"), hash64(b"user"));
        assert_ne!(hash64(b""), hash64(b"\0"));
    }

    #[test]
    fn count_min_never_underestimates_and_merges_linearly() {
        let mut a = CountMin::new();
        let mut b = CountMin::new();
        for i in 0..5000u32 {
            a.add(format!("v{i}").as_bytes(), 1);
        }
        a.add(b"me", 300);
        b.add(b"me", 200);
        a.merge(&b);
        let me = a.estimate(b"me");
        assert!((500..=560).contains(&me), "{me}");
        assert!(a.estimate(b"v17") >= 1);
        assert!(a.estimate(b"v17") < 60);
    }
}
