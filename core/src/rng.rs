//! A seeded pseudo-random generator for property tests: small, fast, and reproducible from its seed,
//! so a failing case names the seed that makes it again. Built for this crate's tests and, through the
//! `testing` feature, for the shell's.
//!
//! Never does: anything outside tests; nothing here is cryptographic.

/// xorshift64*: small, fast, and reproducible from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `text` damaged a few times: bytes changed, cut, duplicated or dropped.
    pub fn damage(&mut self, text: &[u8]) -> Vec<u8> {
        let mut out = text.to_vec();
        for _ in 0..1 + self.below(4) {
            let at = self.below(out.len() + 1);
            match self.below(5) {
                0 => out.truncate(at),
                1 if at < out.len() => out[at] = *self.pick(b"{}[]\",:\\0-9e\xff\x00 \n"),
                2 => out.splice(at..at, out[..at.min(64)].to_vec()).for_each(drop),
                3 if at < out.len() => {
                    out.remove(at);
                }
                _ => out
                    .splice(
                        at..at,
                        self.pick(&[&b"\\u0000"[..], b"1e400", b"null", b"[[[[", b"\"\\ud800\""]).iter().copied(),
                    )
                    .for_each(drop),
            }
        }
        out
    }
}
