//! `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`, several
//! challenges in one header, quoted strings with escapes and commas inside.

/// One challenge: a scheme and its parameters (names lowercased, values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Lowercased: `bearer`, `basic`.
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// A parameter by (case-insensitive) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a header value into its challenges. Malformed pieces are skipped rather than failing:
/// the registry's answer is untrusted input and a partial challenge is still useful.
pub fn parse(header: &str) -> Vec<Challenge> {
    let mut lexer = Lexer {
        rest: header.as_bytes(),
    };
    let mut challenges: Vec<Challenge> = Vec::new();
    loop {
        lexer.skip_separators();
        let Some(token) = lexer.token() else {
            if lexer.rest.is_empty() {
                break;
            }
            // Not a token: drop one byte and resynchronise.
            lexer.rest = &lexer.rest[1..];
            continue;
        };
        lexer.skip_spaces();
        if lexer.peek() == Some(b'=') {
            // `name=value`: a parameter of the current challenge.
            lexer.rest = &lexer.rest[1..];
            lexer.skip_spaces();
            let value = if lexer.peek() == Some(b'"') {
                lexer.quoted()
            } else {
                lexer.token().unwrap_or_default()
            };
            if let Some(current) = challenges.last_mut() {
                current.params.push((token.to_ascii_lowercase(), value));
            }
        } else {
            // A new scheme (a token68 after it, as in `Basic abc==`, is ignored).
            challenges.push(Challenge {
                scheme: token.to_ascii_lowercase(),
                params: Vec::new(),
            });
        }
    }
    challenges
}

struct Lexer<'a> {
    rest: &'a [u8],
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.rest = &self.rest[1..];
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.rest = &self.rest[1..];
        }
    }

    /// An RFC 7230 token (plus `/` so that unquoted realms and scopes survive).
    fn token(&mut self) -> Option<String> {
        let len = self
            .rest
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/:".contains(&b))
            .count();
        if len == 0 {
            return None;
        }
        let (token, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(String::from_utf8_lossy(token).into_owned())
    }

    /// A quoted string starting at `"`; backslash escapes the next byte. An unterminated string
    /// runs to the end of the header.
    fn quoted(&mut self) -> String {
        let mut out = Vec::new();
        let mut i = 1;
        while let Some(&b) = self.rest.get(i) {
            match b {
                b'"' => {
                    i += 1;
                    break;
                }
                b'\\' => {
                    if let Some(&next) = self.rest.get(i + 1) {
                        out.push(next);
                    }
                    i += 2;
                }
                _ => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        self.rest = self.rest.get(i..).unwrap_or_default();
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenge_from_docker_hub() {
        let c = parse(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c[0].param("SERVICE"), Some("registry.docker.io"));
        assert_eq!(c[0].param("scope"), Some("repository:library/nginx:pull"));
    }

    #[test]
    fn commas_and_escapes_inside_quotes() {
        let c = parse(
            r#"Bearer realm="http://h/t",scope="repository:a:pull,push repository:b:pull",error="say \"hi\"""#,
        );
        assert_eq!(
            c[0].param("scope"),
            Some("repository:a:pull,push repository:b:pull")
        );
        assert_eq!(c[0].param("error"), Some(r#"say "hi""#));
    }

    #[test]
    fn several_challenges_and_unquoted_values() {
        let c =
            parse(r#"Basic realm="Registry Realm", Bearer realm=http://x/token , service = svc"#);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[0].param("realm"), Some("Registry Realm"));
        assert_eq!(c[1].scheme, "bearer");
        assert_eq!(c[1].param("realm"), Some("http://x/token"));
        assert_eq!(c[1].param("service"), Some("svc"));
    }

    #[test]
    fn token68_and_garbage_do_not_break_parsing() {
        let c = parse("Negotiate abc123==, Basic realm=\"r\"");
        let schemes: Vec<&str> = c.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["negotiate", "basic"]);
        assert_eq!(c[1].param("realm"), Some("r"));
        for junk in [
            "",
            ",,,",
            "=",
            "\"",
            "Bearer realm=\"unterminated",
            "Bearer =x",
            "é Bearer",
            "\\",
        ] {
            let _ = parse(junk);
        }
        let c = parse("Bearer realm=\"unterminated");
        assert_eq!(c[0].param("realm"), Some("unterminated"));
        assert!(parse("").is_empty());
    }

    #[test]
    fn parameters_before_any_scheme_are_dropped() {
        let c = parse("realm=x, Bearer service=s");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].param("realm"), None);
        assert_eq!(c[0].param("service"), Some("s"));
    }
}
