//! The documentation tools (`docs_router`): the server's own tool docs, its
//! instructions and report templates. Their work lives in
//! `tools/tool_docs.rs` and `tools/markdown_templates.rs`.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::Tool;
use rmcp::{tool, tool_router};

use crate::mcp::tools::{markdown_templates, tool_docs};
use crate::mcp::{INSTRUCTIONS, Server, resources};

impl Server {
    /// Every tool the server serves, sorted by name.
    pub fn tools(&self) -> Vec<Tool> {
        self.tool_router.list_all()
    }
}

#[tool_router(router = docs_router, vis = "pub(super)")]
impl Server {
    #[tool(
        description = "List every tool of this server with a one-line summary and the `path` of its documentation. Cheap; use it to find the right tool, then tool_docs_get for its parameters and output.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn tool_docs_list(
        &self,
        Parameters(params): Parameters<tool_docs::ListParams>,
    ) -> Result<Json<tool_docs::ListOutput>, String> {
        Ok(Json(tool_docs::list(&self.tools(), params.prefix.as_deref())))
    }

    #[tool(
        description = "Get one tool's documentation as Markdown (description, every parameter with its type and whether it is required, the output fields) plus its raw input and output JSON Schemas. Give `name` (e.g. `kql_validate`) or the `path` from tool_docs_list.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn tool_docs_get(
        &self,
        Parameters(params): Parameters<tool_docs::GetParams>,
    ) -> Result<Json<tool_docs::GetOutput>, String> {
        tool_docs::get(&self.tools(), params).map(Json)
    }

    #[tool(
        description = "Search the tools' documentation (names, descriptions, parameters, output fields) for words such as `validate`, `schema` or `test rules`; returns the matching tools, best first, with the lines that match.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn tool_docs_search(
        &self,
        Parameters(params): Parameters<tool_docs::SearchParams>,
    ) -> Result<Json<tool_docs::SearchOutput>, String> {
        tool_docs::search(&self.tools(), params).map(Json)
    }

    #[tool(
        description = "Get this server's usage instructions for the model (the recommended workflow: look up schemas, validate every query, test rules), with its prompts and resource URIs. Call it first if you are unsure how to use kqlab.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn llm_instructions_get(
        &self,
        Parameters(params): Parameters<tool_docs::InstructionsParams>,
    ) -> Result<Json<tool_docs::InstructionsOutput>, String> {
        let mut resources: Vec<String> =
            resources::templates().resource_templates.into_iter().map(|template| template.uri_template).collect();
        resources.extend(resources::CATALOG_URIS.iter().map(|uri| uri.to_string()));
        Ok(Json(tool_docs::InstructionsOutput {
            instructions: INSTRUCTIONS.to_string(),
            prompts: self.prompt_router.list_all().into_iter().map(|prompt| prompt.name).collect(),
            resources,
            tools: params.include_tools.then(|| tool_docs::list(&self.tools(), None).tools),
        }))
    }

    #[tool(
        description = "List the Markdown report templates (incident summary, rule review, hunting report) with what each is for. Use one when asked for a write-up, so reports have a consistent shape.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn markdown_templates_list(
        &self,
        Parameters(params): Parameters<markdown_templates::ListParams>,
    ) -> Result<Json<markdown_templates::ListOutput>, String> {
        Ok(Json(markdown_templates::list(params.filter.as_deref())))
    }

    #[tool(
        description = "Get one Markdown report template by `name` (from markdown_templates_list): sections and tables with {{placeholders}} to fill from kqlab's results (kql_validate, rules_test) and the data.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    fn markdown_template_get(
        &self,
        Parameters(params): Parameters<markdown_templates::GetParams>,
    ) -> Result<Json<markdown_templates::GetOutput>, String> {
        markdown_templates::get(params).map(Json)
    }
}
