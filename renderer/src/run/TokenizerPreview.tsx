// The tokenizer node's outputs at a glance: vocabulary, tokens per character and the most frequent tokens; and a box
// where typed text comes back split into coloured tokens with their ids, tokenized by the engine with this output.
import { useEffect, useState } from 'react';
import type { TokenizedText, TokenizerPreview as TokenizerFacts, TokensPreview } from '../../../app/protocol/preview-api.ts';
import type { OutputRef } from '../api/preview-client.ts';
import { useStudio } from '../store/store-context.tsx';
import { Fact } from './FactList.tsx';

/** Spaces, newlines and tabs drawn so a token made of them can be seen. */
export function visibleToken(text: string): string {
  return text.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥');
}

export function TokenizerPreview({ output, preview }: { output: OutputRef; preview: TokensPreview | TokenizerFacts }) {
  return (
    <div className="tokenizer-preview" data-preview={preview.kind}>
      <dl className="facts preview-counts" aria-label="Tokenizer facts">
        <Fact label="Vocabulary" value={preview.vocabSize.toLocaleString('en-US')} note={preview.tokenizerKind} />
        {preview.kind === 'tokens' && (
          <>
            <Fact label="Tokens" value={`${preview.trainTokens.toLocaleString('en-US')} train, ${preview.valTokens.toLocaleString('en-US')} val`} />
            {preview.tokensPerCharacter !== null && <Fact label="Tokens per character" value={preview.tokensPerCharacter.toFixed(3)} note={`over the first ${preview.tokensCounted.toLocaleString('en-US')} train tokens`} />}
          </>
        )}
        {preview.kind === 'tokenizer' && preview.specialTokens.length > 0 && <Fact label="Special tokens" value={preview.specialTokens.join(' ')} />}
      </dl>
      {preview.kind === 'tokens' && preview.topTokens.length > 0 && (
        <table className="top-tokens" aria-label="Most frequent tokens">
          <thead>
            <tr>
              <th>token</th>
              <th>id</th>
              <th>count</th>
            </tr>
          </thead>
          <tbody>
            {preview.topTokens.map((token) => (
              <tr key={token.id}>
                <td>
                  <code>{visibleToken(token.token)}</code>
                </td>
                <td>{token.id}</td>
                <td>{token.count.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <TokenizeBox output={output} />
    </div>
  );
}

const TOKENIZE_DELAY_MS = 200;

function TokenizeBox({ output }: { output: OutputRef }) {
  const engine = useStudio((state) => state.engine);
  const [text, setText] = useState('To be, or not to be: that is the question.');
  const [result, setResult] = useState<{ text: string; tokens?: TokenizedText; error?: string } | null>(null);
  useEffect(() => {
    if (!engine) return;
    let current = true;
    const ref = { runId: output.runId, nodeId: output.nodeId, port: output.port };
    const timer = setTimeout(() => {
      engine.previews.tokenize(ref, text).then(
        (tokens) => current && setResult({ text, tokens }),
        (error: unknown) => current && setResult({ text, error: error instanceof Error ? error.message : String(error) }),
      );
    }, TOKENIZE_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [engine, output.runId, output.nodeId, output.port, text]);
  const tokens = result?.tokens?.tokens;
  return (
    <div className="tokenize-box">
      <label htmlFor={`tokenize-${output.nodeId}-${output.port}`}>Try the tokenizer</label>
      <textarea id={`tokenize-${output.nodeId}-${output.port}`} rows={2} value={text} maxLength={20_000} onChange={(event) => setText(event.target.value)} />
      {result?.error && <p className="field-error" role="alert">{result.error}</p>}
      {tokens && (
        <>
          <p className="muted" data-token-count={tokens.length}>
            {tokens.length.toLocaleString('en-US')} tokens for {result.tokens!.characters.toLocaleString('en-US')} characters
          </p>
          <div className="token-strip" aria-label="Tokens">
            {tokens.map((token, index) => (
              <span key={index} className={`token token-${index % 6}`} title={`id ${token.id}`} data-token-id={token.id}>
                <span className="token-text">{visibleToken(token.text)}</span>
                <span className="token-id">{token.id}</span>
              </span>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
