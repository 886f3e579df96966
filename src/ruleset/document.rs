//! One file of a rules folder, read into what the checks need: its kind
//! (analytics rule, hunting query, function, plain query), its query text
//! and where that text sits in the file.

use std::path::{Path, PathBuf};

use yaml_serde::{Mapping, Value};

use crate::diagnostics::{Code, Diagnostic};
use crate::ruleset::yaml_map::{BlockScalar, Step, YamlMap};
use crate::text::{SourceFile, Span};

/// What a file of the folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A scheduled analytics rule (YAML with `queryFrequency` …).
    Scheduled,
    /// A near-real-time analytics rule (`kind: NRT`).
    Nrt,
    /// A hunting query (YAML without a schedule).
    Hunting,
    /// A stored function or ASIM parser that rules can call.
    Function,
    /// A plain `.kql` query.
    Query,
}

impl Kind {
    /// Lower-case name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scheduled => "scheduled rule",
            Kind::Nrt => "NRT rule",
            Kind::Hunting => "hunting query",
            Kind::Function => "function",
            Kind::Query => "query",
        }
    }

    /// True for analytics rules (scheduled and NRT).
    pub fn is_analytics(self) -> bool {
        matches!(self, Kind::Scheduled | Kind::Nrt)
    }
}

/// A query held by a document.
#[derive(Debug, Clone)]
pub struct Query {
    /// The KQL text as the YAML parser (or the `.kql` file) gives it.
    pub text: String,
    /// How offsets in `text` map to offsets in the file.
    pub origin: Origin,
}

/// Where a query's text sits in its file.
#[derive(Debug, Clone)]
pub enum Origin {
    /// The file is the query (`.kql`).
    Whole,
    /// A literal block scalar (`query: |`), mapped line by line.
    Block(BlockScalar),
    /// Any other scalar: every offset maps to this span (the value's first line).
    At(Span),
}

impl Query {
    /// A span in the query text as a span in the file.
    pub fn map_span(&self, span: Span) -> Span {
        match &self.origin {
            Origin::Whole => span,
            Origin::Block(block) => block.map_span(span),
            Origin::At(at) => *at,
        }
    }
}

/// A stored function defined in the folder.
#[derive(Debug, Clone)]
pub struct FunctionDef {
    /// The name queries call it by.
    pub name: String,
    /// The parameter list, as KQL (`starttime:datetime=datetime(null), ...`).
    pub params: String,
}

/// One file of the rules folder.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as given (relative to where kqlab runs).
    pub path: PathBuf,
    /// The file's text under its display name.
    pub source: SourceFile,
    pub kind: Kind,
    /// The YAML root mapping (`None` for `.kql` files and broken YAML).
    pub yaml: Option<Mapping>,
    /// Positions in the YAML text.
    pub map: YamlMap,
    /// The query (`query`, `FunctionQuery` or `ParserQuery`; the whole `.kql` file).
    pub query: Option<Query>,
    /// Set for functions and parsers.
    pub function: Option<FunctionDef>,
    /// Problems found while reading the file.
    pub diagnostics: Vec<Diagnostic>,
}

/// Keys that make a YAML file a function or parser, with the key of its query.
const FUNCTION_QUERY_KEYS: &[&str] = &["FunctionQuery", "ParserQuery"];

