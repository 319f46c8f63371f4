//! Text normalisation shared by the stages that compare words: language detection, the decision
//! cues, market names and the n-gram vectors of retrieval all see text through these functions,
//! so "Envío", "envio" and "ENVIO" are one word everywhere.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lowercases and removes Latin accents, Vietnamese tone marks and Arabic harakat, and maps the
/// letters that have no decomposition (đ, ø, ł, ß) to their plain forms. Thai vowel and tone
/// marks are also combining marks but are letters of the word: they are kept.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) && !is_thai(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'ß' => out.push_str("ss"),
            'ı' => out.push('i'),
            // Phones type a curly apostrophe ("haven’t"); the lists use the straight one.
            '’' | 'ʼ' | '‘' => out.push('\''),
            // Arabic tatweel only stretches a word.
            '\u{0640}' => {}
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn is_thai(c: char) -> bool {
    ('\u{0E00}'..='\u{0E7F}').contains(&c)
}

/// True for scripts written without spaces between words, where a word or cue is found as a
/// substring rather than as a whole token.
pub fn is_unspaced(c: char) -> bool {
    is_thai(c)
        || ('\u{3040}'..='\u{30FF}').contains(&c) // kana
        || ('\u{3400}'..='\u{9FFF}').contains(&c) // CJK ideographs
        || ('\u{F900}'..='\u{FAFF}').contains(&c)
        || ('\u{0E80}'..='\u{0EFF}').contains(&c) // Lao
        || ('\u{1000}'..='\u{109F}').contains(&c) // Myanmar
        || ('\u{1780}'..='\u{17FF}').contains(&c) // Khmer
}

/// Splits folded text into words: runs of letters, digits, apostrophes inside words, and marks.
/// Unspaced scripts come out as one run each; callers that need finer pieces use n-grams.
pub fn words(folded: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let bytes: Vec<(usize, char)> = folded.char_indices().collect();
    for (i, &(pos, c)) in bytes.iter().enumerate() {
        let inner_apostrophe = (c == '\'' || c == '’')
            && start.is_some()
            && bytes.get(i + 1).is_some_and(|&(_, n)| n.is_alphanumeric());
        let word_char = c.is_alphanumeric() || is_combining_mark(c) || inner_apostrophe;
        match (word_char, start) {
            (true, None) => start = Some(pos),
            (false, Some(s)) => {
                out.push(&folded[s..pos]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&folded[s..]);
    }
    out
}

/// Collapses runs of three or more identical characters to one ("niceee" -> "nice",
/// "wowww" -> "wow"), the way chat stretches words for emphasis.
pub fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let mut j = i;
        while j < chars.len() && chars[j] == c {
            j += 1;
        }
        let run = j - i;
        let keep = if run >= 3 { 1 } else { run };
        for _ in 0..keep {
            out.push(c);
        }
        i = j;
    }
    out
}

/// True when a character carries no words: emoji, symbols, punctuation, spaces.
pub fn is_wordless(c: char) -> bool {
    !(c.is_alphanumeric() || is_combining_mark(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_accents_and_case() {
        assert_eq!(fold("Envío RÁPIDO"), "envio rapido");
        assert_eq!(fold("Giao hàng đến Việt Nam"), "giao hang den viet nam");
        assert_eq!(fold("São Paulo"), "sao paulo");
    }

    #[test]
    fn fold_keeps_thai_marks_and_drops_harakat() {
        assert_eq!(fold("ส่งกี่วัน"), "ส่งกี่วัน");
        assert_eq!(fold("شُحن"), "شحن");
    }

    #[test]
    fn words_split_on_punctuation_and_keep_inner_apostrophes() {
        assert_eq!(
            words("c'est ok?? ship-to brazil"),
            vec!["c'est", "ok", "ship", "to", "brazil"]
        );
        assert_eq!(words("¿aceptan oxxo?"), vec!["aceptan", "oxxo"]);
    }

    #[test]
    fn squeeze_collapses_stretched_letters() {
        assert_eq!(squeeze("niceee"), "nice");
        assert_eq!(squeeze("good"), "good");
        assert_eq!(squeeze("wowwww"), "wow");
    }
}
