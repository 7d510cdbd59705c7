use crate::Classification;
use std::borrow::Cow;

/// Header name/value pairs as the log wrote them. Names keep their case; every lookup in the
/// core is case-insensitive.
pub type Headers<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// What a log record states outright about its endpoint. Only the seed format carries these;
/// gateway formats leave them `None` and the endpoint's labels are derived instead.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Declared {
    pub classification: Option<Classification>,
    pub documented: Option<bool>,
    pub schema_validation: Option<bool>,
}

/// One request/response pair, normalized from any log format. Borrows from the reader's
/// buffer so that parsing a record allocates as little as possible.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exchange<'a> {
    /// Epoch milliseconds of the request, when the log has a time.
    pub time_ms: Option<i64>,
    pub method: Cow<'a, str>,
    pub scheme: Option<Cow<'a, str>>,
    pub host: Option<Cow<'a, str>>,
    pub service: Option<Cow<'a, str>>,
    /// The path as requested (or, for the seed format, the declared template), without query.
    pub path: Cow<'a, str>,
    pub query: Option<Cow<'a, str>>,
    /// The route template, when the gateway logged the one it matched.
    pub route: Option<Cow<'a, str>>,
    pub status: Option<u16>,
    pub request_headers: Headers<'a>,
    pub response_headers: Headers<'a>,
    pub request_body: Option<Cow<'a, str>>,
    pub response_body: Option<Cow<'a, str>>,
    /// A body of unknown direction (the seed format's `body`).
    pub body: Option<Cow<'a, str>>,
    pub client_ip: Option<Cow<'a, str>>,
    /// The gateway consumer or authenticated entity.
    pub consumer: Option<Cow<'a, str>>,
    /// An owning team the gateway knows (e.g. a Kong `owner:<team>` tag).
    pub owner: Option<Cow<'a, str>>,
    pub declared: Declared,
}

/// First value of a header, by case-insensitive name.
pub fn header<'h>(headers: &'h Headers<'_>, name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

impl Exchange<'_> {
    pub fn request_header(&self, name: &str) -> Option<&str> {
        header(&self.request_headers, name)
    }

    pub fn response_header(&self, name: &str) -> Option<&str> {
        header(&self.response_headers, name)
    }
}

/// Receives exchanges, e.g. from one reader worker thread. Implementations keep their own
/// state so that workers never share a lock; the caller merges them at the end.
pub trait ExchangeSink: Send {
    fn accept(&mut self, ex: &Exchange<'_>);
}