impl Document {
    /// Reads a document from the bytes of its file, reporting invalid UTF-8.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Document {
        match std::str::from_utf8(bytes) {
            Ok(text) => Document::load(path, text.to_string()),
            Err(error) => {
                let mut document = Document::load(path, String::from_utf8_lossy(bytes).into_owned());
                let offset = error.valid_up_to() as u32;
                document.diagnostics.insert(
                    0,
                    Diagnostic::new(Code::InvalidUtf8, Span::new(offset, offset + 3), "the file is not valid UTF-8")
                        .with_help("invalid bytes were replaced with U+FFFD; save the file as UTF-8"),
                );
                document
            }
        }
    }

    /// Reads a document from its text; `path` decides between YAML and KQL.
    /// A file under a `functions/` folder is a function named after the file.
    pub fn load(path: &Path, text: String) -> Document {
        let source = SourceFile::new(path.display().to_string(), text);
        let map = YamlMap::new(&source.text);
        let mut document = Document {
            path: path.to_path_buf(),
            source,
            kind: Kind::Query,
            yaml: None,
            map,
            query: None,
            function: None,
            diagnostics: Vec::new(),
        };
        if is_yaml(path) {
            document.read_yaml();
        } else {
            document.read_kql();
        }
        document
    }

    /// The name shown for the document: the rule's `name`, else the file stem.
    pub fn display_name(&self) -> String {
        self.string(&[Step::Key("name")])
            .or_else(|| self.function.as_ref().map(|f| f.name.clone()))
            .unwrap_or_else(|| self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default())
    }

    /// The value at a path of keys and indexes in the YAML.
    pub fn value(&self, path: &[Step]) -> Option<&Value> {
        let mut value: Option<&Value> = None;
        for step in path {
            let next = match (value, step) {
                (None, Step::Key(key)) => self.yaml.as_ref()?.get(*key),
                (Some(Value::Mapping(mapping)), Step::Key(key)) => mapping.get(*key),
                (Some(Value::Sequence(items)), Step::Index(index)) => items.get(*index),
                _ => None,
            };
            value = Some(next?);
        }
        value
    }

    /// The value at `path` when it is a string (numbers and booleans are shown as text).
    pub fn string(&self, path: &[Step]) -> Option<String> {
        match self.value(path)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// The span of the value at `path` in the file (or its nearest ancestor).
    pub fn span(&self, path: &[Step]) -> Span {
        self.map.span(&self.source.text, path)
    }

    /// The span of the key at `path` (or its nearest ancestor's key).
    pub fn key_span(&self, path: &[Step]) -> Span {
        self.map.key_span(&self.source.text, path)
    }

    fn read_kql(&mut self) {
        self.kind = if in_functions_folder(&self.path) { Kind::Function } else { Kind::Query };
        let text = self.source.text.clone();
        if self.kind == Kind::Function {
            let name = self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let params = declared_params(&text).unwrap_or_default();
            if !crate::syntax::lexer::is_identifier(&name) {
                self.diagnostics.push(
                    Diagnostic::new(Code::InvalidRuleFile, Span::empty(0), format!("`{name}` is not a function name"))
                        .with_help("name the file after the function: `functions/MyParser.kql`"),
                );
            }
            self.function = Some(FunctionDef { name, params });
        }
        self.query = Some(Query { text, origin: Origin::Whole });
    }

    fn read_yaml(&mut self) {
        let text = self.source.text.clone();
        let root: Value = match yaml_serde::from_str(&text) {
            Ok(value) => value,
            Err(error) => {
                let span = match error.location() {
                    Some(location) => Span::empty(location.index() as u32),
                    None => Span::empty(0),
                };
                let message = error.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message).to_string();
                self.diagnostics.push(
                    Diagnostic::new(Code::InvalidRuleFile, span, format!("the file is not valid YAML: {message}"))
                        .with_help("check the indentation and quoting around this point"),
                );
                return;
            }
        };
        let Value::Mapping(mapping) = root else {
            self.diagnostics.push(
                Diagnostic::new(Code::InvalidRuleFile, Span::empty(0), "a rule file must be a YAML mapping")
                    .with_help("start with `id:`, `name:` and `query:` keys (the Azure-Sentinel rule format)"),
            );
            return;
        };
        self.yaml = Some(mapping);
        let function_key = FUNCTION_QUERY_KEYS.iter().find(|key| self.value(&[Step::Key(key)]).is_some());
        if let Some(key) = function_key {
            self.kind = Kind::Function;
            self.read_function(key);
            self.query = self.read_query(key);
            return;
        }
        let kind = self.string(&[Step::Key("kind")]);
        self.kind = match kind.as_deref() {
            Some(kind) if kind.eq_ignore_ascii_case("NRT") => Kind::Nrt,
            Some(_) => Kind::Scheduled,
            None if ["queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"]
                .iter()
                .any(|key| self.value(&[Step::Key(key)]).is_some()) =>
            {
                Kind::Scheduled
            }
            None => Kind::Hunting,
        };
        self.query = self.read_query("query");
    }

    /// The query under `key`, reporting a missing or non-text one.
    fn read_query(&mut self, key: &str) -> Option<Query> {
        let path = [Step::Key(key)];
        let text = match self.value(&path) {
            Some(Value::String(text)) => text.clone(),
            Some(_) => {
                self.diagnostics.push(Diagnostic::new(
                    Code::InvalidRuleField,
                    self.span(&path),
                    format!("`{key}` must be text (a KQL query)"),
                ));
                return None;
            }
            None => return None,
        };
        let origin = match self.map.block_scalar(&self.source.text, &path, &text) {
            Some(block) => Origin::Block(block),
            None => Origin::At(self.span(&path)),
        };
        Some(Query { text, origin })
    }

    fn read_function(&mut self, query_key: &str) {
        let name_keys: &[&str] = if query_key == "ParserQuery" {
            &["ParserName", "FunctionAlias", "FunctionName"]
        } else {
            &["FunctionAlias", "FunctionName", "ParserName"]
        };
        let name = name_keys.iter().find_map(|key| self.string(&[Step::Key(key)]));
        let Some(name) = name else {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::MissingRuleField,
                    self.key_span(&[Step::Key(query_key)]),
                    format!("a function file needs a name: `{}`", name_keys[0]),
                )
                .with_help(format!("add `{}: MyFunction`; rules call it by that name", name_keys[0])),
            );
            return;
        };
        let params_key = if query_key == "ParserQuery" { "ParserParams" } else { "FunctionParams" };
        let params = self.read_params(params_key);
        self.function = Some(FunctionDef { name, params });
    }

    /// `ParserParams: [{Name, Type, Default}]` as a KQL parameter list.
    fn read_params(&mut self, key: &str) -> String {
        let Some(Value::Sequence(items)) = self.value(&[Step::Key(key)]).cloned() else { return String::new() };
        let mut params = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let field = |name: &str| match item.get(name) {
                Some(Value::String(text)) => Some(text.clone()),
                Some(Value::Number(number)) => Some(number.to_string()),
                Some(Value::Bool(flag)) => Some(flag.to_string()),
                _ => None,
            };
            let (Some(name), Some(ty)) = (field("Name"), field("Type")) else {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidRuleField,
                        self.span(&[Step::Key(key), Step::Index(index)]),
                        format!("each `{key}` entry needs `Name` and `Type`"),
                    )
                    .with_help("e.g. `- Name: starttime` / `Type: datetime` / `Default: datetime(null)`"),
                );
                continue;
            };
            let mut param = format!("{name}:{ty}");
            if let Some(default) = field("Default") {
                param.push_str(" = ");
                param.push_str(&default_literal(&ty, &default));
            }
            params.push(param);
        }
        params.join(", ")
    }
}

