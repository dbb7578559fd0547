//! A small, safe subset of Mustache for webhook body templates, as Unleash's webhook addon
//! uses them: `{{event.type}}` (HTML-escaped, as Mustache does), `{{{eventJson}}}` and
//! `{{& event.data.name}}` (raw), `{{! comments }}`, and sections `{{#x}}…{{/x}}` /
//! inverted sections `{{^x}}…{{/x}}`. Partials and delimiter changes render nothing.
//!
//! Rendering never fails: a missing name renders as empty text. Nesting depth and output size
//! are bounded, so no template can exhaust the server.

use serde_json::Value;

/// Deepest nesting of sections a template may have.
pub const MAX_DEPTH: usize = 16;
/// Longest rendered body; rendering stops there.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

#[derive(Debug)]
enum Node {
    Text(String),
    Var {
        name: String,
        escape: bool,
    },
    Section {
        name: String,
        inverted: bool,
        children: Vec<Node>,
    },
}

/// Why a template cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum TemplateError {
    Unclosed(String),
    UnexpectedClose(String),
    TooDeep,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateError::Unclosed(n) => write!(f, "the section {{{{#{n}}}}} is never closed"),
            TemplateError::UnexpectedClose(n) => {
                write!(f, "{{{{/{n}}}}} closes a section that is not open")
            }
            TemplateError::TooDeep => {
                write!(f, "sections are nested more than {MAX_DEPTH} deep")
            }
        }
    }
}

fn parse(template: &str) -> Result<Vec<Node>, TemplateError> {
    // Open sections: (name, inverted, nodes collected before it opened).
    let mut open: Vec<(String, bool, Vec<Node>)> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            nodes.push(Node::Text(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let found = match after.strip_prefix('{') {
            Some(inner) => inner
                .find("}}}")
                .map(|end| (&inner[..end], true, 3 + end + 3)),
            None => after
                .find("}}")
                .map(|end| (&after[..end], false, 2 + end + 2)),
        };
        let Some((tag, triple, consumed)) = found else {
            // An unterminated tag: the rest is plain text.
            rest = &rest[start..];
            break;
        };
        rest = &rest[start + consumed..];
        let tag = tag.trim();
        if triple {
            nodes.push(Node::Var {
                name: tag.to_string(),
                escape: false,
            });
            continue;
        }
        let mut chars = tag.chars();
        match chars.next() {
            Some('!') | Some('>') | Some('=') => {}
            Some('&') => nodes.push(Node::Var {
                name: chars.as_str().trim().to_string(),
                escape: false,
            }),
            Some(c @ ('#' | '^')) => {
                if open.len() >= MAX_DEPTH {
                    return Err(TemplateError::TooDeep);
                }
                let name = chars.as_str().trim().to_string();
                open.push((name, c == '^', std::mem::take(&mut nodes)));
            }
            Some('/') => {
                let name = chars.as_str().trim();
                match open.pop() {
                    Some((open_name, inverted, before)) if open_name == name => {
                        let children = std::mem::replace(&mut nodes, before);
                        nodes.push(Node::Section {
                            name: open_name,
                            inverted,
                            children,
                        });
                    }
                    _ => return Err(TemplateError::UnexpectedClose(name.to_string())),
                }
            }
            _ => nodes.push(Node::Var {
                name: tag.to_string(),
                escape: true,
            }),
        }
    }
    if !rest.is_empty() {
        nodes.push(Node::Text(rest.to_string()));
    }
    if let Some((name, _, _)) = open.pop() {
        return Err(TemplateError::Unclosed(name));
    }
    Ok(nodes)
}

/// Checks that a template can be rendered.
pub fn check(template: &str) -> Result<(), TemplateError> {
    parse(template).map(|_| ())
}

/// Renders `template` against `context`. A template that does not parse is sent as it is.
pub fn render(template: &str, context: &Value) -> String {
    match parse(template) {
        Ok(nodes) => {
            let mut out = String::new();
            render_nodes(&nodes, &mut vec![context], &mut out);
            if out.len() > MAX_OUTPUT_BYTES {
                let mut end = MAX_OUTPUT_BYTES;
                while !out.is_char_boundary(end) {
                    end -= 1;
                }
                out.truncate(end);
            }
            out
        }
        Err(_) => template.to_string(),
    }
}

fn lookup<'a>(stack: &[&'a Value], name: &str) -> Option<&'a Value> {
    if name == "." {
        return stack.last().copied();
    }
    let mut parts = name.split('.');
    let first = parts.next()?;
    let mut value = stack
        .iter()
        .rev()
        .find_map(|frame| frame.as_object().and_then(|o| o.get(first)))?;
    for part in parts {
        value = match value {
            Value::Object(o) => o.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::Array(a)) => !a.is_empty(),
        _ => true,
    }
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '/' => out.push_str("&#x2F;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            c => out.push(c),
        }
    }
}

