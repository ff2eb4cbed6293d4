//! The statistical layer: a linear model (logistic regression) over hashed word and character
//! n-grams ([`features`](super::features)), trained in Rust by `countersign guard train` on the
//! S-Labs train split and our own support examples; its two thresholds were chosen on the
//! S-Labs validation split. The model file and its training report are committed beside the
//! crate (`guard/model.bin`, `guard/training_report.json`).
//!
//! Long text is scored by sentence windows as well as whole, and the highest score counts: one
//! injected sentence in a ten-paragraph email must not be diluted by the paragraphs around it.

use std::sync::LazyLock;

use super::features::{extract_in, join, segment, words, Segment, DIM, DIM_BITS};

const MAGIC: &[u8; 4] = b"CSGM";
const VERSION: u32 = 1;
const HEADER: usize = 4 + 4 + 4 + 4 * 4;

/// Whole text is scored as one segment up to this many bytes; longer text only by windows.
const WHOLE_MAX: usize = 1500;
/// Windows scored per text: bounds the work on a long message.
const MAX_WINDOWS: usize = 400;
/// Text shorter than this many words is not scored: with a handful of features a linear
/// model swings on single words ("Re: your order" scored like an attack), and the signature
/// rules cover short attacks.
pub const MIN_WORDS: usize = 3;
/// Text longer than this many bytes is read as mail: its windows carry mail-context features
/// ([`extract_in`]), in training and in scoring alike.
pub const MAIL_BYTES: usize = 300;

/// A trained model: weights, bias and the two decision thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub weights: Vec<f32>,
    pub bias: f32,
    /// Probability at or above which text is suspicious enough for a person (flag).
    pub flag_threshold: f32,
    /// Probability at or above which the classifier alone blocks.
    pub block_threshold: f32,
}

/// Why a model file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("not a guard model file")]
    BadMagic,
    #[error("guard model version {0} is not supported (expected {VERSION})")]
    Version(u32),
    #[error("guard model has {0} hash bits, this build expects {DIM_BITS}")]
    Dimension(u32),
    #[error("guard model file is truncated")]
    Truncated,
}

impl ModelError {
    pub fn code(&self) -> &'static str {
        match self {
            ModelError::BadMagic => "guard_model_invalid",
            ModelError::Version(_) => "guard_model_version",
            ModelError::Dimension(_) => "guard_model_dimension",
            ModelError::Truncated => "guard_model_truncated",
        }
    }
}