/// A parameter default as KQL: YAML gives `'*'` as the text `*`, which needs quotes.
fn default_literal(ty: &str, default: &str) -> String {
    let trimmed = default.trim();
    let is_string = ty.trim().eq_ignore_ascii_case("string");
    let quoted = trimmed.starts_with('"') || trimmed.starts_with('\'') || trimmed.starts_with('@');
    if is_string && !quoted { crate::import::datatable::string_literal(trimmed) } else { trimmed.to_string() }
}

/// The parameters a `functions/NAME.kql` file declares on its first line:
/// `// params: (starttime:datetime = datetime(null), user:string = "*")`.
fn declared_params(text: &str) -> Option<String> {
    let first = text.lines().find(|line| !line.trim().is_empty())?.trim();
    let rest = first.strip_prefix("//")?.trim();
    let rest = rest.strip_prefix("params:").or_else(|| rest.strip_prefix("parameters:"))?.trim();
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.trim().to_string())
}

/// True for `.yaml` and `.yml` files.
pub fn is_yaml(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"))
}

/// True when a folder on the path is named `functions` or `parsers`.
fn in_functions_folder(path: &Path) -> bool {
    path.parent().is_some_and(|parent| {
        parent.components().any(|part| {
            let part = part.as_os_str().to_string_lossy();
            part.eq_ignore_ascii_case("functions") || part.eq_ignore_ascii_case("parsers")
        })
    })
}

/// The display path of a document relative to `root`.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{Document, Kind, Origin};

    #[test]
    fn yaml_kinds_follow_their_keys() {
        let scheduled = Document::load(Path::new("r.yaml"), "name: a\nqueryFrequency: 1h\nquery: T\n".into());
        assert_eq!(scheduled.kind, Kind::Scheduled);
        let nrt = Document::load(Path::new("r.yaml"), "name: a\nkind: NRT\nquery: T\n".into());
        assert_eq!(nrt.kind, Kind::Nrt);
        let hunting = Document::load(Path::new("r.yaml"), "name: a\nquery: T\n".into());
        assert_eq!(hunting.kind, Kind::Hunting);
        let parser = Document::load(
            Path::new("p.yaml"),
            "ParserName: vimX\nParserParams:\n  - Name: user\n    Type: string\n    Default: '*'\nParserQuery: |\n  T\n"
                .into(),
        );
        assert_eq!(parser.kind, Kind::Function);
        let function = parser.function.expect("a function");
        assert_eq!(function.name, "vimX");
        assert_eq!(function.params, "user:string = \"*\"");
        assert!(matches!(parser.query.expect("a query").origin, Origin::Block(_)));
    }

    #[test]
    fn a_functions_folder_file_is_a_function_with_declared_params() {
        let text = "// params: (user:string = \"*\")\nSigninLogs | where UserPrincipalName has user\n";
        let document = Document::load(Path::new("rules/functions/MySignins.kql"), text.into());
        assert_eq!(document.kind, Kind::Function);
        let function = document.function.expect("a function");
        assert_eq!((function.name.as_str(), function.params.as_str()), ("MySignins", "user:string = \"*\""));
    }

    #[test]
    fn broken_yaml_is_a_diagnostic_at_its_position() {
        let document = Document::load(Path::new("r.yaml"), "name: a\nquery: [unclosed\n".into());
        assert_eq!(document.diagnostics.len(), 1);
        assert!(
            document.diagnostics[0].message.starts_with("the file is not valid YAML"),
            "{:?}",
            document.diagnostics
        );
    }
}
