//! What a TLS failure means for the user: an untrusted or unsuitable server certificate gets a
//! one-line message that says why and what to do, and a plain HTTP answer from a server that only
//! speaks HTTPS is recognised so that a loopback registry can be reached over HTTPS.

use rustls::CertificateError;

/// Why a server certificate was refused, found in a request error's causes.
pub fn certificate_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut pending = vec![e];
    while let Some(c) = pending.pop() {
        if let Some(rustls::Error::InvalidCertificate(problem)) = c.downcast_ref::<rustls::Error>()
        {
            return Some(explain(problem));
        }
        // rustls's error reaches reqwest inside an `io::Error` (itself inside another one, from
        // tokio-rustls), and `io::Error::source()` skips the error it wraps: look inside.
        if let Some(inner) = c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            pending.push(inner);
        }
        pending.extend(c.source());
    }
    None
}

/// The reason and the remedy, as one line's tail.
fn explain(problem: &CertificateError) -> String {
    const SKIP: &str = "or skip verification with --tls-verify=false";
    match problem {
        CertificateError::UnknownIssuer => format!(
            "it is signed by an unknown authority: trust that authority with \
             SSL_CERT_FILE=/path/to/ca.pem (or SSL_CERT_DIR=/path/to/dir, or put it in \
             /etc/docker/certs.d/HOST:PORT/ca.crt), {SKIP}"
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("it is not issued for this host name: use a name it covers, {SKIP}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("it has expired: renew it, {SKIP}")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!("it is not valid yet: check this machine's clock, {SKIP}")
        }
        other => format!("{other}: {SKIP}"),
    }
}

/// Whether a 400 answer to plain HTTP says that the server only speaks HTTPS: Go's `net/http`
/// (the registries) answers "Client sent an HTTP request to an HTTPS server.", nginx "The plain
/// HTTP request was sent to HTTPS port".
pub fn says_https_only(status: http::StatusCode, body: &[u8]) -> bool {
    status == http::StatusCode::BAD_REQUEST
        && String::from_utf8_lossy(body)
            .to_ascii_lowercase()
            .contains("https")
}

#[cfg(test)]
mod tests {
    use std::io;

    use http::StatusCode;

    use super::*;

    /// How a refused certificate reaches plummet: inside an `io::Error`, under hyper and reqwest.
    #[derive(Debug)]
    struct Wrapper(io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    /// As seen from reqwest 0.12: an `io::Error` inside an `io::Error` around rustls's error.
    fn refused(problem: CertificateError) -> Wrapper {
        let rustls = rustls::Error::InvalidCertificate(problem);
        let inner = io::Error::new(io::ErrorKind::InvalidData, rustls);
        Wrapper(io::Error::new(io::ErrorKind::InvalidData, inner))
    }

    #[test]
    fn unknown_authority_says_how_to_trust_it() {
        let text = certificate_problem(&refused(CertificateError::UnknownIssuer)).unwrap();
        assert!(
            text.starts_with("it is signed by an unknown authority"),
            "{text}"
        );
        assert!(text.contains("SSL_CERT_FILE="), "{text}");
        assert!(text.contains("--tls-verify=false"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn wrong_name_and_expiry_have_their_own_reasons() {
        let name = certificate_problem(&refused(CertificateError::NotValidForName)).unwrap();
        assert!(
            name.starts_with("it is not issued for this host name"),
            "{name}"
        );
        let expired = certificate_problem(&refused(CertificateError::Expired)).unwrap();
        assert!(expired.starts_with("it has expired"), "{expired}");
    }

    #[test]
    fn other_errors_are_not_certificate_problems() {
        let reset = Wrapper(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
        assert_eq!(certificate_problem(&reset), None);
        let corrupt = Wrapper(io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::General("corrupt message".into()),
        ));
        assert_eq!(certificate_problem(&corrupt), None);
    }

    #[test]
    fn https_only_answers_are_recognised() {
        let go = b"Client sent an HTTP request to an HTTPS server.\n";
        let nginx = b"<h1>400 Bad Request</h1>The plain HTTP request was sent to HTTPS port";
        assert!(says_https_only(StatusCode::BAD_REQUEST, go));
        assert!(says_https_only(StatusCode::BAD_REQUEST, nginx));
        let registry = br#"{"errors":[{"code":"NAME_INVALID","message":"invalid name"}]}"#;
        assert!(!says_https_only(StatusCode::BAD_REQUEST, registry));
        assert!(!says_https_only(StatusCode::NOT_FOUND, go));
    }
}
