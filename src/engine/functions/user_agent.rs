//! `parse_user_agent(user_agent, look_for)`: the browser, operating system
//! and device a user-agent string names, as a `dynamic` property bag.
//!
//! As documented (parse-user-agent-function.md): `look_for` is `"browser"`,
//! `"os"` or `"device"`, or a `dynamic` array of them; the result has a
//! `Browser` bag (`Family`, `MajorVersion`, `MinorVersion`, `Patch`), an
//! `OperatingSystem` bag (the same and `PatchMinor`) and a `Device` bag
//! (`Family`, `Brand`, `Model`) for the requested targets, and a version part
//! the user agent does not give is the empty string (the page's Nokia
//! example has `"Patch": ""`). The page says the function checks the input
//! against "a huge number of predefined patterns": these are the uap-core
//! project's rules (`data/uap-core/regexes.yaml`, applied by the uap-core
//! project's own `ua-parser` crate), whose results are the page's examples.
//!
//! Where the page is silent: a user agent no rule matches gives uap-core's
//! family `"Other"` with empty versions, brand and model (so an empty user
//! agent gives `"Other"` too, as strings have no null); the targets are
//! matched without regard to case and surrounding spaces, and the bags come
//! in the order Browser, OperatingSystem, Device whatever the order asked; a
//! null `look_for` gives null; a `look_for` naming anything else, or nothing,
//! is an error naming the three targets, since a misspelt target would
//! otherwise silently give an empty bag. Kusto.Language declares `look_for`
//! optional (the page does not): without it, all three targets are parsed.

use std::sync::{Arc, OnceLock};

use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// uap-core's rule file, bundled (see `data/uap-core/NOTICE`).
const REGEXES_YAML: &str = include_str!("../../../data/uap-core/regexes.yaml");

/// The family uap-core gives a user agent no rule matches.
const OTHER: &str = "Other";

/// The `look_for` values, as the page lists them.
const TARGET_NAMES: &str = "\"browser\", \"os\" or \"device\"";

/// The kernel of `name` when it is this file's function.
pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "parse_user_agent" => parse_user_agent_kernel,
        _ => return None,
    })
}

/// Which parts of a user agent to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Targets {
    /// `"browser"`: the `Browser` bag.
    pub browser: bool,
    /// `"os"`: the `OperatingSystem` bag.
    pub os: bool,
    /// `"device"`: the `Device` bag.
    pub device: bool,
}

impl Targets {
    /// All three targets.
    pub const ALL: Targets = Targets { browser: true, os: true, device: true };

    /// The targets a `look_for` value names, `None` for a null `look_for`,
    /// or an error for anything but the documented names.
    pub fn from_look_for(look_for: &Value) -> ExecResult<Option<Targets>> {
        let mut targets = Targets::default();
        match look_for {
            Value::Null | Value::Dynamic(Dyn::Null) => return Ok(None),
            Value::String(name) => targets.add(name)?,
            Value::Dynamic(Dyn::String(name)) => targets.add(name)?,
            Value::Dynamic(Dyn::Array(items)) => {
                for item in items.iter() {
                    match item {
                        Dyn::String(name) => targets.add(name)?,
                        other => return Err(invalid_target(&other.to_kql_string())),
                    }
                }
            }
            other => return Err(invalid_target(&other.to_kql_string())),
        }
        if targets == Targets::default() {
            return Err(ExecError::runtime(format!(
                "`parse_user_agent` needs at least one target to look for: {TARGET_NAMES}"
            )));
        }
        Ok(Some(targets))
    }

    fn add(&mut self, name: &str) -> ExecResult<()> {
        match name.trim().to_ascii_lowercase().as_str() {
            "browser" => self.browser = true,
            "os" => self.os = true,
            "device" => self.device = true,
            _ => return Err(invalid_target(name)),
        }
        Ok(())
    }
}

fn invalid_target(name: &str) -> ExecError {
    ExecError::runtime(format!("`parse_user_agent` cannot look for `{name}`: the targets are {TARGET_NAMES}"))
}

/// The compiled rules, built on first use (compiling about 1,200 regexes
/// takes a moment, so never per row); an error if the bundled file does not
/// compile, which the unit tests rule out.
fn extractor() -> ExecResult<&'static ua_parser::Extractor<'static>> {
    static EXTRACTOR: OnceLock<Result<ua_parser::Extractor<'static>, String>> = OnceLock::new();
    EXTRACTOR
        .get_or_init(|| {
            let regexes: ua_parser::Regexes<'static> =
                yaml_serde::from_str(REGEXES_YAML).map_err(|error| format!("reading the rules: {error}"))?;
            ua_parser::Extractor::try_from(regexes).map_err(|error| format!("compiling the rules: {error}"))
        })
        .as_ref()
        .map_err(|error| ExecError::runtime(format!("`parse_user_agent`: the bundled uap-core rules fail: {error}")))
}

