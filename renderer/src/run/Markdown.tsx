// Draws parsed Markdown (markdown.ts) with React elements: text is always text, so raw HTML in a report or model card
// shows as written and never runs. Links open outside the studio.
import { Fragment, type ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from './markdown.ts';

function inlines(spans: readonly Inline[]): ReactNode {
  return spans.map((span, index) => {
    switch (span.kind) {
      case 'text':
        return <Fragment key={index}>{span.text}</Fragment>;
      case 'code':
        return <code key={index}>{span.text}</code>;
      case 'strong':
        return <strong key={index}>{inlines(span.children)}</strong>;
      case 'em':
        return <em key={index}>{inlines(span.children)}</em>;
      case 'link':
        return (
          <a key={index} href={span.href} target="_blank" rel="noopener noreferrer">
            {inlines(span.children)}
          </a>
        );
    }
  });
}

function block(item: Block, index: number): ReactNode {
  switch (item.kind) {
    case 'heading': {
      const Heading = `h${Math.min(6, item.level + 2)}` as 'h3';
      return <Heading key={index}>{inlines(item.children)}</Heading>;
    }
    case 'paragraph':
      return <p key={index}>{inlines(item.children)}</p>;
    case 'code':
      return (
        <pre key={index} className="markdown-code">
          <code>{item.text}</code>
        </pre>
      );
    case 'table':
      return (
        <table key={index} className="markdown-table">
          <thead>
            <tr>{item.header.map((cell, column) => <th key={column}>{inlines(cell)}</th>)}</tr>
          </thead>
          <tbody>
            {item.rows.map((row, rowIndex) => (
              <tr key={rowIndex}>{row.map((cell, column) => <td key={column}>{inlines(cell)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      );
    case 'list': {
      const List = item.ordered ? 'ol' : 'ul';
      return <List key={index}>{item.items.map((entry, entryIndex) => <li key={entryIndex}>{inlines(entry)}</li>)}</List>;
    }
    case 'quote':
      return <blockquote key={index}>{inlines(item.children)}</blockquote>;
    case 'rule':
      return <hr key={index} />;
  }
}

/** Headings start at h3: the markdown sits inside a panel that has its own title. */
export function Markdown({ text }: { text: string }) {
  return <div className="markdown">{parseMarkdown(text).map(block)}</div>;
}
