// The right panel: for one selected node, its form generated from the config schema, its problems, derived facts and
// the facts its outputs recorded in the run shown (an imported model's architecture, parameters…); for a placeholder,
// the type it most likely meant and its kept config; otherwise the pipeline's name, description and problems.
import { useMemo } from 'react';
import { nodeTypeSuggestion } from '../../../app/graph/node-type-suggestion.ts';
import { formatProblem, isWarning, type ValidationProblem } from '../../../app/graph/problems.ts';
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import { MAX_LABEL_LENGTH, type PipelineNode } from '../../../app/pipeline/schema.ts';
import type { ArtifactFact } from '../../../app/protocol/run-events.ts';
import { NodeIcon } from '../canvas/node-icon.tsx';
import { FactList } from '../run/FactList.tsx';
import { selectNodeRun, selectProblems, selectProblemsByNode } from '../store/selectors.ts';
import { useStudio } from '../store/store-context.tsx';
import { FieldEditor } from './FieldEditor.tsx';
import { NodeOutputs } from './NodeOutputs.tsx';
import { nodeFacts } from './node-facts.ts';
import { fieldApplies, fieldsFromSchema } from './schema-fields.ts';

const NO_PROBLEMS: ValidationProblem[] = [];

function ProblemList({ problems }: { problems: readonly ValidationProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="problems" aria-label="Problems">
      {problems.map((problem, index) => (
        <li key={`${problem.code}-${index}`} className={isWarning(problem) ? 'warning' : undefined}>
          {formatProblem(problem)}
        </li>
      ))}
    </ul>
  );
}

function Facts({ nodeId }: { nodeId: string }) {
  const doc = useStudio((state) => state.doc);
  const registry = useStudio((state) => state.registry);
  const facts = useMemo(() => nodeFacts(doc, nodeId, registry), [doc, nodeId, registry]);
  return <FactList facts={facts} className="facts" label="Derived facts" />;
}

const NO_FACTS: ArtifactFact[] = [];

/** The facts the node's outputs recorded in the run the studio shows (fresh or from the cache). */
function OutputFacts({ nodeId }: { nodeId: string }) {
  const facts = useStudio((state) => selectNodeRun(state, nodeId)?.artifacts);
  const shown = useMemo(() => (facts ? Object.values(facts).flatMap((artifact) => artifact.facts ?? NO_FACTS) : NO_FACTS), [facts]);
  return <FactList facts={shown} className="facts output-facts" label="From the last run" />;
}

function NodeForm({ node, info }: { node: PipelineNode; info: NodeTypeInfo }) {
  const registry = useStudio((state) => state.registry);
  const problems = useStudio((state) => selectProblemsByNode(state).get(node.id)) ?? NO_PROBLEMS;
  const fields = useMemo(() => fieldsFromSchema(info.configSchema, registry.get(info.type)?.pathFields), [info, registry]);
  const fieldMessages = problems
    .filter((problem) => problem.field !== undefined && problem.field !== '')
    .map((problem) => ({ field: problem.field!, message: problem.message, warning: isWarning(problem) }));
  const otherProblems = problems.filter((problem) => problem.field === undefined || problem.field === '');
  return (
    <>
      <ProblemList problems={otherProblems} />
      <Facts nodeId={node.id} />
      <OutputFacts nodeId={node.id} />
      <NodeOutputs nodeId={node.id} />
      <form className="config-form" onSubmit={(event) => event.preventDefault()} aria-label={`${info.title} config`}>
        {fields.filter((field) => fieldApplies(field, node.config, fields)).map((field) => (
          <FieldEditor key={field.key} nodeId={node.id} field={field} config={node.config} messages={fieldMessages} />
        ))}
      </form>
    </>
  );
}

/** An unknown type is nearly always a typo: the known type it most likely meant, else them all. */
function TypeSuggestion({ type }: { type: string }) {
  const catalogueByType = useStudio((state) => state.catalogueByType);
  const suggestion = useMemo(() => nodeTypeSuggestion(type, [...catalogueByType.keys()]), [type, catalogueByType]);
  return <>{suggestion}</>;
}

function NodeInspector({ node }: { node: PipelineNode }) {
  const info = useStudio((state) => state.catalogueByType.get(node.type));
  const setNodeTitle = useStudio((state) => state.setNodeTitle);
  return (
    <div className="inspector-node" data-inspecting={node.id}>
      <header className="inspector-header">
        <NodeIcon name={info?.icon ?? 'unknown'} size={22} />
        <div>
          <h2>{info?.title ?? node.type}</h2>
          <code>{node.id}</code>
        </div>
      </header>
      <label className="field">
        <span>title</span>
        <input type="text" value={node.title ?? ''} maxLength={MAX_LABEL_LENGTH} placeholder={info?.title ?? node.type} onChange={(event) => setNodeTitle(node.id, event.target.value)} />
      </label>
      {info ? (
        <>
          <p className="inspector-docs">{info.docs}</p>
          <NodeForm node={node} info={info} />
        </>
      ) : (
        <div className="placeholder-info">
          <p>
            Crucible has no node type "{node.type}" (version {node.typeVersion}); <TypeSuggestion type={node.type} /> The node is kept as a placeholder with its
            config untouched, so saving this file loses nothing. Correct the type in the file, or delete the node.
          </p>
          <pre>{JSON.stringify(node.config, null, 2)}</pre>
        </div>
      )}
    </div>
  );
}

function PipelineInspector() {
  const doc = useStudio((state) => state.doc);
  const setPipelineName = useStudio((state) => state.setPipelineName);
  const problems = useStudio(selectProblems);
  const selectedCount = useStudio((state) => state.selectedNodes.length);
  return (
    <div className="inspector-pipeline">
      <label className="field">
        <span>pipeline name</span>
        <input type="text" value={doc.name} maxLength={MAX_LABEL_LENGTH} onChange={(event) => setPipelineName(event.target.value)} />
      </label>
      {doc.description && <p className="inspector-docs">{doc.description}</p>}
      <p className="muted">
        {doc.nodes.length} nodes, {doc.edges.length} connections{selectedCount > 1 ? `, ${selectedCount} selected` : ''}. Select one node to edit its config.
      </p>
      {problems.length === 0 ? <p className="ok">No problems found.</p> : <ProblemList problems={problems} />}
    </div>
  );
}

export function Inspector() {
  const node = useStudio((state) => (state.selectedNodes.length === 1 ? state.doc.nodes.find((candidate) => candidate.id === state.selectedNodes[0]) : undefined));
  return (
    <aside className="inspector" aria-label="Inspector">
      {node ? <NodeInspector key={node.id} node={node} /> : <PipelineInspector />}
    </aside>
  );
}
