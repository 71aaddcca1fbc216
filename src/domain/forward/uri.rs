//! Reading a proxied URI the way nginx does before it serves it: split off the query,
//! percent-decode, merge slashes, resolve `.` and `..`. Anything nginx would refuse is an
//! error here too, so the path checked is always the path served.

/// A URI that cannot be read safely.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UriError(&'static str);

/// Split off the query, percent-decode the path, merge slashes and resolve `.` and `..`.
pub fn normalize(uri: &str) -> Result<(String, Option<&str>), UriError> {
    let (raw, query) = match uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (uri, None),
    };
    if !raw.starts_with('/') {
        return Err(UriError("the original URI must start with '/'"));
    }
    if !valid_escapes(raw) {
        return Err(UriError("malformed percent-encoding in the original URI"));
    }
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| UriError("the original URI is not UTF-8"))?;
    if decoded.chars().any(char::is_control) {
        return Err(UriError("control characters in the original URI"));
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments
                    .pop()
                    .ok_or(UriError("the original URI climbs above '/'"))?;
            }
            s => segments.push(s),
        }
    }
    let trailing = decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
    let mut path = format!("/{}", segments.join("/"));
    if trailing && !segments.is_empty() {
        path.push('/');
    }
    Ok((path, query))
}

/// Every `%` starts two hex digits (nginx refuses anything else, and so do we).
fn valid_escapes(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}