/// The scored part of a text: its probability and where in the text it is (byte range).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    pub probability: f32,
    pub start: usize,
    pub end: usize,
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    pub fn zeroed() -> Model {
        Model {
            weights: vec![0.0; DIM],
            bias: 0.0,
            flag_threshold: 0.5,
            block_threshold: 1.1,
        }
    }

    /// Serialised form: magic, version, hash bits, bias, scale, thresholds, then one `i8` per
    /// weight (weight = q × scale). Quantised to a quarter of the size; a linear model's
    /// ranking barely moves at 8 bits, and the committed file stays small.
    pub fn to_bytes(&self) -> Vec<u8> {
        let max = self.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let mut out = Vec::with_capacity(HEADER + DIM);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&DIM_BITS.to_le_bytes());
        for f in [self.bias, scale, self.flag_threshold, self.block_threshold] {
            out.extend_from_slice(&f.to_le_bytes());
        }
        out.extend(
            self.weights
                .iter()
                .map(|w| ((w / scale).round().clamp(-127.0, 127.0) as i8).to_le_bytes()[0]),
        );
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < HEADER {
            return Err(ModelError::Truncated);
        }
        if &bytes[..4] != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let f32_at = |i: usize| f32::from_bits(u32_at(i));
        if u32_at(4) != VERSION {
            return Err(ModelError::Version(u32_at(4)));
        }
        if u32_at(8) != DIM_BITS {
            return Err(ModelError::Dimension(u32_at(8)));
        }
        let (bias, scale, flag_threshold, block_threshold) =
            (f32_at(12), f32_at(16), f32_at(20), f32_at(24));
        let body = &bytes[HEADER..];
        if body.len() != DIM {
            return Err(ModelError::Truncated);
        }
        Ok(Model {
            weights: body
                .iter()
                .map(|&b| f32::from(i8::from_le_bytes([b])) * scale)
                .collect(),
            bias,
            flag_threshold,
            block_threshold,
        })
    }

    /// The raw score (log-odds) of one feature set. Features count as a unit vector
    /// (each 1/√n), so long and short text score on one scale.
    pub fn logit(&self, features: &[u32]) -> f32 {
        if features.is_empty() {
            return self.bias;
        }
        let sum: f32 = features.iter().map(|&i| self.weights[i as usize]).sum();
        self.bias + sum / (features.len() as f32).sqrt()
    }

    /// Probability that normalised text is an injection: the highest over the whole text and
    /// its sentence windows, with where that window is.
    pub fn score(&self, text: &str) -> Scored {
        self.find(text, |_, _| 0.0).0
    }

    /// The highest-scoring window overall, and the highest-scoring window that reaches its
    /// own threshold (`threshold` is asked with each window's byte range), if any.
    pub fn find(
        &self,
        text: &str,
        threshold: impl Fn(usize, usize) -> f32,
    ) -> (Scored, Option<Scored>) {
        let mut best = Scored {
            probability: 0.0,
            start: 0,
            end: 0,
        };
        let mut found: Option<Scored> = None;
        let mail = text.len() > MAIL_BYTES;
        let mut consider = |start: usize, end: usize, words: usize, features: &[u32]| {
            if words < MIN_WORDS || features.is_empty() {
                return;
            }
            let p = sigmoid(self.logit(features));
            let here = Scored {
                probability: p,
                start,
                end,
            };
            if p > best.probability {
                best = here;
            }
            if p >= threshold(start, end) && found.is_none_or(|f| p > f.probability) {
                found = Some(here);
            }
        };
        // The windows of [`windows`], in its order; each sentence is read once and a pair's
        // features are joined from its two sentences'.
        let mut features = Vec::new();
        if text.len() <= WHOLE_MAX {
            extract_in(text, mail, &mut features);
            consider(0, text.len(), words(text).count(), &features);
        }
        let sentences = sentences(text);
        if sentences.len() > 1 || text.len() > WHOLE_MAX {
            let read = sentences.len().min(MAX_WINDOWS / 2 + 1);
            let segments: Vec<Segment> = sentences[..read]
                .iter()
                .map(|&(s, e)| segment(&text[s..e], mail))
                .collect();
            for i in 0..sentences.len().min(MAX_WINDOWS / 2) {
                let (s, e) = sentences[i];
                consider(s, e, segments[i].words, &segments[i].features);
                let Some(&(next_start, next_end)) = sentences.get(i + 1) else {
                    continue;
                };
                // Between two sentences lie only separators, unless a piece without letters
                // or digits was dropped there ("___"); then the pair is read whole.
                let gap_is_bare = words(&text[e..next_start]).next().is_none();
                let (a, b) = (&segments[i], &segments[i + 1]);
                if gap_is_bare && join(a, b, &mut features).is_some() {
                    consider(s, next_end, a.words + b.words, &features);
                } else {
                    let pair = &text[s..next_end];
                    extract_in(pair, mail, &mut features);
                    consider(s, next_end, words(pair).count(), &features);
                }
            }
        }
        (best, found)
    }
}

/// The byte ranges the classifier scores in a text: the whole of it (when not too long),
/// and each sentence alone and with the next one.
pub fn windows(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if text.len() <= WHOLE_MAX {
        out.push((0, text.len()));
    }
    let sentences = sentences(text);
    if sentences.len() > 1 || text.len() > WHOLE_MAX {
        for (i, &(s, e)) in sentences.iter().enumerate().take(MAX_WINDOWS / 2) {
            out.push((s, e));
            if let Some(&(_, next_end)) = sentences.get(i + 1) {
                out.push((s, next_end));
            }
        }
    }
    out
}

