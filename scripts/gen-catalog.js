#!/usr/bin/env node
// Generates src/analysis/catalog/builtins.json: the signatures of every
// built-in scalar, aggregate and window function and `evaluate` plugin, taken
// from Microsoft's Kusto.Language (the @kusto/language-service-next npm
// package, MIT licence), merged with the one-line descriptions and categories
// in scripts/catalog-descriptions.tsv.
//
//   cd target/kusto-oracle && node ../../scripts/gen-catalog.js \
//       ../../scripts/catalog-descriptions.tsv > ../../src/analysis/catalog/builtins.json
//
// (bench/parse.sh installs the package into target/kusto-oracle.)
'use strict';
const fs = require('fs');
// Resolve the package from the working directory (the oracle's install).
const fromCwd = m => require(require.resolve(m, { paths: [process.cwd()] }));
fromCwd('@kusto/language-service-next/bridge.min.js');
fromCwd('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const K = global.Kusto.Language;

function toArray(list) {
  if (list == null) return [];
  if (Array.isArray(list)) return list;
  const out = [];
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i));
  return out;
}

const PARAMETER_TYPE_KIND = ['any', 'declared', 'scalar', 'tabular', 'database', 'cluster', 'integer', 'real_or_decimal',
  'string_or_dynamic', 'string_or_array', 'integer_or_array', 'dynamic_array', 'dynamic_bag', 'number', 'number_or_bool',
  'summable', 'orderable', 'not_real_or_bool', 'not_dynamic', 'not_bool', 'param0', 'param1', 'param2', 'common_scalar',
  'common_number', 'common_summable', 'common_orderable', 'common_scalar_or_dynamic'];
const ARGUMENT_KIND = ['expression', 'expression_param0_element', 'star_only', 'star_allowed', 'aggregate', 'column',
  'column_param0', 'column_param0_common', 'literal', 'literal_not_empty', 'constant'];
const RETURN_KIND = ['declared', 'computed', 'custom', 'param0', 'param1', 'param2', 'param_n', 'param0_literal',
  'param1_literal', 'param_n_literal', 'param0_promoted', 'param0_cluster', 'param0_database', 'param0_table',
  'param0_external_table', 'param0_array', 'common', 'common_non_dynamic', 'widest', 'param0_materialized_view',
  'param0_entity_group', 'param0_stored_query_result', 'param0_graph'];
const RESULT_NAME_KIND = ['default', 'name_and_first_argument', 'name_and_only_argument', 'prefix_and_first_argument',
  'prefix_and_only_argument', 'first_argument_value_if_column', 'prefix_only', 'first_argument', 'only_argument'];
const WINDOW = new Set(['next', 'prev', 'row_cumsum', 'row_number', 'row_rank_dense', 'row_rank_min', 'row_window_session']);

const descriptions = new Map();
if (process.argv[2]) {
  for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n')) {
    const [name, kind, category, description] = line.split('\t');
    if (name) descriptions.set(kind + ':' + name, { category, description });
  }
}

function typeName(t) {
  if (!t) return null;
  if (t.Columns) return '(' + toArray(t.Columns).map(c => c.Name + ':' + c.Type.Name).join(', ') + ')';
  return t.Name;
}

function entry(sym, kind) {
  const key = (kind === 'aggregate' ? 'aggregate' : kind === 'plugin' ? 'plugin' : 'function') + ':' + sym.Name;
  const d = descriptions.get(key) || {};
  const out = { name: sym.Name, kind: kind === 'scalar' && WINDOW.has(sym.Name) ? 'window' : kind };
  out.category = d.category || (kind === 'scalar' ? 'misc' : kind);
  out.description = d.description || (sym.IsObsolete && sym.Alternative ? `Deprecated: use ${String(sym.Alternative).split("' or '").join(' or ')}` : '');
  if (sym.IsHidden) out.hidden = true;
  if (sym.IsObsolete) out.deprecated = true;
  if (sym.IsObsolete && sym.Alternative) out.alternative = sym.Alternative;
  if (sym.ResultNameKind) out.result_name = RESULT_NAME_KIND[sym.ResultNameKind];
  if (sym.ResultNamePrefix) out.result_prefix = sym.ResultNamePrefix;
  out.signatures = toArray(sym.Signatures).map(s => {
    const sig = {};
    sig.returns = s.ReturnKind === 0 ? typeName(s._returnType) : '@' + RETURN_KIND[s.ReturnKind];
    if (s.IsHidden) sig.hidden = true;
    sig.params = toArray(s.Parameters).map(p => {
      const param = { name: p.Name };
      param.type = p.TypeKind === 1 ? toArray(p.DeclaredTypes).map(typeName).join('|') : '@' + PARAMETER_TYPE_KIND[p.TypeKind];
      if (p.ArgumentKind) param.arg = ARGUMENT_KIND[p.ArgumentKind];
      if (p.MinOccurring !== 1) param.min = p.MinOccurring;
      if (p.MaxOccurring !== 1) param.max = p.MaxOccurring;
      const values = toArray(p.Values).map(String);
      if (values.length) param.values = values;
      if (p.IsCaseSensitive) param.case_sensitive = true;
      return param;
    });
    return sig;
  });
  return out;
}

const all = [];
// Deprecated names are kept (Kusto still accepts them) and marked.
for (const f of toArray(K.Functions.All)) all.push(entry(f, 'scalar'));
for (const f of toArray(K.Aggregates.All)) all.push(entry(f, 'aggregate'));
for (const f of toArray(K.PlugIns.All)) all.push(entry(f, 'plugin'));
// Plugins newer than the npm package (in Kusto.Language's PlugIns.cs and the
// documentation): added by hand until the package has them.
const EXTRA_PLUGINS = [
  { name: 'schema_merge', kind: 'plugin', category: 'plugin',
    description: 'Merges table schemas in the getschema format into one schema, reducing column types to common ones',
    signatures: [{ returns: '@custom', params: [{ name: 'PreserveOrder', type: 'bool', min: 0 }] }] },
];
for (const e of EXTRA_PLUGINS) if (!all.some(x => x.kind === 'plugin' && x.name === e.name)) all.push(e);
process.stdout.write('[\n' + all.map(e => JSON.stringify(e)).join(',\n') + '\n]\n');
