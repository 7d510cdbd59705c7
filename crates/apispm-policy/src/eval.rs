//! Judging one endpoint against one rule. Reasons quote what was observed, so a reader can
//! tell a control that is missing everywhere from one missing on a few requests.

use crate::Rule;
use crate::expr::{Env, Var};
use apispm_core::{Assessment, thousands};

impl Rule {
    /// Why `a` breaks this rule, or `None` when it does not. Parts that fail are all named,
    /// separated by `; `.
    pub fn violation(&self, a: &Assessment) -> Option<String> {
        let seen = a.requests > 0;
        let mut reasons: Vec<String> = Vec::new();
        let result = self.control.and_then(|c| a.control(c));

        let missing_control = self
            .control
            .filter(|c| seen && self.required == Some(true) && !a.control_present(*c));
        if let Some(control) = missing_control {
            let details = result.map_or("not assessed", |r| r.details.as_str());
            reasons.push(format!("{control} not present: {details}"));
        }

        if let Some(cond) = &self.condition {
            let observed = self.control.is_some() || cond.vars().iter().any(|v| v.is_observed());
            if seen || !observed {
                let base = Env {
                    origin: "",
                    present: result.is_some_and(|r| r.present),
                    observed_ratio: result.map_or(0.0, |r| r.observed_ratio),
                    requests: a.requests,
                    risk_score: a.risk_score,
                    classification: a.classification,
                    documented: a.documented,
                };
                let failing = if cond.uses(Var::Origin) {
                    // no value answered at all is judged as "answered none"
                    let origins: Vec<&str> = if a.origins.is_empty() {
                        vec![""]
                    } else {
                        a.origins.iter().map(String::as_str).collect()
                    };
                    origins
                        .into_iter()
                        .map(|o| Env {
                            origin: o,
                            ..base.clone()
                        })
                        .find(|env| !cond.holds(env))
                } else {
                    Some(base).filter(|env| !cond.holds(env))
                };
                if let Some(env) = failing {
                    let others: Vec<String> = cond
                        .vars()
                        .iter()
                        .filter(|v| **v != Var::Origin)
                        .map(|v| format!("{} = {}", v.name(), env.show(*v)))
                        .collect();
                    let with = if others.is_empty() {
                        String::new()
                    } else {
                        format!(" with {}", others.join(", "))
                    };
                    reasons.push(if cond.uses(Var::Origin) {
                        let answered = if env.origin.is_empty() {
                            "answered without Access-Control-Allow-Origin".to_string()
                        } else {
                            format!("answered Access-Control-Allow-Origin: {}", env.origin)
                        };
                        format!("{answered} (condition `{cond}` fails{with})")
                    } else {
                        format!("condition `{cond}` fails{with}")
                    });
                }
            }
        }

        if self.documented == Some(true) && !a.documented {
            reasons.push("undocumented: no API description declares this operation".to_string());
        }

        let missing_header = self
            .header_present
            .as_ref()
            .filter(|h| seen && !a.every_response_has(h));
        if let Some(header) = missing_header {
            let with = a
                .response_headers
                .get(&header.to_ascii_lowercase())
                .copied()
                .unwrap_or(0);
            let lacking = a.requests.saturating_sub(with);
            reasons.push(format!(
                "{header} header missing on {} of {} responses",
                thousands(lacking),
                thousands(a.requests)
            ));
        }

        if self.owner_present == Some(true)
            && a.owner.as_deref().is_none_or(|o| o.trim().is_empty())
        {
            reasons.push("no owner known".to_string());
        }

        if reasons.is_empty() {
            None
        } else {
            Some(reasons.join("; "))
        }
    }
}
