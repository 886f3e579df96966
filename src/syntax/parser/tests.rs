//! Structural tests of the parser: precedence and operator parts, checked
//! through a compact S-expression rendering of the tree.

use crate::diagnostics::Code;
use crate::syntax::ast::{Expr, ExprKind, Literal, OperatorKind, StatementKind};
use crate::syntax::parse;

/// Compact rendering of an expression, e.g. `(+ a (* b c))`.
fn sexpr(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Literal(Literal::Long(Some(v))) => v.to_string(),
        ExprKind::Literal(Literal::String(s)) => format!("{s:?}"),
        ExprKind::Literal(literal) => format!("{literal:?}"),
        ExprKind::Name(ident) => ident.name.clone(),
        ExprKind::NamePattern(ident) => format!("pattern:{}", ident.name),
        ExprKind::Star => "*".to_string(),
        ExprKind::Paren(inner) => sexpr(inner),
        ExprKind::Unary { op, operand } => format!("({op:?} {})", sexpr(operand)),
        ExprKind::Binary { op, left, right } => {
            format!("({} {} {})", op.as_str(), sexpr(left), sexpr(right))
        }
        ExprKind::List { op, left, items } => {
            let items: Vec<String> = items.iter().map(sexpr).collect();
            format!("({} {} [{}])", op.as_str(), sexpr(left), items.join(" "))
        }
        ExprKind::Between { negated, expr, low, high } => {
            format!("({}between {} {} {})", if *negated { "!" } else { "" }, sexpr(expr), sexpr(low), sexpr(high))
        }
        ExprKind::Call { target, name, args } => {
            let args: Vec<String> = args.iter().map(sexpr).collect();
            match target {
                Some(target) => format!("{}.{}({})", sexpr(target), name.name, args.join(", ")),
                None => format!("{}({})", name.name, args.join(", ")),
            }
        }
        ExprKind::NamedArg { name, value } => format!("{}={}", name.name, sexpr(value)),
        ExprKind::Member { target, name } => format!("{}.{}", sexpr(target), name.name),
        ExprKind::Index { target, index } => format!("{}[{}]", sexpr(target), sexpr(index)),
        ExprKind::Pipe { input, operator } => {
            format!("{} | {}", sexpr(input), operator_name(&operator.kind))
        }
        ExprKind::Source(operator) => operator_name(&operator.kind).to_string(),
        ExprKind::ContextualInput => "<input>".to_string(),
        other => format!("{other:?}"),
    }
}

fn operator_name(kind: &OperatorKind) -> &'static str {
    match kind {
        OperatorKind::Where(_) => "where",
        OperatorKind::Summarize { .. } => "summarize",
        OperatorKind::Join { .. } => "join",
        OperatorKind::Take { .. } => "take",
        OperatorKind::Project(_) => "project",
        OperatorKind::Extend(_) => "extend",
        OperatorKind::Union { .. } => "union",
        OperatorKind::Print(_) => "print",
        OperatorKind::MvExpand { .. } => "mv-expand",
        OperatorKind::MakeSeries { .. } => "make-series",
        _ => "op",
    }
}

/// The only query statement's expression; panics on errors.
fn query_expr(text: &str) -> Expr {
    let parsed = parse(text);
    assert!(parsed.diagnostics.is_empty(), "{text}: {:?}", parsed.diagnostics);
    match parsed.query.statements.into_iter().last().map(|s| s.kind) {
        Some(StatementKind::Query(expr)) => expr,
        other => panic!("expected a query statement, got {other:?}"),
    }
}

/// The `where` predicate of `T | where <text>`.
fn predicate(text: &str) -> String {
    let expr = query_expr(&format!("T | where {text}"));
    let ExprKind::Pipe { operator, .. } = expr.kind else { panic!("not a pipe") };
    let OperatorKind::Where(predicate) = operator.kind else { panic!("not where") };
    sexpr(&predicate)
}

#[test]
fn arithmetic_binds_tighter_than_comparison_and_logic() {
    assert_eq!(predicate("a + b * c == d or e and f"), "(or (== (+ a (* b c)) d) (and e f))");
    assert_eq!(predicate("a - b - c > 0"), "(> (- (- a b) c) 0)");
    assert_eq!(predicate("-x % 2 == -1"), "(== (% (Minus x) 2) -1)");
}

#[test]
fn string_and_list_operators_are_comparisons() {
    assert_eq!(predicate("a has 'x' and b !in~ ('y', 'z')"), "(and (has a \"x\") (!in~ b [\"y\" \"z\"]))");
    assert_eq!(predicate("a in (T | project x) or b has_any (l)"), "(or (in a [T | project]) (has_any b [l]))");
    assert_eq!(predicate("x !between (1 .. 5 + 1)"), "(!between x 1 (+ 5 1))");
    assert_eq!(
        predicate("a matches regex @'\\d+' and b containscs 'Q'"),
        "(and (matches regex a \"\\\\d+\") (contains_cs b \"Q\"))"
    );
}

#[test]
fn postfix_accessors_and_calls_chain() {
    assert_eq!(predicate("parse_json(x).a[0].['b c'] == 1"), "(== parse_json(x).a[0].b c 1)");
    assert_eq!(predicate("t.[0] == 1"), "(== t[0] 1)");
    assert_eq!(sexpr(&query_expr("cluster('c').database('d').T | take 1")), "cluster(\"c\").database(\"d\").T | take");
}