/// The bag `parse_user_agent` returns for `user_agent` and `targets`.
pub fn parse_user_agent(user_agent: &str, targets: Targets) -> ExecResult<Dyn> {
    let extractor = extractor()?;
    let text = |part: Option<&str>| Dyn::str(part.unwrap_or(""));
    let mut entries: Vec<(Arc<str>, Dyn)> = Vec::with_capacity(3);
    if targets.browser {
        let browser = extractor.ua.extract(user_agent);
        let family = browser.as_ref().map_or(OTHER, |b| b.family.as_ref());
        entries.push((
            Arc::from("Browser"),
            Dyn::bag(vec![
                (Arc::from("Family"), Dyn::str(family)),
                (Arc::from("MajorVersion"), text(browser.as_ref().and_then(|b| b.major))),
                (Arc::from("MinorVersion"), text(browser.as_ref().and_then(|b| b.minor))),
                (Arc::from("Patch"), text(browser.as_ref().and_then(|b| b.patch))),
            ]),
        ));
    }
    if targets.os {
        let os = extractor.os.extract(user_agent);
        let family = os.as_ref().map_or(OTHER, |o| o.os.as_ref());
        entries.push((
            Arc::from("OperatingSystem"),
            Dyn::bag(vec![
                (Arc::from("Family"), Dyn::str(family)),
                (Arc::from("MajorVersion"), text(os.as_ref().and_then(|o| o.major.as_deref()))),
                (Arc::from("MinorVersion"), text(os.as_ref().and_then(|o| o.minor.as_deref()))),
                (Arc::from("Patch"), text(os.as_ref().and_then(|o| o.patch.as_deref()))),
                (Arc::from("PatchMinor"), text(os.as_ref().and_then(|o| o.patch_minor.as_deref()))),
            ]),
        ));
    }
    if targets.device {
        let device = extractor.dev.extract(user_agent);
        let family = device.as_ref().map_or(OTHER, |d| d.device.as_ref());
        entries.push((
            Arc::from("Device"),
            Dyn::bag(vec![
                (Arc::from("Family"), Dyn::str(family)),
                (Arc::from("Brand"), text(device.as_ref().and_then(|d| d.brand.as_deref()))),
                (Arc::from("Model"), text(device.as_ref().and_then(|d| d.model.as_deref()))),
            ]),
        ));
    }
    Ok(Dyn::bag(entries))
}

