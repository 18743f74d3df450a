//! Templates with `{{variable}}` placeholders, as admins and agents write them for
//! auto-acknowledgements and canned replies. Rendering never fails at send time; `validate` reports mistakes
//! when the template is saved.

use crate::DomainError;

/// Replaces `{{name}}` (spaces inside the braces allowed) with the value of `name`;
/// unknown names render empty.
pub fn render(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                if let Some((_, v)) = vars.iter().find(|(k, _)| *k == name) {
                    out.push_str(v);
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Checks that every placeholder is closed and names a known variable.
pub fn validate(template: &str, allowed: &[&str]) -> Result<(), DomainError> {
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| DomainError::Template("a '{{' is never closed with '}}'".into()))?;
        let name = after[..end].trim();
        if !allowed.contains(&name) {
            return Err(DomainError::Template(format!("unknown variable '{{{{{name}}}}}'; known: {}", allowed.join(", "))));
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        assert_eq!(render("Hi {{ name }}, #{{n}} {{x}}", &[("name", "Jan"), ("n", "4")]), "Hi Jan, #4 ");
        assert_eq!(render("open {{ end", &[]), "open {{ end");
        assert_eq!(render("ěšč {{a}}ž", &[("a", "ř")]), "ěšč řž");
    }

    #[test]
    fn validates() {
        assert!(validate("Hi {{name}}", &["name"]).is_ok());
        assert!(validate("Hi {{nme}}", &["name"]).unwrap_err().to_string().contains("nme"));
        assert!(validate("Hi {{name", &["name"]).is_err());
    }
}