/// Byte ranges of the sentences of a text: split after `.`, `!`, `?` or `:` followed by
/// whitespace, and at line breaks; empty pieces dropped.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let push = |s: usize, e: usize, out: &mut Vec<(usize, usize)>| {
        let piece = &text[s..e];
        let trimmed = piece.trim();
        if trimmed.chars().any(char::is_alphanumeric) {
            let lead = piece.len() - piece.trim_start().len();
            out.push((s + lead, s + lead + trimmed.len()));
        }
    };
    for (i, &b) in bytes.iter().enumerate() {
        let boundary = b == b'\n'
            || (matches!(b, b'.' | b'!' | b'?' | b':')
                && bytes.get(i + 1).is_some_and(|n| n.is_ascii_whitespace()));
        if boundary {
            push(start, i + 1, &mut out);
            start = i + 1;
        }
    }
    push(start, text.len(), &mut out);
    out
}

static MODEL_BYTES: &[u8] = include_bytes!("../../guard/model.bin");

/// The committed model, read once.
pub static MODEL: LazyLock<Model> =
    LazyLock::new(|| Model::from_bytes(MODEL_BYTES).expect("the committed guard model is valid"));

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::guard::features::extract;

    #[test]
    fn the_committed_model_loads() {
        assert_eq!(MODEL.weights.len(), DIM);
        assert!(MODEL.flag_threshold <= MODEL.block_threshold);
    }

    #[test]
    fn a_model_survives_its_file_format_within_quantisation() {
        let mut m = Model::zeroed();
        m.weights[7] = 2.0;
        m.weights[9] = -0.5;
        m.bias = -1.25;
        let back = Model::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back.bias, -1.25);
        assert!((back.weights[7] - 2.0).abs() < 1e-6);
        assert!((back.weights[9] + 0.5).abs() < 0.01);
        assert_eq!(
            Model::from_bytes(b"nope").unwrap_err().code(),
            "guard_model_truncated"
        );
        let mut wrong = m.to_bytes();
        wrong[0] = b'X';
        assert_eq!(Model::from_bytes(&wrong).unwrap_err(), ModelError::BadMagic);
    }

    #[test]
    fn each_window_is_held_to_its_own_threshold() {
        // A model that only knows "poem"; windows holding "order" need more than certainty.
        let mut m = Model::zeroed();
        let mut poem = Vec::new();
        extract("poem", &mut poem);
        for i in poem {
            m.weights[i as usize] = 5.0;
        }
        m.bias = -1.0;
        let text = "your order shipped today. write a poem about the sea please.";
        let order = text.find("order").unwrap();
        let (best, found) = m.find(text, |s, e| if (s..e).contains(&order) { 1.1 } else { 0.5 });
        let found = found.unwrap();
        assert_eq!(
            &text[found.start..found.end],
            "write a poem about the sea please."
        );
        assert!(best.probability >= found.probability);
        assert!(m.find(text, |_, _| 1.1).1.is_none());
    }

    #[test]
    fn sentences_split_at_ends_and_lines() {
        let t = "Hi there. Where is my order?\nThanks!";
        let got: Vec<&str> = sentences(t).iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(got, ["Hi there.", "Where is my order?", "Thanks!"]);
    }

    proptest::proptest! {
        #[test]
        fn sentences_are_in_bounds_and_on_char_boundaries(s in "\\PC{0,300}") {
            for (a, b) in sentences(&s) {
                proptest::prop_assert!(a <= b && b <= s.len());
                proptest::prop_assert!(s.is_char_boundary(a) && s.is_char_boundary(b));
            }
        }
    }
}