fn render_nodes(nodes: &[Node], stack: &mut Vec<&Value>, out: &mut String) {
    for node in nodes {
        if out.len() >= MAX_OUTPUT_BYTES {
            return;
        }
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Var { name, escape } => {
                let text = text_of(lookup(stack, name));
                if *escape {
                    push_escaped(out, &text);
                } else {
                    out.push_str(&text);
                }
            }
            Node::Section {
                name,
                inverted,
                children,
            } => {
                let value = lookup(stack, name);
                if *inverted {
                    if !truthy(value) {
                        render_nodes(children, stack, out);
                    }
                } else if truthy(value) {
                    match value {
                        Some(Value::Array(items)) => {
                            for item in items {
                                if out.len() >= MAX_OUTPUT_BYTES {
                                    break;
                                }
                                stack.push(item);
                                render_nodes(children, stack, out);
                                stack.pop();
                            }
                        }
                        Some(v) => {
                            stack.push(v);
                            render_nodes(children, stack, out);
                            stack.pop();
                        }
                        None => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn variables_are_looked_up_by_dotted_names_and_escaped() {
        let ctx =
            json!({"event": {"type": "feature-created", "data": {"name": "a<b>\"c\""}, "id": 7}});
        assert_eq!(
            render("{{event.type}} {{ event.id }}", &ctx),
            "feature-created 7"
        );
        assert_eq!(
            render("{{event.data.name}}", &ctx),
            "a&lt;b&gt;&quot;c&quot;"
        );
        assert_eq!(render("{{{event.data.name}}}", &ctx), "a<b>\"c\"");
        assert_eq!(render("{{& event.data.name}}", &ctx), "a<b>\"c\"");
        assert_eq!(render("[{{event.missing.deep}}]", &ctx), "[]");
        assert_eq!(render("{{! a comment }}x", &ctx), "x");
        assert_eq!(render("{{{event.data}}}", &ctx), r#"{"name":"a<b>\"c\""}"#);
    }

    #[test]
    fn sections_iterate_lists_and_test_truth() {
        let ctx = json!({"tags": [{"v": "a"}, {"v": "b"}], "none": [], "flag": true});
        assert_eq!(render("{{#tags}}{{v}},{{/tags}}", &ctx), "a,b,");
        assert_eq!(render("{{^none}}empty{{/none}}", &ctx), "empty");
        assert_eq!(
            render("{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}", &ctx),
            "yes"
        );
    }

    #[test]
    fn broken_templates_are_reported_and_unterminated_tags_stay_text() {
        assert_eq!(check("{{#a}}x"), Err(TemplateError::Unclosed("a".into())));
        assert_eq!(
            check("x{{/a}}"),
            Err(TemplateError::UnexpectedClose("a".into()))
        );
        let deep = "{{#a}}".repeat(MAX_DEPTH + 1);
        assert_eq!(check(&deep), Err(TemplateError::TooDeep));
        assert_eq!(render("a {{b", &json!({"b": 1})), "a {{b");
    }

    #[test]
    fn output_is_bounded() {
        let ctx = json!({"l": vec![1; 100], "s": "é".repeat(1000)});
        let t = format!(
            "{}{}{}",
            "{{#l}}".repeat(MAX_DEPTH),
            "x{{s}}",
            "{{/l}}".repeat(MAX_DEPTH)
        );
        assert!(render(&t, &ctx).len() <= MAX_OUTPUT_BYTES);
    }
}
