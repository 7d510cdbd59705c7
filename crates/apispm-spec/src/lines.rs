//! Lines of operations in the source text, for audits that point into the file.
//!
//! The parsed model keeps no positions, so one extra pass over the text finds the method keys
//! under `paths`. It is a scanner, not a parser: JSON is tokenised just enough to follow
//! nesting, YAML is read by indentation in block style. A document written otherwise (YAML
//! flow style, path items behind `$ref`) simply gets no lines; nothing else depends on them.

use hashbrown::HashMap;

/// `(template, method key)` → 1-based line and column (in characters) of the method key.
pub(crate) type Lines = HashMap<(String, String), (u32, u32)>;

const METHOD_KEYS: [&str; 10] = [
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "query",
    "x-amazon-apigateway-any-method",
];

fn is_method(k: &str) -> bool {
    METHOD_KEYS.contains(&k)
}

/// Lines of operations in a JSON document.
pub(crate) fn json_lines(text: &str) -> Lines {
    let b = text.as_bytes();
    let mut out = Lines::new();
    // Per open container: is it an object, and is a key expected next.
    let mut stack: Vec<(bool, bool)> = Vec::new();
    // Keys of the first three levels: root key, template, method.
    let mut keys: [Option<String>; 3] = [None, None, None];
    let mut line: u32 = 1;
    let mut line_start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'{' | b'[' => {
                if stack.len() >= 1024 {
                    return out;
                }
                stack.push((b[i] == b'{', b[i] == b'{'));
            }
            b'}' | b']' => {
                stack.pop();
                let d = stack.len();
                if d < 3 {
                    keys[d] = None;
                }
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.1 = top.0;
                }
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let mut escaped = false;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' {
                        escaped = true;
                        j += 1;
                    }
                    j += 1;
                }
                let end = j.min(b.len());
                let depth = stack.len();
                let is_key = stack.last().is_some_and(|t| t.0 && t.1);
                if is_key && (1..=3).contains(&depth) {
                    let raw = &text[start..end.max(start)];
                    let key = if escaped {
                        serde_json::from_str::<String>(&text[i..(end + 1).min(b.len())])
                            .unwrap_or_default()
                    } else {
                        raw.to_string()
                    };
                    if depth == 3 && keys[0].as_deref() == Some("paths") && is_method(&key) {
                        if let Some(t) = &keys[1] {
                            let column = text[line_start..i].chars().count() as u32 + 1;
                            out.entry((t.clone(), key.clone()))
                                .or_insert((line, column));
                        }
                    }
                    keys[depth - 1] = Some(key);
                    for k in keys.iter_mut().skip(depth) {
                        *k = None;
                    }
                }
                if let Some(top) = stack.last_mut() {
                    if is_key {
                        top.1 = false;
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Same as [`json_lines`] for block-style YAML.
pub(crate) fn yaml_lines(text: &str) -> Lines {
    let mut out = Lines::new();
    let mut in_paths = false;
    let mut path_indent: Option<usize> = None;
    let mut template: Option<String> = None;
    let mut method_indent: Option<usize> = None;
    // Some documents indent everything, the top level included.
    let mut root_indent: Option<usize> = None;
    for (n, raw) in text.lines().enumerate() {
        let line_no = (n + 1) as u32;
        let content = raw.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = raw.len() - content.len();
        if indent == 0 && (content.starts_with("---") || content.starts_with("...")) {
            continue;
        }
        if content.starts_with('%') && root_indent.is_none() {
            continue;
        }
        let root = *root_indent.get_or_insert(indent);
        if indent <= root {
            in_paths = yaml_key(content).is_some_and(|(k, rest)| k == "paths" && rest.is_empty());
            path_indent = None;
            template = None;
            continue;
        }
        if !in_paths {
            continue;
        }
        let pi = *path_indent.get_or_insert(indent);
        if indent < pi {
            in_paths = false;
            continue;
        }
        if indent == pi {
            template = yaml_key(content).map(|(k, _)| k);
            method_indent = None;
            continue;
        }
        let Some(t) = &template else { continue };
        let mi = *method_indent.get_or_insert(indent);
        if indent == mi {
            if let Some((k, _)) = yaml_key(content) {
                if is_method(&k) {
                    out.entry((t.clone(), k))
                        .or_insert((line_no, indent as u32 + 1));
                }
            }
        }
    }
    out
}

/// The key of a `key: value` line and what follows the colon (comment removed).
fn yaml_key(content: &str) -> Option<(String, &str)> {
    let (key, after) = if let Some(r) = content.strip_prefix('"') {
        let mut k = String::new();
        let mut chars = r.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, '/')) => k.push('/'),
                    Some((_, '"')) => k.push('"'),
                    Some((_, '\\')) => k.push('\\'),
                    _ => return None,
                },
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                c => k.push(c),
            }
        }
        (k, r[end?..].trim_start().strip_prefix(':')?)
    } else if let Some(r) = content.strip_prefix('\'') {
        let mut k = String::new();
        let mut idx = 0;
        let bytes = r.as_bytes();
        loop {
            let rel = r[idx..].find('\'')?;
            k.push_str(&r[idx..idx + rel]);
            idx += rel + 1;
            if bytes.get(idx) == Some(&b'\'') {
                k.push('\'');
                idx += 1;
            } else {
                break;
            }
        }
        (k, r[idx..].trim_start().strip_prefix(':')?)
    } else {
        if content.starts_with(['-', '[', '{', '?', '&', '*', '!', '|', '>']) {
            return None;
        }
        let colon = content
            .match_indices(':')
            .map(|(i, _)| i)
            .find(|&i| content[i + 1..].is_empty() || content[i + 1..].starts_with([' ', '\t']))?;
        (
            content[..colon].trim_end().to_string(),
            &content[colon + 1..],
        )
    };
    let after = after.trim();
    let after = if after.starts_with('#') { "" } else { after };
    Some((key, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json() {
        let t = "{\n \"info\": {\"get\": 1},\n \"paths\": {\n  \"/a\\/b\": {\n   \"parameters\": [{\"get\": 2}],\n   \"get\": {\"x\": {\"post\": 3}},\n   \"post\": {}\n  },\n  \"/c\": {\"put\": {}}\n }\n}";
        let l = json_lines(t);
        assert_eq!(l.get(&("/a/b".into(), "get".into())), Some(&(6, 4)));
        assert_eq!(l.get(&("/a/b".into(), "post".into())), Some(&(7, 4)));
        assert_eq!(l.get(&("/c".into(), "put".into())), Some(&(9, 10)));
        assert_eq!(l.len(), 3);
    }

    #[test]
    fn yaml_indented_top_level() {
        let t = "---\n  swagger: '2.0'\n  paths: \n    /pets: \n      get: \n        x: 1\n  definitions: {}\n";
        let l = yaml_lines(t);
        assert_eq!(l.get(&("/pets".into(), "get".into())), Some(&(5, 7)));
    }

    #[test]
    fn yaml() {
        let t = "openapi: 3.0.0\ninfo:\n  get: x\npaths:\n  # c\n  /pets:\n    get:\n      description: |\n        post: no\n    post: {}\n  '/pets/{id}':\n    parameters: []\n    delete:\n      x: 1\n  \"/v1/{name}:cancel\":\n    post: {}\ncomponents:\n  get: 1\n";
        let l = yaml_lines(t);
        assert_eq!(l.get(&("/pets".into(), "get".into())), Some(&(7, 5)));
        assert_eq!(l.get(&("/pets".into(), "post".into())), Some(&(10, 5)));
        assert_eq!(
            l.get(&("/pets/{id}".into(), "delete".into())),
            Some(&(13, 5))
        );
        assert_eq!(
            l.get(&("/v1/{name}:cancel".into(), "post".into())),
            Some(&(16, 5))
        );
        assert_eq!(l.len(), 4);
    }
}
