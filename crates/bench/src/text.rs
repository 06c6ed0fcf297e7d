//! Generated text that behaves like real text for a search engine: a large
//! vocabulary whose word frequencies follow Zipf's law (the word of rank `r`
//! is about `1/r` as frequent as the most frequent one), and queries on
//! words of middling frequency, as people search for topics, not for "the".

/// A small deterministic generator: the same seed gives the same numbers.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Distinct words in the texts.
pub const VOCABULARY: usize = 50_000;
/// Query words are drawn (log-uniformly) from these ranks: in the seeded
/// texts (posts of 8 to 48 words, comments of 4 to 24), the rank-100 word is
/// in about 1.5% of the texts, the rank-10,000 word in about 0.015%.
pub const QUERY_RANKS: (usize, usize) = (100, 10_000);

const ONSETS: &[&str] = &[
    "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "pl",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou"];
/// Letters that end a word and appear nowhere else in it, so no word is the
/// start of another: a query word (searched as a prefix) matches one word only.
const ENDINGS: &[&str] = &["x", "h", "w", "y", "j", "q", "c"];

/// The words and their cumulative Zipf weights.
pub struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    pub fn new() -> Self {
        let syllables: Vec<String> = ONSETS
            .iter()
            .flat_map(|o| VOWELS.iter().map(move |v| format!("{o}{v}")))
            .collect();
        let mut words = Vec::with_capacity(VOCABULARY);
        let mut cumulative = Vec::with_capacity(VOCABULARY);
        let mut total = 0.0;
        for rank in 0..VOCABULARY {
            // Frequent words are short, as in real languages.
            let mut n = rank;
            let mut word = String::new();
            loop {
                word.push_str(&syllables[n % syllables.len()]);
                n /= syllables.len();
                if n == 0 {
                    break;
                }
                n -= 1;
            }
            word.push_str(ENDINGS[rank % ENDINGS.len()]);
            words.push(word);
            total += 1.0 / (rank + 1) as f64;
            cumulative.push(total);
        }
        Vocabulary { words, cumulative }
    }

    /// A word drawn by its frequency in the texts.
    pub fn word(&self, rng: &mut Rng) -> &str {
        let target = rng.unit() * self.cumulative[self.cumulative.len() - 1];
        let rank = self.cumulative.partition_point(|&c| c <= target);
        &self.words[rank.min(self.words.len() - 1)]
    }

    pub fn sentence(&self, rng: &mut Rng, words: usize) -> String {
        let mut text = String::new();
        for i in 0..words {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(self.word(rng));
        }
        text
    }

    /// A word as people search for one: a rank in [`QUERY_RANKS`], log-uniform.
    pub fn query_word(&self, rng: &mut Rng) -> &str {
        let (low, high) = (QUERY_RANKS.0 as f64, QUERY_RANKS.1 as f64);
        let rank = (low * (high / low).powf(rng.unit())) as usize;
        &self.words[rank.min(self.words.len() - 1)]
    }

    /// Two query words, as one search.
    pub fn query(&self, rng: &mut Rng) -> String {
        format!("{} {}", self.query_word(rng), self.query_word(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_distinct_and_none_starts_another() {
        let vocabulary = Vocabulary::new();
        let words: std::collections::HashSet<&str> =
            vocabulary.words.iter().map(String::as_str).collect();
        assert_eq!(words.len(), VOCABULARY);
        for word in &vocabulary.words {
            let body = &word[..word.len() - 1];
            assert!(!ENDINGS.iter().any(|e| body.contains(e)), "{word}");
        }
    }

    #[test]
    fn frequencies_follow_zipf() {
        let vocabulary = Vocabulary::new();
        let mut rng = Rng::new(3);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..200_000 {
            *counts
                .entry(vocabulary.word(&mut rng).to_owned())
                .or_insert(0) += 1;
        }
        let first = counts[&vocabulary.words[0]] as f64;
        let tenth = counts[&vocabulary.words[9]] as f64;
        assert!((7.0..13.0).contains(&(first / tenth)), "{first} / {tenth}");
    }
}