fn parse_user_agent_kernel(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("parse_user_agent", args, 1, 2)?;
    // A constant `look_for` (the usual case) is read once.
    let constant = match args.get(1) {
        None => Some(Some(Targets::ALL)),
        Some(arg) => arg.as_scalar().map(Targets::from_look_for).transpose()?,
    };
    map_rows(args, ctx, ScalarType::Dynamic, |values| {
        let targets = match constant {
            Some(targets) => targets,
            None => Targets::from_look_for(&values[1])?,
        };
        match targets {
            Some(targets) => Ok(Value::Dynamic(parse_user_agent(&values[0].to_kql_string(), targets)?)),
            None => Ok(Value::Null),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::test_support::{call_text, json};

    const ADOBE_AIR: &str = "Mozilla/5.0 (Windows; U; en-US) AppleWebKit/531.9 (KHTML, like Gecko) AdobeAIR/2.5.1";
    const NOKIA: &str = "Mozilla/5.0 (SymbianOS/9.2; U; Series60/3.1 NokiaN81-3/10.0.032 Profile/MIDP-2.0 Configuration/CLDC-1.1 ) AppleWebKit/413 (KHTML, like Gecko) Safari/4";

    fn call(user_agent: &str, look_for: Value) -> String {
        call_text(parse_user_agent_kernel, &[Value::str(user_agent), look_for])
    }

    #[test]
    fn the_bundled_rules_compile() {
        assert!(extractor().is_ok());
    }

    #[test]
    fn the_page_example_with_a_string_target() {
        assert_eq!(
            call(ADOBE_AIR, Value::str("browser")),
            r#"{"Browser":{"Family":"AdobeAIR","MajorVersion":"2","MinorVersion":"5","Patch":"1"}}"#
        );
    }

    #[test]
    fn the_page_example_with_an_array_of_targets() {
        assert_eq!(
            call(NOKIA, json(r#"["browser","os","device"]"#)),
            concat!(
                r#"{"Browser":{"Family":"Nokia OSS Browser","MajorVersion":"3","MinorVersion":"1","Patch":""},"#,
                r#""OperatingSystem":{"Family":"Symbian OS","MajorVersion":"9","MinorVersion":"2","Patch":"","PatchMinor":""},"#,
                r#""Device":{"Family":"Nokia N81","Brand":"Nokia","Model":"N81-3"}}"#
            )
        );
    }

    #[test]
    fn a_modern_browser_and_its_platform() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.130 Safari/537.36";
        assert_eq!(
            call(chrome, json(r#"["os","browser"]"#)),
            concat!(
                r#"{"Browser":{"Family":"Chrome","MajorVersion":"120","MinorVersion":"0","Patch":"6099"},"#,
                r#""OperatingSystem":{"Family":"Windows","MajorVersion":"10","MinorVersion":"","Patch":"","PatchMinor":""}}"#
            )
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
        assert_eq!(
            call(iphone, Value::str("device")),
            r#"{"Device":{"Family":"iPhone","Brand":"Apple","Model":"iPhone"}}"#
        );
    }

    #[test]
    fn garbage_and_empty_user_agents_are_other() {
        let other = r#"{"Browser":{"Family":"Other","MajorVersion":"","MinorVersion":"","Patch":""}}"#;
        assert_eq!(call("", Value::str("browser")), other);
        assert_eq!(call("\u{0}\u{1F600}((( ]]] $1 \\d+", Value::str("browser")), other);
        assert_eq!(call_text(parse_user_agent_kernel, &[Value::Null, Value::str("browser")]), other);
        assert_eq!(
            call("definitely not a browser", Value::str("device")),
            r#"{"Device":{"Family":"Other","Brand":"","Model":""}}"#
        );
    }

    #[test]
    fn very_long_input_is_parsed() {
        let long = format!("{ADOBE_AIR} {}", "x".repeat(200_000));
        assert!(call(&long, Value::str("browser")).contains(r#""Family":"AdobeAIR""#));
    }

    #[test]
    fn targets_ignore_case_and_order_and_repeats() {
        assert_eq!(call(ADOBE_AIR, Value::str(" Browser ")), call(ADOBE_AIR, Value::str("browser")));
        assert_eq!(
            call(NOKIA, json(r#"["device","os","browser","os"]"#)),
            call(NOKIA, json(r#"["browser","os","device"]"#))
        );
    }

    #[test]
    fn a_null_target_gives_null_and_no_target_means_all() {
        assert_eq!(call(ADOBE_AIR, Value::Null), "null");
        assert_eq!(call(ADOBE_AIR, json("null")), "null");
        assert_eq!(
            call_text(parse_user_agent_kernel, &[Value::str(NOKIA)]),
            call(NOKIA, json(r#"["browser","os","device"]"#))
        );
    }

    #[test]
    fn unknown_or_missing_targets_are_errors() {
        for look_for in [
            Value::str("cpu"),
            Value::str(""),
            json("[]"),
            json(r#"["browser", 1]"#),
            json(r#"{"a":1}"#),
            Value::Long(1),
        ] {
            let args = [
                Datum::Scalar(Value::str(ADOBE_AIR), ScalarType::String),
                Datum::Scalar(look_for.clone(), ScalarType::Dynamic),
            ];
            let error = parse_user_agent_kernel(&args, &EvalCtx { rows: 1, now: 0 }).expect_err("an invalid target");
            assert!(error.message.contains("\"browser\", \"os\" or \"device\""), "{look_for:?}: {}", error.message);
        }
    }

    #[test]
    fn a_column_of_user_agents_and_targets() {
        use crate::engine::column::ColumnBuilder;
        let mut agents = ColumnBuilder::new(ScalarType::String, 2);
        agents.push(&Value::str(ADOBE_AIR));
        agents.push(&Value::str(""));
        let mut targets = ColumnBuilder::new(ScalarType::Dynamic, 2);
        targets.push(&Value::str("browser"));
        targets.push(&Value::Null);
        let out = parse_user_agent_kernel(
            &[Datum::Column(agents.finish()), Datum::Column(targets.finish())],
            &EvalCtx { rows: 2, now: 0 },
        )
        .expect("a column");
        assert!(out.get(0).to_kql_string().contains("AdobeAIR"));
        assert!(out.get(1).is_null());
    }
}
