// The left panel: node types from the catalogue, grouped and searchable, dragged onto the canvas (or clicked to add),
// and the template gallery.
import { useMemo, useState, type DragEvent } from 'react';
import type { NodeTypeInfo } from '../../../app/nodes/catalogue.ts';
import { PORT_COLORS, isPortType } from '../../../app/nodes/ports.ts';
import { NODE_TYPE_DRAG_FORMAT } from '../canvas/drag-format.ts';
import { NodeIcon } from '../canvas/node-icon.tsx';
import { selectDirty } from '../store/selectors.ts';
import { useStudio, useStudioStore } from '../store/store-context.tsx';
import { paletteGroups } from './palette-groups.ts';
import { PIPELINE_TEMPLATES } from './templates.ts';

function PortDots({ info }: { info: NodeTypeInfo }) {
  const dot = (type: string, key: string) => <span key={key} className="port-dot" title={type} style={{ background: isPortType(type) ? PORT_COLORS[type] : undefined }} />;
  return (
    <span className="palette-ports">
      {info.inputs.map((port) => dot(port.type, `in-${port.name}`))}
      <span className="palette-arrow">→</span>
      {info.outputs.map((port) => dot(port.type, `out-${port.name}`))}
    </span>
  );
}

function PaletteItem({ info }: { info: NodeTypeInfo }) {
  const addNode = useStudio((state) => state.addNode);
  const onDragStart = (event: DragEvent) => {
    event.dataTransfer.setData(NODE_TYPE_DRAG_FORMAT, info.type);
    event.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <li>
      <button type="button" className="palette-item" draggable onDragStart={onDragStart} onClick={() => addNode(info.type)} title={`${info.summary}\nDrag onto the canvas, or click to add.`} data-node-type={info.type}>
        <NodeIcon name={info.icon} />
        <span className="palette-item-title">{info.title}</span>
        <PortDots info={info} />
      </button>
    </li>
  );
}

function TemplateGallery() {
  const store = useStudioStore();
  const open = (pipeline: unknown) => {
    if (selectDirty(store.getState()) && !window.confirm('Discard the unsaved changes to this pipeline?')) return;
    store.getState().openJson(structuredClone(pipeline), null);
  };
  return (
    <section className="templates" aria-label="Templates">
      <h3>Templates</h3>
      <ul>
        {PIPELINE_TEMPLATES.map((template) => (
          <li key={template.id}>
            <button type="button" className="template" onClick={() => open(template.pipeline)} title={template.summary} data-template={template.id}>
              <strong>{template.title}</strong>
              <span>{template.summary}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Palette() {
  const catalogue = useStudio((state) => state.catalogue);
  const [query, setQuery] = useState('');
  const groups = useMemo(() => paletteGroups(catalogue, query), [catalogue, query]);
  return (
    <aside className="palette" aria-label="Node palette">
      <input className="palette-search" type="search" placeholder="Search nodes…" value={query} onChange={(event) => setQuery(event.target.value)} aria-label="Search node types" />
      {groups.length === 0 && <p className="muted">No node type matches "{query}".</p>}
      {groups.map((group) => (
        <section key={group.category} className="palette-group">
          <h3>{group.category}</h3>
          <ul>
            {group.items.map((info) => (
              <PaletteItem key={info.type} info={info} />
            ))}
          </ul>
        </section>
      ))}
      <TemplateGallery />
    </aside>
  );
}
