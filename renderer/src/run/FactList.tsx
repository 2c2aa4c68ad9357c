// A fact as the studio shows one (label, value, and a note below it and as its tooltip), and a list of them: the
// inspector's derived facts, a model's facts, a corpus's counts, a tokenizer's vocabulary.

export interface ShownFact {
  label: string;
  value: string;
  note?: string | undefined;
}

export function Fact({ label, value, note }: ShownFact) {
  return (
    <div title={note}>
      <dt>{label}</dt>
      <dd>{value}</dd>
      {note && <dd className="fact-note">{note}</dd>}
    </div>
  );
}

/** Each fact in a list; nothing when there are none. */
export function FactList({ facts, className, label }: { facts: readonly ShownFact[]; className: string; label: string }) {
  if (facts.length === 0) return null;
  return (
    <dl className={className} aria-label={label}>
      {facts.map((fact) => (
        <Fact key={fact.label} {...fact} />
      ))}
    </dl>
  );
}
