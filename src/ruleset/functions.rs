//! The folder's stored functions as `let` statements a query can run behind:
//! only the functions a query uses (and what they use), in dependency order.

use std::collections::{HashMap, HashSet};

use crate::syntax::token::TokenKind;

/// One function of the folder, ready to be written as `let`.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    /// KQL parameter list without parentheses.
    pub params: String,
    /// The body (statements and a final expression).
    pub body: String,
    /// Names of other folder functions the body refers to.
    pub calls: Vec<String>,
}

/// The folder's functions by name.
#[derive(Debug, Clone, Default)]
pub struct Functions {
    by_name: HashMap<String, Function>,
}

/// The `let` text to put before a query, and which functions it defines.
#[derive(Debug, Clone, Default)]
pub struct Prelude {
    pub text: String,
    /// Functions defined, dependencies first.
    pub functions: Vec<String>,
    /// A cycle found among them (names in call order), if any.
    pub cycle: Option<Vec<String>>,
}

impl Functions {
    /// Adds a function; a name already taken keeps its first definition and returns false.
    pub fn insert(&mut self, name: &str, params: &str, body: &str) -> bool {
        if self.by_name.contains_key(name) {
            return false;
        }
        let function = Function {
            name: name.to_string(),
            params: params.to_string(),
            body: body.trim_end().trim_end_matches(';').trim_end().to_string(),
            calls: Vec::new(),
        };
        self.by_name.insert(name.to_string(), function);
        true
    }

    /// Functions defined outside the folder (a cached workspace's): each
    /// `(name, parameters, body)` whose `let` parses without errors. A body
    /// kqlab cannot parse is left out, so that it cannot stop the analysis of
    /// the queries that call it (the analyzer still knows the name from the
    /// workspace schema, with an open output); the names left out are returned.
    pub fn from_definitions<'a>(
        definitions: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> (Functions, Vec<String>) {
        let mut functions = Functions::default();
        let mut left_out = Vec::new();
        for (name, params, body) in definitions {
            let body = body.trim_end().trim_end_matches(';').trim_end();
            let text = format!("let {name} = ({params}) {{\n{body}\n}};\nprint 0");
            if crate::diagnostics::has_errors(&crate::syntax::parse(&text).diagnostics) {
                left_out.push(name.to_string());
            } else {
                functions.insert(name, params, body);
            }
        }
        functions.link();
        (functions, left_out)
    }

    /// Every function, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Function> {
        self.by_name.values()
    }

    /// Number of functions.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Records which folder functions each body calls (after all are inserted).
    pub fn link(&mut self) {
        let names: HashSet<String> = self.by_name.keys().cloned().collect();
        for function in self.by_name.values_mut() {
            let mut calls = referenced_names(&function.body, &names);
            calls.retain(|name| name != &function.name || self_call(&function.body, name));
            function.calls = calls;
        }
    }

    /// True when there are no functions.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// The function called `name`.
    pub fn get(&self, name: &str) -> Option<&Function> {
        self.by_name.get(name)
    }

    /// Names of folder functions that `text` refers to.
    pub fn used_by(&self, text: &str) -> Vec<String> {
        if self.by_name.is_empty() {
            return Vec::new();
        }
        let names: HashSet<String> = self.by_name.keys().cloned().collect();
        referenced_names(text, &names)
    }

    /// The prelude for a query that uses `roots` (and, through them, others).
    pub fn prelude(&self, roots: &[String]) -> Prelude {
        let mut prelude = Prelude::default();
        let mut state: HashMap<&str, bool> = HashMap::new(); // false: in progress, true: done
        let mut stack: Vec<&str> = Vec::new();
        for root in roots {
            self.visit(root, &mut state, &mut stack, &mut prelude);
        }
        for name in &prelude.functions {
            let function = &self.by_name[name];
            prelude
                .text
                .push_str(&format!("let {} = ({}) {{\n{}\n}};\n", function.name, function.params, function.body));
        }
        prelude
    }

    fn visit<'a>(
        &'a self,
        name: &'a str,
        state: &mut HashMap<&'a str, bool>,
        stack: &mut Vec<&'a str>,
        prelude: &mut Prelude,
    ) {
        let Some(function) = self.by_name.get(name) else { return };
        match state.get(name) {
            Some(true) => return,
            Some(false) => {
                if prelude.cycle.is_none() {
                    let from = stack.iter().position(|n| *n == name).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[from..].iter().map(|n| n.to_string()).collect();
                    cycle.push(name.to_string());
                    prelude.cycle = Some(cycle);
                }
                return;
            }
            None => {}
        }
        state.insert(name, false);
        stack.push(name);
        for call in &function.calls {
            self.visit(call, state, stack, prelude);
        }
        stack.pop();
        state.insert(name, true);
        prelude.functions.push(name.to_string());
    }
}

/// The words of `text` that are in `names`, in first-use order.
pub fn referenced_names(text: &str, names: &HashSet<String>) -> Vec<String> {
    let lexed = crate::syntax::lexer::lex(text);
    let mut found = Vec::new();
    for token in &lexed.tokens {
        if token.kind == TokenKind::Ident {
            let word = &text[token.span.range()];
            if names.contains(word) && !found.iter().any(|f: &String| f == word) {
                found.push(word.to_string());
            }
        }
    }
    found
}

/// True when a body uses its own name as a call (`Name(`), not only as a column.
fn self_call(body: &str, name: &str) -> bool {
    let lexed = crate::syntax::lexer::lex(body);
    lexed.tokens.windows(2).any(|pair| {
        pair[0].kind == TokenKind::Ident && &body[pair[0].span.range()] == name && pair[1].kind == TokenKind::OpenParen
    })
}

#[cfg(test)]
mod tests {
    use super::Functions;

    #[test]
    fn a_prelude_holds_what_the_query_uses_dependencies_first() {
        let mut functions = Functions::default();
        functions.insert("Outer", "", "Inner() | where x > 1;");
        functions.insert("Inner", "", "datatable(x:int)[1, 2]");
        functions.insert("Unused", "", "print 1");
        functions.link();
        let used = functions.used_by("Outer | count");
        assert_eq!(used, vec!["Outer".to_string()]);
        let prelude = functions.prelude(&used);
        assert_eq!(prelude.functions, vec!["Inner".to_string(), "Outer".to_string()]);
        assert_eq!(
            prelude.text,
            "let Inner = () {\ndatatable(x:int)[1, 2]\n};\nlet Outer = () {\nInner() | where x > 1\n};\n"
        );
        assert!(prelude.cycle.is_none());
    }

    #[test]
    fn definitions_that_do_not_parse_are_left_out() {
        let (functions, left_out) = Functions::from_definitions([
            ("Good", "n:int = 1", "print n;"),
            ("Bad", "", "T | where (("),
            ("BadParams", "n:", "print 1"),
        ]);
        assert!(functions.get("Good").is_some());
        assert_eq!(functions.len(), 1);
        assert_eq!(left_out, ["Bad".to_string(), "BadParams".to_string()]);
    }

    #[test]
    fn a_cycle_is_reported_with_its_path() {
        let mut functions = Functions::default();
        functions.insert("A", "", "B()");
        functions.insert("B", "", "A()");
        functions.link();
        let prelude = functions.prelude(&["A".to_string()]);
        assert_eq!(prelude.cycle, Some(vec!["A".to_string(), "B".to_string(), "A".to_string()]));
    }
}
