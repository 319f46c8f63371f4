//! Token counting with tiktoken's `o200k_base` encoding: exact for current OpenAI models and a
//! close estimate for others. Encodings are compiled in; nothing is downloaded.

/// The number of tokens in `text`.
pub fn count(text: &str) -> usize {
    tiktoken_rs::o200k_base_singleton()
        .encode_with_special_tokens(text)
        .len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_tokens() {
        assert_eq!(super::count(""), 0);
        let n = super::count("Standard delivery to Brazil takes 15 to 25 business days.");
        assert!((8..20).contains(&n), "{n}");
    }
}
