// A button that copies a text to the clipboard and says so for a moment; it says so too when the browser refuses.
import { useState } from 'react';

const CONFIRM_MS = 1500;

export function CopyButton({ text, label = 'copy' }: { text: string; label?: string }) {
  const [result, setResult] = useState<'copied' | 'refused' | null>(null);
  const copy = () => {
    const shown = (outcome: 'copied' | 'refused') => {
      setResult(outcome);
      setTimeout(() => setResult(null), CONFIRM_MS);
    };
    if (!navigator.clipboard) return shown('refused');
    navigator.clipboard.writeText(text).then(() => shown('copied'), () => shown('refused'));
  };
  return (
    <button type="button" className="copy-button" onClick={copy} title={result === 'refused' ? 'The browser refused; select the text and copy it by hand' : undefined}>
      {result === 'copied' ? 'copied' : result === 'refused' ? 'copy refused' : label}
    </button>
  );
}
