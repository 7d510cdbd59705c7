//! What a loaded spec keeps: only what matching, labelling and auditing need, not the document.

use serde::Serialize;

/// One loaded OpenAPI document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spec {
    /// The name it was loaded under (usually the `--spec` path).
    pub source: String,
    /// `info.title`.
    pub title: Option<String>,
    /// `info.version`.
    pub version: Option<String>,
    /// The document's owner: `x-owner` at the root or in `info`, else `info.contact.name`,
    /// else `info.contact.email`.
    pub owner: Option<String>,
    /// Where the API is served. Never empty: a document without servers gets one relative
    /// server with an empty base path, as OpenAPI prescribes.
    pub servers: Vec<Server>,
    /// In document order of paths (sorted, as the parsed model keeps keys), then methods.
    pub operations: Vec<Operation>,
    /// What was tolerated while loading (remote `$ref`s, cycles, odd templates).
    pub warnings: Vec<String>,
    /// `swagger` or `openapi` as written: "2.0", "3.0.3", "3.1.0".
    pub openapi: String,
}

/// A place the API is served from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Server {
    /// Lower-case; `None` for scheme-relative and relative servers.
    pub scheme: Option<String>,
    /// Lower-case, with a port when one that is not the scheme's default was given;
    /// `None` for relative servers, which serve any host. May keep a `{var}` that had no
    /// value (Swagger 2.0 hosts such as `abc.execute-api.{region}.amazonaws.com`): the matcher
    /// takes it as a wildcard for one DNS label.
    pub host: Option<String>,
    /// `""` or `/v1`: leading slash, no trailing slash, variables substituted.
    pub base_path: String,
}

/// One method of one path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operation {
    /// Upper-case. AWS's `x-amazon-apigateway-any-method` is `ANY`, which answers every method.
    pub method: String,
    /// As in the spec: `/pets/{petId}`.
    pub template: String,
    /// `deprecated: true` (or the common `x-deprecated: true`).
    pub deprecated: bool,
    /// A response of the operation declares a `Deprecation` or `Sunset` header: the API
    /// announces its retirement on the wire even where `deprecated` is not set.
    pub announces_deprecation: bool,
    pub operation_id: Option<String>,
    /// `x-owner` on the operation, else on its path item.
    pub owner: Option<String>,
    /// A request body with a schema, or any parameter with a schema or type.
    pub validates_input: bool,
    /// Names of the security schemes of the effective requirement (the operation's, else
    /// the document's). `None`: nothing said; `Some([])`: explicitly none (`security: []`).
    pub security: Option<Vec<String>>,
    /// The effective requirement has an empty alternative (`- {}`): anonymous calls allowed.
    pub auth_optional: bool,
    /// Names of `in: query` parameters, path-level ones included.
    pub query_params: Vec<String>,
    /// Every parameter of the template in order, with its type: `integer`, `string(uuid)`;
    /// `string` when the spec declares none.
    pub path_params: Vec<(String, String)>,
    /// Keys of `responses`: "200", "4XX", "default".
    pub responses: Vec<String>,
    /// JSON pointer of the operation: `/paths/~1pets~1{petId}/get`.
    pub pointer: String,
    /// 1-based line of the method key in the source text, when found cheaply.
    pub line: Option<u32>,
    /// 1-based column (in characters) of the method key, with `line`.
    pub column: Option<u32>,
    pub tags: Vec<String>,
    /// Path-level or operation-level `servers` (OpenAPI 3.x), overriding the document's.
    pub servers: Option<Vec<Server>>,
}

impl Spec {
    /// The servers an operation is served from.
    pub fn servers_of<'a>(&'a self, op: &'a Operation) -> &'a [Server] {
        match &op.servers {
            Some(s) if !s.is_empty() => s,
            _ => &self.servers,
        }
    }
}
