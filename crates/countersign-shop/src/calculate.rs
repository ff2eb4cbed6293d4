//! The `calculate` tool: arithmetic over `+ - * / ( ) .`, digits and spaces, rounded to cents.
//!
//! A recursive-descent parser of a few lines; no evaluator crate allows exactly this grammar and
//! nothing more, and anything more (names, functions) is surface a model could abuse.

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot calculate: {0}")]
pub struct CalculateError(pub String);

const MAX_LEN: usize = 512;
const MAX_DEPTH: usize = 64;

pub fn calculate(expression: &str) -> Result<String, CalculateError> {
    if expression.len() > MAX_LEN {
        return Err(CalculateError(format!(
            "expression longer than {MAX_LEN} characters"
        )));
    }
    if let Some(c) = expression
        .chars()
        .find(|c| !"0123456789+-*/(). ".contains(*c))
    {
        return Err(CalculateError(format!("character `{c}` is not allowed")));
    }
    let tokens: Vec<char> = expression.chars().filter(|c| *c != ' ').collect();
    let mut p = Parser {
        tokens: &tokens,
        pos: 0,
        depth: 0,
    };
    let value = p.expr()?;
    if p.pos != tokens.len() {
        return Err(CalculateError(format!("unexpected `{}`", tokens[p.pos])));
    }
    if !value.is_finite() {
        return Err(CalculateError(
            "the result is not a finite number (division by zero?)".into(),
        ));
    }
    Ok(format!("{:.2}", (value * 100.0).round() / 100.0))
}

struct Parser<'a> {
    tokens: &'a [char],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.tokens.get(self.pos).copied()
    }

    fn expr(&mut self) -> Result<f64, CalculateError> {
        let mut v = self.term()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            let r = self.term()?;
            v = if op == '+' { v + r } else { v - r };
        }
        Ok(v)
    }

    fn term(&mut self) -> Result<f64, CalculateError> {
        let mut v = self.factor()?;
        while let Some(op @ ('*' | '/')) = self.peek() {
            self.pos += 1;
            let r = self.factor()?;
            v = if op == '*' { v * r } else { v / r };
        }
        Ok(v)
    }

    fn factor(&mut self) -> Result<f64, CalculateError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CalculateError("nested too deeply".into()));
        }
        let v = match self.peek() {
            Some('-') => {
                self.pos += 1;
                -self.factor()?
            }
            Some('+') => {
                self.pos += 1;
                self.factor()?
            }
            Some('(') => {
                self.pos += 1;
                let v = self.expr()?;
                if self.peek() != Some(')') {
                    return Err(CalculateError("missing `)`".into()));
                }
                self.pos += 1;
                v
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_digit() || c == '.') {
                    self.pos += 1;
                }
                let text: String = self.tokens[start..self.pos].iter().collect();
                text.parse::<f64>()
                    .map_err(|_| CalculateError(format!("`{text}` is not a number")))?
            }
            Some(c) => return Err(CalculateError(format!("unexpected `{c}`"))),
            None => return Err(CalculateError("unexpected end of expression".into())),
        };
        self.depth -= 1;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_with_precedence_and_rounds() {
        assert_eq!(calculate("2 + 3 * 4").unwrap(), "14.00");
        assert_eq!(calculate("(2 + 3) * 4").unwrap(), "20.00");
        assert_eq!(calculate("10 / 3").unwrap(), "3.33");
        assert_eq!(calculate("-1.5 + 0.25").unwrap(), "-1.25");
    }

    #[test]
    fn refuses_anything_else() {
        assert!(calculate("2 ** 3").is_err());
        assert!(calculate("abs(1)").is_err());
        assert!(calculate("1 / 0").is_err());
        assert!(calculate("(((1)").is_err());
        assert!(calculate(&"(".repeat(200)).is_err());
        assert!(calculate("1..2").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[0-9+*/(). -]{0,80}") {
            let _ = calculate(&s);
        }
    }
}