#[test]
fn pipes_are_left_nested_and_sources_start_them() {
    assert_eq!(sexpr(&query_expr("T | where a | take 1")), "T | where | take");
    assert_eq!(sexpr(&query_expr("union A, (B | where x) | take 1")), "union | take");
    assert_eq!(sexpr(&query_expr("print x = 1 | extend y = 2")), "print | extend");
    assert_eq!(sexpr(&query_expr("range x from 1 to 3 step 1")), "op");
}

#[test]
fn join_keeps_kind_right_side_and_conditions() {
    let expr = query_expr("A | join kind=leftouter hint.remote=auto (B | where x) on $left.a == $right.b, c");
    let ExprKind::Pipe { operator, .. } = expr.kind else { panic!() };
    let OperatorKind::Join { params, right, on, .. } = operator.kind else { panic!() };
    let names: Vec<&str> = params.iter().map(|p| p.name.name.as_str()).collect();
    assert_eq!(names, ["kind", "hint.remote"]);
    assert_eq!(sexpr(&right), "B | where");
    let on: Vec<String> = on.iter().map(sexpr).collect();
    assert_eq!(on, ["(== $left.a $right.b)", "c"]);
}

#[test]
fn summarize_separates_aggregates_from_groups() {
    let expr = query_expr("T | summarize n = count(), dcount(u) by bin(TimeGenerated, 1h), Account");
    let ExprKind::Pipe { operator, .. } = expr.kind else { panic!() };
    let OperatorKind::Summarize { aggregates, by, .. } = operator.kind else { panic!() };
    assert_eq!(aggregates.len(), 2);
    assert_eq!(aggregates[0].names[0].name, "n");
    assert!(aggregates[1].names.is_empty());
    assert_eq!(
        by.iter().map(|a| sexpr(&a.value)).collect::<Vec<_>>(),
        ["bin(TimeGenerated, Some(36000000000))", "Account"]
            .map(|s| s.replace("Some(36000000000)", "TimeSpan(Some(36000000000))"))
    );
}

#[test]
fn make_series_reads_every_clause() {
    let expr =
        query_expr("T | make-series n = count() default = 0 on TimeGenerated in range(ago(7d), now(), 1h) by Computer");
    let ExprKind::Pipe { operator, .. } = expr.kind else { panic!() };
    let OperatorKind::MakeSeries { aggregates, on, range, by, .. } = operator.kind else { panic!() };
    assert!(aggregates[0].default.is_some());
    assert_eq!(sexpr(&on), "TimeGenerated");
    assert!(matches!(range, Some(crate::syntax::ast::operators::SeriesRange::InRange { .. })));
    assert_eq!(by.len(), 1);
}

#[test]
fn function_definitions_and_tabular_parameters() {
    let parsed = parse("let f = (T:(*), n:long = 10) { T | take n }; let v = view () { print 1 }; f(Events)");
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(parsed.query.statements.len(), 3);
}

#[test]
fn literals_have_values() {
    let expr = query_expr(
        "print datetime(2024-01-02 03:04:05), 1d + 30m, guid(00000000-0000-0000-0000-000000000001), long(null), dynamic({'a': [1, -2.5, null]})",
    );
    let ExprKind::Source(operator) = expr.kind else { panic!() };
    let OperatorKind::Print(items) = operator.kind else { panic!() };
    let values: Vec<String> = items.iter().map(|a| sexpr(&a.value)).collect();
    assert_eq!(values[0], "DateTime(Some(638397614450000000))");
    assert_eq!(values[1], "(+ TimeSpan(Some(864000000000)) TimeSpan(Some(18000000000)))");
    assert_eq!(values[2], "Guid(Some(1))");
    assert_eq!(values[3], "Long(None)");
    assert_eq!(values[4], "Dynamic(Object([(\"a\", Array([Long(1), Real(-2.5), Null]))]))");
}

#[test]
fn errors_are_located_and_coded() {
    let cases = [
        ("T | project a,", Code::ExpectedExpression),
        ("| where x", Code::MissingQuerySource),
        ("T | wher x", Code::UnknownOperator),
        ("T | where a \"b\"", Code::ExpectedStatementEnd),
        ("T | where a has (\"b\", \"c\")", Code::ExpectedToken),
        ("T | join kind=outer (U) on a", Code::InvalidParameterValue),
        ("datatable(a:integer)[1]", Code::UnknownType),
        ("T | take 1;;", Code::UnexpectedToken),
        ("T | | take 1", Code::ExpectedOperator),
        ("print datetime(2023-13-45)", Code::InvalidDatetime),
    ];
    for (text, code) in cases {
        let parsed = parse(text);
        assert!(parsed.diagnostics.iter().any(|d| d.code == code), "{text}: {:?}", parsed.diagnostics);
    }
}

#[test]
fn unknown_operator_suggests_the_closest() {
    let misspelled = parse("T | summarise count()");
    assert_eq!(misspelled.diagnostics[0].help.as_deref(), Some("did you mean `summarize`?"));
    let upper = parse("T | WHERE x");
    assert_eq!(upper.diagnostics[0].help.as_deref(), Some("operators are lower-case: `where`"));
}
